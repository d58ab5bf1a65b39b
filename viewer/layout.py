"""Layouts: where the views of one session go on the page.

A layout takes the views (built from the session by :class:`viewer.app.HipViewerApp`) and
arranges them; it owns only containers.  Three compositions of the same views:

* :func:`desktop` (1100 px and wider, projectors): sidebar | 3D view | side tabs;
* :func:`tablet` (700-1100 px, and a phone on its side): the 3D view | the side tabs, the
  controls in a tab of their own;
* :func:`phone` (under 700 px): the 3D view fills the screen, the side tabs in a bottom sheet
  (peek, half, full) and the controls behind a menu button.

:class:`PageLayout` shows the one that fits the reader's window (:mod:`viewer.screen`) once the
page has reported the window's size, and switches when the window changes.  Each keeps the side tabs and ``state.tab`` in step and
hides its chrome in presentation mode.  A new panel is one module plus one line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import panel as pn

from viewer.classroom.following import KeyClaim
from viewer.classroom.stage import KeyListener, PageHeader
from viewer.classroom.quiz_parts import ProgressStore
from viewer.page_parts import parts_component
from viewer.panels.access import AccessibleNames
from viewer.panels.base import APP_CSS
from viewer.panels.share import AddressBar
from viewer.screen import BottomSheet, ScreenSize, layout_for

TITLE = "Hip anatomy: gluteus medius"
HEADER_PX = 56  # the phone's header bar


@dataclass
class Page:
    root: pn.viewable.Viewable
    header: pn.viewable.Viewable
    sidebar: pn.viewable.Viewable
    tabs: pn.viewable.Viewable
    chrome: list = field(default_factory=list)
    fit: object = None  # fit(width, height): size the composition to the window


def page_header(app, short: bool = False) -> PageHeader:
    """The title (and, unless ``short``, the tagline) and the "Presentation mode" button, as
    one component."""
    tagline = "" if short else "<p>Turn the model, click a structure, read its card.</p>"
    return PageHeader(heading=f'<header class="app-header"><h1>{TITLE}</h1>{tagline}</header>',
                      on_action=app.presenter.action, css_classes=["present-entry"],
                      sizing_mode="stretch_width", margin=0)


def controls(app, **params) -> pn.Column:
    """The reader's controls, in the order a student uses them."""
    return pn.Column(app.structures, app.level, app.posture, app.camera, app.layers, app.share, app.classroom,
                     css_classes=["sidebar"], **params)


def side_tabs(app, with_controls: bool = False, **params) -> pn.Tabs:
    """Card (and Controls), Tour, Quiz and Mechanics, kept in step with ``state.tab``."""
    card = pn.Column(app.notice, app.banner, app.card, scroll=True, sizing_mode="stretch_both",
                     css_classes=["card-column"])
    tabs = [("Card", card)]
    if with_controls:
        tabs.append(("Controls", controls(app, scroll=True, sizing_mode="stretch_both")))
    if app.presenter.tour is not None:
        tabs.append(("Tour", app.presenter))
    if app.quiz is not None:
        tabs.append(("Quiz", app.quiz))
    tabs.append(("Mechanics", app.mechanics))
    widget = pn.Tabs(*tabs, dynamic=True, **params)
    names = [name for name, _ in tabs]
    state = app.state

    def to_state(event):
        state.tab = names[event.new]

    def from_state(event):
        if event.new in names:
            widget.active = names.index(event.new)

    widget.param.watch(to_state, "active")
    state.param.watch(from_state, "tab")
    if state.tab in names:
        widget.active = names.index(state.tab)
    return widget


def _presentation_hides(app, chrome) -> None:
    def show_mode(event=None):
        for part in chrome:
            part.visible = not app.state.present

    app.state.param.watch(show_mode, "present")
    show_mode()


def desktop(app) -> Page:
    """Desktop and projector: sidebar | 3D view | side tabs, a header above."""
    header = page_header(app)
    sidebar = controls(app, width=340, scroll=True, sizing_mode="stretch_height",
                       styles={"background": "#f4f1ea", "border-right": "1px solid #d9d2c3"})
    tabs = side_tabs(app, width=430, sizing_mode="stretch_height")
    main = pn.Row(sidebar, app.scene, tabs, app.presenter.stage, sizing_mode="stretch_both")
    root = pn.Column(header, main, sizing_mode="stretch_both", min_height=720)
    chrome = [header, sidebar, tabs]
    _presentation_hides(app, chrome)
    return Page(root, header, sidebar, tabs, chrome)


def tablet(app) -> Page:
    """Tablet, and a phone on its side: the 3D view | the side tabs, the controls in a tab; a
    short header above.  The tabs take at most 45 % of a narrow window's width, and the page
    no more than the window's height (a phone on its side is under 400 px tall)."""
    header = page_header(app, short=True)
    tabs = side_tabs(app, with_controls=True, width=380, sizing_mode="stretch_height")
    main = pn.Row(app.scene, tabs, app.presenter.stage, sizing_mode="stretch_both")
    root = pn.Column(header, main, sizing_mode="stretch_both", min_height=560)
    _presentation_hides(app, [header, tabs])

    def fit(width: float = 0, height: float = 0) -> None:
        if width:
            tabs.width = int(min(380, max(280, 0.45 * width)))
        if height:
            root.min_height = int(min(560, height))

    return Page(root, header, tabs, tabs, [header, tabs], fit)


