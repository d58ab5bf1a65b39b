"""The mechanics teaching panel: why each part of gluteus medius does what it does.

Everything shown is computed from the hip model at the posture the student sets:

* **Action view** -- moment arms of a fibre group about the flexion, abduction and
  internal-rotation axes (mm), the actions their signs name, and plain sentences over hip
  flexion from :mod:`meshes.actions`; the lines of pull drawn in the 3D view as arrows.
* **Curves** -- moment arm against hip flexion for every group about one axis, the current
  flexion marked, the zero crossings (where an action reverses) labelled; fibre length
  against flexion; both as a CSV download.  Curves are computed once per (adduction,
  rotation) and kept.
* **Animate an action** -- play/pause and a scrub slider moving the femur the way the chosen
  group pulls at the starting posture.
* **Single-leg stance** -- abductor strength, cane and trunk lean; forces in body weights,
  lever arms, and the pelvic drop (Trendelenburg) set on the model.
* **Exercises** -- clamshell at two hip angles and side-lying abduction: the posture, which
  parts help the movement there, and the content pack's card for the exercise (``card_id``).

The panel changes only the model's parameters (and the view's ``footprints`` for the
arrows); whoever shows the 3D view moves it when the model changes (:func:`follow_model`
does that for a plain page).

``mechanics_panel(model, view)`` returns the panel; ``view`` may be a
:class:`viewer.sceneview.SceneView`, ``None`` or a zero-argument callable returning the
current view (for an app that builds its view later).
"""

from __future__ import annotations

import io
import math
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, LabelSet, Range1d, Span
from bokeh.plotting import figure

from meshes import actions
from meshes import stance as st
from meshes.frame import POSTURE_RANGES

GROUPS = ("anterior", "middle", "posterior", "whole")
GROUP_LABELS = {"Anterior": "anterior", "Middle": "middle", "Posterior": "posterior", "Whole muscle": "whole"}
#: Plot colours: the 3D view's fibre-group colours; the whole muscle in near black.
GROUP_COLOURS = {"anterior": "#f39c1f", "middle": "#d7263d", "posterior": "#6a2c79", "whole": "#222222"}
AXIS_LABELS = {"Abduction": "abduction", "Flexion": "flexion", "Rotation": "internal_rotation"}
AXIS_TITLES = {
    "abduction": "Abduction (+) / adduction (−) moment arm, mm",
    "flexion": "Flexion (+) / extension (−) moment arm, mm",
    "internal_rotation": "Internal (+) / external (−) rotation moment arm, mm",
}
AXIS_SHORT = {"flexion": "flexion", "abduction": "abduction", "internal_rotation": "internal rotation"}
POSTURE_PARAMS = ("flexion", "adduction", "rotation")

#: Prefix of the 3D view footprint lines this panel draws (the lines of pull).
ARROW_PREFIX = "pull_"
ARROW_LENGTH_MM = 55.0
ARROW_HEAD_MM = 12.0
#: Opacity of the fibre group whose lines of pull are drawn.
ARROW_FADE = 0.3

#: Animation: frames per cycle, ms between frames, and how far each action moves the femur.
FRAMES = 16
FRAME_MS = 250
#: group -> [(model parameter, axis whose moment-arm sign sets the direction, degrees)].
#: Adduction moves against the abduction arm (abduction is negative adduction).
ANIMATIONS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "anterior": (("rotation", "internal_rotation", 40.0),),
    "middle": (("adduction", "abduction", -40.0),),
    "posterior": (("rotation", "internal_rotation", 40.0), ("flexion", "flexion", 20.0)),
    "whole": (("adduction", "abduction", -40.0),),
}

#: Curve sets kept (one per adduction/rotation pair).
CURVE_CACHE_SIZE = 8
#: Adduction and rotation are rounded to this many degrees when picking a curve set.
CURVE_KEY_STEP_DEG = 1.0
#: Wait this long after the last adduction or rotation change before computing new curves.
CURVE_DEBOUNCE_MS = 700

CSS = """
:host { font-size: 15px; }
h3 { font-size: 17px; margin: 4px 0 6px 0; color: #2b2b2b; }
p { margin: 4px 0; line-height: 1.35; }
table { border-collapse: collapse; width: 100%; font-size: 15px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e2ddd2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pos { color: #0b6b3a; font-weight: 600; }
.neg { color: #a33a00; font-weight: 600; }
.muted { color: #666; }
.big { font-size: 18px; font-weight: 700; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; }
ul { margin: 4px 0 4px 18px; padding: 0; }
"""


# ======================================================================================
# Pure helpers
# ======================================================================================


def esc(text) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def group_arms(arms: dict, group: str) -> dict[str, float]:
    """Moment arms (mm) of one group, ``whole`` being the force-weighted mean."""
    if group == "whole":
        return actions.whole_muscle_arms(arms)
    return {ax: float(arms[group][ax]) for ax in actions.AXES}


