"""Accessible names for the controls Panel draws without one, and the page's focus and motion
rules.

Bokeh's sliders draw a noUiSlider handle (``role="slider"``) with no name, and its checkboxes an
``<input>`` beside a ``<div>`` of text rather than a ``<label>``; the number input's arrows are
empty buttons.  A screen reader announces these as "slider", "checkbox", "button".  Panel has no
option for it, so :class:`AccessibleNames` (one per page, drawing nothing) names them in the
browser: a slider after its title (or a name given for its CSS class), a checkbox after its
text, the arrows "Increase"/"Decrease"; it looks again whenever part of the page is redrawn.

:data:`ACCESS_CSS` (``viewer/static/access.css``) goes into every component (Panel's
``raw_css``): a visible focus ring on every control, darker button colours where white text was
below WCAG AA contrast, and no transitions or animations for readers who ask for reduced motion.
"""

from __future__ import annotations

from pathlib import Path

import panel as pn
import param

from viewer.page_parts import PagePart

ACCESS_CSS = (Path(__file__).parent.parent / "static" / "access.css").read_text(encoding="utf-8")


class AccessibleNames(PagePart):
    """Names the page's unnamed sliders, checkboxes and number-input arrows (see the module)."""

    part = "access"
    names = param.Dict(default={}, doc="CSS class of a widget -> its accessible name (else its own title)")

    _esm = """
    const TITLE_VALUE = /[:\\s]+$/

    function ownName(root) {
      const title = root.querySelector('.bk-slider-title')
      if (!title) return null
      const copy = title.cloneNode(true)
      copy.querySelectorAll('.bk-slider-value').forEach((e) => e.remove())
      return copy.textContent.replace(TITLE_VALUE, '').trim() || null
    }

    function given(host, names) {
      if (!host || !host.classList) return null
      for (const cls of host.classList) if (names[cls]) return names[cls]
      return null
    }

    function label(root, names) {
      const host = root.host
      const name = given(host, names)
      root.querySelectorAll('.noUi-handle').forEach((handle) => {
        const text = name || ownName(root)
        if (text && handle.getAttribute('aria-label') !== text) handle.setAttribute('aria-label', text)
      })
      root.querySelectorAll('input[type="checkbox"]').forEach((box) => {
        if (box.labels && box.labels.length) return
        const text = name || (box.parentNode.querySelector('.bk-label') || {}).textContent
        if (text && box.getAttribute('aria-label') !== text.trim()) box.setAttribute('aria-label', text.trim())
      })
      root.querySelectorAll('button.bk-spin-btn-up, button.bk-spin-btn-down').forEach((button) => {
        const text = button.classList.contains('bk-spin-btn-up') ? 'Increase' : 'Decrease'
        if (button.getAttribute('aria-label') !== text) button.setAttribute('aria-label', text)
      })
    }

    export function render({ model }) {
      const watched = new WeakSet()
      let pending = null
      const observer = new MutationObserver(() => schedule())

      function visit(root) {
        if (!watched.has(root)) {
          watched.add(root)
          observer.observe(root, { childList: true, subtree: true })
        }
        label(root, model.names || {})
        root.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) visit(el.shadowRoot) })
      }

      function scan() {
        pending = null
        visit(document)
      }

      function schedule() {
        if (pending === null) pending = setTimeout(scan, 150)
      }

      model.on('names', schedule)
      schedule()
    }
    """
