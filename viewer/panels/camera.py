"""Camera presets: lateral, anterior, posterior, superior, reset.

The heading and the buttons are one browser component (:class:`CameraBar`) of native buttons
drawn like the page's other buttons: a session costs one model for the section instead of a
heading, a box and one per button.
"""

from __future__ import annotations

import panel as pn
import param

from viewer.panels.base import APP_CSS, BUTTON_CSS
from viewer.state import CAMERA_PRESETS


class CameraBar(pn.custom.JSComponent):
    """A "Camera" heading and one button per preset; ``current`` is drawn as the primary one.
    A press is reported as a ``{"preset": name}`` message."""

    presets = param.List(default=[], doc="[[preset, label], ...]")
    current = param.String(default="", doc="the preset on show ('' once the reader turns the view)")

    _esm = """
    export function render({ model, el }) {
      const heading = document.createElement('h2')
      heading.className = 'side-h'
      heading.textContent = 'Camera'
      const bar = document.createElement('div')
      bar.className = 'cam-bar'
      const buttons = {}
      for (const [name, label] of model.presets) {
        const wrap = document.createElement('div')
        wrap.className = 'cam-' + name
        const b = document.createElement('button')
        b.type = 'button'
        b.textContent = label
        b.addEventListener('click', () => model.send_msg({ preset: name }))
        wrap.append(b)
        bar.append(wrap)
        buttons[name] = b
      }
      const mark = () => {
        for (const [name, b] of Object.entries(buttons)) {
          b.className = 'bk-btn ' + (name === model.current ? 'bk-btn-primary' : 'bk-btn-default')
        }
      }
      model.on('current', mark)
      mark()
      el.append(heading, bar)
    }
    """

    _stylesheets = [APP_CSS, BUTTON_CSS]

    def __init__(self, on_preset=None, **params):
        super().__init__(**params)
        self._on_preset = on_preset

    def _handle_msg(self, data):
        name = data.get("preset") if isinstance(data, dict) else None
        if self._on_preset is not None and name in dict(self.presets):
            self._on_preset(name)


class CameraButtons(pn.viewable.Viewer):
    """One button per preset; the preset on show is marked (none once the reader turns it)."""

    def __init__(self, session, **params):
        super().__init__(**params)
        state = session.state
        self.state = state
        self.bar = CameraBar(presets=[[name, name.capitalize()] for name in CAMERA_PRESETS],
                             on_preset=state.show_preset, sizing_mode="stretch_width", margin=(0, 5))
        state.param.watch(lambda *e: self._mark(), ["view", "camera"])
        self._mark()

    @property
    def current(self) -> str:
        """The preset marked on show ('' when none)."""
        return self.bar.current

    def _mark(self) -> None:
        self.bar.current = (self.state.view if self.state.camera is None else None) or ""

    def __panel__(self):
        return self.bar