def posture_actions(arms: dict, group: str) -> list[str]:
    """Actions of ``group`` at the posture the arms were read at (signs, largest first)."""
    return actions.action_words(group_arms(arms, group))


def signed(value: float, digits: int = 0) -> str:
    return f"{value:+.{digits}f}".replace("-", "−")


def arms_table_html(arms_g: dict[str, float]) -> str:
    """Table of one group's moment arms with the action each sign names."""
    rows = []
    for ax in ("abduction", "flexion", "internal_rotation"):
        r = float(arms_g[ax])
        word = actions.action_word(ax, r)
        cls = "muted" if word is None else ("pos" if r > 0 else "neg")
        label = word or "(lever too small to name)"
        rows.append(f"<tr><td>{AXIS_SHORT[ax].capitalize()} axis</td><td class='num'>{signed(r)} mm</td>"
                    f"<td class='{cls}'>{esc(label)}</td></tr>")
    return ("<table><tr><th>Axis</th><th>Moment arm</th><th>Action</th></tr>" + "".join(rows) + "</table>")


def deg(value: float) -> str:
    """Whole degrees, never "-0"."""
    return f"{round(float(value)) + 0:d}°"


#: Words for the sign of each posture angle (+, -).
ANGLE_WORDS = {"flexion": ("flexion", "extension"), "adduction": ("adduction", "abduction"),
               "rotation": ("internal rotation", "external rotation")}


def angle_text(name: str, value: float) -> str:
    """A posture angle in words: ``adduction -30`` reads "abduction 30°"."""
    pos, neg = ANGLE_WORDS[name]
    v = round(float(value))
    if v == 0:
        return f"{name} 0°"
    return f"{neg if v < 0 else pos} {deg(abs(v))}"


def posture_text(model) -> str:
    ang = model.joint_angles()
    return ", ".join(angle_text(k, ang[k]) for k in POSTURE_PARAMS)


# ---------------------------------------------------------------- curves


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


# ---------------------------------------------------------------- arrows


def pull_arrow(path, length: float = ARROW_LENGTH_MM, head: float = ARROW_HEAD_MM) -> tuple[np.ndarray, np.ndarray]:
    """(shaft, head) polylines of a fibre's pull on the femur: from the insertion along the
    fibre's last segment toward its origin; the head is a V at the far end."""
    p = np.asarray(path, dtype=float)
    tip0 = p[-1]
    d = p[-2] - p[-1]
    k = len(p) - 2
    while np.linalg.norm(d) < 1e-6 and k > 0:
        k -= 1
        d = p[k] - p[-1]
    d = d / np.linalg.norm(d)
    end = tip0 + length * d
    side = np.cross(d, [0.0, 0.0, 1.0])
    if np.linalg.norm(side) < 0.2:
        side = np.cross(d, [1.0, 0.0, 0.0])
    side = side / np.linalg.norm(side)
    back = end - head * d
    shaft = np.array([tip0, end])
    v = np.array([back + 0.5 * head * side, end, back - 0.5 * head * side])
    return shaft, v


def pull_arrows(fibres_by_group: dict[str, list]) -> dict[str, list]:
    """Footprint polylines (plain lists, 0.1 mm) of every fibre's pull, named
    ``pull_<group>_<i>`` and ``pull_<group>_<i>_head``."""
    out = {}
    for group, fibres in fibres_by_group.items():
        for i, path in enumerate(fibres):
            shaft, head = pull_arrow(path)
            out[f"{ARROW_PREFIX}{group}_{i}"] = np.round(shaft, 1).tolist()
            out[f"{ARROW_PREFIX}{group}_{i}_head"] = np.round(head, 1).tolist()
    return out


def merged_footprints(current: dict, mine: dict) -> dict:
    """The view's footprints with this panel's lines replaced by ``mine``."""
    out = {k: v for k, v in (current or {}).items() if not k.startswith(ARROW_PREFIX)}
    out.update(mine)
    return out


# ---------------------------------------------------------------- animation


def animation_moves(group: str, arms_g: dict[str, float]) -> dict[str, float]:
    """Parameter changes (deg) at the peak of the animation: each of the group's teaching
    axes, in the direction its moment arm pulls at the starting posture."""
    moves = {}
    for name, axis, amount in ANIMATIONS[group]:
        r = float(arms_g[axis])
        sign = -1.0 if r < 0 else 1.0
        moves[name] = sign * amount
    return moves


def animation_words(group: str, arms_g: dict[str, float]) -> list[str]:
    """The actions the animation shows, in words."""
    out = []
    for _name, axis, _amount in ANIMATIONS[group]:
        pos, neg = actions.ACTION_WORDS[axis]
        out.append(neg if float(arms_g[axis]) < 0 else pos)
    return out


def frame_posture(base: dict[str, float], moves: dict[str, float], frame: int, frames: int = FRAMES) -> dict:
    """Posture at ``frame`` of a cycle: out along ``moves`` and back (sine ease), clipped
    to the anatomical ranges."""
    s = math.sin(math.pi * (frame % frames) / frames)
    out = {}
    for name in POSTURE_PARAMS:
        lo, hi = POSTURE_RANGES[name]
        out[name] = float(np.clip(round(base[name] + s * moves.get(name, 0.0), 1), lo, hi))
    return out


