"""Neighbours of gluteus medius: piriformis, tensor fasciae latae, the iliotibial tract, the
bursae over the greater trochanter and the branches of the superior gluteal nerve.

Small pure functions that place these structures from published descriptions on any bone
set with the :mod:`meshes.bones` interface; :mod:`meshes.model` wraps the fibres and builds
the meshes at each posture.

Sources (reference sheet, section "Neighbours a lecturer teaches with gluteus medius"):

* Piriformis: pelvic surface of the sacrum about S2-S4 and the margin of the greater sciatic
  foramen, through the foramen, to the upper border of the greater trochanter, medial side
  (Gray's Anatomy 1918).  It fills the foramen below the superior gluteal nerve and vessels.
* Tensor fasciae latae: outer lip of the iliac crest near the anterior superior iliac spine,
  into the iliotibial tract about a third of the way down the thigh (Gray 1918).
* Iliotibial tract: a thickening of the fascia lata from the iliac tubercle region over the
  greater trochanter to the lateral tibial condyle (Gray 1918).
* Bursae (Pfirrmann et al. 2001, Radiology 221:469): subgluteus medius under the medius
  tendon over the lateral facet; subgluteus maximus, the largest, lateral to the trochanter,
  deep to gluteus maximus and the iliotibial tract.
* Superior gluteal nerve: leaves the pelvis above piriformis; a superior branch runs along
  the upper border of gluteus minimus, an inferior branch between medius and minimus forward
  to tensor fasciae latae (Gray 1918; Gottschalk et al. 1989, J Anat 166:179).

Frame and units: ISB pelvis frame (femur frame for femoral parts), millimetres.
"""

from __future__ import annotations

import numpy as np
import trimesh

from meshes import muscles as mu

PIRIFORMIS_FIBRES = 4
TFL_FIBRES = 3

#: Sacral levels S2-S4 on the model's sacrum, as fractions of its height from the top
#: (five sacral segments of about equal height; S2-S4 is the second to fourth fifth).
SACRAL_S2_S4 = (0.25, 0.7)

#: Where the piriformis tendon meets the trochanter: on its upper border, medial side, a
#: little in front of the tip (femur frame offset from the tip, mm).
PIRIFORMIS_INSERTION_OFFSET = np.array([18.0, -4.0, -12.0])

#: Height of the piriformis fibres in the greater sciatic foramen, mm below the nerve's exit
#: point: the muscle fills the foramen under the superior gluteal nerve and vessels.
PIRIFORMIS_FORAMEN_DROP = (6.0, 12.0, 18.0, 24.0)

#: TFL insertion into the iliotibial tract: this fraction of the femur length below the hip
#: joint centre ("about a third of the way down the thigh").
TFL_INSERTION_FRACTION = 1.0 / 3.0

#: Bursa half-axes (mm): along the facet's long axis, across it, thickness.  Sizes from the
#: facet dimensions (lateral facet about 35 mm long, Robertson et al. 2008); the subgluteus
#: maximus bursa is the largest (Pfirrmann et al. 2001).
BURSA_SUBGMED_HALF = (15.0, 8.0, 1.6)
BURSA_SUBGMAX_HALF = (30.0, 17.0, 2.6)


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def sacral_origins(pelvis_exact, sacrum_bounds: np.ndarray, z_side: float,
                   n: int = PIRIFORMIS_FIBRES) -> np.ndarray:
    """Points on the pelvic (anterior) surface of the sacrum at S2-S4, on its right half,
    found by casting backward from inside the pelvic cavity.  (n, 3), on the bone."""
    lo, hi = np.asarray(sacrum_bounds, dtype=float)
    top, bottom = hi[1], lo[1]
    f = np.linspace(SACRAL_S2_S4[0], SACRAL_S2_S4[1], n)
    ys = top - f * (top - bottom)
    starts = np.array([[hi[0] + 40.0, y, z_side] for y in ys])
    hits, ok = mu.ray_hits(pelvis_exact, starts, np.array([-1.0, 0.0, 0.0]), max_dist=200.0)
    hits[~ok] = starts[~ok] - [60.0, 0.0, 0.0]
    return hits


