"""What each part of gluteus medius does, read from the model's moment arms.

Everything here is computed, never typed: the actions of a fibre group are the signs of its
moment arms (``HipModel.moment_arms()``), and the hip angle at which an action reverses is a
zero crossing of its moment-arm curve over flexion.

Sign convention (see :mod:`meshes.frame`): a positive moment arm about an axis means the
muscle produces the named action (flexion, abduction, internal rotation); a negative one
means the opposite action (extension, adduction, external rotation).

A *moment-arm source* is any of:

* a :class:`meshes.model.HipModel` (or any object with ``moment_arms()`` and a ``flexion``
  attribute).  It is never changed: curves are read from a copy with the same settings;
* a zero-argument factory returning such a model;
* a function ``f(flexion_deg) -> {group: {axis: mm}}`` (for hand-made inputs).
"""

from __future__ import annotations

import inspect
import io
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from meshes.frame import POSTURE_RANGES

GROUPS: tuple[str, ...] = ("anterior", "middle", "posterior")
AXES: tuple[str, ...] = ("flexion", "abduction", "internal_rotation")

#: Maximum isometric force (N) of the three gluteus medius parts in the OpenSim gait2392
#: model (Delp et al. 1990, IEEE Trans Biomed Eng 37:757; glut_med1/2/3 = anterior, middle,
#: posterior), reference subject 75.16 kg.  Their sum, about 2045 N, sits in the
#: 2000-2700 N whole-muscle range of the reference sheet.  Used as force weights.
GMED_MAX_FORCE_N: dict[str, float] = {"anterior": 819.0, "middle": 573.0, "posterior": 653.0}

#: Words for the positive / negative sign of each axis.
ACTION_WORDS: dict[str, tuple[str, str]] = {
    "abduction": ("abduction", "adduction"),
    "flexion": ("flexion", "extension"),
    "internal_rotation": ("internal rotation", "external rotation"),
}

#: Words for a moment arm inside the dead-band.
NEUTRAL_WORDS: dict[str, str] = {
    "abduction": "abduction or adduction",
    "flexion": "flexion or extension",
    "internal_rotation": "rotation",
}

#: Dead-band (mm): a moment arm smaller than this in magnitude names no action.  About the
#: size of the uncertainty between musculoskeletal models for one muscle path
#: (Delp et al. 1999, J Biomech 32:493, compare model and cadaver arms within a few mm);
#: small enough that a lever of a few millimetres that grows with flexion is still named.
#: The one threshold for every place that names an action: the card's "In this posture"
#: line, the Mechanics tab, the quiz's action questions and the checks of the content pack.
DEAD_BAND_MM = 2.0

#: Action ids (as in ``meshes.landmarks.ACTIONS``) of the positive / negative sign of each axis.
ACTION_IDS: dict[str, tuple[str, str]] = {
    "abduction": ("abduction", "adduction"),
    "flexion": ("flexion", "extension"),
    "internal_rotation": ("internal_rotation", "external_rotation"),
}

DEFAULT_FLEXION = np.arange(POSTURE_RANGES["flexion"][0], POSTURE_RANGES["flexion"][1] + 0.1, 5.0)


# --------------------------------------------------------------------------- sources


def clone_model(model):
    """A fresh model of the same class with the same parameter values (the original is
    left untouched, so nothing watching it is disturbed)."""
    values = {k: v for k, v in model.param.values().items() if k != "name"}
    extra = {}
    if getattr(model, "_bones", None) is not None:  # HipModel(bones=...) keeps its bone set
        extra["bones"] = model._bones
    return type(model)(**extra, **values)


def _is_model(obj) -> bool:
    return not isinstance(obj, type) and callable(getattr(obj, "moment_arms", None)) and hasattr(obj, "flexion")


def _n_required_args(fn) -> int:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return 1
    return sum(
        1
        for p in sig.parameters.values()
        if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )


def resolve_model(source):
    """Return a private model for ``source`` (model or factory), or ``None`` for a plain
    moment-arm function."""
    if _is_model(source):
        return clone_model(source)
    if callable(source) and _n_required_args(source) == 0:
        model = source()
        if not _is_model(model):
            raise TypeError("the factory must return a model with moment_arms()")
        return model
    return None