# ---------------------------------------------------------------- exercises


@dataclass(frozen=True)
class Exercise:
    label: str
    posture: dict
    movement: tuple  # ((axis, +1 / -1), ...): the movement the exercise asks for
    card_id: str


EXERCISES: dict[str, Exercise] = {
    "clam30": Exercise("Clamshell, hip flexed 30°", {"flexion": 30.0, "adduction": 0.0, "rotation": -30.0},
                       (("internal_rotation", -1), ("abduction", +1)), "exercise_clamshell"),
    "clam60": Exercise("Clamshell, hip flexed 60°", {"flexion": 60.0, "adduction": 0.0, "rotation": -30.0},
                       (("internal_rotation", -1), ("abduction", +1)), "exercise_clamshell"),
    "sla": Exercise("Side-lying abduction", {"flexion": 0.0, "adduction": -30.0, "rotation": 0.0},
                    (("abduction", +1),), "exercise_side_lying_abduction"),
}


def exercise_roles(arms: dict, exercise: Exercise) -> dict[str, dict[str, str]]:
    """For each group and movement axis: ``"helps"``, ``"opposes"`` or ``"little"``, from the
    sign of the moment arm at the exercise posture (dead-band as in :mod:`meshes.actions`)."""
    out = {}
    for g in GROUPS:
        a = group_arms(arms, g)
        out[g] = {}
        for axis, sign in exercise.movement:
            r = float(a[axis]) * sign
            out[g][axis] = "little" if abs(r) < actions.DEAD_BAND_MM else ("helps" if r > 0 else "opposes")
    return out


def movement_word(axis: str, sign: int) -> str:
    pos, neg = actions.ACTION_WORDS[axis]
    return pos if sign > 0 else neg


def exercise_html(arms: dict, exercise: Exercise) -> str:
    roles = exercise_roles(arms, exercise)
    heads = "".join(f"<th>{esc(movement_word(ax, s).capitalize())}</th>" for ax, s in exercise.movement)
    rows = []
    for g in GROUPS:
        a = group_arms(arms, g)
        cells = []
        for ax, _s in exercise.movement:
            role = roles[g][ax]
            cls = {"helps": "pos", "opposes": "neg", "little": "muted"}[role]
            cells.append(f"<td class='{cls}'>{role}, {abs(a[ax]):.0f} mm</td>")
        sw = f"<span class='swatch' style='background:{GROUP_COLOURS[g]}'></span>"
        rows.append(f"<tr><td>{sw}{esc(actions.group_title(g))}</td>{''.join(cells)}</tr>")
    return (f"<p><b>{esc(exercise.label)}</b>: the movement is "
            f"{' and '.join(movement_word(ax, s) for ax, s in exercise.movement)}. Which parts pull that way "
            f"here (sign of the moment arm at this posture; the lever in mm):</p>"
            f"<table><tr><th>Part</th>{heads}</tr>{''.join(rows)}</table>")


# ---------------------------------------------------------------- stance


def stance_html(report: dict) -> str:
    lev = report["lever_arms_mm"]
    drop = report["pelvic_drop_deg"]
    if drop > 0.05:
        state = (f"<span class='neg big'>The pelvis drops {drop:.1f}° on the unsupported (left) side</span>"
                 " — a positive Trendelenburg sign.")
    else:
        state = "<span class='pos big'>The pelvis stays level.</span>"
    lean = report["compensated_lean_deg"]
    if lean is None:
        lurch = "No trunk lean alone would let these abductors hold the pelvis level."
    elif lean <= 0:
        lurch = "No trunk lean is needed."
    else:
        lurch = f"Leaning the trunk {lean:.0f}° toward the stance leg would let them hold it level (the lurch)."
    cane = f"<tr><td>Cane (left hand)</td><td class='num'>{lev['cane']:.0f} mm</td></tr>" if lev["cane"] else ""
    return (
        f"<p>{state}</p>"
        f"<p>{esc(st.force_source_text(report))}</p>"
        "<table>"
        f"<tr><td>Abductor force needed to stay level</td><td class='num'>{report['required_abductor_force_bw']:.2f} BW</td></tr>"
        f"<tr><td>Abductor force available</td><td class='num'>{report['available_abductor_force_bw']:.2f} BW</td></tr>"
        f"<tr><td>Passive tissue pull (capsule, iliotibial tract, fascia)</td>"
        f"<td class='num'>{report.get('passive_force_bw', 0.0):.2f} BW</td></tr>"
        f"<tr><td>Hip joint reaction force</td><td class='num'>{report['joint_force_bw']:.2f} BW</td></tr>"
        f"<tr><th colspan='2'>Lever arms about the stance hip</th></tr>"
        f"<tr><td>Abductors</td><td class='num'>{lev['abductor']:.0f} mm</td></tr>"
        f"<tr><td>Body weight (after lean)</td><td class='num'>{lev['body_weight']:.0f} mm</td></tr>"
        f"{cane}</table>"
        f"<p class='muted'>{esc(lurch)} BW = body weights. Right leg in stance.</p>"
    )


