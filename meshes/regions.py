"""Regions of the bones: the bony features a lecturer names, as labels on the bone meshes.

Every face of the hip bone and femur meshes gets one region, computed from the same
construction the bones are built from (:mod:`meshes.bones`: the landmarks, the gluteal
lines, the greater trochanter's facets), never painted by hand.  A region that is already a
landmark of the model keeps that landmark's id (``acetabulum``, ``lateral_facet``, ...), so
its card is the landmark's card; the others have ids of their own (``femoral_neck``,
``femoral_shaft``, ...).

Rules (pelvis frame, mm; right side, the left is its mirror image through the midsagittal
plane), after the descriptions in Gray's Anatomy (1918) and, for the facets, Pfirrmann et al.
(2001, Radiology 221:469):

* pelvis: the **gluteal lines** are 4 mm bands along the model's lines on the outer (lateral)
  face; the **acetabulum** is the socket around the hip joint centre; the **greater sciatic
  notch** the bone around its landmark; the **iliac crest** the top 10 mm of the ilium
  between the spines, its **tubercle** the crest about 5 cm behind the anterior superior
  iliac spine; the **gluteal surface** the rest of the lateral face of the wing above the
  acetabulum; everything else the hip bone;
* femur: the **head** within its radius of the joint centre, the **neck** along the neck axis,
  the four **facets** of the greater trochanter (nearest facet centre, on the facet's side),
  the rest of the **greater trochanter** (with its lateral surface down to the level of the
  lesser trochanter), the **lesser trochanter**, the **intertrochanteric crest** (behind,
  between the trochanters), the **shaft** below.

``face_regions(name)`` gives the label of every face of a scene mesh; ``region_at(name,
point)`` the region of the face nearest a point (a pick); ``region_outline(id)`` the region's
boundary as polylines, for drawing it.
"""

from __future__ import annotations

import functools
import numpy as np

from meshes import bones as B
from meshes.landmarks import BY_REGION, REGION_IDS, REGIONS, Region  # noqa: F401  (ids kept with the landmarks)


LINE_BAND_MM = 4.0
CREST_DEPTH_MM = 10.0
#: Faces of the upper femur this far lateral of the neck-shaft intersection (mm), below it,
#: are the lateral surface of the greater trochanter.
LATERAL_SURFACE_MM = 12.0