def moment_arm_function(source) -> Callable[[float], dict]:
    """``f(flexion_deg) -> {group: {axis: mm}}`` for any moment-arm source (see module doc)."""
    model = resolve_model(source)
    if model is None:
        if not callable(source):
            raise TypeError("source must be a HipModel, a model factory or a function of flexion")
        return source

    def at(flexion: float) -> dict:
        model.flexion = float(flexion)
        return model.moment_arms()

    return at


def fibre_length_function(source) -> Callable[[float], dict]:
    """``f(flexion_deg) -> {group: mm}`` from a model or a model factory."""
    model = resolve_model(source)
    if model is None:
        raise TypeError("fibre lengths need a HipModel or a model factory")

    def at(flexion: float) -> dict:
        model.flexion = float(flexion)
        return model.fibre_lengths()

    return at


# --------------------------------------------------------------------------- curves


def weighted_mean(values: Mapping[str, float], weights: Mapping[str, float] = GMED_MAX_FORCE_N) -> float:
    """Force-weighted mean sum(F_i r_i) / sum(F_i): the moment arm of the whole muscle when
    every part pulls in proportion to its maximum force (moment per newton of total force)."""
    total = sum(weights[g] for g in values)
    return float(sum(weights[g] * values[g] for g in values) / total)


def whole_muscle_arms(arms: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Force-weighted mean moment arm of the whole muscle per axis (see :func:`weighted_mean`)."""
    groups = [g for g in GROUPS if g in arms]
    return {ax: weighted_mean({g: arms[g][ax] for g in groups}) for ax in AXES}


def moment_arm_curves(source, flexion_values: Sequence[float] | None = None) -> dict:
    """Moment arms of each part (and of the whole muscle) over hip flexion.

    Adduction and rotation stay at the source model's current values.  Returns
    ``{"flexion": array, "anterior": {"flexion": array, "abduction": array,
    "internal_rotation": array}, "middle": ..., "posterior": ..., "whole": ...}`` in mm;
    ``whole`` is the force-weighted mean (:data:`GMED_MAX_FORCE_N`).
    """
    flex = np.asarray(DEFAULT_FLEXION if flexion_values is None else flexion_values, dtype=float)
    at = moment_arm_function(source)
    rows = [at(f) for f in flex]
    groups = [g for g in GROUPS if g in rows[0]]
    out: dict = {"flexion": flex}
    for g in groups:
        out[g] = {ax: np.array([r[g][ax] for r in rows], dtype=float) for ax in AXES}
    whole = [whole_muscle_arms(r) for r in rows]
    out["whole"] = {ax: np.array([w[ax] for w in whole]) for ax in AXES}
    return out


def fibre_length_curves(source, flexion_values: Sequence[float] | None = None) -> dict:
    """Fibre (path) length of each part over hip flexion, mm: ``{"flexion": array, group: array}``."""
    flex = np.asarray(DEFAULT_FLEXION if flexion_values is None else flexion_values, dtype=float)
    at = fibre_length_function(source)
    rows = [at(f) for f in flex]
    out: dict = {"flexion": flex}
    for g in GROUPS:
        if g in rows[0]:
            out[g] = np.array([r[g] for r in rows], dtype=float)
    return out


# --------------------------------------------------------------------------- crossings


def zero_crossings(x: Sequence[float], y: Sequence[float]) -> list[float]:
    """Abscissae where the sampled curve ``y(x)`` changes sign, by linear interpolation.

    Between samples i and i+1 with ``y_i * y_(i+1) < 0`` the root is the secant (linear
    interpolation, one step of regula falsi; Press et al., Numerical Recipes, 3rd ed. 2007,
    section 9.2): ``x0 = x_i - y_i (x_(i+1) - x_i) / (y_(i+1) - y_i)``.  A sample that is
    exactly zero counts once, and only if the curve has opposite signs on its two sides.
    ``x`` must be increasing.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("x and y must be 1-D arrays of the same length")
    out: list[float] = []
    nz = np.flatnonzero(ys != 0.0)
    for a, b in zip(nz[:-1], nz[1:]):
        ya, yb = ys[a], ys[b]
        if ya * yb > 0:
            continue
        if b == a + 1:
            out.append(float(xs[a] - ya * (xs[b] - xs[a]) / (yb - ya)))
        else:  # exact zero(s) between: take the middle zero sample
            zeros = range(a + 1, b)
            out.append(float(xs[list(zeros)[len(zeros) // 2]]))
    return out


def refine_crossing(f: Callable[[float], float], lo: float, hi: float, xtol: float = 0.05) -> float:
    """Root of ``f`` in ``[lo, hi]`` (``f(lo)``, ``f(hi)`` of opposite sign) by Brent's
    method (Brent 1973, *Algorithms for Minimization without Derivatives*; scipy brentq)."""
    from scipy.optimize import brentq

    return float(brentq(f, lo, hi, xtol=xtol))


def crossing_angles(source, group: str, axis: str, flexion_values=None, refine: bool = True) -> list[float]:
    """Flexion angles (deg) at which ``group``'s moment arm about ``axis`` changes sign.

    Found on the sampled curve by :func:`zero_crossings`; with ``refine`` each is then
    polished on the model itself by :func:`refine_crossing` so the moment arm there is ~0.
    ``group`` may be ``"whole"`` (force-weighted mean).
    """
    flex = np.asarray(DEFAULT_FLEXION if flexion_values is None else flexion_values, dtype=float)
    at = moment_arm_function(source)
    arm = np.array([_arm(at(f), group, axis) for f in flex])
    return _crossings(at, flex, arm, group, axis, refine)


def _crossings(at, flex, arm, group, axis, refine) -> list[float]:
    coarse = zero_crossings(flex, arm)
    if not refine:
        return coarse
    out = []
    for c in coarse:
        i = int(np.searchsorted(flex, c))
        lo, hi = max(i - 1, 0), min(i, len(flex) - 1)
        if arm[lo] * arm[hi] < 0:
            out.append(refine_crossing(lambda f: _arm(at(f), group, axis), flex[lo], flex[hi]))
        else:
            out.append(c)
    return out


def _arm(arms: Mapping, group: str, axis: str) -> float:
    if group == "whole":
        return whole_muscle_arms(arms)[axis]
    return float(arms[group][axis])


# --------------------------------------------------------------------------- words


def action_word(axis: str, arm_mm: float, threshold_mm: float = DEAD_BAND_MM) -> str | None:
    """The action named by one moment arm's sign, or ``None`` inside the dead-band."""
    if not math.isfinite(arm_mm) or abs(arm_mm) < threshold_mm:
        return None
    pos, neg = ACTION_WORDS[axis]
    return pos if arm_mm > 0 else neg


def named_actions(moment_arms_for_group: Mapping[str, float], threshold_mm: float = DEAD_BAND_MM) -> list[tuple[str, str, float]]:
    """The actions one fibre group has at one posture, strongest lever first:
    ``[(axis, action id, moment arm mm), ...]`` with action ids as in
    ``meshes.landmarks.ACTIONS``.  An arm under ``threshold_mm`` names nothing.  Every place
    that says what a part does at a posture reads it here."""
    ranked = sorted(
        (ax for ax in AXES if ax in moment_arms_for_group),
        key=lambda ax: -abs(float(moment_arms_for_group[ax])),
    )
    out = []
    for ax in ranked:
        r = float(moment_arms_for_group[ax])
        if math.isfinite(r) and abs(r) >= threshold_mm:
            out.append((ax, ACTION_IDS[ax][0 if r > 0 else 1], r))
    return out


def action_ids(moment_arms_for_group: Mapping[str, float], threshold_mm: float = DEAD_BAND_MM) -> set[str]:
    """The action ids (``meshes.landmarks.ACTIONS``) of :func:`named_actions`, as a set."""
    return {a for _, a, _ in named_actions(moment_arms_for_group, threshold_mm)}


def action_holds(moment_arms_for_group: Mapping[str, float], action: str, threshold_mm: float = DEAD_BAND_MM) -> bool:
    """Whether ``action`` (an id of ``meshes.landmarks.ACTIONS``) is named at this posture."""
    return action in action_ids(moment_arms_for_group, threshold_mm)


def action_span(flexion: Sequence[float], arm: Sequence[float], axis: str, action: str,
                threshold_mm: float = DEAD_BAND_MM) -> list[tuple[float, float]]:
    """Flexion intervals (deg) of a sampled moment-arm curve where ``action`` is named
    (sign right and ``|arm| >= threshold_mm``), ends found by linear interpolation of
    ``arm - threshold`` between samples."""
    pos, neg = ACTION_IDS[axis]
    if action not in (pos, neg):
        raise ValueError(f"{action!r} is not an action about the {axis} axis")
    x = np.asarray(flexion, dtype=float)
    y = np.asarray(arm, dtype=float) * (1.0 if action == pos else -1.0) - threshold_mm
    spans: list[tuple[float, float]] = []
    start = x[0] if y[0] >= 0 else None
    for i in range(1, len(x)):
        if (y[i - 1] < 0) != (y[i] < 0):
            xc = float(x[i - 1] - y[i - 1] * (x[i] - x[i - 1]) / (y[i] - y[i - 1]))
            if y[i] >= 0:
                start = xc
            else:
                spans.append((float(start), xc))
                start = None
    if start is not None:
        spans.append((float(start), float(x[-1])))
    return spans


def action_words(moment_arms_for_group: Mapping[str, float], threshold_mm: float = DEAD_BAND_MM) -> list[str]:
    """Actions of one fibre group from the signs of its moment arms, largest lever first.

    ``moment_arms_for_group`` is ``{"flexion"|"abduction"|"internal_rotation": mm}`` as in
    ``HipModel.moment_arms()[group]``.  Arms with ``|r| < threshold_mm`` name nothing, so a
    part whose lever about an axis is near zero is not said to act about it.
    """
    return [action_word(ax, r, threshold_mm) for ax, _a, r in named_actions(moment_arms_for_group, threshold_mm)]


def group_title(group: str) -> str:
    return "Whole muscle" if group == "whole" else f"{group.capitalize()} fibres"


def describe_curve(
    title: str,
    axis: str,
    flexion: Sequence[float],
    arm: Sequence[float],
    crossings: Sequence[float] | None = None,
    threshold_mm: float = DEAD_BAND_MM,
) -> str:
    """Plain sentence for one moment-arm curve over flexion, from its signs and crossings.

    The action at 0 deg flexion is named first; each crossing above 0 deg adds "..., <other
    action> beyond about N deg flexion", each crossing below 0 deg "..., <action> below about
    N deg flexion".  Numbers come from the crossings, rounded to whole degrees.
    """
    flex = np.asarray(flexion, dtype=float)
    arm = np.asarray(arm, dtype=float)
    cross = sorted(zero_crossings(flex, arm) if crossings is None else crossings)
    lo, hi = flex[0], flex[-1]
    # sign of each interval between crossings, sampled at its middle
    edges = [lo, *cross, hi]
    mids = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
    signs = [float(np.interp(m, flex, arm)) for m in mids]
    i0 = int(np.searchsorted(cross, 0.0))  # interval containing 0 deg
    at0 = float(np.interp(0.0, flex, arm))
    w0 = action_word(axis, at0, threshold_mm)
    pos, neg = ACTION_WORDS[axis]
    parts = [f"{w0} at 0° flexion" if w0 else f"little {NEUTRAL_WORDS[axis]} at 0° flexion"]
    for k in range(i0 - 1, -1, -1):
        parts.append(f"{pos if signs[k] > 0 else neg} below about {cross[k]:.0f}° flexion")
    for k in range(i0, len(cross)):
        parts.append(f"{pos if signs[k + 1] > 0 else neg} beyond about {cross[k]:.0f}° flexion")
    if not cross and w0:
        parts[0] = f"{w0} at every flexion from {lo:.0f}° to {hi:.0f}°"
    return f"{title}: " + ", ".join(parts)


def action_line(group: str, model, axis: str = "internal_rotation", flexion_values=None) -> str:
    """Plain-words line for one group about one axis, computed from the model.

    For example ``"Posterior fibres: external rotation at 0° flexion, internal rotation
    beyond about 47° flexion"`` -- the action at 0 deg from the sign of the moment arm, the
    angle from the refined zero crossing of the curve (adduction and rotation as set on the
    model).
    """
    return action_lines(model, groups=(group,), axes=(axis,), flexion_values=flexion_values)[group][0]


def action_lines(
    model,
    groups: Sequence[str] = (*GROUPS, "whole"),
    axes: Sequence[str] = ("abduction", "flexion", "internal_rotation"),
    flexion_values=None,
) -> dict[str, list[str]]:
    """:func:`describe_curve` lines for several groups and axes, sampling the model once:
    ``{group: [line per axis]}``."""
    flex = np.asarray(DEFAULT_FLEXION if flexion_values is None else flexion_values, dtype=float)
    at = moment_arm_function(model)
    rows = [at(f) for f in flex]
    out: dict[str, list[str]] = {}
    for g in groups:
        out[g] = []
        for ax in axes:
            arm = np.array([_arm(r, g, ax) for r in rows])
            cross = _crossings(at, flex, arm, g, ax, refine=True)
            out[g].append(describe_curve(group_title(g), ax, flex, arm, cross))
    return out


def action_summary(model, threshold_mm: float = DEAD_BAND_MM) -> dict[str, list[str]]:
    """Actions of every group at the model's current posture: ``{group: [words]}``."""
    arms = model.moment_arms()
    out = {g: action_words(arms[g], threshold_mm) for g in GROUPS if g in arms}
    out["whole"] = action_words(whole_muscle_arms(arms), threshold_mm)
    return out


def rotation_why(group: str, model, threshold_mm: float = DEAD_BAND_MM) -> str:
    """Why a part rotates the thigh the way it does at the model's current posture.

    The rotation moment of a pull along ``u`` applied at a point ``p`` of the greater
    trochanter, about the femur's long axis ``e3`` through the HJC, is
    ``((p x u) . e3) = |p_perp| (t . u)`` with ``t = e3 x p_perp / |p_perp|`` the direction
    in which internal rotation moves that point (vector identity ``(p x u).e = (e x p).u``).
    For the trochanter, lateral of the long axis, ``t`` points toward the front of the thigh:
    a positive moment arm means the pull has a component toward the front of the thigh,
    a negative one toward the back, and zero that the line of pull meets the long axis.
    The words therefore follow from the sign of ``HipModel.moment_arms()``; the crossing
    angle is computed over flexion (:func:`crossing_angles`).
    """
    arms = model.moment_arms()
    r = _arm(arms, group, "internal_rotation")
    title = group_title(group)
    flex = float(model.flexion)
    word = action_word("internal_rotation", r, threshold_mm)
    if word is None:
        first = (f"{title} at {flex:.0f}° flexion: the line of pull passes almost through the femur's "
                 f"long axis (lever {abs(r):.0f} mm), so it barely rotates the thigh.")
    else:
        side = "front" if r > 0 else "back"
        turn = "inward" if r > 0 else "outward"
        first = (f"{title} at {flex:.0f}° flexion: the pull on the greater trochanter has a component toward "
                 f"the {side} of the thigh, around its long axis, so it turns the thigh {turn} "
                 f"({word}, lever {abs(r):.0f} mm).")
    cross = crossing_angles(model, group, "internal_rotation")
    if not cross:
        return first
    where = " and ".join(f"{c:.0f}°" for c in cross)
    return (f"{first} At about {where} flexion its line of pull passes through the long axis, and the "
            f"rotation it produces changes direction.")


# --------------------------------------------------------------------------- export


def curves_csv(curves: Mapping, lengths: Mapping | None = None) -> str:
    """CSV text of moment-arm curves (from :func:`moment_arm_curves`), one row per flexion
    angle; columns ``flexion_deg``, then ``<group>_<axis>_mm`` and, if ``lengths`` (from
    :func:`fibre_length_curves`, same flexion values) is given, ``<group>_length_mm``."""
    flex = np.asarray(curves["flexion"], dtype=float)
    cols: list[tuple[str, np.ndarray]] = [("flexion_deg", flex)]
    for g in (*GROUPS, "whole"):
        if g in curves:
            for ax in AXES:
                cols.append((f"{g}_{ax}_mm", np.asarray(curves[g][ax], dtype=float)))
    if lengths is not None:
        if not np.allclose(np.asarray(lengths["flexion"], dtype=float), flex):
            raise ValueError("length curves must use the same flexion angles")
        for g in GROUPS:
            if g in lengths:
                cols.append((f"{g}_length_mm", np.asarray(lengths[g], dtype=float)))
    buf = io.StringIO()
    buf.write(",".join(name for name, _ in cols) + "\n")
    for i in range(len(flex)):
        buf.write(",".join(f"{c[i]:.2f}" for _, c in cols) + "\n")
    return buf.getvalue()
