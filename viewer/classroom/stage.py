"""The browser components of the guided tour and presentation mode.

* :class:`TourStage` draws a tour step (position, title, caption, the selection's name,
  previous/next): in the Tour tab of the page, and as the caption column of presentation mode.
* :class:`PresentButton` is the page's "Presentation mode" button; :class:`PageHeader` is
  the same button with the page's title beside it (a desktop's or a tablet's header).  Both
  are native buttons, so a click may ask the browser for full screen (which needs the
  reader's own click).
* :class:`KeyListener` reports the presentation keys (→/←, PageDown/PageUp, Space, R, L, Esc)
  in presentation mode and, in the page, once the tour has started; never while the reader
  types in a field or works a control that uses those keys (a list, a slider, tabs).

:mod:`viewer.classroom.presentation` wires them to a session.
"""

from __future__ import annotations

from pathlib import Path

import panel as pn
import param

from viewer.page_parts import PagePart
from viewer.panels.base import APP_CSS, ActionMessages

HERE = Path(__file__).parent
TOUR_CSS = (HERE / "tour.css").read_text(encoding="utf-8")

KEY_HINT = (
    "<kbd>→</kbd>/<kbd>←</kbd> next/back · <kbd>R</kbd> reset view · "
    "<kbd>L</kbd> labels · <kbd>Esc</kbd> exit"
)

_FULLSCREEN_JS = """
function askFullscreen() {
  // Full screen needs the reader's own click; where the browser refuses, the page still
  // fills the window.
  const d = document.documentElement
  if (!document.fullscreenElement && d.requestFullscreen) {
    try { d.requestFullscreen().catch(() => {}) } catch (e) {}
  }
}
"""


class TourStage(ActionMessages, pn.custom.JSComponent):
    """One tour step as the reader sees it; buttons report ``{"action": ...}`` messages."""

    variant = param.Selector(default="tab", objects=["tab", "stage"])
    tour_title = param.String(default="")
    position = param.String(default="")
    step_title = param.String(default="")
    caption_html = param.String(default="")
    label = param.String(default="")
    show_label = param.Boolean(default=True)
    at_start = param.Boolean(default=True)
    at_end = param.Boolean(default=False)
    started = param.Boolean(default=False)
    hint_html = param.String(default=KEY_HINT)

    _esm = _FULLSCREEN_JS + """
    export function render({ model, el }) {
      const make = (tag, cls, text) => {
        const e = document.createElement(tag)
        if (cls) e.className = cls
        if (text) e.textContent = text
        return e
      }
      const stage = model.variant === 'stage'
      const root = make('section', 'tour ' + model.variant)
      root.setAttribute('aria-label', stage ? 'Presentation: tour step' : 'Guided tour')
      const name = make('p', 'tour-name')
      const position = make('p', 'tour-position')
      const title = make('h2', 'tour-title')
      const caption = make('div', 'tour-caption')
      caption.setAttribute('aria-live', 'polite')
      const label = make('p', 'tour-label')
      const buttons = make('div', 'tour-buttons')
      const prev = make('button', 'tour-prev', 'Previous')
      const next = make('button', 'tour-next primary', 'Next')
      buttons.append(prev, next)
      let extra
      if (stage) {
        extra = make('button', 'tour-exit', 'Exit presentation')
        extra.addEventListener('click', () => model.send_msg({ action: 'exit' }))
      } else {
        extra = make('button', 'tour-present', 'Present the tour')
        extra.title = 'Full-screen 3D view with large captions, for a projector (Esc leaves)'
        extra.addEventListener('click', () => { askFullscreen(); model.send_msg({ action: 'present_tour' }) })
      }
      buttons.append(extra)
      prev.addEventListener('click', () => model.send_msg({ action: 'previous' }))
      next.addEventListener('click', () => model.send_msg({ action: 'next' }))
      const spacer = make('div', 'tour-spacer')
      const hint = make('p', 'tour-hint')
      hint.setAttribute('aria-label', 'Keys: right arrow or Page Down next, left arrow or Page Up back, R reset view, L labels, Escape exit')
      if (stage) root.append(name, position, title, caption, label, spacer, buttons, hint)
      else root.append(name, position, buttons, title, caption, label)

      function update() {
        name.textContent = model.tour_title
        position.textContent = model.position
        title.textContent = model.step_title
        caption.innerHTML = model.caption_html
        label.textContent = model.label ? 'Showing: ' + model.label : ''
        label.hidden = !(model.show_label && model.label)
        prev.disabled = model.at_start
        next.disabled = model.at_end
        next.textContent = model.started ? 'Next' : 'Start the tour'
        hint.innerHTML = model.hint_html
      }
      for (const p of ['tour_title', 'position', 'step_title', 'caption_html', 'label', 'show_label',
                       'at_start', 'at_end', 'started', 'hint_html']) model.on(p, update)
      update()
      el.appendChild(root)
    }
    """
    _stylesheets = [TOUR_CSS]


