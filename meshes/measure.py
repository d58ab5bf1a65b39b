"""Measurements of the hip model at one posture, as plain JSON-able data.

Used by ``hip-viewer measure``.  Frame and units: ISB pelvis frame (:data:`meshes.frame.FRAME`),
millimetres, degrees.  The left side is reported as the mirror image of the right through the
midsagittal plane (the model is symmetric), with the posture applied to the left hip.
"""

from __future__ import annotations

import math

import numpy as np

from meshes import frame
from meshes.landmarks import FIBRE_GROUPS, LANDMARK_IDS, NEIGHBOUR_MUSCLES

AXES = ("flexion", "abduction", "internal_rotation")


def check_posture(name: str, value) -> float:
    """The posture angle ``value`` (number or text) as a float, or ``ValueError`` with a
    one-line message when it is not a number or lies outside the anatomical range
    (:data:`meshes.frame.POSTURE_RANGES`).  Nothing is clamped."""
    if name not in frame.POSTURE_RANGES:
        raise ValueError(f"unknown posture angle {name!r}; use one of: {', '.join(frame.POSTURE_RANGES)}")
    lo, hi = frame.POSTURE_RANGES[name]
    message = f"--{name} must be a number from {lo:g} to {hi:g} degrees, got {_shown(value)}"
    if isinstance(value, bool):
        raise ValueError(message)
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not math.isfinite(number) or number < lo or number > hi:
        raise ValueError(message)
    return number


def _shown(value) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def _swap_side(name: str) -> str:
    if name.endswith("_right"):
        return name[: -len("_right")] + "_left"
    if name.endswith("_left"):
        return name[: -len("_left")] + "_right"
    return name


def _model(flexion: float, adduction: float, rotation: float):
    from meshes.model import HipModel

    return HipModel(flexion=flexion, adduction=adduction, rotation=rotation)


def _dimensions():
    from meshes import bones

    return dict(bones.FEMUR_DIMENSIONS), dict(bones.PELVIS_DIMENSIONS)


def measure_report(flexion: float = 0.0, adduction: float = 0.0, rotation: float = 0.0, side: str = "right") -> dict:
    """Everything ``hip-viewer measure`` prints, for one hip at one posture.

    Shape: ``units``, ``frame``, ``posture`` (``flexion_deg``, ``adduction_deg``,
    ``rotation_deg``; also ``flexion``, ``adduction``, ``rotation`` and ``side``), ``landmarks`` (id -> [x, y, z]), ``femur`` (``head_diameter_mm``,
    ``neck_shaft_angle_deg``, ``anteversion_deg``, ``offset_mm``, ``length_mm``), ``pelvis``
    (``inter_asis_mm``, ``iliac_crest_height_mm``, ``inter_hjc_mm``), ``fibre_groups``
    (``anterior``/``middle``/``posterior`` -> ``moment_arm_mm`` {flexion, abduction,
    internal_rotation; + means that action} and ``length_mm``), ``muscles`` (the same two
    values for each neighbouring muscle or part of ``NEIGHBOUR_MUSCLES``: ``gmin_anterior``,
    ``gmin_posterior``, ``piriformis``, ``tfl``) and ``meshes`` (name -> ``faces``,
    ``watertight``).

    ``side="left"``: the right hip is computed at the posture and every coordinate mirrored
    through the midsagittal plane; ids ending in ``_right``/``_left`` swap so that they keep
    naming the anatomical side, and the other ids name the left structures.  Moment arms and
    lengths are unchanged by the mirror (the sign convention follows the action).
    """
    flexion = check_posture("flexion", flexion)
    adduction = check_posture("adduction", adduction)
    rotation = check_posture("rotation", rotation)
    if side not in ("right", "left"):
        raise ValueError(f"--side must be 'right' or 'left', got {side!r}")
    model = _model(flexion, adduction, rotation)
    femur, pelvis = _dimensions()
    landmarks = {k: np.asarray(v, dtype=float) for k, v in model.landmarks().items()}
    meshes = model.meshes()
    if side == "left":
        z_mid = -0.5 * float(pelvis["inter_hjc_mm"])
        mirrored = {k: frame.mirror_about(v, z_mid) for k, v in landmarks.items()}
        landmarks = {}
        for k, v in mirrored.items():
            twin = _swap_side(k)
            landmarks[twin if twin in mirrored else k] = v
    arms = model.moment_arms()
    lengths = model.fibre_lengths()
    muscle_arms = model.muscle_moment_arms()
    muscle_lengths = model.muscle_lengths()
    return {
        "units": "mm",
        "frame": frame.FRAME,
        "posture": {"flexion_deg": flexion, "adduction_deg": adduction, "rotation_deg": rotation,
                    "flexion": flexion, "adduction": adduction, "rotation": rotation, "side": side},
        "landmarks": {k: [round(float(c), 3) for c in landmarks[k]] for k in LANDMARK_IDS},
        "femur": {k: float(femur[k]) for k in ("head_diameter_mm", "neck_shaft_angle_deg", "anteversion_deg",
                                              "offset_mm", "length_mm")},
        "pelvis": {k: float(pelvis[k]) for k in ("inter_asis_mm", "iliac_crest_height_mm", "inter_hjc_mm")},
        "fibre_groups": {
            g: {"moment_arm_mm": {ax: round(float(arms[g][ax]), 3) for ax in AXES},
                "length_mm": round(float(lengths[g]), 3)}
            for g in FIBRE_GROUPS
        },
        "muscles": {
            name: {"moment_arm_mm": {ax: round(float(muscle_arms[name][ax]), 3) for ax in AXES},
                   "length_mm": round(float(muscle_lengths[name]), 3)}
            for name in NEIGHBOUR_MUSCLES
        },
        "meshes": {name: {"faces": int(len(m.faces)), "watertight": bool(m.is_watertight)}
                   for name, m in meshes.items()},
    }
