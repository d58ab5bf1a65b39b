"""Layouts: where the views of one session go on the page.

A layout takes the views (built from the session by :class:`viewer.app.HipViewerApp`) and
arranges them; it owns only containers: the header, the sidebar, the side tabs and the main
row.  It keeps the side tabs and ``state.tab`` in step, and hides the page's chrome in
presentation mode.  A new panel is one module plus one line here.
"""

from __future__ import annotations

from dataclasses import dataclass

import panel as pn

from viewer.panels.base import APP_CSS

TITLE = "Hip anatomy: gluteus medius"


@dataclass
class Page:
    root: pn.viewable.Viewable
    header: pn.Row
    sidebar: pn.Column
    tabs: pn.Tabs


def header_html() -> pn.pane.HTML:
    return pn.pane.HTML(
        f'<header class="app-header"><h1>{TITLE}</h1>'
        "<p>Turn the model, click a structure, read its card.</p></header>",
        sizing_mode="stretch_width", stylesheets=[APP_CSS],
    )


def side_tabs(app, **params) -> pn.Tabs:
    """Card, Tour, Quiz and Mechanics, kept in step with ``state.tab``."""
    card = pn.Column(app.notice, app.banner, app.card, scroll=True, sizing_mode="stretch_both",
                     css_classes=["card-column"])
    tabs = [("Card", card)]
    if app.presenter.tour is not None:
        tabs.append(("Tour", app.presenter))
    if app.quiz is not None:
        tabs.append(("Quiz", app.quiz))
    tabs.append(("Mechanics", app.mechanics))
    widget = pn.Tabs(*tabs, dynamic=True, **params)
    names = [name for name, _ in tabs]
    state = app.state

    def to_state(event):
        state.tab = names[event.new]

    def from_state(event):
        if event.new in names:
            widget.active = names.index(event.new)

    widget.param.watch(to_state, "active")
    state.param.watch(from_state, "tab")
    if state.tab in names:
        widget.active = names.index(state.tab)
    return widget


def desktop(app) -> Page:
    """Desktop and projector: sidebar | 3D view | side tabs, a header above."""
    header = pn.Row(header_html(), app.presenter.button, sizing_mode="stretch_width", margin=0)
    sidebar = pn.Column(
        app.structures, app.level, app.posture, app.camera, app.layers, app.share, app.classroom,
        width=340, scroll=True, sizing_mode="stretch_height", css_classes=["sidebar"],
        styles={"background": "#f4f1ea", "border-right": "1px solid #d9d2c3"},
    )
    tabs = side_tabs(app, width=430, sizing_mode="stretch_height")
    main = pn.Row(sidebar, app.scene, tabs, app.presenter.stage, sizing_mode="stretch_both")
    hidden_parts = [app.share.address, app.presenter.keys]
    if app.quiz is not None:
        hidden_parts.append(app.quiz.store)
    root = pn.Column(header, main, *hidden_parts, sizing_mode="stretch_both", min_height=720)
    chrome = (header, sidebar, tabs)

    def show_mode(event=None):
        for part in chrome:
            part.visible = not app.state.present

    app.state.param.watch(show_mode, "present")
    show_mode()
    return Page(root, header, sidebar, tabs)
