"""Muscle mechanics as small pure functions: path length and moment arms.

Frame and units: ISB pelvis frame, millimetres; angles in degrees at the interface.
Moment-arm sign: positive means the muscle produces the named action about the axis
(axes from :func:`meshes.frame.joint_axes`: ``flexion``, ``abduction``,
``internal_rotation``).
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np


def path_length(path: np.ndarray) -> float:
    """Length (mm) of a polyline (N, 3): the sum of its segment lengths
    (musculotendon length of a path with via points, Delp & Loan 1995, Comput Biol Med 25:21)."""
    p = np.asarray(path, dtype=float)
    return float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum())


def moment_arm(point: np.ndarray, direction: np.ndarray, axis: np.ndarray, centre: np.ndarray) -> float:
    """Moment arm (mm) of a unit pull along ``direction`` through ``point`` about ``axis``
    through ``centre``: ``((p - c) x u) . a``.

    Source: the moment of a force about an axis (e.g. Zajac 1989, Crit Rev Biomed Eng 17:359;
    the reference sheet's formula).  ``direction`` and ``axis`` are normalised here.
    """
    u = np.asarray(direction, dtype=float)
    u = u / np.linalg.norm(u)
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    r = np.asarray(point, dtype=float) - np.asarray(centre, dtype=float)
    return float(np.cross(r, u) @ a)


def line_of_action(path: np.ndarray, on_femur: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Point and unit direction of a fibre's pull on the femur.

    ``path`` runs origin -> insertion.  The pull acts along the last path segment on the femur
    side, toward the origin; when the path wraps over the femur (``on_femur`` marks the points
    lying on it), it acts where the path leaves the femur, since the part of a frictionless
    string lying on a bone passes its tension on unchanged (virtual work; Garner & Pandy
    2000, Comput Methods Biomech Biomed Engin 3:1).
    """
    p = np.asarray(path, dtype=float)
    n = len(p)
    k = n - 1
    if on_femur is not None:
        mask = np.asarray(on_femur, dtype=bool)
        while k > 1 and mask[k - 1]:
            k -= 1
    d = p[k - 1] - p[k]
    j = k - 1
    while np.linalg.norm(d) < 1e-6 and j > 0:
        j -= 1
        d = p[j] - p[k]
    return p[k], d / np.linalg.norm(d)


def moment_arm_from_path(path: np.ndarray, axis: np.ndarray, centre: np.ndarray,
                         on_femur: np.ndarray | None = None) -> float:
    """Moment arm (mm) of a fibre path about an axis, from its line of action on the femur
    (:func:`line_of_action`, :func:`moment_arm`)."""
    point, direction = line_of_action(path, on_femur)
    return moment_arm(point, direction, axis, centre)


def moment_arm_excursion(length_at: Callable[[float], float], angle_deg: float, step_deg: float = 1.0) -> float:
    """Moment arm (mm) as minus the derivative of path length with joint angle,
    ``r = -dL/dtheta``, by central difference over ``+-step_deg``.

    Source: the tendon-excursion method, An, Takahashi, Harrigan & Chao 1984, J Biomech
    Eng 106:280; Delp & Loan 1995, Comput Biol Med 25:21.  Theta in radians inside.
    """
    h = np.radians(step_deg)
    return float(-(length_at(angle_deg + step_deg) - length_at(angle_deg - step_deg)) / (2.0 * h))


def group_mean(values: Sequence[float]) -> float:
    """Value of a fibre group: the mean over its fibres (each fibre an equal share of the
    group, as in the multi-line muscle models of Delp et al. 1990, IEEE TBME 37:757)."""
    return float(np.mean(np.asarray(values, dtype=float)))


def group_moment_arms(paths: Sequence[np.ndarray], axes: Mapping[str, np.ndarray], centre: np.ndarray,
                      on_femur: Sequence[np.ndarray] | None = None) -> dict[str, float]:
    """Mean line-of-action moment arm (mm) of a group's fibres about each named axis (each
    fibre's line of action found once, :func:`line_of_action`)."""
    lines = [line_of_action(p, None if on_femur is None else on_femur[i]) for i, p in enumerate(paths)]
    r = np.array([point for point, _ in lines]) - np.asarray(centre, dtype=float)
    u = np.array([direction for _, direction in lines])
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    torque = np.cross(r, u)                          # (p - c) x u per fibre, as in moment_arm
    out = {}
    for name, axis in axes.items():
        a = np.asarray(axis, dtype=float)
        out[name] = group_mean(torque @ (a / np.linalg.norm(a)))
    return out


def crossing_angle(angles: Sequence[float], values: Sequence[float]) -> float | None:
    """First angle at which ``values`` change sign, by linear interpolation between samples
    (None if they never do)."""
    x = np.asarray(angles, dtype=float)
    y = np.asarray(values, dtype=float)
    for i in range(len(x) - 1):
        if y[i] == 0:
            return float(x[i])
        if y[i] * y[i + 1] < 0:
            return float(x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))
    return None
