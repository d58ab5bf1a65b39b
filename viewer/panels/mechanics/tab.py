"""The Mechanics tab of a session: the mechanics panel, built when the tab is first opened.

Most readers never open it, and it is the largest part of a session (plots, tables,
animation), so it waits.  Once built it follows the session: the part shown follows a
selected fibre group, an exercise opens its card, and the lines of pull are drawn only while
the tab is on show.
"""

from __future__ import annotations

import panel as pn

from viewer.panels.base import APP_CSS
from viewer.panels.cards import is_fibre_group

TITLE = "Mechanics"


class MechanicsTab(pn.viewable.Viewer):
    """A placeholder until the tab is opened with the 3D model built, then the panel."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        self.panel = None
        self.holder = pn.Column(
            pn.pane.HTML("<p class='scene-wait' role='status'>Preparing the mechanics…</p>", stylesheets=[APP_CSS]),
            scroll=True, sizing_mode="stretch_both",
        )
        state = session.state
        state.param.watch(lambda *e: self._on_tab(), ["tab", "scene_ready"])
        state.param.watch(lambda e: self._follow_selection(), "selection")
        self._on_tab()

    def __panel__(self):
        return self.holder

    @property
    def open(self) -> bool:
        return self.session.state.tab == TITLE

    def _on_tab(self) -> None:
        if self.open and self.panel is None and self.session.state.scene_ready:
            self._build()
        if self.panel is not None:
            self.panel.show_arrows = self.open

    def _build(self) -> None:
        from viewer.panels.mechanics.panel import MechanicsPanel

        session = self.session
        self.panel = MechanicsPanel(session.model, session.state)
        self.panel.show_arrows = False  # lines of pull only while the tab is on show
        self.panel.param.watch(lambda e: session.select(e.new) if e.new else None, "card_id")
        self._follow_selection()
        self.holder.objects = [self.panel]

    def _follow_selection(self) -> None:
        sid = self.session.state.selection
        if self.panel is not None and is_fibre_group(sid):
            self.panel.group = sid[len("gmed_"):]
