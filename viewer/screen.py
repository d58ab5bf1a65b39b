"""The reader's screen: how wide it is, and the page's pieces that depend on it.

:class:`ScreenSize` reports the browser window's size (at load and when it changes, e.g. a
phone turned on its side); :func:`layout_for` names the layout for a width.  The bottom sheet
(:class:`BottomSheet`) holds the side tabs on a phone, over the 3D view: peek, half or full.
"""

from __future__ import annotations

import panel as pn
import param

from viewer.page_parts import PagePart


#: Widths (CSS px) below which the page takes the phone, then the tablet layout.
PHONE_BELOW = 700
TABLET_BELOW = 1100
#: A window under 500 px tall and at least this wide is a phone on its side.
LANDSCAPE_AT = 600

#: Viewport meta: lay the page out at the device's width (phones otherwise zoom out a desktop
#: page) while letting the reader zoom the page itself.
#: (Bokeh puts ``{% extends base %}`` in front of a document's template text.)
PAGE_TEMPLATE = """{% block preamble %}{{ super() }}<meta name="viewport" content="width=device-width, initial-scale=1">{% endblock %}
"""


def layout_for(width: float, height: float = 0.0) -> str:
    """``"phone"``, ``"tablet"`` or ``"desktop"`` for a window ``width`` x ``height`` (CSS
    px).  A phone on its side (at least 600 wide, under 500 tall) takes the tablet's two
    columns: under a bottom sheet its 3D view would be a strip under 200 px tall."""
    landscape_phone = 0 < height < 500 and width >= LANDSCAPE_AT and width > height
    if landscape_phone and width < TABLET_BELOW:
        return "tablet"
    if width < PHONE_BELOW:
        return "phone"
    if width < TABLET_BELOW:
        return "tablet"
    return "desktop"


class ScreenSize(PagePart):
    """The window's size in CSS pixels, and whether it has a touch screen (written by the
    page at load and after each resize)."""

    part = "screen"
    inner_width = param.Number(default=0.0, doc="window.innerWidth")
    inner_height = param.Number(default=0.0, doc="window.innerHeight")
    touch = param.Boolean(default=False)

    _esm = """
    export function render({ model, el }) {
      let timer = null
      const report = () => {
        // A touch screen's own width caps the window's: a page laid out wider than the phone
        // must not make it look like a tablet.  (iOS gives the screen's portrait size in
        // either orientation: on its side the screen is as wide as its longer edge.)
        const coarse = window.matchMedia && window.matchMedia('(pointer: coarse)').matches
        const landscape = window.innerWidth > window.innerHeight
        const edges = [screen.width || 0, screen.height || 0]
        const side = landscape ? Math.max(...edges) : Math.min(...edges)
        model.inner_width = coarse && side ? Math.min(window.innerWidth, side) : window.innerWidth
        model.inner_height = window.innerHeight
        model.touch = (navigator.maxTouchPoints || 0) > 0
      }
      window.addEventListener('resize', () => { clearTimeout(timer); timer = setTimeout(report, 150) })
      report()
      el.style.display = 'none'
    }
    """


#: Share of the window's height the bottom sheet takes in each position.
SHEET_SHARE = {"peek": 0.30, "half": 0.55, "full": 0.88}
SHEET_NEXT = {"peek": "half", "half": "full", "full": "peek"}
SHEET_WORDS = {"peek": "▴ Show more", "half": "▴ Show all", "full": "▾ Show less"}


class BottomSheet(pn.viewable.Viewer):
    """A sheet over the bottom of the screen holding ``content``; a handle steps it through
    peek, half and full.  Its position is ``state.sheet``; its height in pixels follows the
    window's (:meth:`fit`)."""

    def __init__(self, state, content, **params):
        super().__init__(**params)
        self.state = state
        self.window_height = 844
        self.handle = pn.widgets.Button(label="", css_classes=["sheet-handle"], sizing_mode="stretch_width",
                                        button_type="light", margin=(0, 0, 4, 0))
        self.handle.on_click(lambda e: setattr(state, "sheet", SHEET_NEXT[state.sheet]))
        self.box = pn.Column(self.handle, content, sizing_mode="stretch_width", css_classes=["bottom-sheet"],
                             margin=0, styles={"background": "#fbfaf7", "border-top": "2px solid #d9d2c3",
                                               "border-radius": "12px 12px 0 0",
                                               "box-shadow": "0 -4px 12px rgba(0,0,0,0.15)"})
        state.param.watch(lambda e: self._show(), "sheet")
        self._show()

    def height(self, where: str | None = None) -> int:
        return int(SHEET_SHARE[where or self.state.sheet] * self.window_height)

    def fit(self, window_height: float) -> None:
        self.window_height = max(int(window_height), 320)
        self._show()

    def _show(self) -> None:
        self.handle.label = SHEET_WORDS[self.state.sheet]
        self.box.height = self.height()

    def __panel__(self):
        return self.box
