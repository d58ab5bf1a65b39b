"""Share: the address bar and the link box hold a link to the view on screen.

While a reader follows the presenter they hold the class's follow link instead (``?follow=1``,
with the reader's own level): a reload, which phones do to background tabs, rejoins the class,
and the presenter's steps cost a hall of followers no link work.

The section (heading, link box, "Save PNG of the view") is one browser component
(:class:`ShareLink`) of native, labelled controls: one model instead of five.
"""

from __future__ import annotations

from urllib.parse import urlencode

import panel as pn
import param

from viewer.page_parts import PagePart
from viewer.panels.base import APP_CSS, BUTTON_CSS
from viewer.state import LINK_PARAMS, ViewState, to_query, to_search

#: The address bar follows the view once it has been still this long (ms).
URL_DEBOUNCE_MS = 400


class AddressBar(PagePart):
    """Keeps the address bar on the current view's link by *replacing* the page's history
    entry (Panel's own Location pushes one per change, so Back would walk through every turn
    of the camera without changing the view)."""

    part = "address"
    search = param.String(default="")

    _esm = """
    export function render({ model }) {
      const apply = () => {
        const search = model.search
        // An empty search clears the query (back to the default view, out of presentation mode).
        if (window.location.search !== search) {
          window.history.replaceState(window.history.state, "", (search || window.location.pathname) + window.location.hash)
        }
      }
      model.on('search', apply)
      apply()
    }
    """


class ShareLink(pn.custom.JSComponent):
    """A "Share" heading, the link box (``link``, read-only to the reader: select and copy it)
    and the "Save PNG of the view" button, reported as a ``{"action": "screenshot"}`` message."""

    link = param.String(default="")
    label = param.String(default="Link to this view")

    _esm = """
    export function render({ model, el }) {
      const heading = document.createElement('h2')
      heading.className = 'side-h'
      heading.textContent = 'Share'
      const label = document.createElement('label')
      label.className = 'share-label'
      label.textContent = model.label
      model.on('label', () => { label.textContent = model.label })
      const input = document.createElement('input')
      input.type = 'text'
      input.className = 'bk-input share-url'
      input.id = 'share-link'
      label.htmlFor = 'share-link'
      input.value = model.link
      model.on('link', () => { input.value = model.link })
      const save = document.createElement('button')
      save.type = 'button'
      save.className = 'bk-btn bk-btn-success share-png'
      save.textContent = 'Save PNG of the view'
      save.addEventListener('click', () => model.send_msg({ action: 'screenshot' }))
      const box = document.createElement('div')
      box.className = 'share-box'
      box.append(label, input, save)
      el.append(heading, box)
    }
    """

    _stylesheets = [APP_CSS, BUTTON_CSS, """
    .share-box { display: flex; flex-direction: column; align-items: flex-start; gap: 10px; margin: 5px; }
    .share-label { font-size: 15px; font-family: var(--bokeh-base-font, Helvetica, Arial, sans-serif); margin-bottom: -6px; }
    .share-url { box-sizing: border-box; width: 100%; height: 35px; padding: 0 8px; font-size: 13px;
      font-family: inherit; border: 1px solid #ccc; border-radius: 4px; background: #fff; color: #212529; }
    """]

    def __init__(self, on_screenshot=None, **params):
        super().__init__(**params)
        self._on_screenshot = on_screenshot

    def _handle_msg(self, data):
        if self._on_screenshot is not None and isinstance(data, dict) and data.get("action") == "screenshot":
            self._on_screenshot()


class ShareBox(pn.viewable.Viewer):
    """The link box, the address bar and "Save PNG of the view"."""

    def __init__(self, session, link_base=None, **params):
        super().__init__(**params)
        self.session = session
        #: ``link_base(snapshot)``: the view a link is written relative to (a tour step's).
        self.link_base = link_base or (lambda snapshot: None)
        self._pending = False
        self.address = AddressBar()
        self.link = ShareLink(on_screenshot=lambda: session.state.param.trigger("screenshot"),
                              sizing_mode="stretch_width", margin=(0, 5))
        session.state.param.watch(self._view_changed, list(LINK_PARAMS))
        session.state.param.watch(lambda *e: self.schedule(), "following")
        self.schedule()

    def _view_changed(self, *events) -> None:
        if self.session.state.changed_by != "presenter":  # a followed step keeps the follow link
            self.schedule()

    def schedule(self) -> None:
        if not self._pending:
            self._pending = True
            self.session.later(URL_DEBOUNCE_MS, self.write)

    def write(self) -> None:
        self._pending = False
        state = self.session.state
        snapshot = state.snapshot()
        if state.following:
            search = "?" + urlencode({"follow": "1", **to_query(ViewState(level=snapshot.level))})
            self.link.label = "Link to follow the class"
        else:
            search = to_search(snapshot, self.link_base(snapshot))
            self.link.label = "Link to this view"
        self.address.search = search
        location = pn.state.location
        base = ""
        if location is not None and location.href:
            base = location.href.split("?")[0].split("#")[0]
        self.link.link = base + search

    def __panel__(self):
        return self.link