def phone(app) -> Page:
    """Phone: the 3D view fills the screen; the card and the other tabs in a bottom sheet;
    the controls (and presentation mode) behind the menu button."""
    state = app.state
    menu = pn.widgets.Toggle(name="☰ Menu", value=state.menu, css_classes=["phone-menu"], width=96,
                             button_type="primary", margin=(8, 8))
    menu.param.watch(lambda e: setattr(state, "menu", e.new), "value")
    title = pn.pane.HTML("<header class='app-header phone'><h1>Gluteus medius</h1></header>",
                         sizing_mode="stretch_width", stylesheets=[APP_CSS], margin=0)
    header = pn.Row(title, menu, sizing_mode="stretch_width", height=HEADER_PX, margin=0,
                    css_classes=["phone-header"])
    drawer = pn.Column(app.presenter.button, controls(app, sizing_mode="stretch_width"), scroll=True,
                       sizing_mode="stretch_width", visible=False, margin=0, height=600,
                       styles={"background": "#f4f1ea", "border-bottom": "2px solid #d9d2c3"})
    stage = pn.Column(app.scene, sizing_mode="stretch_both", min_height=400, max_height=400, margin=0)
    sheet = BottomSheet(state, side_tabs(app, sizing_mode="stretch_both"))
    root = pn.Column(header, drawer, stage, app.presenter.stage, sheet, sizing_mode="stretch_width", margin=0)
    size = {"height": 844}

    def fit(width: float = 0, height: float = 0) -> None:
        if height:
            size["height"] = max(int(height), 320)
        h = size["height"]
        sheet.fit(h)
        present, open_menu = state.present, state.menu and not state.present
        header.visible = not present
        drawer.visible = open_menu
        drawer.height = h - HEADER_PX
        sheet.visible = not present and not open_menu
        # The 3D view takes what the header and the sheet leave (all of it when presenting).
        below = 0 if present or open_menu else sheet.height()
        room = max(h - (0 if present else HEADER_PX) - below, 120)
        stage.param.update(min_height=room, max_height=room)
        stage.visible = not open_menu

    state.param.watch(lambda *e: fit(), ["menu", "present", "sheet"])
    state.param.watch(lambda *e: setattr(menu, "value", state.menu), "menu")
    fit()
    return Page(root, header, drawer, sheet.box, [header, sheet.box], fit)


COMPOSITIONS = {"desktop": desktop, "tablet": tablet, "phone": phone}

#: The page's invisible parts, one browser component (made with the module: a page learns its
#: component types from the classes that exist when it loads).
HiddenParts = parts_component("HiddenParts", [ScreenSize, AddressBar, KeyClaim, KeyListener, AccessibleNames,
                                              ProgressStore])

#: How long a loaded page waits for its window's size before it takes the desktop layout.
SIZE_WAIT_MS = 2000


class PageLayout(pn.viewable.Viewer):
    """The page: the layout that fits the reader's window, plus the page's invisible parts
    (the address bar, the key listener, the quiz's storage, the window size)."""

    def __init__(self, app, served: bool, mobile: bool = False, **params):
        super().__init__(**params)
        self.app = app
        self.pages: dict[str, Page] = {}  # each composition is made when first shown
        self.kind = None
        self.screen = ScreenSize()
        parts = [self.screen, app.share.address, app.following.claim_box, app.presenter.keys, app.access]
        if app.quiz is not None:
            parts.append(app.quiz.store)
        self.hidden = [HiddenParts(parts)]
        self.root = pn.Column(*self.hidden, sizing_mode="stretch_both", margin=0)
        self.mobile = mobile
        if served:
            # A served page waits for its window's size (a report that comes with the page's
            # first message), so that a tablet or a narrow window builds its own layout once,
            # not the desktop's first.  Outside a server (a notebook, a test) there is no
            # window: the desktop composition.
            self.screen.param.watch(lambda *e: self.fit(), ["inner_width", "inner_height"])
        else:
            self.show("desktop")

    def settle(self) -> None:
        """The page has loaded; its window's size follows within a moment.  If it has not
        come after :data:`SIZE_WAIT_MS` (a browser that does not report it), show the desktop
        composition rather than nothing.  A phone or tablet keeps waiting: a desktop page
        shown first would widen its layout viewport."""
        def fallback():
            if self.kind is None and not self.mobile:
                self.show("desktop")

        self.app.session.later(SIZE_WAIT_MS, fallback)

    def fit(self) -> None:
        width, height = self.screen.inner_width, self.screen.inner_height
        self.show(layout_for(width, height))
        page = self.pages[self.kind]
        if page.fit is not None:
            page.fit(width, height)

    def show(self, kind: str) -> None:
        if kind == self.kind:
            return
        self.composition(kind)
        self.kind = kind
        # Empty the slot first: a view shown in the old layout lets go of its page model
        # before the new layout makes its own.
        self.root.objects = list(self.hidden)
        self.root.objects = [self.pages[kind].root, *self.hidden]

    def composition(self, kind: str) -> Page:
        """The ``kind`` composition of this page's views (made on first use)."""
        if kind not in self.pages:
            self.pages[kind] = COMPOSITIONS[kind](self.app)
        return self.pages[kind]

    @property
    def page(self) -> Page:
        """The desktop composition."""
        return self.composition("desktop")

    def __panel__(self):
        return self.root