def foramen_points(nerve_exit: np.ndarray, n: int = PIRIFORMIS_FIBRES) -> np.ndarray:
    """Where the piriformis fibres pass through the greater sciatic foramen: under the
    superior gluteal nerve's exit point, a little further back (to be pushed clear of bone)."""
    drops = np.asarray(PIRIFORMIS_FORAMEN_DROP[:n], dtype=float)
    return np.array([nerve_exit + [-4.0, -d, -2.0] for d in drops])


def piriformis_insertions(femur_exact, tip: np.ndarray, n: int = PIRIFORMIS_FIBRES) -> np.ndarray:
    """Insertion points along the upper border of the greater trochanter, medial side (femur
    frame, on the bone), spread front to back over about 10 mm."""
    centre = np.asarray(tip, dtype=float) + PIRIFORMIS_INSERTION_OFFSET
    pts = np.array([centre + [dx, 0.0, 0.0] for dx in np.linspace(5.0, -5.0, n)])
    return _to_surface(femur_exact, pts)


def _to_surface(lookup, points, iterations: int = 6) -> np.ndarray:
    p = np.array(points, dtype=float).reshape(-1, 3)
    for _ in range(iterations):
        d, g = lookup(p)
        p = p - d[:, None] * g
    return p


def tfl_origins(pelvis_exact, asis: np.ndarray, n: int = TFL_FIBRES) -> np.ndarray:
    """Points on the outer lip of the iliac crest from the anterior superior iliac spine back
    about 25 mm (on the bone)."""
    asis = np.asarray(asis, dtype=float)
    pts = np.array([asis + [-4.0 - 10.0 * k, -3.0 + 2.5 * k, 3.0] for k in range(n)])
    return _to_surface(pelvis_exact, pts)


def shaft_section(femur_mesh: trimesh.Trimesh, y: float, band: float = 4.0) -> tuple[np.ndarray, float]:
    """Centre (femur frame) and mean radius of the femoral shaft at height ``y``."""
    v = np.asarray(femur_mesh.vertices)
    s = v[np.abs(v[:, 1] - y) < band]
    if len(s) < 12:                      # a coarse mesh: the vertices nearest that height
        s = v[np.argsort(np.abs(v[:, 1] - y))[:24]]
    c = s.mean(axis=0)
    c[1] = y
    r = float(np.linalg.norm((s - c)[:, [0, 2]], axis=1).mean())
    return c, r


def tfl_insertions(femur_exact, femur_mesh: trimesh.Trimesh, length_mm: float,
                   n: int = TFL_FIBRES) -> np.ndarray:
    """Insertion points into the iliotibial tract, anterolateral on the thigh a third of the
    way down (femur frame, on the bone, to be lifted to the tract's depth)."""
    y = -TFL_INSERTION_FRACTION * float(length_mm)
    c, r = shaft_section(femur_mesh, y)
    angles = np.radians(np.linspace(50.0, 25.0, n))       # from lateral (+Z) toward anterior (+X)
    pts = np.array([c + (r + 15.0) * np.array([np.sin(a), 0.0, np.cos(a)]) for a in angles])
    return _to_surface(femur_exact, pts)