# ---------------------------------------------------------------- the 3D view


def push_posture(model, view) -> None:
    """Move a SceneView to the model's posture: femora and pelvis rigidly (the pelvis tilts
    with ``pelvic_drop``), muscles, nerve and artery as new vertex arrays, markers."""
    if view is None:
        return
    meshes = model.meshes()
    rigid = ("pelvis", "sacrum", "femur_right", "femur_left")
    names = set(view.actor_names)
    moving = {k: v for k, v in meshes.items() if k not in rigid and k in names}
    tilt = model.femur_transform("left")
    mats = {"femur_right": model.femur_transform("right"), "pelvis": tilt, "sacrum": tilt, "femur_left": tilt}
    view.set_transforms({k: v for k, v in mats.items() if k in names})
    view.update_meshes(moving)
    from viewer.scene import marker_positions

    view.update_landmarks(marker_positions(model))


def follow_model(model, view):
    """Keep ``view`` at ``model``'s posture from now on; returns the param watcher."""
    return model.param.watch(lambda *_: push_posture(model, view), [*POSTURE_PARAMS, "pelvic_drop"])


def fit_range(rng, curves, include_zero: bool = False, pad: float = 0.08) -> None:
    """Set a Bokeh Range1d to the span of ``curves`` with a margin."""
    values = np.concatenate([np.asarray(c, dtype=float).ravel() for c in curves])
    lo, hi = float(values.min()), float(values.max())
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    margin = pad * max(hi - lo, 1.0)
    rng.start, rng.end = lo - margin, hi + margin


def _later(ms: int, callback) -> None:
    doc = pn.state.curdoc
    if doc is not None and doc.session_context is not None:
        doc.add_timeout_callback(callback, ms)
    else:
        callback()


# ======================================================================================
# The panel
# ======================================================================================


