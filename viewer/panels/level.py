"""The reading level: everyday words, student or clinician text."""

from __future__ import annotations

import panel as pn

from viewer.panels import cards
from viewer.panels.base import heading
from viewer.state import LEVELS


class ReadingLevel(pn.viewable.Viewer):
    """Three buttons bound to ``state.level``."""

    def __init__(self, session, **params):
        super().__init__(**params)
        state = session.state
        self.buttons = pn.widgets.RadioButtonGroup(
            label="Reading level", options={cards.LEVEL_LABELS[lv]: lv for lv in LEVELS}, value=state.level,
            color="primary", variant="outline", sizing_mode="stretch_width",
        )
        self.buttons.param.watch(lambda e: setattr(state, "level", e.new), "value")
        state.param.watch(lambda e: setattr(self.buttons, "value", e.new), "level")

    def __panel__(self):
        return pn.Column(heading("Reading level"), self.buttons, margin=0, sizing_mode="stretch_width")
