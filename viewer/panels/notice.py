"""Notices above the card: what a link or a content pack asked for that could not be shown."""

from __future__ import annotations

import panel as pn

from viewer.panels.cards import esc


class NoticeBox(pn.viewable.Viewer):
    """An alert listing ``state.notices`` (hidden when there are none)."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.state = session.state
        self.alert = pn.pane.Alert("", alert_type="warning", visible=False, sizing_mode="stretch_width",
                                   css_classes=["notice"])
        self.state.param.watch(lambda e: self._show(), "notices")
        self._show()

    def _show(self) -> None:
        notices = self.state.notices
        if not notices:
            self.alert.visible = False
            return
        items = "".join(f"<li>{esc(n)}</li>" for n in notices)
        link_only = not any(n.startswith("Content pack problem") for n in notices)
        heading = "Some of the link was ignored." if link_only else "Some things could not be shown as asked."
        self.alert.object = f"<strong>{heading}</strong><ul>{items}</ul>"
        self.alert.visible = True

    def __panel__(self):
        return self.alert