class MechanicsPanel(pn.custom.PyComponent):
    """Mechanics of gluteus medius at the model's posture (see the module docstring)."""

    group = param.Selector(objects=GROUP_LABELS, default="middle", doc="Fibre group shown")
    axis = param.Selector(objects=AXIS_LABELS, default="abduction", doc="Axis of the moment-arm plot")
    show_arrows = param.Boolean(default=False, doc="Draw the lines of pull in the 3D view (fading the group's muscle)")
    card_id = param.String(default=None, allow_None=True,
                           doc="Content-pack entry of the last exercise chosen (for the card)")

    def __init__(self, model, view=None, **params):
        params.setdefault("sizing_mode", "stretch_width")
        super().__init__(**params)
        self.model = model
        self._view_ref = view
        self._curves: CurveSet | None = None
        self._curve_pending = False
        self._stance_active = False
        self._anim_base: dict | None = None
        self._anim_moves: dict = {}
        self._callback = None
        self._animating = False
        self._resetting = False
        self._setting_lean = False
        self._arrows: dict = {}
        self._saved_opacity: dict[str, float] = {}
        self._build()
        self.model.param.watch(self._on_model, [*POSTURE_PARAMS, "pelvic_drop"])
        self.param.watch(self._on_group, "group")
        self.param.watch(lambda e: self._refresh_plot(), "axis")
        self.param.watch(lambda e: self._refresh_arrows(), "show_arrows")
        served = pn.state.curdoc is not None and pn.state.curdoc.session_context is not None
        if served:
            # after the page's own first work (the 3D view), so the scene is not held up
            self._curve_card.loading = True
            pn.state.onload(lambda: _later(50, self.refresh))
        else:
            self.refresh()

    # ------------------------------------------------------------------ view
    @property
    def view(self):
        v = self._view_ref
        if v is not None and not hasattr(v, "footprints") and callable(v):
            v = v()
        return v

    # ------------------------------------------------------------------ layout
    def _html(self, **kw):
        return pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[CSS], css_classes=["mech"], **kw)

    def _build(self):
        # Action view
        self.group_w = pn.widgets.RadioButtonGroup.from_param(
            self.param.group, color="primary", variant="outline", sizing_mode="stretch_width",
            css_classes=["mech-group"])
        self.arrows_w = pn.widgets.Checkbox.from_param(
            self.param.show_arrows, label="Show the lines of pull in the 3D view (dark arrows; the part is faded)",
            css_classes=["mech-arrows"])
        self.action_pane = self._html()
        self.sentence_pane = self._html()
        self.why_button = pn.widgets.Button(label="Why does it rotate the thigh this way?", color="light")
        self.why_pane = self._html()
        self.why_button.on_click(self._on_why)

        # Plots
        self.axis_w = pn.widgets.RadioButtonGroup.from_param(
            self.param.axis, color="default", sizing_mode="stretch_width")
        self.arm_fig, self.arm_src, self.cross_src, self.arm_span, self.arm_lines = self._arm_figure()
        self.len_fig, self.len_src, self.len_span = self._length_figure()
        self.curve_note = self._html()
        self.download = pn.widgets.FileDownload(
            callback=self._csv, filename="gluteus_medius_curves.csv", color="success",
            label="Download the curves (CSV)", sizing_mode="stretch_width")

        # Animation
        self.play = pn.widgets.Toggle(label="▶ Play", color="primary", width=110, css_classes=["mech-play"])
        self.frame = pn.widgets.IntSlider(label="Scrub", start=0, end=FRAMES - 1, value=0, sizing_mode="stretch_width",
                                          css_classes=["mech-scrub"])
        self.anim_pane = self._html()
        self.play.param.watch(self._on_play, "value")
        self.frame.param.watch(self._on_frame, "value")

        # Stance
        lo, hi = st.STRENGTH_RANGE
        self.strength = pn.widgets.FloatSlider(label="Abductor strength, % of normal", start=lo, end=hi, step=5,
                                               value=100.0, format="0", sizing_mode="stretch_width",
                                               css_classes=["stance-strength"])
        self.cane = pn.widgets.Checkbox(label="Cane in the left hand", value=False)
        lo, hi = st.LEAN_RANGE
        self.lean = pn.widgets.FloatSlider(label="Trunk lean toward the stance leg, °", start=lo, end=hi, step=1,
                                           value=0.0, format="0", sizing_mode="stretch_width")
        self.lurch = pn.widgets.Toggle(label="Show the compensated lurch", color="default",
                                       sizing_mode="stretch_width")
        self.stand = pn.widgets.Button(label="Stand on the right leg", color="primary")
        self.level = pn.widgets.Button(label="Level the pelvis", color="light")
        self.behind = pn.widgets.Button(label="View from behind", color="light")
        self.stance_pane = self._html()
        for w in (self.strength, self.cane, self.lean):
            w.param.watch(self._on_stance, "value")
        self.lurch.param.watch(self._on_stance, "value")
        self.stand.on_click(lambda e: self._apply_stance())
        self.level.on_click(self._on_level)
        self.behind.on_click(lambda e: self._camera("posterior"))

        # Exercises
        self.exercise_buttons = {
            key: pn.widgets.Button(label=ex.label, color="default", sizing_mode="stretch_width",
                                   css_classes=[f"exercise-{key}"])
            for key, ex in EXERCISES.items()
        }
        for key, b in self.exercise_buttons.items():
            b.on_click(lambda e, key=key: self.apply_exercise(key))
        self.exercise_pane = self._html()
        self._exercise: str | None = None

        def h(text):
            return pn.pane.HTML(f"<h3>{esc(text)}</h3>", stylesheets=[CSS], css_classes=["mech"], margin=(4, 5, 0, 5))

        card = dict(sizing_mode="stretch_width", collapsed=False, header_background="#efe9dc")
        self._curve_card = pn.Card(
            self.axis_w, pn.pane.Bokeh(self.arm_fig, sizing_mode="stretch_width"), self.curve_note,
            h("Fibre length"), pn.pane.Bokeh(self.len_fig, sizing_mode="stretch_width"), self.download,
            title="Moment arm against hip flexion", **card)
        self._layout = pn.Column(
            pn.Card(self.group_w, self.action_pane, self.sentence_pane, self.arrows_w, self.why_button,
                    self.why_pane, title="What this part does here", **card),
            self._curve_card,
            pn.Card(pn.Row(self.play, self.frame, sizing_mode="stretch_width"), self.anim_pane,
                    title="Animate the action", **card),
            pn.Card(self.strength, self.cane, self.lean, self.lurch,
                    pn.Row(self.stand, self.level, self.behind, sizing_mode="stretch_width"),
                    self.stance_pane, title="Single-leg stance (Trendelenburg)", **card),
            pn.Card(*self.exercise_buttons.values(), self.exercise_pane, title="Exercises", **card),
            sizing_mode="stretch_width", css_classes=["mechanics-panel"],
        )

    def __panel__(self):
        return self._layout

    def _arm_figure(self):
        fig = figure(height=300, sizing_mode="stretch_width", toolbar_location=None, tools="",
                     x_axis_label="Hip flexion, °", y_axis_label="Moment arm, mm", title=AXIS_TITLES["abduction"],
                     background_fill_color="#ffffff", border_fill_color="#ffffff")
        src = ColumnDataSource({"flexion": [], **{g: [] for g in GROUPS}})
        lines = {}
        for g in GROUPS:
            lines[g] = fig.line("flexion", g, source=src, color=GROUP_COLOURS[g], line_width=2.5,
                                legend_label=g.capitalize(), line_dash="dashed" if g == "whole" else "solid")
        fig.add_layout(Span(location=0, dimension="width", line_color="#888888", line_width=1))
        span = Span(location=float(self.model.flexion), dimension="height", line_color="#1f6fd1", line_width=2.5,
                    line_dash="dotted")
        fig.add_layout(span)
        cross = ColumnDataSource({"x": [], "y": [], "text": [], "colour": [], "dy": []})
        fig.scatter("x", "y", source=cross, size=10, color="colour", line_color="#000000")
        fig.add_layout(LabelSet(x="x", y="y", text="text", source=cross, x_offset=4, y_offset="dy",
                                text_font_size="14px", text_font_style="bold", text_color="colour"))
        fig.x_range = Range1d(*POSTURE_RANGES["flexion"])
        fig.y_range = Range1d(-60.0, 70.0)
        self._style(fig)
        legend = fig.legend[0]
        fig.add_layout(legend, "below")
        legend.orientation = "horizontal"
        legend.location = "center"
        legend.click_policy = "hide"
        legend.label_text_font_size = "13px"
        legend.spacing = 10
        return fig, src, cross, span, lines

    def _length_figure(self):
        fig = figure(height=210, sizing_mode="stretch_width", toolbar_location=None, tools="",
                     x_axis_label="Hip flexion, °", y_axis_label="Fibre length, mm",
                     background_fill_color="#ffffff", border_fill_color="#ffffff")
        src = ColumnDataSource({"flexion": [], **{g: [] for g in actions.GROUPS}})
        for g in actions.GROUPS:
            fig.line("flexion", g, source=src, color=GROUP_COLOURS[g], line_width=2.5)
        span = Span(location=float(self.model.flexion), dimension="height", line_color="#1f6fd1", line_width=2.5,
                    line_dash="dotted")
        fig.add_layout(span)
        fig.x_range = Range1d(*POSTURE_RANGES["flexion"])
        fig.y_range = Range1d(80.0, 180.0)
        self._style(fig)
        return fig, src, span

    @staticmethod
    def _style(fig):
        fig.title.text_font_size = "14px"
        for ax in (fig.xaxis, fig.yaxis):
            ax.axis_label_text_font_size = "14px"
            ax.major_label_text_font_size = "13px"
            ax.axis_label_text_font_style = "normal"

    # ------------------------------------------------------------------ refresh
    def refresh(self):
        """Recompute everything shown for the model's current posture."""
        self._ensure_curves()
        self._curve_card.loading = False
        self._refresh_action()
        self._refresh_plot()
        self._refresh_spans()
        self._refresh_arrows()
        self._refresh_animation_text()
        if self._stance_active:
            self.stance_pane.object = stance_html(self.stance_report())
        elif not self.stance_pane.object:
            self.stance_pane.object = ("<p class='muted'>Move a control or press <b>Stand on the right leg</b>: "
                                       "the model stands on the right leg and the pelvis drops if the "
                                       "abductors are too weak.</p>")
        if self._exercise:
            self.exercise_pane.object = exercise_html(self.model.moment_arms(), EXERCISES[self._exercise])

    def _ensure_curves(self):
        key = curve_key(self.model)
        if self._curves is None or (self._curves.adduction, self._curves.rotation) != key[1:]:
            self._curves = curves_for(self.model)

    @property
    def curves(self) -> CurveSet:
        self._ensure_curves()
        return self._curves

    def shown_actions(self) -> list[str]:
        """The actions the action view names for the chosen group at this posture."""
        return posture_actions(self.model.moment_arms(), self.group)

    def _refresh_action(self):
        arms_g = group_arms(self.model.moment_arms(), self.group)
        words = actions.action_words(arms_g)
        sw = f"<span class='swatch' style='background:{GROUP_COLOURS[self.group]}'></span>"
        head = (f"<p>{sw}<b>{esc(actions.group_title(self.group))}</b> at {esc(posture_text(self.model))}:</p>"
                f"<p class='big'>{esc(', '.join(words) if words else 'no clear action')}</p>")
        self.action_pane.object = (head + arms_table_html(arms_g)
                                   + "<p class='muted'>+ means the named action; a lever under "
                                   f"{actions.DEAD_BAND_MM:g} mm names none.</p>")
        self.why_pane.object = ""
        self._refresh_sentences()

    def _refresh_sentences(self):
        c = self._curves
        if c is None:
            return
        items = "".join(f"<li>{esc(s.split(': ', 1)[1])}</li>" for s in c.sentences(self.group))
        self.sentence_pane.object = (f"<p>Over hip flexion ({angle_text('adduction', c.adduction)}, "
                                     f"{angle_text('rotation', c.rotation)}):</p><ul>{items}</ul>")

    def _refresh_plot(self):
        c = self._curves
        if c is None:
            return
        axis = self.axis
        self.arm_src.data = {"flexion": c.flexion.tolist(), **{g: c.curve(g, axis).tolist() for g in GROUPS}}
        marks = sorted((float(x), g) for g in GROUPS for x in c.crossings_of(g, axis))
        # neighbouring labels alternate above and below the zero line so they never overlap
        self.cross_src.data = {"x": [x for x, _ in marks], "y": [0.0] * len(marks),
                               "text": [deg(x) for x, _ in marks], "colour": [GROUP_COLOURS[g] for _, g in marks],
                               "dy": [6 if i % 2 == 0 else -22 for i in range(len(marks))]}
        self.arm_fig.title.text = AXIS_TITLES[axis]
        fit_range(self.arm_fig.y_range, [c.curve(g, axis) for g in GROUPS], include_zero=True)
        fit_range(self.len_fig.y_range, [c.lengths[g] for g in actions.GROUPS])
        for g, r in self.arm_lines.items():
            r.glyph.line_width = 4.5 if g == self.group else 2.0
        self.len_src.data = {"flexion": np.asarray(c.lengths["flexion"]).tolist(),
                             **{g: np.asarray(c.lengths[g]).tolist() for g in actions.GROUPS}}
        self.curve_note.object = (
            f"<p class='muted'>Dots: where an action reverses (moment arm 0). Curves at "
            f"{angle_text('adduction', c.adduction)}, {angle_text('rotation', c.rotation)}; dotted line: the current flexion.</p>")
        self.download.filename = f"gluteus_medius_curves_add{c.adduction:.0f}_rot{c.rotation:.0f}.csv"

    def _csv(self):
        return io.StringIO(self.curves.csv())

    def shown_crossings(self) -> dict[str, list[float]]:
        """Zero crossings labelled on the plot, per group."""
        data = self.cross_src.data
        out: dict[str, list[float]] = {g: [] for g in GROUPS}
        colour_group = {v: k for k, v in GROUP_COLOURS.items()}
        for x, colour in zip(data["x"], data["colour"]):
            out[colour_group[colour]].append(float(x))
        return out

    def _refresh_spans(self):
        f = float(self.model.joint_angles()["flexion"])
        self.arm_span.location = f
        self.len_span.location = f

    def _refresh_arrows(self):
        view = self.view
        if view is None:
            return
        if self.show_arrows:
            fibres = self.model.fibres("gmed" if self.group == "whole" else self.group)
            self._arrows = pull_arrows({self.group: fibres})
        else:
            self._arrows = {}
        new = merged_footprints(view.footprints, self._arrows)
        if new != view.footprints:
            view.footprints = new
        self._apply_fade(view)
        if getattr(self, "_watching_view", None) is not view:
            view.param.watch(self._on_view_footprints, "footprints")
            view.param.watch(self._on_view_opacity, "opacity")
            self._watching_view = view

    def _faded_actors(self) -> set[str]:
        if not self.show_arrows:
            return set()
        groups = actions.GROUPS if self.group == "whole" else (self.group,)
        return {f"gmed_{g}_right" for g in groups}

    def _apply_fade(self, view):
        """Fade the muscle whose lines of pull are drawn (they run inside it); give the
        others back the opacity they had."""
        want = self._faded_actors() & set(view.actor_names)
        opacity = dict(view.opacity)
        changed = False
        for actor in list(self._saved_opacity):
            if actor not in want:
                opacity[actor] = self._saved_opacity.pop(actor)
                changed = True
        for actor in want:
            current = float(opacity.get(actor, 1.0))
            if current > ARROW_FADE + 1e-9:
                self._saved_opacity[actor] = current
                opacity[actor] = ARROW_FADE
                changed = True
            elif abs(current - ARROW_FADE) > 1e-9 or actor not in self._saved_opacity:
                self._saved_opacity[actor] = current
        if changed:
            view.opacity = opacity

    def _on_view_opacity(self, event):
        """Another part of the page set the opacity: keep the drawn part faded."""
        if self._saved_opacity:
            self._apply_fade(event.obj)

    def _on_view_footprints(self, event):
        """Another part of the page replaced the footprints: put the lines of pull back."""
        if not self._arrows:
            return
        current = event.new or {}
        if any(current.get(k) != v for k, v in self._arrows.items()):
            event.obj.footprints = merged_footprints(current, self._arrows)

    def _refresh_animation_text(self):
        arms_g = group_arms(self.model.moment_arms(), self.group) if self._anim_base is None else None
        if arms_g is not None:
            words = animation_words(self.group, arms_g)
            self.anim_pane.object = (
                f"<p>Moves the thigh the way the <b>{esc(actions.group_title(self.group).lower())}</b> pull at "
                f"this posture: <b>{esc(' and '.join(words))}</b>, and back.</p>")

    # ------------------------------------------------------------------ events
    def _on_model(self, *events):
        if self._anim_base is not None and not self._animating:
            self._forget_animation()  # the posture was set elsewhere: the next play starts here
        self._refresh_spans()
        self._refresh_action()
        self._refresh_arrows()
        if self._exercise and any(
                abs(float(getattr(self.model, k)) - v) > 0.5 for k, v in EXERCISES[self._exercise].posture.items()):
            self._exercise = None
            self.exercise_pane.object = ""
        key = curve_key(self.model)
        if self._curves is not None and (self._curves.adduction, self._curves.rotation) != key[1:]:
            if self.play.value:
                return  # the curves follow once the animation stops
            self._schedule_curves()
        if self._anim_base is None:
            self._refresh_animation_text()

    def _schedule_curves(self):
        if self._curve_pending:
            return
        self._curve_pending = True

        def run():
            self._curve_pending = False
            if self.play.value:
                return
            self._ensure_curves()
            self._refresh_sentences()
            self._refresh_plot()

        _later(CURVE_DEBOUNCE_MS, run)

    def _on_group(self, event):
        self._stop_animation(reset=True)
        self._refresh_action()
        self._refresh_plot()
        self._refresh_arrows()
        self._refresh_animation_text()

    def _on_why(self, event=None):
        text = actions.rotation_why(self.group, self.model)
        self.why_pane.object = f"<p>{esc(text)}</p>"

    # ------------------------------------------------------------------ animation
    def _on_play(self, event):
        if event.new:
            self.play.label = "❚❚ Pause"
            if self._callback is None:
                self._callback = pn.state.add_periodic_callback(self.step, period=FRAME_MS, start=True)
        else:
            self.play.label = "▶ Play"
            if self._callback is not None:
                self._callback.stop()
                self._callback = None
            if self._curves is not None and (self._curves.adduction, self._curves.rotation) != curve_key(self.model)[1:]:
                self._schedule_curves()

    def step(self):
        """Advance the animation by one frame."""
        self.frame.value = (self.frame.value + 1) % FRAMES

    def _on_frame(self, event):
        if self._resetting:
            return
        if self._anim_base is None:
            self._anim_base = {k: float(getattr(self.model, k)) for k in POSTURE_PARAMS}
            arms_g = group_arms(self.model.moment_arms(), self.group)
            self._anim_moves = animation_moves(self.group, arms_g)
        self._animating = True
        try:
            self.model.param.update(pelvic_drop=0.0, **frame_posture(self._anim_base, self._anim_moves, event.new))
        finally:
            self._animating = False

    def _forget_animation(self):
        """Drop the animation's starting posture and put the scrub slider back to 0."""
        self._anim_base = None
        self._resetting = True
        try:
            self.frame.value = 0
        finally:
            self._resetting = False

    def _stop_animation(self, reset: bool = False):
        if self.play.value:
            self.play.value = False
        if reset and self._anim_base is not None:
            base = self._anim_base
            self._forget_animation()
            self.model.param.update(**base)

    # ------------------------------------------------------------------ stance
    def stance_report(self) -> dict:
        return st.stance_report("right", float(self.strength.value), bool(self.cane.value),
                                float(self.lean.value), model=self.model)

    def _on_stance(self, event=None):
        if self._setting_lean:
            return
        if self.lurch.value:
            lean = st.compensated_lean(float(self.strength.value), bool(self.cane.value), model=self.model)
            lo, hi = st.LEAN_RANGE
            # rounded up, so the lean shown is enough to hold the pelvis level
            target = hi if lean is None else float(np.clip(math.ceil(lean * 10.0) / 10.0, lo, hi))
            self.lean.disabled = True
            self._setting_lean = True
            try:
                self.lean.value = target
            finally:
                self._setting_lean = False
        else:
            self.lean.disabled = False
        self._apply_stance()

    def _apply_stance(self):
        self._stop_animation(reset=True)
        self._stance_active = True
        report = self.stance_report()
        self.model.param.update(**st.stance_posture(report))
        self.stance_pane.object = stance_html(report)

    def _on_level(self, event=None):
        self._stance_active = False
        self.model.pelvic_drop = 0.0
        self.stance_pane.object = "<p class='pos'>Pelvis level (stance model off).</p>"

    def _camera(self, preset: str):
        view = self.view
        if view is not None:
            view.set_camera_preset(preset)

    # ------------------------------------------------------------------ exercises
    def apply_exercise(self, key: str):
        """Put the hip in an exercise posture, show which parts help, and name its card."""
        ex = EXERCISES[key]
        self._stop_animation(reset=True)
        self._stance_active = False
        self.model.param.update(pelvic_drop=0.0, **ex.posture)
        self._exercise = key
        for k, b in self.exercise_buttons.items():
            b.color = "primary" if k == key else "default"
        self.exercise_pane.object = exercise_html(self.model.moment_arms(), ex)
        self.card_id = ex.card_id if _has_entry(ex.card_id) else None


def _has_entry(entry_id: str) -> bool:
    try:
        from annotations import builtin_pack
    except ImportError:
        return False
    try:
        return entry_id in builtin_pack().entries
    except Exception:  # a broken pack names no card
        return False


def mechanics_panel(model, view=None) -> MechanicsPanel:
    """The mechanics panel for ``model`` (a :class:`meshes.model.HipModel`), drawing its lines
    of pull in ``view`` (a SceneView, ``None``, or a callable returning the current view)."""
    return MechanicsPanel(model, view)
