"""Simple stand-in bones (plates, spheres and capsules) with the same interface as
``meshes.bones``, for testing the muscle algorithms on shapes whose geometry is obvious.

Right hip in the ISB pelvis frame (mm): a tilted plate for the ilium, a ball around the
acetabulum, capsules for ischium and pubis, a box for the sacrum; the femur is a sphere
(head), capsules (neck, trochanter, shaft).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
import pyvista as pv
import trimesh

Z_MID = -80.0


def _sphere(p, c, r):
    return np.linalg.norm(p - np.asarray(c, float), axis=1) - r


def _capsule(p, a, b, r):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    ab = b - a
    t = np.clip(((p - a) @ ab) / (ab @ ab), 0.0, 1.0)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1) - r


def _round_box(p, c, axes, half, r):
    local = (p - np.asarray(c, float)) @ np.asarray(axes, float).T
    q = np.abs(local) - (np.asarray(half, float) - r)
    return np.linalg.norm(np.maximum(q, 0), axis=1) + np.minimum(q.max(axis=1), 0) - r


def _smin(a, b, k=8.0):
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


# Ilium plate: centre, in-plane anterior and superior axes, outward normal.
IL_C = np.array([-25.0, 95.0, 30.0])
IL_A = np.array([1.0, 0.0, 0.0])
IL_S = np.array([0.0, 1.0, 0.22]) / np.linalg.norm([0.0, 1.0, 0.22])
IL_N = np.cross(IL_S, IL_A) * -1.0  # lateral
if IL_N[2] < 0:
    IL_N = -IL_N
IL_HALF = (80.0, 70.0, 5.0)


def _plate_point(a, s):
    return IL_C + a * IL_A + s * IL_S + IL_HALF[2] * IL_N


def _right_hip_sdf(p):
    d = _round_box(p, IL_C, [IL_A, IL_S, IL_N], IL_HALF, 4.0)
    d = _smin(d, _sphere(p, [0.0, 8.0, -8.0], 32.0), 15.0)
    d = _smin(d, _capsule(p, [-15, -10, -8], [-22, -55, -15], 12.0))
    d = _smin(d, _capsule(p, [10, -10, -10], [30, -28, Z_MID + 5], 9.0))
    return d


def pelvis_sdf(points):
    p = np.asarray(points, float).reshape(-1, 3)
    mirrored = p.copy()
    mirrored[:, 2] = 2 * Z_MID - mirrored[:, 2]
    sac = _round_box(p, [-95, 70, Z_MID], np.eye(3), (18, 45, 40), 6.0)
    return np.minimum(np.minimum(_right_hip_sdf(p), _right_hip_sdf(mirrored)), sac)


def femur_sdf(points):
    p = np.asarray(points, float).reshape(-1, 3)
    d = _sphere(p, [0, 0, 0], 23.5)
    d = _smin(d, _capsule(p, [0, 0, 0], [-8, -22, 38], 15.0))
    d = _smin(d, _capsule(p, [-20, -8, 50], [-10, -45, 45], 13.0), 6.0)
    d = _smin(d, _capsule(p, [-8, -40, 42], [0, -410, 10], 14.0), 10.0)
    return d


def _mesh(fn, lo, hi, h=3.0):
    lo = np.asarray(lo, float)
    dims = (np.ceil((np.asarray(hi) - lo) / h)).astype(int) + 1
    grid = pv.ImageData(dimensions=dims, spacing=(h, h, h), origin=lo)
    grid["d"] = fn(np.asarray(grid.points))
    surf = grid.contour([0.0], scalars="d").triangulate().clean()
    faces = surf.faces.reshape(-1, 4)[:, 1:]
    return trimesh.Trimesh(np.asarray(surf.points), faces, process=True)


def _facet(centre, normal, major, r1, r2):
    normal = np.asarray(normal, float) / np.linalg.norm(normal)
    major = np.asarray(major, float)
    major = major - normal * (major @ normal)
    major /= np.linalg.norm(major)
    minor = np.cross(normal, major)
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    outline = np.asarray(centre) + r1 * np.cos(t)[:, None] * major + r2 * np.sin(t)[:, None] * minor
    return {"centre": np.asarray(centre, float), "normal": normal, "outline": outline}


@functools.lru_cache(maxsize=1)
def make():
    """The stand-in bone set, as an object with the ``meshes.bones`` interface."""
    lines = {
        "anterior": np.array([_plate_point(a, s) for a, s in [(45, 65), (20, 35), (-15, 5), (-55, -40)]]),
        "posterior": np.array([_plate_point(a, s) for a, s in [(-40, 68), (-52, 40), (-62, 10)]]),
        "inferior": np.array([_plate_point(a, s) for a, s in [(60, -45), (15, -58), (-30, -62)]]),
    }
    pelvis = {
        "hip_joint_centre": np.zeros(3),
        "acetabulum": np.array([0.0, 10.0, 24.0]),
        "asis_right": _plate_point(78, 40),
        "asis_left": _plate_point(78, 40) * [1, 1, -1] + [0, 0, 2 * Z_MID],
        "aiis_right": _plate_point(70, -50),
        "psis_right": _plate_point(-78, 40),
        "iliac_crest_top": _plate_point(-10, 69),
        "greater_sciatic_notch": _plate_point(-70, -62),
        "ischial_tuberosity": np.array([-22.0, -67.0, -15.0]),
        "pubic_symphysis": np.array([30.0, -28.0, Z_MID]),
    }
    femur = {
        "femoral_head": np.zeros(3),
        "greater_trochanter_tip": np.array([-20.0, 5.0, 50.0]),
        "lesser_trochanter": np.array([-15.0, -55.0, 25.0]),
        "knee_centre": np.array([0.0, -420.0, 10.0]),
    }
    facets = {
        "lateral": _facet([-14, -22, 58.5], [0.1, 0.1, 1.0], [-0.3, 0.8, 0.0], 16, 8),
        "superoposterior": _facet([-26, 0, 55], [-0.4, 0.6, 0.6], [1, 0, 0], 8, 8),
        "anterior": _facet([-4, -18, 55], [0.8, 0.1, 0.5], [0, 1, 0], 9, 6),
        "posterior": _facet([-30, -25, 45], [-1, 0, 0.3], [0, 1, 0], 10, 6),
    }
    pelvis_mesh = _mesh(pelvis_sdf, [-150, -110, -200], [100, 190, 60])
    femur_mesh = _mesh(femur_sdf, [-60, -440, -40], [40, 40, 90])

    def femur_mesh_fn(side="right"):
        if side == "left":
            m = femur_mesh.copy()
            m.vertices[:, 2] *= -1
            m.invert()
            return m
        return femur_mesh.copy()

    return SimpleNamespace(
        PELVIS=pelvis,
        FEMUR=femur,
        GLUTEAL_LINES=lines,
        FACETS=facets,
        FEMUR_DIMENSIONS={"head_diameter_mm": 47.0, "neck_shaft_angle_deg": 128.0, "anteversion_deg": 12.0,
                          "offset_mm": 40.0, "length_mm": 420.0},
        PELVIS_DIMENSIONS={"inter_asis_mm": 2 * (pelvis["asis_right"][2] - Z_MID), "iliac_crest_height_mm": 165.0,
                           "inter_hjc_mm": -2 * Z_MID},
        pelvis_sdf=pelvis_sdf,
        femur_sdf=femur_sdf,
        pelvis_mesh=lambda: pelvis_mesh.copy(),
        sacrum_mesh=lambda: _mesh(lambda p: _round_box(p, [-95, 70, Z_MID], np.eye(3), (18, 45, 40), 6.0),
                                  [-130, 10, -140], [-60, 130, -20]),
        femur_mesh=femur_mesh_fn,
    )