def _point_line_distance(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance from each point to a polyline (segments between its vertices)."""
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.einsum("pij,ij->pi", points[:, None, :] - a[None], ab) / np.maximum((ab * ab).sum(1), 1e-9)
    t = np.clip(t, 0.0, 1.0)
    closest = a[None] + t[..., None] * ab[None]
    return np.linalg.norm(points[:, None, :] - closest, axis=2).min(axis=1)


def pelvis_labels(centres: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Region id of each face of the right hip bone (face centres and unit normals)."""
    P = B.PELVIS
    out = np.full(len(centres), "hip_bone", dtype=object)
    hjc = np.zeros(3)
    head_r = 0.5 * B.FEMUR_DIMENSIONS["head_diameter_mm"]
    asis, psis = np.asarray(P["asis_right"]), np.asarray(P["psis_right"])
    lateral = normals[:, 2] > 0.25
    # the wing: above the socket
    wing = centres[:, 1] > 25.0
    # iliac crest: the top of the wing at each point along it (8 mm columns along X)
    cols = np.floor(centres[:, 0] / 8.0).astype(int)
    top = {}
    for c, y in zip(cols[wing], centres[wing, 1]):
        top[c] = max(top.get(c, -np.inf), y)
    top_y = np.array([top.get(c, np.inf) for c in cols])
    crest = wing & (centres[:, 1] > top_y - CREST_DEPTH_MM) & (centres[:, 0] < asis[0] + 5) & (centres[:, 0] > psis[0] - 5)
    out[wing & lateral] = "gluteal_surface"
    for name in ("inferior", "posterior", "anterior"):
        near = _point_line_distance(centres, np.asarray(B.GLUTEAL_LINES[name], dtype=float)) < LINE_BAND_MM
        out[near & (normals[:, 2] > 0.0)] = f"{name}_gluteal_line"
    out[crest] = "iliac_crest"
    tubercle = np.array([asis[0] - 50.0, 0.0, 0.0])
    crest_idx = np.flatnonzero(crest)
    if len(crest_idx):
        t = crest_idx[np.argmin(np.abs(centres[crest_idx, 0] - tubercle[0]) + 0.2 * -centres[crest_idx, 2])]
        out[crest & (np.linalg.norm(centres - centres[t], axis=1) < 14.0)] = "iliac_tubercle"
    notch = np.linalg.norm(centres - np.asarray(P["greater_sciatic_notch"]), axis=1) < 20.0
    out[notch] = "greater_sciatic_notch"
    socket = np.linalg.norm(centres - hjc, axis=1) < head_r + 9.0
    out[socket] = "acetabulum"
    return out


def femur_labels(centres: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Region id of each face of the right femur (femur frame)."""
    F = B.FEMUR
    out = np.full(len(centres), "femoral_shaft", dtype=object)
    head_r = 0.5 * B.FEMUR_DIMENSIONS["head_diameter_mm"]
    lt = np.asarray(F["lesser_trochanter"])
    gt = np.asarray(F["greater_trochanter_tip"])
    base = np.asarray(F["neck_shaft_intersection"])
    # above the lesser trochanter: the proximal femur
    upper = centres[:, 1] > lt[1] - 8.0
    # neck: near the axis from the head centre to where it meets the shaft
    axis = base / np.linalg.norm(base)
    along = centres @ axis
    radial = np.linalg.norm(centres - np.outer(along, axis), axis=1)
    neck = (along > head_r * 0.6) & (along < np.linalg.norm(base) * 0.75) & (radial < 22.0)
    out[upper] = "intertrochanteric_crest"
    front = centres[:, 0] > base[0] - 4.0
    out[upper & front] = "femoral_neck"  # the front of the neck region, down to the line
    out[neck] = "femoral_neck"
    # greater trochanter: the bone around its tip, lateral to the neck
    near_gt = (np.linalg.norm(centres - gt, axis=1) < 34.0) & (centres[:, 2] > base[2] - 2.0)
    out[near_gt] = "greater_trochanter_tip"
    facets = B.FACETS
    best = np.full(len(centres), np.inf)
    for key in ("anterior", "lateral", "superoposterior", "posterior"):
        f = facets[key]
        c, n = np.asarray(f["centre"], dtype=float), np.asarray(f["normal"], dtype=float)
        outline = np.asarray(f["outline"], dtype=float)
        radius = float(np.linalg.norm(outline - c, axis=1).max()) + 2.0
        d = np.linalg.norm(centres - c, axis=1)
        on = near_gt & (d < radius) & ((centres - c) @ n > -6.0) & (normals @ n > 0.2) & (d < best)
        out[on] = f"{key}_facet"
        best[on] = d[on]
    # lesser trochanter: the knob around its landmark
    out[np.linalg.norm(centres - lt, axis=1) < 16.0] = "lesser_trochanter"
    # intertrochanteric crest: behind, between the trochanters
    behind = upper & (centres[:, 0] < base[0] - 4.0) & (out == "intertrochanteric_crest")
    out[upper & ~behind & (out == "intertrochanteric_crest")] = "femoral_neck"
    # the lateral surface of the upper femur below the facets is the greater trochanter's
    # (down to the vastus lateralis ridge), neither the neck in front nor the crest behind
    lateral_side = upper & (centres[:, 2] > base[2] + LATERAL_SURFACE_MM) & (centres[:, 1] < base[1] + 10.0)
    out[lateral_side & np.isin(out, ("femoral_neck", "intertrochanteric_crest"))] = "greater_trochanter_tip"
    out[(centres[:, 1] < lt[1] - 8.0)] = "femoral_shaft"
    out[np.linalg.norm(centres, axis=1) < head_r + 3.0] = "femoral_head"
    return out


@functools.lru_cache(maxsize=None)
def _labelled(name: str) -> tuple[np.ndarray, np.ndarray, object]:
    """(face centres in the bone's own frame, labels, mesh) of a scene mesh at neutral."""
    from scipy.spatial import cKDTree

    from meshes.model import HipModel

    mesh = HipModel().meshes()[name]
    centres = np.asarray(mesh.triangles_center, dtype=float)
    normals = np.asarray(mesh.face_normals, dtype=float)
    if name == "pelvis":
        # one mesh of both hip bones: the left one is labelled as the mirror of the right
        right_side = centres[:, 2] > -0.5 * _inter_hjc()
        c = np.where(right_side[:, None], centres, centres * [1.0, 1.0, -1.0] - [0.0, 0.0, _inter_hjc()])
        n = np.where(right_side[:, None], normals, normals * [1.0, 1.0, -1.0])
        labels = pelvis_labels(c, n)
    elif name in ("femur_right", "femur_left"):
        c = centres if name == "femur_right" else centres * [1.0, 1.0, -1.0] - [0.0, 0.0, _inter_hjc()]
        n = normals if name == "femur_right" else normals * [1.0, 1.0, -1.0]
        labels = femur_labels(c, n)
    else:
        raise KeyError(name)
    return centres, labels, (mesh, cKDTree(centres))


def _inter_hjc() -> float:
    return float(B.PELVIS_DIMENSIONS["inter_hjc_mm"])


def face_regions(name: str) -> np.ndarray:
    """The region id of every face of scene mesh ``name`` (``pelvis``, ``femur_right``,
    ``femur_left``), at the neutral posture."""
    return _labelled(name)[1]


def region_at(name: str, point, eye=None) -> str | None:
    """The region of the face of mesh ``name`` nearest ``point`` (the mesh's own frame).
    With ``eye`` (where the click was seen from, same frame), faces turned away from it are
    passed over: a thin plate of bone (the iliac wing) has faces on both sides within a
    millimetre or two, and the reader clicked the side they see."""
    try:
        centres, labels, (mesh, tree) = _labelled(name)
    except KeyError:
        return None
    p = np.asarray(point, dtype=float)
    distances, idx = tree.query(p, k=12)
    if eye is not None:
        normals = np.asarray(mesh.face_normals)[idx]
        toward = np.asarray(eye, dtype=float) - centres[idx]
        facing = np.einsum("ij,ij->i", normals, toward) > 0.0
        if facing.any():
            idx = idx[facing]
    return str(labels[int(idx[0])])


def region_of_pick(model, actor: str, world_point, eye=None) -> str | None:
    """The region under a pick on bone ``actor`` at the model's posture (the femora and the
    pelvis move rigidly: the point, and the eye it was seen from, are taken back to their
    neutral frame first)."""
    if actor not in ("pelvis", "femur_right", "femur_left"):
        return None
    matrix = model.femur_transform("right" if actor == "femur_right" else "left")
    inverse = np.linalg.inv(np.asarray(matrix, dtype=float))

    def back(q):
        return (inverse @ np.append(np.asarray(q, dtype=float), 1.0))[:3]

    return region_at(actor, back(world_point), None if eye is None else back(eye))


def region_outline(region_id: str, name: str) -> list[np.ndarray]:
    """The boundary of a region on mesh ``name`` as closed polylines (the mesh's frame)."""
    centres, labels, (mesh, _) = _labelled(name)
    faces = np.flatnonzero(labels == region_id)
    if not len(faces):
        return []
    part = mesh.submesh([faces], append=True)
    outline = part.outline()  # trimesh: the region's boundary edges, as path entities
    vertices = np.asarray(outline.vertices, dtype=float)
    return [vertices[np.asarray(e.points)] for e in outline.entities if len(e.points) > 3]


def meshes_of(region_id: str) -> tuple[str, ...]:
    """The scene meshes a region lies on (both sides)."""
    bone = BY_REGION[region_id].bone
    return ("pelvis",) if bone == "pelvis" else ("femur_right", "femur_left")
