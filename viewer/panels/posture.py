"""Posture sliders of the right hip (flexion, adduction, rotation) and "Neutral posture"."""

from __future__ import annotations

import panel as pn

from meshes.frame import POSTURE_RANGES
from viewer.panels.base import heading
from viewer.state import POSTURE_PARAMS

#: A dragged slider moves the hip at most this often (ms).
POSTURE_THROTTLE_MS = 60

LABELS = {
    "flexion": "Flexion (+) / extension (−), °",
    "adduction": "Adduction (+) / abduction (−), °",
    "rotation": "Internal (+) / external (−) rotation, °",
}


class PostureControls(pn.viewable.Viewer):
    """Three sliders bound to the state's posture (a drag is applied at most every 60 ms)."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        state = session.state
        self._pending = False
        self._showing = False
        self.sliders = {}
        for name in POSTURE_PARAMS:
            lo, hi = POSTURE_RANGES[name]
            self.sliders[name] = pn.widgets.FloatSlider(
                label=LABELS[name], start=lo, end=hi, step=1, value=float(getattr(state, name)),
                sizing_mode="stretch_width", format="0", css_classes=[f"posture-{name}"],
            )
            self.sliders[name].param.watch(self._on_slider, "value")
        self.neutral = pn.widgets.Button(label="Neutral posture", color="light")
        self.neutral.on_click(lambda e: self._neutral())
        state.param.watch(lambda *e: self._show(), list(POSTURE_PARAMS))

    def _show(self) -> None:
        self._showing = True
        try:
            for name, slider in self.sliders.items():
                slider.value = float(getattr(self.session.state, name))
        finally:
            self._showing = False

    def _on_slider(self, event) -> None:
        if self._showing or self._pending:
            return
        self._pending = True
        self.session.later(POSTURE_THROTTLE_MS, self._apply)

    def _apply(self) -> None:
        self._pending = False
        self.session.state.param.update(**{name: float(s.value) for name, s in self.sliders.items()})

    def _neutral(self) -> None:
        self.session.state.param.update(flexion=0.0, adduction=0.0, rotation=0.0, pelvic_drop=0.0)

    def __panel__(self):
        return pn.Column(heading("Posture"), *self.sliders.values(), self.neutral, margin=0,
                         sizing_mode="stretch_width")
