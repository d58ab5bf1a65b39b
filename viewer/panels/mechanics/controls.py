"""The mechanics panel's three control sections: animate an action, single-leg stance, and
exercises.  Each moves the panel's model; the panel (:mod:`viewer.panels.mechanics.panel`)
owns the chosen fibre group and tells each section when the model moved elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
import panel as pn

from meshes import actions
from meshes import stance as st
from viewer.panels.mechanics.motion import FRAME_MS, FRAMES, animation_moves, animation_words, frame_posture
from viewer.panels.mechanics.texts import EXERCISES, POSTURE_PARAMS, esc, exercise_html, group_arms, stance_html


def later(ms: int, callback) -> None:
    """``callback`` after ``ms`` on the current session's loop (at once outside a server)."""
    doc = pn.state.curdoc
    if doc is not None and doc.session_context is not None:
        doc.add_timeout_callback(callback, ms)
    else:
        callback()


class AnimationControls(pn.viewable.Viewer):
    """Play/pause and a scrub slider moving the femur the way the chosen group pulls."""

    def __init__(self, panel, **params):
        super().__init__(**params)
        self.panel = panel
        self.model = panel.model
        self.base: dict | None = None  # the posture the animation started from
        self.moves: dict = {}
        self._callback = None
        self._animating = False
        self._resetting = False
        self.play = pn.widgets.Toggle(label="▶ Play", color="primary", width=110, css_classes=["mech-play"])
        self.frame = pn.widgets.IntSlider(label="Scrub", start=0, end=FRAMES - 1, value=0, sizing_mode="stretch_width",
                                          css_classes=["mech-scrub"])
        self.text = panel.html_pane()
        self.play.param.watch(self._on_play, "value")
        self.frame.param.watch(self._on_frame, "value")

    def __panel__(self):
        return pn.Column(pn.Row(self.play, self.frame, sizing_mode="stretch_width"), self.text,
                         sizing_mode="stretch_width", margin=0)

    @property
    def playing(self) -> bool:
        return bool(self.play.value)

    def refresh_text(self) -> None:
        if self.base is not None:
            return
        group = self.panel.group
        words = animation_words(group, group_arms(self.model.moment_arms(), group))
        self.text.object = (
            f"<p>Moves the thigh the way the <b>{esc(actions.group_title(group).lower())}</b> pull at "
            f"this posture: <b>{esc(' and '.join(words))}</b>, and back.</p>")

    def model_moved(self) -> None:
        if self.base is not None and not self._animating:
            self.forget()  # the posture was set elsewhere: the next play starts here

    def _on_play(self, event):
        if event.new:
            self.play.label = "❚❚ Pause"
            if self._callback is None:
                self._callback = pn.state.add_periodic_callback(self.step, period=FRAME_MS, start=True)
        else:
            self.play.label = "▶ Play"
            if self._callback is not None:
                self._callback.stop()
                self._callback = None
            if self.panel.curves_stale():
                self.panel.schedule_curves()

    def step(self):
        """Advance the animation by one frame."""
        self.frame.value = (self.frame.value + 1) % FRAMES

    def _on_frame(self, event):
        if self._resetting:
            return
        if self.base is None:
            self.base = {k: float(getattr(self.model, k)) for k in POSTURE_PARAMS}
            self.moves = animation_moves(self.panel.group, group_arms(self.model.moment_arms(), self.panel.group))
        self._animating = True
        try:
            self.model.param.update(pelvic_drop=0.0, **frame_posture(self.base, self.moves, event.new))
        finally:
            self._animating = False

    def forget(self):
        """Drop the animation's starting posture and put the scrub slider back to 0."""
        self.base = None
        self._resetting = True
        try:
            self.frame.value = 0
        finally:
            self._resetting = False

    def stop(self, reset: bool = False):
        if self.play.value:
            self.play.value = False
        if reset and self.base is not None:
            base = self.base
            self.forget()
            self.model.param.update(**base)


