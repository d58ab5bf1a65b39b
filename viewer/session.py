"""One browser session: its content, its hip model, its state and its event loop.

:class:`Session` is plain Python that every view is built from: the views read and write
``session.state`` (:class:`viewer.state.SessionState`) and read ``session.model``
(:class:`meshes.model.HipModel`); none of them holds another view.  The session keeps the
model at the state's posture (and the state at the model's, when the mechanics tab moves the
model), resolves what a selection may name, and runs callbacks on this session's own loop.
"""

from __future__ import annotations

import logging

import panel as pn

from meshes.model import HipModel
from viewer.content import known_ids, load_content
from viewer.panels import cards
from viewer.scene import shared
from viewer.state import POSTURE_PARAMS, SessionState, parse_query

log = logging.getLogger(__name__)

MOTION_PARAMS = (*POSTURE_PARAMS, "pelvic_drop")


class Session:
    """Everything one browser session owns apart from its widgets."""

    def __init__(self, content_dirs=(), query=None, tour_file=None):
        self.pack, content_problems = load_content(tuple(str(d) for d in content_dirs))
        self.ids = known_ids(self.pack)
        self.model = HipModel()
        self.doc = pn.state.curdoc  # this session's document (None outside a server)
        self.query = dict(query or {})
        self.tour_file = tour_file
        #: Callables offered each click in the 3D view first (the resolved id, or None for a
        #: click on nothing); one that returns True has used the click (the quiz's answers).
        self.pick_handlers: list = []
        view, notices = parse_query(self.query, self.ids)
        self.state = SessionState()
        self.state.apply(view)
        self.state.notices = notices + [f"Content pack problem: {p}" for p in content_problems]
        self.model.param.update(**view.posture(), pelvic_drop=view.pelvic_drop)
        self.state.param.watch(self._state_moved, list(MOTION_PARAMS))
        self.model.param.watch(self._model_moved, list(MOTION_PARAMS))

    # --------------------------------------------------------------- posture, both ways

    def _state_moved(self, *events):
        """The state's posture changed (a slider, a link, a tour step, the presenter)."""
        wanted = {name: float(getattr(self.state, name)) for name in MOTION_PARAMS}
        if any(float(getattr(self.model, k)) != v for k, v in wanted.items()):
            self.model.param.update(**wanted)

    def _model_moved(self, *events):
        """The model moved (the mechanics tab's animation, stance or exercises)."""
        moved = {name: float(getattr(self.model, name)) for name in MOTION_PARAMS}
        self.state.param.update(**moved)

    # --------------------------------------------------------------- selection

    def select(self, sid: str | None) -> None:
        """Select a structure (an id this session knows, or None for nothing)."""
        sid = sid or None
        if sid is None or sid in self.ids:
            self.state.selection = sid

    def pick(self, sid: str | None) -> None:
        """A click in the 3D view resolved to ``sid``: offered to the pick handlers first."""
        if any(handler(sid) for handler in self.pick_handlers):
            return
        if sid is not None:
            self.select(sid)

    def name_of(self, sid: str | None) -> str:
        """The display name of a structure or card."""
        if not sid:
            return ""
        entry = self.pack.entries.get(sid)
        if entry is not None:
            return entry.name
        from meshes.landmarks import BY_ID

        return BY_ID[sid].name if sid in BY_ID else sid

    # --------------------------------------------------------------- the card

    def moment_arms(self) -> dict:
        try:
            return self.model.moment_arms()
        except Exception:
            log.exception("moment arms unavailable")
            return {}

    def card_html(self) -> str:
        """The card of the selection at the state's reading level and the model's posture."""
        state = self.state
        sid = state.selection
        if not sid:
            return cards.welcome_card_html(self.pack.disclaimer)
        sentence = None
        # Before the shared geometry is built, no moment arms: building it here would hold
        # up this session's loop (the scene panel builds it off the loop).
        arms = self.moment_arms() if shared.is_built() else {}
        if arms and cards.group_key(sid, arms) is not None:
            sentence = cards.action_line(sid, arms, state.posture(), with_mm=state.level != "lay", level=state.level)
        entry = self.pack.entries.get(sid)
        if entry is None:
            return cards.missing_card_html(sid, self.pack.disclaimer, sentence)
        from annotations import render_markdown

        return cards.card_html(entry, self.pack, state.level, render_markdown, sentence)

    # --------------------------------------------------------------- the event loop

    @property
    def client(self) -> str:
        """The reader's network address ("" outside a server), for per-client limits."""
        if not self.served:
            return ""
        request = getattr(self.doc.session_context, "request", None)
        return str(getattr(request, "remote_ip", "") or "")

    @property
    def mobile(self) -> bool:
        """The browser says it is a phone or a tablet (its User-Agent)."""
        if not self.served:
            return False
        request = getattr(self.doc.session_context, "request", None)
        agent = str((getattr(request, "headers", None) or {}).get("User-Agent", ""))
        return any(word in agent for word in ("Mobi", "Android", "iPhone", "iPad"))

    @property
    def served(self) -> bool:
        return self.doc is not None and self.doc.session_context is not None

    def later(self, ms: int, callback) -> None:
        """Run ``callback`` after ``ms`` milliseconds on this session's loop (at once outside a
        server)."""
        if self.served:
            self.doc.add_timeout_callback(callback, ms)
        else:
            callback()

    def on_loop(self, callback) -> None:
        """Run ``callback`` on this session's own event-loop turn, with its document current
        (it may be called from another session or thread, e.g. the presenter's)."""
        if not self.served:
            callback()
            return
        from panel.io.state import set_curdoc

        doc = self.doc

        def run():
            with set_curdoc(doc):
                callback()

        try:
            doc.add_next_tick_callback(run)
        except Exception:  # the session has closed meanwhile
            log.debug("session closed before an update", exc_info=True)

    def on_close(self, callback) -> None:
        """Call ``callback()`` when the browser session ends."""
        if self.served:
            self.doc.on_session_destroyed(lambda context: callback())