class PresentButton(ActionMessages, pn.custom.JSComponent):
    """The page's "Presentation mode" button; with ``heading`` (the page's header, HTML), the
    header and the button in one row, as one component."""

    label = param.String(default="Presentation mode")
    heading = param.String(default="", doc="HTML drawn before the button, across the row")

    _esm = _FULLSCREEN_JS + """
    export function render({ model, el }) {
      const b = document.createElement('button')
      b.className = 'present-button'
      b.textContent = model.label
      b.title = 'Full-screen 3D view with large captions, for a projector (Esc leaves)'
      b.addEventListener('click', () => { askFullscreen(); model.send_msg({ action: 'present' }) })
      model.on('label', () => { b.textContent = model.label })
      if (model.heading) {
        const row = document.createElement('div')
        row.className = 'page-head'
        const head = document.createElement('div')
        head.className = 'page-head-text'
        head.innerHTML = model.heading
        row.append(head, b)
        el.appendChild(row)
      } else {
        el.appendChild(b)
      }
    }
    """
    _stylesheets = [TOUR_CSS, APP_CSS, """
    .page-head { display: flex; align-items: center; gap: 12px; }
    .page-head-text { flex: 1 1 auto; min-width: 0; }
    .page-head .present-button { flex: none; margin: 8px 10px; padding: 10px 18px; font-size: 16px; }
    """]


class PageHeader(PresentButton):
    """The page's title and tagline with the "Presentation mode" button (give ``heading``).
    A class of its own: Panel names a component's box after its class, and the box of a
    :class:`PresentButton` is drawn as the button."""


class KeyListener(PagePart):
    """Presentation keys, reported as ``{"key": action}`` messages while ``active``;
    ``presenting`` says whether presentation mode is on (leaving it leaves full screen)."""

    part = "keys"
    active = param.Boolean(default=False)
    presenting = param.Boolean(default=False)

    _esm = """
    const KEYS = {
      ArrowRight: 'next', PageDown: 'next', ' ': 'next', Spacebar: 'next',
      ArrowLeft: 'previous', PageUp: 'previous',
      r: 'reset', R: 'reset', l: 'labels', L: 'labels', Escape: 'exit', Esc: 'exit',
    }
    const OWN_KEYS_ROLES = /^(slider|textbox|searchbox|combobox|listbox|option|spinbutton|menu|menuitem|tab|tablist|radio|radiogroup)$/

    function typing(ev) {
      // The element really focused, inside any shadow roots: a field, or a control that
      // uses these keys itself (Space presses a focused button).
      const t = (ev.composedPath && ev.composedPath()[0]) || ev.target
      if (!t || !t.tagName) return false
      const tag = t.tagName
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable) return true
      if (ev.key === ' ' && (tag === 'BUTTON' || tag === 'A')) return true
      const role = t.getAttribute && t.getAttribute('role')
      return !!(role && OWN_KEYS_ROLES.test(role))
    }

    export function render({ model, el }) {
      let wasFullscreen = false
      function onKey(ev) {
        if (!model.active || ev.defaultPrevented || ev.ctrlKey || ev.altKey || ev.metaKey) return
        const action = KEYS[ev.key]
        if (!action || typing(ev)) return
        if (action === 'exit' && !model.presenting) return
        ev.preventDefault()
        ev.stopPropagation()
        if (ev.repeat && action !== 'next' && action !== 'previous') return
        model.send_msg({ key: action })
      }
      function onFullscreen() {
        if (document.fullscreenElement) { wasFullscreen = true; return }
        // Esc in full screen is taken by the browser: leaving full screen leaves the mode.
        if (wasFullscreen && model.presenting) model.send_msg({ key: 'exit' })
        wasFullscreen = false
      }
      window.addEventListener('keydown', onKey, true)
      document.addEventListener('fullscreenchange', onFullscreen)
      model.on('presenting', () => {
        if (!model.presenting && document.fullscreenElement && document.exitFullscreen) {
          document.exitFullscreen().catch(() => {})
        }
      })
      model.on('remove', () => {
        window.removeEventListener('keydown', onKey, true)
        document.removeEventListener('fullscreenchange', onFullscreen)
      })
      const marker = document.createElement('span')
      marker.className = 'key-listener'
      el.appendChild(marker)
    }
    """

    def __init__(self, on_key=None, **params):
        super().__init__(**params)
        self._on_key = on_key

    def handle_msg(self, data):
        if self._on_key is not None and isinstance(data, dict) and isinstance(data.get("key"), str):
            self._on_key(data["key"])
