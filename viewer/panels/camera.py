"""Camera presets: lateral, anterior, posterior, superior, reset."""

from __future__ import annotations

import panel as pn

from viewer.panels.base import heading
from viewer.state import CAMERA_PRESETS


class CameraButtons(pn.viewable.Viewer):
    """One button per preset; the preset on show is marked (none once the reader turns it)."""

    def __init__(self, session, **params):
        super().__init__(**params)
        state = session.state
        self.state = state
        self.buttons = {
            name: pn.widgets.Button(label=name.capitalize(), color="default", css_classes=[f"cam-{name}"])
            for name in CAMERA_PRESETS
        }
        for name, button in self.buttons.items():
            button.on_click(lambda e, name=name: state.show_preset(name))
        state.param.watch(lambda *e: self._mark(), ["view", "camera"])
        self._mark()

    def _mark(self) -> None:
        current = self.state.view if self.state.camera is None else None
        for name, button in self.buttons.items():
            button.color = "primary" if name == current else "default"

    def __panel__(self):
        return pn.Column(heading("Camera"), pn.FlexBox(*self.buttons.values(), gap="4px"), margin=0,
                         sizing_mode="stretch_width")