def itb_lower_path(femur_exact, femur_mesh: trimesh.Trimesh, facets: dict, length_mm: float,
                   n: int = 26) -> tuple[np.ndarray, np.ndarray]:
    """Centreline (femur frame) of the iliotibial tract from just above the greater
    trochanter down the lateral thigh to the level of the lateral femoral condyle, toward
    the lateral tibial condyle, and the outward unit normal at each point.  The tract lies
    over the gluteus medius tendon and the subgluteus maximus bursa at the trochanter and on
    vastus lateralis below (depths: 16 mm at the trochanter, 10 mm on the thigh, 5 mm at the
    knee)."""
    lat = facets["lateral"]
    lc = np.asarray(lat["centre"], dtype=float)
    ln = _unit(lat["normal"])
    ys = np.linspace(lc[1] + 28.0, -float(length_mm) - 12.0, n)
    pts, normals = [], []
    for y in ys:
        c, r = shaft_section(femur_mesh, min(y, lc[1] - 30.0))
        out = _unit(np.array([0.12, 0.0, 1.0]))
        if y > lc[1] - 30.0:           # over the trochanter: follow the facet's normal
            w = np.clip((y - (lc[1] - 30.0)) / 30.0, 0.0, 1.0)
            out = _unit((1 - w) * out + w * ln)
        start = np.array([c[0], y, c[2]]) + 80.0 * out
        hit, ok = mu.ray_hits(femur_exact, start[None], -out, max_dist=120.0)
        base = hit[0] if ok[0] else np.array([c[0], y, c[2]]) + r * out
        pts.append(base)
        normals.append(out)
    pts = np.array(pts)
    normals = np.array(normals)
    s = np.linspace(0.0, 1.0, n)
    depth = np.interp(s, [0.0, 0.2, 0.35, 0.9, 1.0], [16.0, 16.0, 10.0, 8.0, 5.0])
    return pts + depth[:, None] * normals, normals


def ellipsoid_mesh(centre: np.ndarray, axes: np.ndarray, half: tuple[float, float, float],
                   subdivisions: int = 2) -> trimesh.Trimesh:
    """A watertight ellipsoid: ``axes`` (3, 3) rows are its unit axes, ``half`` the
    half-lengths along them."""
    sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
    v = np.asarray(sphere.vertices) * np.asarray(half, dtype=float)
    v = v @ np.asarray(axes, dtype=float) + np.asarray(centre, dtype=float)
    faces = np.asarray(sphere.faces)
    if mu.signed_volume(v, faces) < 0:
        faces = faces[:, ::-1]
    return trimesh.Trimesh(v, faces, process=False)


def facet_frame(facet: dict) -> tuple[np.ndarray, np.ndarray]:
    """Centre and axes (long axis, cross axis, normal) of a facet outline (femur frame)."""
    out = np.asarray(facet["outline"], dtype=float)
    c = out.mean(axis=0)
    n = _unit(facet["normal"])
    _, _, vt = np.linalg.svd(out - c)
    a = _unit(vt[0] - (vt[0] @ n) * n)
    b = np.cross(n, a)
    return c, np.array([a, b, n])


def bursa_meshes(femur_exact, facets: dict) -> dict[str, tuple[trimesh.Trimesh, np.ndarray]]:
    """The subgluteus medius and subgluteus maximus bursae (femur frame) as flattened
    ellipsoids, each with its marker point (on its outer face)."""
    c, axes = facet_frame(facets["lateral"])
    med_half = BURSA_SUBGMED_HALF
    med_c = c + (med_half[2] + 0.8) * axes[2]
    # subgluteus maximus: over the lateral and posterior trochanter, outside the medius
    # tendon, long axis down the femur
    post = np.asarray(facets["posterior"]["centre"], dtype=float)
    centre = 0.55 * c + 0.45 * post
    d, g = femur_exact(centre[None])
    normal = _unit(g[0])
    base = centre - d[0] * normal
    along = _unit(np.array([0.0, 1.0, 0.0]) - normal[1] * normal)
    across = np.cross(normal, along)
    max_half = BURSA_SUBGMAX_HALF
    max_c = base + (7.0 + max_half[2]) * normal + [0.0, -6.0, 0.0]
    out = {}
    for name, cc, ax, half in (("bursa_subgmed", med_c, axes, med_half),
                               ("bursa_subgmax", max_c, np.array([along, across, normal]), max_half)):
        mesh = ellipsoid_mesh(cc, ax, half)
        v = np.asarray(mesh.vertices)
        v = mu.push_out(femur_exact, v, 0.5)
        mesh = trimesh.Trimesh(v, mesh.faces, process=False)
        # marker on the outer face, toward the lower end of the long axis (clear of the
        # facet's own marker underneath and of the tendon's insertion above)
        down = ax[0] if ax[0][1] < 0 else -ax[0]
        out[name] = (mesh, cc + 0.7 * half[0] * down + np.sqrt(1 - 0.7 ** 2) * half[2] * ax[2])
    return out
