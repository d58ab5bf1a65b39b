"""What every side panel shares: the page's stylesheet, a section heading and the look of
native buttons."""

from __future__ import annotations

from pathlib import Path

import panel as pn

APP_CSS = (Path(__file__).parent.parent / "static" / "app.css").read_text(encoding="utf-8")


class ActionMessages:
    """Mixed into a browser component whose page sends ``{"action": name}`` messages: each is
    handed to ``on_action(name)``."""

    def __init__(self, on_action=None, **params):
        super().__init__(**params)
        self._on_action = on_action

    def _handle_msg(self, data):
        if self._on_action is not None and isinstance(data, dict) and isinstance(data.get("action"), str):
            self._on_action(data["action"])


def heading(text: str) -> pn.pane.HTML:
    """A sidebar section heading (an ``h2``, so screen readers can jump between sections)."""
    return pn.pane.HTML(f"<h2 class='side-h'>{text}</h2>", stylesheets=[APP_CSS], margin=(0, 5))


#: The look of Panel's buttons (default, primary, and a joined group of outlined choices) for the
#: native buttons of the panels drawn as one component (``.cam-bar``, ``.choice-group``, a light
#: ``button.bk-btn-light`` and a green ``button.bk-btn-success``).
BUTTON_CSS = """
.cam-bar { display: flex; flex-wrap: wrap; gap: 14px 24px; margin: 5px; }
.choice-group { display: flex; margin: 5px; }
.cam-bar button, .choice-group button, button.bk-btn-light, button.bk-btn-success {
  display: inline-block; text-align: center; vertical-align: middle; white-space: nowrap; cursor: pointer;
  padding: 6px 12px; font-size: 15px; line-height: 1.4286; font-family: var(--bokeh-base-font, Helvetica, Arial, sans-serif);
  border: 1px solid transparent; border-radius: 4px; color: #1a1d21; background-color: #f3f3f3;
  user-select: none; -webkit-user-select: none;
}
.cam-bar button:hover { background-color: #e6e6e6; }
.cam-bar button.bk-btn-primary { color: #fff; background-color: #0072b5; }
.cam-bar button.bk-btn-primary:hover { background-color: #00639e; }
.choice-group button { flex: 1 1 auto; border-radius: 0; margin-left: -1px; color: #212529; background-color: transparent;
  border-color: #357ebd; }
.choice-group button:first-child { margin-left: 0; border-radius: 4px 0 0 4px; }
.choice-group button:last-child { border-radius: 0 4px 4px 0; }
.choice-group button:hover { background-color: #e8f1f8; }
.choice-group button.bk-active { color: #fff; background-color: #0072b5; border-color: #285e8e;
  box-shadow: inset 0 3px 5px rgba(0, 0, 0, 0.125); }
button.bk-btn-light { background-color: #fff; }
button.bk-btn-light:hover { background-color: #f5f5f5; }
button.bk-btn-success { color: #fff; background-color: #1e6b34; border-color: #175529; }
button.bk-btn-success:hover { background-color: #175529; }
.cam-bar button:focus-visible, .choice-group button:focus-visible, button.bk-btn-light:focus-visible,
button.bk-btn-success:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
"""
