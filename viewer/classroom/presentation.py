"""The guided tour and presentation mode in the page (the thin Panel layer).

:class:`TourPresenter` wires the tour's browser components (:mod:`viewer.classroom.stage`:
the step on show, the "Presentation mode" button, the presentation keys) to one session's
state: a step becomes a view state (:func:`viewer.tour.step_state`) applied to
``session.state``.

Tour loading and step logic live in :mod:`annotations.tours` and :mod:`viewer.tour`.
"""

from __future__ import annotations

import logging

import panel as pn

from viewer.classroom.stage import KeyListener, PresentButton, TourStage
from viewer.state import Camera, ViewState, parse_query
from viewer.tour import Tour, TourNav, step_state

log = logging.getLogger(__name__)

class TourPresenter(pn.viewable.Viewer):
    """The tour and presentation mode of one session: the Tour tab (:attr:`panel`), the
    caption column of presentation mode (:attr:`stage`), the header's button
    (:attr:`button`) and the key listener (:attr:`keys`).  A step is a view state
    (:func:`viewer.tour.step_state`) applied to the session's state; the caption follows
    ``state.tour_step`` whoever set it (a key, a button, a link, the presenter)."""

    def __init__(self, session, tour: Tour | None, problem: str | None = None, **params):
        super().__init__(**params)
        self.session = session
        self.state = state = session.state
        self.tour = tour
        self.nav = TourNav(tour) if tour is not None else None
        self.labels = True
        # No fixed width: a Row counts its children's widths, hidden or not; the column sizes
        # itself with the window (tour.css).
        self.stage = TourStage(variant="stage", on_action=self.action, visible=False,
                               sizing_mode="stretch_height", css_classes=["tour-stage"], margin=0)
        self.panel = TourStage(variant="tab", on_action=self.action, sizing_mode="stretch_width",
                               css_classes=["tour-panel"])
        self.button = PresentButton(on_action=self.action, css_classes=["present-entry"], margin=(8, 10))
        self.keys = KeyListener(on_key=self.action)
        if problem:
            state.add_notice(f"Tour problem: {problem}")
        self._start_from_link()
        state.param.watch(lambda e: self._on_step(e.new), "tour_step")
        state.param.watch(lambda e: self._show_mode(e.new), "present")
        state.param.watch(lambda e: self._render(), "selection")
        self._render()
        self._show_mode(state.present)

    def _start_from_link(self) -> None:
        state, start = self.state, self.state.tour_step
        if start is None:
            return
        if self.nav is None:
            state.tour_step = None
        elif start > self.nav.count:
            state.add_notice(f"Ignored tour step {start}: the tour has {self.nav.count} steps.")
            state.tour_step = None
        else:
            # The link holds what differs from the step's own view.
            self.nav.go(start)
            view, _ = parse_query(self.session.query, self.session.ids, base=self.link_base(state.snapshot()))
            state.apply(view)

    def link_base(self, state) -> ViewState | None:
        """What a link with ``state``'s tour step starts from: that step's view."""
        n = state.tour_step
        if self.nav is None or n is None or not 1 <= n <= self.nav.count:
            return None
        return step_state(self.tour.steps[n - 1], n, ViewState())

    def __panel__(self):
        return pn.Column(self.panel, scroll=True, sizing_mode="stretch_both", css_classes=["tour-column"])

    # ----------------------------------------------------------------- mode and keys

    def _show_mode(self, present: bool) -> None:
        # The keys first: once the page shows the stage, Esc must already leave the mode.
        self.keys.presenting = present
        self._arm_keys()
        self.stage.visible = present

    def _arm_keys(self) -> None:
        self.keys.active = self.state.present or (self.nav is not None and self.nav.number is not None)

    # ----------------------------------------------------------------- actions

    def action(self, name: str) -> None:
        """A button or key: next, previous, reset, labels, exit, present, present_tour."""
        if name == "next":
            self.go(self.nav.next() if self.nav else None)
        elif name == "previous":
            self.go(self.nav.previous() if self.nav else None)
        elif name == "reset":
            self.reset_view()
        elif name == "labels":
            self.toggle_labels()
        elif name == "exit":
            self.set_present(False)
        elif name == "present":
            self.set_present(True)
        elif name == "present_tour":
            self.set_present(True)
            if self.nav is not None and self.nav.number is None:
                self.go(self.nav.next())

    def go(self, number: int | None) -> None:
        """Show tour step ``number`` (1-based): its whole view and its caption."""
        if self.nav is None or number is None:
            return
        self.nav.go(number)
        view = step_state(self.nav.step, self.nav.number, self.state.snapshot())
        if not self.labels:
            view = view.with_changes(hidden=view.hidden | {"landmarks"})
        self.state.apply(view)
        self._arm_keys()
        self._render()

    def _on_step(self, number: int | None) -> None:
        """The step on show changed (this reader, a link or the presenter): its caption."""
        if self.nav is None or self.nav.number == number:
            return
        if number is not None and not 1 <= number <= self.nav.count:
            number = None
        self.nav.go(number)
        self._arm_keys()
        self._render()

    def set_present(self, present: bool) -> None:
        # One message to the page: the stage, the keys and the hidden chrome change together.
        with pn.io.hold():
            self.state.present = present

    def reset_view(self) -> None:
        """The camera of the step on show (or the reset preset), posture and layers kept."""
        step = self.nav.step if self.nav is not None else None
        if step is None or isinstance(step.camera, str):
            self.state.show_preset(step.camera if step is not None else "reset")
        else:
            self.state.camera = Camera(tuple(step.camera.position), tuple(step.camera.focal_point),
                                       tuple(step.camera.view_up))

    def toggle_labels(self) -> None:
        """Landmark markers and the name of the selection, both on or both off."""
        self.labels = not self.labels
        hidden = self.state.hidden - {"landmarks"} if self.labels else self.state.hidden | {"landmarks"}
        self.state.hidden = frozenset(hidden)
        self._render()

    # ----------------------------------------------------------------- drawing

    def _render(self) -> None:
        from annotations import render_markdown

        fields = {"label": self.session.name_of(self.state.selection), "show_label": self.labels}
        if self.nav is None:
            fields.update(tour_title="", position="", step_title="No tour",
                          caption_html="<p>No tour is loaded.</p>", at_start=True, at_end=True, started=False)
        elif self.nav.step is None:
            desc = self.tour.description or ""
            fields.update(
                tour_title="Guided tour", position=self.nav.position(), step_title=self.tour.title,
                caption_html=render_markdown(desc) + "<p>Press <strong>Start the tour</strong>, or → "
                                                      "in presentation mode.</p>",
                at_start=True, at_end=False, started=False,
            )
        else:
            step = self.nav.step
            fields.update(
                tour_title=self.tour.title, position=self.nav.position(), step_title=step.title,
                caption_html=render_markdown(step.caption), at_start=self.nav.at_start,
                at_end=self.nav.at_end, started=True,
            )
        for view in (self.stage, self.panel):
            view.param.update(**fields)


def session_tour(tour_file, ids) -> tuple[Tour | None, str | None]:
    """(the tour for a session, None) or (None, a one-line problem): the file given to
    ``hip-viewer --tour`` (checked when the server started), else the built-in tour."""
    from viewer.tour import TourError, load_viewer_tour

    try:
        return load_viewer_tour(tour_file, ids), None
    except TourError as exc:
        log.warning("tour not loaded: %s", exc.one_line())
        return None, exc.one_line()
