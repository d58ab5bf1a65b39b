"""The card of the selection: what it is, where it attaches, what supplies it, what it does."""

from __future__ import annotations

import panel as pn
import param

from viewer.panels.base import APP_CSS

CARD_PARAMS = ["selection", "level", "flexion", "adduction", "rotation", "scene_ready"]


class CardView(pn.custom.JSComponent):
    """The card as a persistent ``aria-live`` region, so screen readers read each new card."""

    html = param.String(default="")

    _esm = """
    export function render({ model, el }) {
      const region = document.createElement('div')
      region.className = 'card-region'
      region.setAttribute('role', 'region')
      region.setAttribute('aria-live', 'polite')
      region.setAttribute('aria-label', 'Structure card')
      region.setAttribute('tabindex', '0')
      region.innerHTML = model.html
      model.on('html', () => { region.innerHTML = model.html })
      el.appendChild(region)
    }
    """

    _stylesheets = [APP_CSS]


class CardPanel(pn.viewable.Viewer):
    """The card, redrawn when the selection, the reading level or the posture changes."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        self.view = CardView(sizing_mode="stretch_width", css_classes=["card-pane"])
        session.state.param.watch(lambda *e: self.render(), CARD_PARAMS)
        self.render()

    def render(self) -> None:
        self.view.html = self.session.card_html()

    @property
    def html(self) -> str:
        return self.view.html

    def __panel__(self):
        return self.view
