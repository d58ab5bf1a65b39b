"""Posture sliders of the right hip (flexion, adduction, rotation) and "Neutral posture".

The heading, the three sliders and the button are one browser component
(:class:`PostureBox`) of native range inputs: a session costs one model for the section
instead of a heading, three Bokeh sliders, a button and a box (the section cost a session
about four times as much to build), and a native slider is named by its label, moved by the
arrow keys, Page Up/Down and Home/End, and dragged by a finger on a touch screen.
"""

from __future__ import annotations

import math

import panel as pn
import param

from meshes.frame import POSTURE_RANGES
from viewer.panels.base import APP_CSS, BUTTON_CSS, ActionMessages
from viewer.state import POSTURE_PARAMS

#: A dragged slider moves the hip at most this often (ms), in the page and again in Python
#: (a page that sends faster is held to it).
POSTURE_THROTTLE_MS = 60

LABELS = {
    "flexion": "Flexion (+) / extension (−), °",
    "adduction": "Adduction (+) / abduction (−), °",
    "rotation": "Internal (+) / external (−) rotation, °",
}


class PostureBox(ActionMessages, pn.custom.JSComponent):
    """A "Posture" heading, one labelled slider per angle (``flexion``, ``adduction``,
    ``rotation``, degrees) and a "Neutral posture" button, reported as ``{"action":
    "neutral"}``.  Each slider's row has the CSS class ``posture-NAME``."""

    flexion = param.Number(default=0.0)
    adduction = param.Number(default=0.0)
    rotation = param.Number(default=0.0)
    sliders = param.List(default=[], doc="[[name, label, lowest, highest], ...]")

    _esm = """
    export function render({ model, el }) {
      const THROTTLE_MS = %d
      const heading = document.createElement('h2')
      heading.className = 'side-h'
      heading.textContent = 'Posture'
      el.append(heading)
      const shown = (v) => String(Math.round(Number(v)))
      for (const [name, label, lo, hi] of model.sliders) {
        const row = document.createElement('div')
        row.className = 'posture-row posture-' + name
        const id = 'posture-' + name + '-' + Math.random().toString(36).slice(2, 8)
        const top = document.createElement('div')
        top.className = 'posture-top'
        const text = document.createElement('label')
        text.htmlFor = id
        text.textContent = label
        const value = document.createElement('output')
        value.className = 'posture-value'
        value.htmlFor = id
        top.append(text, value)
        const input = document.createElement('input')
        Object.assign(input, { type: 'range', id, min: lo, max: hi, step: 1 })
        input.value = model[name]
        value.textContent = shown(input.value)
        // While the reader moves it, send at most every THROTTLE_MS, and the last value.
        let last = 0, timer = null, held = false
        const send = () => {
          timer = null
          last = Date.now()
          if (model[name] !== Number(input.value)) model[name] = Number(input.value)
        }
        input.addEventListener('input', () => {
          value.textContent = shown(input.value)
          const wait = THROTTLE_MS - (Date.now() - last)
          if (wait <= 0) send()
          else if (!timer) timer = setTimeout(send, wait)
        })
        input.addEventListener('change', () => { if (timer) clearTimeout(timer); send() })
        input.addEventListener('pointerdown', () => { held = true })
        const release = () => { held = false; draw() }
        input.addEventListener('pointerup', release)
        input.addEventListener('pointercancel', release)
        input.addEventListener('blur', release)
        const draw = () => {
          // Not under the reader's finger: a value from Python (a step, a link, the presenter).
          if (held || timer) return
          input.value = model[name]
          value.textContent = shown(input.value)
        }
        model.on(name, draw)
        row.append(top, input)
        el.append(row)
      }
      const neutral = document.createElement('button')
      neutral.type = 'button'
      neutral.className = 'bk-btn bk-btn-light posture-neutral'
      neutral.textContent = 'Neutral posture'
      neutral.addEventListener('click', () => model.send_msg({ action: 'neutral' }))
      el.append(neutral)
    }
    """ % POSTURE_THROTTLE_MS

    _stylesheets = [APP_CSS, BUTTON_CSS, """
    .posture-row { margin: 6px 0 10px; font-family: var(--bokeh-base-font, Helvetica, Arial, sans-serif); }
    .posture-top { display: flex; justify-content: space-between; gap: 8px; font-size: 14px; }
    .posture-value { font-weight: 600; min-width: 2.5em; text-align: right; }
    .posture-row input[type=range] { display: block; width: 100%; margin: 4px 0 0; min-height: 28px;
      accent-color: #0072b5; cursor: pointer; touch-action: pan-y; }
    .posture-row input[type=range]:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
    .posture-neutral { margin: 0 0 5px; }
    """]


class PostureControls(pn.viewable.Viewer):
    """Three sliders bound to the state's posture (a drag is applied at most every 60 ms)."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        state = session.state
        self._pending = False
        self._showing = False
        self.box = PostureBox(
            sliders=[[name, LABELS[name], *POSTURE_RANGES[name]] for name in POSTURE_PARAMS],
            on_action=self._on_action, sizing_mode="stretch_width", margin=(0, 5),
            **{name: float(getattr(state, name)) for name in POSTURE_PARAMS})
        self.box.param.watch(self._on_slider, list(POSTURE_PARAMS))
        state.param.watch(lambda *e: self._show(), list(POSTURE_PARAMS))

    def value(self, name: str) -> float:
        """The angle the ``name`` slider shows (degrees)."""
        return float(getattr(self.box, name))

    def _show(self) -> None:
        self._showing = True
        try:
            self.box.param.update(**{name: float(getattr(self.session.state, name)) for name in POSTURE_PARAMS})
        finally:
            self._showing = False

    def _on_slider(self, *events) -> None:
        if self._showing or self._pending:
            return
        self._pending = True
        self.session.later(POSTURE_THROTTLE_MS, self._apply)

    def _apply(self) -> None:
        """The sliders' angles, each held to its range, become the state's posture (a value
        that is not a finite number, which no slider sends, leaves its angle as it was)."""
        self._pending = False
        state = self.session.state
        angles = {}
        for name in POSTURE_PARAMS:
            lo, hi = POSTURE_RANGES[name]
            value = self.value(name)
            angles[name] = min(max(value, lo), hi) if math.isfinite(value) else float(getattr(state, name))
        state.param.update(**angles)

    def _on_action(self, action: str) -> None:
        if action == "neutral":
            self._neutral()

    def _neutral(self) -> None:
        self.session.state.param.update(flexion=0.0, adduction=0.0, rotation=0.0, pelvic_drop=0.0)

    def __panel__(self):
        return self.box
