"""What every side panel shares: the page's stylesheet and a section heading."""

from __future__ import annotations

from pathlib import Path

import panel as pn

APP_CSS = (Path(__file__).parent.parent / "static" / "app.css").read_text(encoding="utf-8")


def heading(text: str) -> pn.pane.HTML:
    """A sidebar section heading (an ``h2``, so screen readers can jump between sections)."""
    return pn.pane.HTML(f"<h2 class='side-h'>{text}</h2>", stylesheets=[APP_CSS], margin=(0, 5))
