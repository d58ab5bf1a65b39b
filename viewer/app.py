"""The page: one session's views, composed into a layout.

Each browser session gets a :class:`viewer.session.Session` (its model and its
:class:`viewer.state.SessionState`) and one instance of each view, every view built from the
session alone.  This module only builds them and hands them to the layout
(:mod:`viewer.layout`); the content pack and the scene geometry are loaded once per server
process and only read.

``create_app(content_dirs=())`` returns the page; ``panel serve viewer/app.py`` serves it too.
See ``docs/architecture.md`` for the data flow and where a new panel goes.
"""

from __future__ import annotations

import functools
import logging
import threading

import panel as pn

from viewer import layout
from viewer.classroom.following import ClassroomControls, FollowBanner, Following
from viewer.classroom.presentation import TourPresenter, session_tour
from viewer.classroom.quiz import make_quiz
from viewer.panels.access import ACCESS_CSS, AccessibleNames
from viewer.panels.camera import CameraButtons
from viewer.panels.card import CardPanel
from viewer.panels.layers import LayerControls
from viewer.panels.level import ReadingLevel
from viewer.panels.mechanics.tab import MechanicsTab
from viewer.panels.notice import NoticeBox
from viewer.panels.posture import PostureControls
from viewer.panels.share import ShareBox
from viewer.panels.structures import StructureList
from viewer.scene import shared
from viewer.scene.panel import ScenePanel
from viewer.screen import PAGE_TEMPLATE
from viewer.serve.local_resources import keep_panel_resources_local
from viewer.session import Session

log = logging.getLogger(__name__)

TITLE = layout.TITLE

#: Page-wide: larger widget text, readable on a projector (inherited into every widget).
PAGE_CSS = ":root { --bokeh-font-size: 15px; } body { background: #fbfaf7; }"


class HipViewerApp(pn.viewable.Viewer):
    """One browser session's views over one :class:`Session`."""

    def __init__(self, content_dirs=(), query=None, defer_scene: bool = False, tour_file=None, served: bool = False,
                 **params):
        super().__init__(**params)
        self.session = session = Session(content_dirs, query, tour_file)
        self.state, self.model = session.state, session.model
        self.presenter = TourPresenter(session, *session_tour(tour_file, session.ids))
        self.following = Following(session)
        self.scene = ScenePanel(session)
        self.card = CardPanel(session)
        self.notice = NoticeBox(session)
        self.structures = StructureList(session)
        self.level = ReadingLevel(session)
        self.posture = PostureControls(session)
        self.camera = CameraButtons(session)
        self.layers = LayerControls(session)
        self.share = ShareBox(session, link_base=self.presenter.link_base)
        self.classroom = ClassroomControls(self.following)
        self.banner = FollowBanner(self.following)
        self.quiz = make_quiz(session, query)
        self.mechanics = MechanicsTab(session)
        self.access = AccessibleNames()
        self.layout = layout.PageLayout(self, served=served, mobile=session.mobile)
        if not defer_scene:
            self.scene.build()

    def __panel__(self):
        return self.layout.root

    # --- the session, for notebooks and tests ------------------------------------------------
    @property
    def header(self):
        """The desktop composition's header (its sidebar and side tabs below)."""
        return self.layout.page.header

    @property
    def sidebar(self):
        return self.layout.page.sidebar

    @property
    def right(self):
        return self.layout.page.tabs

    @property
    def notices(self) -> list[str]:
        return self.state.notices

    @property
    def pick_handlers(self) -> list:
        return self.session.pick_handlers

    @property
    def follow_switch(self):
        return self.classroom.switch

    def select(self, sid: str | None) -> None:
        self.session.select(sid)

    def update(self, **changes) -> None:
        self.state.param.update(**changes)

    def follow_view(self, view) -> None:
        """Show the presenter's ``view`` as a follower would."""
        self.following.show(view)


def _session_query() -> dict:
    """The query parameters of the page being served (empty outside a server)."""
    args = pn.state.session_args
    return dict(args) if args else {}


def create_app(content_dirs=(), tour_file=None):
    """The viewer page for one browser session (``tour_file``: the guided tour, by default the
    built-in one)."""
    keep_panel_resources_local()
    pn.extension(notifications=False, global_css=[PAGE_CSS], raw_css=[ACCESS_CSS])
    served = pn.state.curdoc is not None and pn.state.curdoc.session_context is not None
    app = HipViewerApp(content_dirs, query=_session_query(), defer_scene=served, tour_file=tour_file, served=served)
    if served:
        pn.state.curdoc.template = PAGE_TEMPLATE
        pn.state.curdoc.on_session_destroyed(_release_memory)
    if served:
        pn.state.onload(functools.partial(_build_in_background, app, pn.state.curdoc))
    return app.__panel__()


#: Closed sessions are collected together once closing has paused this long (seconds).
RELEASE_AFTER_S = 2.0
_release = {"timer": None}


def _release_memory(session_context) -> None:
    """A session closed: soon, collect its objects and hand the freed pages back to the system,
    so a long lesson's comings and goings do not grow the server.  A full collection of a
    server's heap costs about 50 ms, and the server discards closed sessions in batches (a class
    leaves at once): one collection follows each batch, :data:`RELEASE_AFTER_S` after its last."""
    from tornado.ioloop import IOLoop

    loop = IOLoop.current()
    if _release["timer"] is not None:
        loop.remove_timeout(_release["timer"])
    _release["timer"] = loop.call_later(RELEASE_AFTER_S, _collect)


def _collect() -> None:
    """Collect unreachable objects and return freed pages to the system (glibc's ``malloc_trim``)."""
    import ctypes
    import gc

    _release["timer"] = None
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the collection alone
        pass


def _build_in_background(app: HipViewerApp, doc) -> None:
    """Build and encode the shared scene off the server's event loop (the first reader of a process
    waits for the bone geometry; other readers' pages keep loading meanwhile), then finish
    this session's view on the loop."""
    from panel.io.state import set_curdoc

    app.layout.settle()

    def finish():
        with set_curdoc(doc):
            app.scene.build()

    def work():
        try:
            shared.shared_scene()
        except Exception:  # reported on the page by the scene panel
            log.exception("the 3D scene could not be built")
        finally:
            doc.add_next_tick_callback(finish)

    if shared.is_encoded():
        app.scene.build()
    else:
        threading.Thread(target=work, name="hip-viewer-scene", daemon=True).start()


if __name__.startswith("bokeh"):
    create_app().servable(title=TITLE)
