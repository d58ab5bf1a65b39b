"""The reading level: everyday words, student or clinician text.

The heading and the three buttons are one browser component (:class:`LevelChoice`) of native
buttons, one model for the section.
"""

from __future__ import annotations

import panel as pn
import param

from viewer.panels import cards
from viewer.panels.base import APP_CSS, BUTTON_CSS
from viewer.state import LEVELS


class LevelChoice(pn.custom.JSComponent):
    """A "Reading level" heading and a joined group of buttons, one per level; ``value`` is the
    level drawn pressed, and a press sets it."""

    options = param.List(default=[], doc="[[level, label], ...]")
    value = param.String(default="")

    _esm = """
    export function render({ model, el }) {
      const heading = document.createElement('h2')
      heading.className = 'side-h'
      heading.textContent = 'Reading level'
      const group = document.createElement('div')
      group.className = 'choice-group'
      group.setAttribute('role', 'group')
      group.setAttribute('aria-label', 'Reading level')
      const buttons = {}
      for (const [level, label] of model.options) {
        const b = document.createElement('button')
        b.type = 'button'
        b.textContent = label
        b.addEventListener('click', () => { model.value = level })
        group.append(b)
        buttons[level] = b
      }
      const mark = () => {
        for (const [level, b] of Object.entries(buttons)) {
          const on = level === model.value
          b.className = on ? 'bk-btn bk-btn-primary bk-active' : 'bk-btn bk-btn-primary'
          b.setAttribute('aria-pressed', on ? 'true' : 'false')
        }
      }
      model.on('value', mark)
      mark()
      el.append(heading, group)
    }
    """

    _stylesheets = [APP_CSS, BUTTON_CSS]


class ReadingLevel(pn.viewable.Viewer):
    """Three buttons bound to ``state.level``."""

    def __init__(self, session, **params):
        super().__init__(**params)
        state = session.state
        self.buttons = LevelChoice(options=[[lv, cards.LEVEL_LABELS[lv]] for lv in LEVELS], value=state.level,
                                   sizing_mode="stretch_width", margin=(0, 5))
        self.buttons.param.watch(lambda e: setattr(state, "level", e.new) if e.new in LEVELS else None, "value")
        state.param.watch(lambda e: setattr(self.buttons, "value", e.new), "level")

    def __panel__(self):
        return self.buttons
