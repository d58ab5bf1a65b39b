"""The Structures list: choose a structure from the keyboard; it follows every other choice."""

from __future__ import annotations

import panel as pn

from meshes.landmarks import LANDMARKS
from viewer.panels import cards
from viewer.panels.base import heading

NOTHING = ""  # the list's "nothing selected" value


def structure_options(pack) -> dict[str, str]:
    """Label -> id of everything the list offers: landmarks and structures, then topics."""
    from meshes.regions import REGIONS

    options = {"(nothing selected)": NOTHING}
    regions = [r for r in REGIONS if r.id in pack.entries]
    for group, opts in cards.structure_options(LANDMARKS, pack.topics, regions).items():
        for label, sid in opts.items():
            options[label if group != "Topics" else f"Topic: {label}"] = sid
    return options


class StructureList(pn.viewable.Viewer):
    """A list box bound to ``state.selection``."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        self.select = pn.widgets.Select(
            label="Structures", options=structure_options(session.pack), size=12, sizing_mode="stretch_width",
            description="Tab here, then use the arrow keys; the card follows the choice.",
            css_classes=["structure-list"],
        )
        self._show()
        self.select.param.watch(lambda e: session.select(e.new or None), "value")
        session.state.param.watch(lambda e: self._show(), "selection")

    def _show(self) -> None:
        sid = self.session.state.selection
        self.select.value = sid if sid in self.select.values else NOTHING

    def __panel__(self):
        return pn.Column(heading("Find a structure"), self.select, margin=0, sizing_mode="stretch_width")