class StanceControls(pn.viewable.Viewer):
    """Single-leg stance: abductor strength, cane and trunk lean; forces, levers and the
    pelvic drop (Trendelenburg) set on the model."""

    def __init__(self, panel, **params):
        super().__init__(**params)
        self.panel = panel
        self.model = panel.model
        self.active = False
        self._setting_lean = False
        lo, hi = st.STRENGTH_RANGE
        self.strength = pn.widgets.FloatSlider(label="Abductor strength, % of normal", start=lo, end=hi, step=5,
                                               value=100.0, format="0", sizing_mode="stretch_width",
                                               css_classes=["stance-strength"])
        self.cane = pn.widgets.Checkbox(label="Cane in the left hand", value=False)
        lo, hi = st.LEAN_RANGE
        self.lean = pn.widgets.FloatSlider(label="Trunk lean toward the stance leg, °", start=lo, end=hi, step=1,
                                           value=0.0, format="0", sizing_mode="stretch_width")
        self.lurch = pn.widgets.Toggle(label="Show the compensated lurch", color="default",
                                       sizing_mode="stretch_width")
        self.stand = pn.widgets.Button(label="Stand on the right leg", color="primary")
        self.level = pn.widgets.Button(label="Level the pelvis", color="light")
        self.behind = pn.widgets.Button(label="View from behind", color="light")
        self.pane = panel.html_pane()
        for w in (self.strength, self.cane, self.lean, self.lurch):
            w.param.watch(self._on_stance, "value")
        self.stand.on_click(lambda e: self.apply())
        self.level.on_click(self._on_level)
        self.behind.on_click(lambda e: panel.show_preset("posterior"))

    def __panel__(self):
        return pn.Column(self.strength, self.cane, self.lean, self.lurch,
                         pn.FlexBox(self.stand, self.level, self.behind, gap="4px"), self.pane,
                         sizing_mode="stretch_width", margin=0)

    def refresh(self) -> None:
        if self.active:
            self.pane.object = stance_html(self.report())
        elif not self.pane.object:
            self.pane.object = ("<p class='muted'>Move a control or press <b>Stand on the right leg</b>: "
                                "the model stands on the right leg and the pelvis drops if the "
                                "abductors are too weak.</p>")

    def report(self) -> dict:
        return st.stance_report("right", float(self.strength.value), bool(self.cane.value),
                                float(self.lean.value), model=self.model)

    def _on_stance(self, event=None):
        if self._setting_lean:
            return
        if self.lurch.value:
            lean = st.compensated_lean(float(self.strength.value), bool(self.cane.value), model=self.model)
            lo, hi = st.LEAN_RANGE
            # rounded up, so the lean shown is enough to hold the pelvis level
            target = hi if lean is None else float(np.clip(math.ceil(lean * 10.0) / 10.0, lo, hi))
            self.lean.disabled = True
            self._setting_lean = True
            try:
                self.lean.value = target
            finally:
                self._setting_lean = False
        else:
            self.lean.disabled = False
        self.apply()

    def apply(self):
        self.panel.animation.stop(reset=True)
        self.active = True
        report = self.report()
        self.model.param.update(**st.stance_posture(report))
        self.pane.object = stance_html(report)

    def _on_level(self, event=None):
        self.active = False
        self.model.pelvic_drop = 0.0
        self.pane.object = "<p class='pos'>Pelvis level (stance model off).</p>"


class ExerciseControls(pn.viewable.Viewer):
    """Clamshell at two hip angles and side-lying abduction: the posture, which parts help
    the movement there, and the content pack's card for the exercise (``panel.card_id``)."""

    def __init__(self, panel, **params):
        super().__init__(**params)
        self.panel = panel
        self.model = panel.model
        self.current: str | None = None
        self.buttons = {
            key: pn.widgets.Button(label=ex.label, color="default", sizing_mode="stretch_width",
                                   css_classes=[f"exercise-{key}"])
            for key, ex in EXERCISES.items()
        }
        for key, b in self.buttons.items():
            b.on_click(lambda e, key=key: self.apply(key))
        self.pane = panel.html_pane()

    def __panel__(self):
        return pn.Column(*self.buttons.values(), self.pane, sizing_mode="stretch_width", margin=0)

    def refresh(self) -> None:
        if self.current:
            self.pane.object = exercise_html(self.model.moment_arms(), EXERCISES[self.current])

    def model_moved(self) -> None:
        """Leaving the exercise's posture ends it."""
        if self.current and any(abs(float(getattr(self.model, k)) - v) > 0.5
                                for k, v in EXERCISES[self.current].posture.items()):
            self.current = None
            self.pane.object = ""

    def apply(self, key: str):
        """Put the hip in an exercise posture, show which parts help, and name its card."""
        ex = EXERCISES[key]
        self.panel.animation.stop(reset=True)
        self.panel.stance.active = False
        self.model.param.update(pelvic_drop=0.0, **ex.posture)
        self.current = key
        for k, b in self.buttons.items():
            b.color = "primary" if k == key else "default"
        self.pane.object = exercise_html(self.model.moment_arms(), ex)
        self.panel.card_id = ex.card_id if _has_entry(ex.card_id) else None


def _has_entry(entry_id: str) -> bool:
    try:
        from annotations import builtin_pack
    except ImportError:
        return False
    try:
        return entry_id in builtin_pack().entries
    except Exception:  # a broken pack names no card
        return False
