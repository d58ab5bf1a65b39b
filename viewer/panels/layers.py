"""Layers: show, hide and fade each part of the model; colour by fibre group; isolate.

The heading and all the rows are one browser component (:class:`LayerTable`) of native,
labelled inputs: a session costs one model for the whole section instead of a card and three
per layer, and each checkbox and slider carries its own accessible name.
"""

from __future__ import annotations

import panel as pn
import param

from viewer.panels.base import APP_CSS
from viewer.state import LAYER_LABELS, LAYERS


class LayerTable(pn.custom.JSComponent):
    """A "Layers" heading, a row per layer (shown, opacity) and the display switches, synced
    both ways."""

    rows = param.List(default=[], doc="[[layer id, label], ...]")
    hidden = param.List(default=[], doc="hidden layer ids")
    opacity = param.Dict(default={}, doc="layer id -> opacity 0..1")
    colour_by_group = param.Boolean(default=True)
    isolate = param.Boolean(default=False)
    labels = param.Boolean(default=False)

    _esm = """
    export function render({ model, el }) {
      const heading = document.createElement('h2')
      heading.className = 'side-h'
      heading.textContent = 'Layers'
      el.append(heading)
      const box = document.createElement('div')
      box.className = 'layer-table'
      const rows = {}
      let timer = null
      const sendOpacity = () => {
        const op = {}
        for (const [id, r] of Object.entries(rows)) op[id] = parseFloat(r.range.value)
        model.opacity = op
      }
      for (const [id, label] of model.rows) {
        const row = document.createElement('div')
        row.className = 'layer-row'
        const show = document.createElement('label')
        show.className = 'layer-show layer-' + id
        const box1 = document.createElement('input')
        box1.type = 'checkbox'
        show.append(box1, document.createTextNode(' ' + label))
        const fade = document.createElement('label')
        fade.className = 'layer-opacity opacity-' + id
        const range = document.createElement('input')
        range.type = 'range'; range.min = '0'; range.max = '1'; range.step = '0.05'
        range.setAttribute('aria-label', 'Opacity of ' + label)
        fade.append(range)
        row.append(show, fade)
        box.append(row)
        rows[id] = { box: box1, range }
        box1.addEventListener('change', () => {
          model.hidden = Object.entries(rows).filter(([, r]) => !r.box.checked).map(([k]) => k)
        })
        range.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(sendOpacity, 80) })
        range.addEventListener('change', () => { clearTimeout(timer); sendOpacity() })
      }
      const toggle = (text, cls, name) => {
        const lab = document.createElement('label')
        lab.className = 'layer-switch ' + cls
        const input = document.createElement('input')
        input.type = 'checkbox'
        lab.append(input, document.createTextNode(' ' + text))
        input.addEventListener('change', () => { model[name] = input.checked })
        box.append(lab)
        return input
      }
      const colour = toggle('Colour gluteus medius by fibre group', 'colour-by-group', 'colour_by_group')
      const isolate = toggle('Isolate the selection', 'isolate-selection', 'isolate')
      const labels = toggle('Names in the 3D view', 'show-labels', 'labels')
      const show = () => {
        const hidden = new Set(model.hidden)
        for (const [id, r] of Object.entries(rows)) {
          r.box.checked = !hidden.has(id)
          const v = model.opacity[id]
          r.range.value = String(v === undefined ? 1 : v)
          r.range.setAttribute('aria-valuetext', Math.round(parseFloat(r.range.value) * 100) + ' %')
        }
        colour.checked = model.colour_by_group
        isolate.checked = model.isolate
        labels.checked = model.labels
      }
      model.on(['hidden', 'opacity', 'colour_by_group', 'isolate', 'labels'], show)
      show()
      el.append(box)
    }
    """

    _stylesheets = [APP_CSS, """
    .layer-table { display: flex; flex-direction: column; gap: 2px; font-size: 15px; }
    .layer-row { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
    .layer-show { flex: 1 1 auto; min-width: 0; cursor: pointer; }
    .layer-opacity input { width: 100px; }
    .layer-switch { margin-top: 6px; cursor: pointer; }
    input:focus-visible { outline: 3px solid #1f6fd1; outline-offset: 2px; }
    """]


class LayerControls(pn.viewable.Viewer):
    """The Layers card, bound to ``state.hidden``, ``state.opacity``, ``state.colour_by_group``
    and ``state.isolate``."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.state = state = session.state
        self.table = LayerTable(rows=[[layer, LAYER_LABELS[layer]] for layer in LAYERS],
                                sizing_mode="stretch_width", css_classes=["layer-table-pane"], margin=(0, 5))
        self._show()
        self.table.param.watch(self._on_table, ["hidden", "opacity", "colour_by_group", "isolate", "labels"])
        state.param.watch(lambda *e: self._show(), ["hidden", "opacity", "colour_by_group", "isolate", "labels"])

    def _show(self) -> None:
        state = self.state
        self.table.param.update(hidden=[layer for layer in LAYERS if layer in state.hidden],
                                opacity={layer: float(state.opacity.get(layer, 1.0)) for layer in LAYERS},
                                colour_by_group=state.colour_by_group, isolate=state.isolate,
                                labels=state.labels)

    def _on_table(self, *events) -> None:
        table = self.table
        opacity = {**self.state.opacity, **{k: float(v) for k, v in table.opacity.items() if k in LAYERS}}
        self.state.param.update(hidden=frozenset(layer for layer in table.hidden if layer in LAYERS),
                                opacity=opacity, colour_by_group=bool(table.colour_by_group),
                                isolate=bool(table.isolate), labels=bool(table.labels))

    def __panel__(self):
        return self.table
