"""Moment-arm and fibre-length curves over hip flexion, and the plots that draw them.

A :class:`CurveSet` holds every fibre group's moment arms about the three axes and the fibre
lengths from full extension to full flexion, at one adduction and rotation; sets are kept
per (adduction, rotation), so turning back and forth costs nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from bokeh.models import ColumnDataSource, LabelSet, Range1d, Span
from bokeh.plotting import figure

from meshes import actions
from meshes.frame import POSTURE_RANGES
from viewer.panels.mechanics.texts import AXIS_TITLES, GROUP_COLOURS, GROUPS, deg, group_arms

#: Curve sets kept (one per adduction/rotation pair).
CURVE_CACHE_SIZE = 8
#: Adduction and rotation are rounded to this many degrees when picking a curve set.
CURVE_KEY_STEP_DEG = 1.0
#: Wait this long after the last adduction or rotation change before computing new curves.
CURVE_DEBOUNCE_MS = 700


def curve_key(model) -> tuple:
    """Which curve set a posture needs: bones, adduction and rotation (rounded)."""
    step = CURVE_KEY_STEP_DEG
    return (id(getattr(model, "_bones", None)),
            round(round(float(model.adduction) / step) * step, 3),
            round(round(float(model.rotation) / step) * step, 3))


def curve_source(model, adduction: float, rotation: float):
    """A factory of private models at ``adduction``/``rotation`` with a level pelvis."""
    bones = getattr(model, "_bones", None)
    cls = type(model)

    def make():
        extra = {"bones": bones} if bones is not None else {}
        return cls(**extra, adduction=adduction, rotation=rotation, pelvic_drop=0.0)

    return make


@dataclass
class CurveSet:
    """Moment-arm and fibre-length curves over flexion at one adduction and rotation."""

    adduction: float
    rotation: float
    arms: dict                     # meshes.actions.moment_arm_curves
    lengths: dict                  # meshes.actions.fibre_length_curves
    source: object                 # model factory at this adduction/rotation
    crossings: dict = field(default_factory=dict)   # (group, axis) -> [deg]

    @property
    def flexion(self) -> np.ndarray:
        return np.asarray(self.arms["flexion"], dtype=float)

    def curve(self, group: str, axis: str) -> np.ndarray:
        return np.asarray(self.arms[group][axis], dtype=float)

    def crossings_of(self, group: str, axis: str) -> list[float]:
        """Flexion angles where ``group``'s arm about ``axis`` changes sign: linear zero
        crossings of the sampled curve (:func:`meshes.actions.zero_crossings`), each polished
        on the model (:func:`meshes.actions.refine_crossing`); computed once."""
        key = (group, axis)
        if key not in self.crossings:
            flex, arm = self.flexion, self.curve(group, axis)
            out = []
            at = None
            for c in actions.zero_crossings(flex, arm):
                i = int(np.searchsorted(flex, c))
                lo, hi = max(i - 1, 0), min(i, len(flex) - 1)
                if arm[lo] * arm[hi] < 0:
                    if at is None:
                        at = actions.moment_arm_function(self.source)
                    try:
                        out.append(actions.refine_crossing(
                            lambda f: group_arms(at(f), group)[axis], flex[lo], flex[hi]))
                    except ValueError:  # no sign change on the model itself: keep the sampled one
                        out.append(float(c))
                else:
                    out.append(float(c))
            self.crossings[key] = out
        return self.crossings[key]

    def sentences(self, group: str) -> list[str]:
        """Plain sentences (one per axis) for ``group`` over flexion."""
        return [actions.describe_curve(actions.group_title(group), ax, self.flexion, self.curve(group, ax),
                                       self.crossings_of(group, ax))
                for ax in ("abduction", "flexion", "internal_rotation")]

    def csv(self) -> str:
        return actions.curves_csv(self.arms, self.lengths)


_CURVES: OrderedDict = OrderedDict()


def curves_for(model) -> CurveSet:
    """The curve set for the model's adduction and rotation, computed once and kept."""
    key = curve_key(model)
    hit = _CURVES.get(key)
    if hit is None:
        source = curve_source(model, key[1], key[2])
        hit = CurveSet(key[1], key[2], actions.moment_arm_curves(source), actions.fibre_length_curves(source), source)
        _CURVES[key] = hit
        while len(_CURVES) > CURVE_CACHE_SIZE:
            _CURVES.popitem(last=False)
    else:
        _CURVES.move_to_end(key)
    return hit


