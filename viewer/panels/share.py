"""Share: the address bar and the link box always hold a link to the view on screen."""

from __future__ import annotations

import panel as pn
import param

from viewer.panels.base import heading
from viewer.state import LINK_PARAMS, to_search

#: The address bar follows the view once it has been still this long (ms).
URL_DEBOUNCE_MS = 400


class AddressBar(pn.custom.JSComponent):
    """Keeps the address bar on the current view's link by *replacing* the page's history
    entry (Panel's own Location pushes one per change, so Back would walk through every turn
    of the camera without changing the view)."""

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


class ShareBox(pn.viewable.Viewer):
    """The link box, the address bar and "Save PNG of the view"."""

    def __init__(self, session, link_base=None, **params):
        super().__init__(**params)
        self.session = session
        #: ``link_base(snapshot)``: the view a link is written relative to (a tour step's).
        self.link_base = link_base or (lambda snapshot: None)
        self._pending = False
        self.address = AddressBar(width=0, height=0, margin=0)
        self.link = pn.widgets.TextInput(label="Link to this view", value="", sizing_mode="stretch_width")
        self.screenshot = pn.widgets.Button(label="Save PNG of the view", color="success")
        self.screenshot.on_click(lambda e: session.state.param.trigger("screenshot"))
        session.state.param.watch(lambda *e: self.schedule(), list(LINK_PARAMS))
        self.schedule()

    def schedule(self) -> None:
        if not self._pending:
            self._pending = True
            self.session.later(URL_DEBOUNCE_MS, self.write)

    def write(self) -> None:
        self._pending = False
        snapshot = self.session.state.snapshot()
        search = to_search(snapshot, self.link_base(snapshot))
        self.address.search = search
        location = pn.state.location
        base = ""
        if location is not None and location.href:
            base = location.href.split("?")[0].split("#")[0]
        self.link.value = base + search

    def __panel__(self):
        return pn.Column(heading("Share"), self.link, self.screenshot, margin=0, sizing_mode="stretch_width")
