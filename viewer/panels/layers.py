"""Layers: show, hide and fade each part of the model; colour by fibre group; isolate."""

from __future__ import annotations

import panel as pn

from viewer.state import LAYER_LABELS, LAYERS


class LayerControls(pn.viewable.Viewer):
    """A row per layer (shown, opacity) bound to ``state.hidden`` and ``state.opacity``."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.state = state = session.state
        self._showing = False
        self.toggles = {
            layer: pn.widgets.Checkbox(label=LAYER_LABELS[layer], value=True, width=170, css_classes=[f"layer-{layer}"])
            for layer in LAYERS
        }
        self.opacity = {
            layer: pn.widgets.FloatSlider(
                label="Opacity", start=0.0, end=1.0, step=0.05, value=1.0, width=100, show_value=False,
                css_classes=[f"opacity-{layer}"],
            )
            for layer in LAYERS
        }
        self.colour_by_group = pn.widgets.Checkbox(label="Colour gluteus medius by fibre group", value=True)
        self.isolate = pn.widgets.Checkbox(label="Isolate the selection", value=False)
        self._show()
        for layer in LAYERS:
            self.toggles[layer].param.watch(self._on_layers, "value")
            self.opacity[layer].param.watch(self._on_layers, "value")
        self.colour_by_group.param.watch(lambda e: self._set(colour_by_group=e.new), "value")
        self.isolate.param.watch(lambda e: self._set(isolate=e.new), "value")
        state.param.watch(lambda *e: self._show(), ["hidden", "opacity", "colour_by_group", "isolate"])

    @property
    def accessible_names(self) -> dict[str, str]:
        """Names for screen readers: every opacity slider shows only "Opacity"."""
        return {f"opacity-{layer}": f"{LAYER_LABELS[layer]} opacity" for layer in LAYERS}

    def _set(self, **changes) -> None:
        if not self._showing:
            self.state.param.update(**changes)

    def _show(self) -> None:
        state = self.state
        self._showing = True
        try:
            for layer in LAYERS:
                self.toggles[layer].value = layer not in state.hidden
                self.opacity[layer].value = float(state.opacity.get(layer, 1.0))
            self.colour_by_group.value = state.colour_by_group
            self.isolate.value = state.isolate
        finally:
            self._showing = False

    def _on_layers(self, event) -> None:
        hidden = frozenset(layer for layer in LAYERS if not self.toggles[layer].value)
        opacity = {layer: float(self.opacity[layer].value) for layer in LAYERS}
        self._set(hidden=hidden, opacity=opacity)

    def __panel__(self):
        rows = [pn.Row(self.toggles[layer], self.opacity[layer], margin=0) for layer in LAYERS]
        return pn.Card(*rows, self.colour_by_group, self.isolate, title="Layers", collapsed=False,
                       sizing_mode="stretch_width")