def fit_range(rng, curves, include_zero: bool = False, pad: float = 0.08) -> None:
    """Set a Bokeh Range1d to the span of ``curves`` with a margin."""
    values = np.concatenate([np.asarray(c, dtype=float).ravel() for c in curves])
    lo, hi = float(values.min()), float(values.max())
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    margin = pad * max(hi - lo, 1.0)
    rng.start, rng.end = lo - margin, hi + margin


def style(fig) -> None:
    fig.title.text_font_size = "14px"
    for ax in (fig.xaxis, fig.yaxis):
        ax.axis_label_text_font_size = "14px"
        ax.major_label_text_font_size = "13px"
        ax.axis_label_text_font_style = "normal"


def arm_figure(flexion: float):
    """Moment arm against flexion, a line per group, the current flexion and the crossings:
    (figure, curve source, crossing source, flexion span, lines by group)."""
    fig = figure(height=300, sizing_mode="stretch_width", toolbar_location=None, tools="",
                 x_axis_label="Hip flexion, °", y_axis_label="Moment arm, mm", title=AXIS_TITLES["abduction"],
                 background_fill_color="#ffffff", border_fill_color="#ffffff")
    src = ColumnDataSource({"flexion": [], **{g: [] for g in GROUPS}})
    lines = {}
    for g in GROUPS:
        lines[g] = fig.line("flexion", g, source=src, color=GROUP_COLOURS[g], line_width=2.5,
                            legend_label=g.capitalize(), line_dash="dashed" if g == "whole" else "solid")
    fig.add_layout(Span(location=0, dimension="width", line_color="#888888", line_width=1))
    span = Span(location=float(flexion), dimension="height", line_color="#1f6fd1", line_width=2.5,
                line_dash="dotted")
    fig.add_layout(span)
    cross = ColumnDataSource({"x": [], "y": [], "text": [], "colour": [], "dy": []})
    fig.scatter("x", "y", source=cross, size=10, color="colour", line_color="#000000")
    fig.add_layout(LabelSet(x="x", y="y", text="text", source=cross, x_offset=4, y_offset="dy",
                            text_font_size="14px", text_font_style="bold", text_color="colour"))
    fig.x_range = Range1d(*POSTURE_RANGES["flexion"])
    fig.y_range = Range1d(-60.0, 70.0)
    style(fig)
    legend = fig.legend[0]
    fig.add_layout(legend, "below")
    legend.orientation = "horizontal"
    legend.location = "center"
    legend.click_policy = "hide"
    legend.label_text_font_size = "13px"
    legend.spacing = 10
    return fig, src, cross, span, lines


def length_figure(flexion: float):
    """Fibre length against flexion: (figure, source, flexion span)."""
    fig = figure(height=210, sizing_mode="stretch_width", toolbar_location=None, tools="",
                 x_axis_label="Hip flexion, °", y_axis_label="Fibre length, mm",
                 background_fill_color="#ffffff", border_fill_color="#ffffff")
    src = ColumnDataSource({"flexion": [], **{g: [] for g in actions.GROUPS}})
    for g in actions.GROUPS:
        fig.line("flexion", g, source=src, color=GROUP_COLOURS[g], line_width=2.5)
    span = Span(location=float(flexion), dimension="height", line_color="#1f6fd1", line_width=2.5,
                line_dash="dotted")
    fig.add_layout(span)
    fig.x_range = Range1d(*POSTURE_RANGES["flexion"])
    fig.y_range = Range1d(80.0, 180.0)
    style(fig)
    return fig, src, span


def crossing_marks(curves: CurveSet, axis: str) -> dict:
    """The crossing source's data: where each group's moment arm about ``axis`` is zero;
    neighbouring labels alternate above and below the zero line so they never overlap."""
    marks = sorted((float(x), g) for g in GROUPS for x in curves.crossings_of(g, axis))
    return {"x": [x for x, _ in marks], "y": [0.0] * len(marks),
            "text": [deg(x) for x, _ in marks], "colour": [GROUP_COLOURS[g] for _, g in marks],
            "dy": [6 if i % 2 == 0 else -22 for i in range(len(marks))]}
