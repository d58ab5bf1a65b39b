"""The hip model: bones, gluteal muscles, nerve and artery at a posture.

:class:`HipModel` holds the posture of the right hip (``flexion``, ``adduction``,
``rotation``) and the frontal-plane tilt of the pelvis (``pelvic_drop``).  Geometry that never
moves (bones, origins, the left side) is built once per process and shared read-only (the
bone meshes and the left side on first use: a posture change needs neither); a posture
change recomputes only the femur transform, the wrapped fibre paths, the muscle sheets,
nerve, artery, safe zone and moment arms, cached per posture.

Frame and units: ISB pelvis frame (:mod:`meshes.frame`), millimetres, degrees.  With
``pelvic_drop`` = 0 every output is in the pelvis frame.  A pelvic drop turns the pelvis and
everything attached to it (sacrum, left hip at neutral) about the right HJC's
anteroposterior axis, while the right femur keeps the orientation set by ``flexion``,
``adduction`` and ``rotation``: those three then describe the femur in the room (the pelvis
frame at zero drop), and the hip joint itself is adducted by the drop, as in single-leg
stance on the right.  Outputs are then in that room frame; moment arms and lengths use the
joint angles of the femur relative to the tilted pelvis.

Fibre paths are wrapped over both bones coarse to fine (:func:`meshes.muscles.wrap_multilevel`),
each posture starting from the neutral paths turned partly with the femur, so a posture's
result does not depend on the postures visited before.  The bones are sampled once onto
lookup grids (value and gradient), with margins that cover the grid's interpolation error.

Muscle layout
-------------
* Gluteus medius: 13 fibres across the fan, anterior to posterior (u = 0..1), from the outer
  ilium between the anterior and posterior gluteal lines and below the crest
  (Gray's Anatomy 1918) to the lateral facet (anterior and middle parts) and the
  superoposterior facet (posterior part) of the greater trochanter (Pfirrmann et al. 2001;
  Tsutsumi et al. 2019).  Groups: anterior = fibres 0-4, middle 4-8, posterior 8-12
  (neighbouring groups share their border fibre, so the three sheets meet).
* Gluteus minimus: between the anterior and inferior gluteal lines to the anterior facet.
* Gluteus maximus: posterior ilium behind the posterior gluteal line, sacrum and coccyx to the
  iliotibial band and gluteal tuberosity, over the posterior third of gluteus medius.
* Neighbours (:mod:`meshes.neighbours`): gluteus minimus in an anterior and a posterior part
  (fibres 0-2 and 2-4, sharing the border fibre); piriformis from the sacrum (S2-S4) through
  the greater sciatic foramen below the superior gluteal nerve to the upper border of the
  trochanter (the part inside the pelvis is fixed, the part from the foramen on is wrapped);
  tensor fasciae latae from the iliac crest by the ASIS into the iliotibial tract a third of
  the way down the thigh; the iliotibial tract as a thin band; the subgluteus medius and
  subgluteus maximus bursae as flattened ellipsoids on the trochanter.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import param
import trimesh
from scipy.spatial.transform import Rotation

from meshes import frame
from meshes import mechanics as mech
from meshes import muscles as mu
from meshes import neighbours as nb
from meshes import vessels as vs
from meshes.landmarks import FIBRE_GROUPS, LANDMARK_IDS, NEIGHBOUR_MUSCLES

N_POINTS = 24
GMED_FIBRES = 13
GROUP_FIBRES: dict[str, slice] = {"anterior": slice(0, 5), "middle": slice(4, 9), "posterior": slice(8, 13)}
GMIN_FIBRES = 5
GMAX_FIBRES = 6
#: Gluteus minimus parts, fibres anterior to posterior (neighbouring parts share a fibre).
GMIN_PARTS: dict[str, slice] = {"gmin_anterior": slice(0, 3), "gmin_posterior": slice(2, 5)}

#: Half-width (mm) of the iliotibial tract where it leaves the iliac crest at the tubercle: the
#: band narrows to its attachment there, so that its corners do not stand above the curved crest.
ITB_TOP_HALF_MM = 8.0

TFL_FEMUR_CLEAR = 6.0      # mm; tensor fasciae latae lies on the muscles in front of the trochanter
TFL_TRACT_DEPTH = 10.0     # mm; its insertion into the iliotibial tract, off the femur
PELVIS_CLEAR = 3.0   # mm; covers the lookup grid's interpolation error on the bone surface
FEMUR_CLEAR = 2.0
PELVIC_DROP_RANGE = (-15.0, 15.0)
ANTERIOR_REACH_MM = 20.0   # origin along the crest in front of the anterior gluteal line
MESH_NAMES = (
    "pelvis", "sacrum", "femur_right", "femur_left",
    "gmed_anterior_right", "gmed_middle_right", "gmed_posterior_right",
    "gmed_anterior_left", "gmed_middle_left", "gmed_posterior_left",
    "gmin_right", "gmin_left", "gmax_right", "gmax_left",
    "superior_gluteal_nerve_right", "superior_gluteal_artery_right", "safe_zone_right",
    "piriformis_right", "piriformis_left", "tfl_right", "tfl_left", "itb_right", "itb_left",
    "bursa_subgmed_right", "bursa_subgmed_left", "bursa_subgmax_right", "bursa_subgmax_left",
)


# ======================================================================================
# Static anatomy (built once per bone set)
# ======================================================================================


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def project_to_surface(lookup, points, iterations: int = 6) -> np.ndarray:
    """Newton steps p <- p - d(p) grad d(p) onto the zero level set of an SDF
    (Hart 1996 sphere-tracing family; exact for a true distance function)."""
    p = np.array(points, dtype=float).reshape(-1, 3)
    for _ in range(iterations):
        d, g = lookup(p)
        p = p - d[:, None] * g
    return p


def lift(lookup, points, distance) -> np.ndarray:
    """Surface points moved ``distance`` mm (one, or one per point) out along the SDF gradient."""
    p = project_to_surface(lookup, points)
    _, g = lookup(p)
    d = np.asarray(distance, dtype=float)
    return mu.push_out(lookup, p + (d[:, None] if d.ndim else d) * g, d, iterations=4)


def lift_many(lookup, requests) -> list[np.ndarray]:
    """:func:`lift` of several (points, distance) requests in one batch of lookups (each
    point's lift depends on that point alone); ``distance`` may be one per point."""
    pts = [np.asarray(p, dtype=float).reshape(-1, 3) for p, _ in requests]
    dist = np.concatenate([np.broadcast_to(np.asarray(d, dtype=float), (len(p),)) for p, (_, d) in zip(pts, requests)])
    out = lift(lookup, np.vstack(pts), dist)
    cuts = np.cumsum([len(p) for p in pts])[:-1]
    return np.split(out, cuts)


@dataclass
class Chart:
    """A planar chart over the outer ilium: centre, anterior and superior in-plane axes and
    the outward (lateral) normal, all pelvis frame."""

    centre: np.ndarray
    ex: np.ndarray
    ey: np.ndarray
    normal: np.ndarray

    def to2d(self, p):
        q = np.asarray(p, dtype=float) - self.centre
        return np.stack([q @ self.ex, q @ self.ey], axis=-1)

    def to3d(self, xy, height: float = 0.0):
        xy = np.asarray(xy, dtype=float)
        return self.centre + xy[..., :1] * self.ex + xy[..., 1:2] * self.ey + height * self.normal


def ilium_chart(lookup, lines: dict) -> Chart:
    """Chart from the gluteal lines: normal = mean SDF gradient on them (outward), axes =
    pelvic X and Y made orthogonal to it."""
    pts = np.vstack([lines[k] for k in lines])
    _, g = lookup(pts)
    n = _unit(g.mean(axis=0))
    ey = _unit(np.array([0.0, 1.0, 0.0]) - n[1] * n)
    ex = np.cross(ey, n)
    if ex[0] < 0:
        ex = -ex
    return Chart(pts.mean(axis=0), ex, ey, n)


def cast_on_ilium(lookup, chart: Chart, xy, height: float = 90.0, depth: float = 140.0):
    """Hit points on the outer ilium under chart points, cast along -normal."""
    starts = chart.to3d(xy, height).reshape(-1, 3)
    hits, ok = mu.ray_hits(lookup, starts, -chart.normal, max_dist=depth)
    ok &= np.abs((hits - chart.centre) @ chart.normal) < 60.0
    return hits, ok


def crest_curve(lookup, chart: Chart, x_from: float, x_to: float, y_from: float, columns: int = 28) -> np.ndarray:
    """Highest points of the outer ilium seen from lateral, for chart columns x_from..x_to
    (anterior to posterior): the iliac crest as the upper edge of the gluteal surface."""
    xs = np.linspace(x_from, x_to, columns)
    ys = np.arange(y_from, y_from + 220.0, 2.0)
    xy = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)
    hits, ok = cast_on_ilium(lookup, chart, xy)
    hits = hits.reshape(columns, len(ys), 3)
    ok = ok.reshape(columns, len(ys))
    out = []
    for i in range(columns):
        j = np.nonzero(ok[i])[0]
        if len(j):
            out.append(hits[i, j[-1]])
    return np.array(out)


def oriented(line: np.ndarray, key) -> np.ndarray:
    """A polyline turned so that ``key(first) >= key(last)``."""
    line = np.asarray(line, dtype=float)
    return line if key(line[0]) >= key(line[-1]) else line[::-1]


def facet_axis(facet: dict) -> tuple[np.ndarray, np.ndarray, float]:
    """Centre, unit major axis (pointing anterior) and half length of a facet outline."""
    out = np.asarray(facet["outline"], dtype=float)
    c = out.mean(axis=0)
    _, s, vt = np.linalg.svd(out - c)
    axis = vt[0] if vt[0][0] >= 0 else -vt[0]
    half = float(np.abs((out - c) @ axis).max())
    return c, axis, half


def facet_points(facet: dict, t) -> np.ndarray:
    """Points along a facet's major axis, t = -1 (posterior end) .. +1 (anterior end)."""
    c, axis, half = facet_axis(facet)
    return c + np.asarray(t, dtype=float)[:, None] * half * axis


def margin_ramp(n: int, start: float, end: float, s0: float, s1: float) -> np.ndarray:
    """Per-point margin along a path of n points: ``start`` before fraction s0, ``end``
    after s1, smooth in between."""
    s = np.linspace(0.0, 1.0, n)
    return start + (end - start) * _smoothstep((s - s0) / max(s1 - s0, 1e-9))


@dataclass
class Anatomy:
    """Everything that does not move with the right femur."""

    bones: object
    pelvis: mu.GridSDF
    femur: mu.GridSDF
    pelvis_exact: object
    femur_exact: object
    chart: Chart
    z_mid: float
    origins: np.ndarray            # (F, 3) pelvis frame
    insertions: np.ndarray         # (F, 3) femur frame
    pelvis_margin: np.ndarray      # (F, N)
    femur_margin: np.ndarray       # (F, N)
    muscle_of: dict                # muscle -> slice into the fibre batch
    neutral: np.ndarray = None     # (F, N, 3) wrapped at neutral
    footprints: dict = field(default_factory=dict)      # pelvis-fixed outlines
    femur_footprints: dict = field(default_factory=dict)  # femur-frame outlines
    nerve_start: np.ndarray = None
    origin_centre: np.ndarray = None
    piriformis_pelvic: np.ndarray = None   # (F, K, 3) sacrum -> foramen, fixed to the pelvis
    itb_top: np.ndarray = None             # (3,) iliac tubercle region, pelvis frame
    itb_lower: np.ndarray = None           # (M, 3) femur frame, trochanter -> knee
    itb_normals: np.ndarray = None         # (M, 3) femur frame, outward
    bursae: dict = field(default_factory=dict)   # name -> (mesh, marker), femur frame
    nerve_superior: np.ndarray = None      # superior branch centreline, pelvis frame
    nerve_superior_mesh: trimesh.Trimesh = None

    # built on first use: a posture change needs none of these
    @functools.cached_property
    def static_meshes(self) -> dict:
        """Bone meshes: pelvis, sacrum, both femurs (femur frame)."""
        return _static_meshes(self.bones)

    @functools.cached_property
    def neutral_posture(self) -> "Posture":
        """The neutral posture, shared by the left side and every model at neutral."""
        return Posture(self, 0.0, 0.0, 0.0, 0.0)

    @functools.cached_property
    def left_meshes(self) -> dict:
        """The left muscles: the right ones at neutral, mirrored."""
        neutral = self.neutral_posture
        out = {f"{name}_left": mirror_mesh(mesh, self.z_mid)
               for name, (mesh, _, _) in neutral.sheets.items() if mesh is not None}
        out["itb_left"] = mirror_mesh(neutral.itb[0], self.z_mid)
        for name, (mesh, _) in neutral.bursae.items():
            out[f"{name}_left"] = mirror_mesh(mesh, self.z_mid)
        return out


def _pelvis_grid(bones) -> mu.GridSDF:
    """Lookup grid of the pelvis over the right side, where the right muscles, nerve and
    artery lie (the left side's are mirror images), reaching about 50 mm past the midline."""
    lo = np.array([-160.0, -100.0, -132.5])
    hi = np.array([120.0, 200.0, 130.0])
    return mu.GridSDF.build_banded(bones.pelvis_sdf, lo, hi, spacing=2.5, coarse=7.5, band=7.5)


def _femur_grid(bones) -> mu.GridSDF:
    lo = np.array([-80.0, -230.0, -45.0])
    hi = np.array([80.0, 80.0, 125.0])
    return mu.GridSDF.build_banded(bones.femur_sdf, lo, hi, spacing=2.0, coarse=6.0, band=12.0)


def _gmed_origins(anat_lookup, chart, lines, tip) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fibre origins along the upper and posterior edge of the gluteus medius footprint
    (crest, then posterior gluteal line; on the bone, to be lifted off it), the footprint
    outline and its centre."""
    ant = oriented(lines["anterior"], lambda p: p @ chart.ex)           # anterior -> posterior
    post = oriented(lines["posterior"], lambda p: p @ chart.ey)         # top -> bottom
    a2 = chart.to2d(ant)
    p2 = chart.to2d(post)
    # the crest part of the origin reaches a little in front of the anterior gluteal line's
    # start, where the anterior fibres arise from the crest and the gluteal aponeurosis
    crest = crest_curve(anat_lookup, chart, a2[0, 0] + ANTERIOR_REACH_MM, p2[0, 0],
                        min(a2[:, 1].min(), p2[:, 1].min()))
    edge = np.vstack([crest, post])
    edge = mu.resample(edge, 80)
    # inset toward the trochanter so the origins sit on the gluteal surface, not the rim
    e2 = chart.to2d(edge)
    t2 = chart.to2d(tip)
    inset = e2 + 8.0 * _unit(t2 - e2)
    hits, ok = cast_on_ilium(anat_lookup, chart, inset)
    edge3 = hits[ok]
    edge3 = mu.resample(edge3, 80)
    u = np.linspace(0.0, 1.0, GMED_FIBRES)
    origins = mu.polyline_at(edge3, u)
    outline = np.vstack([ant, mu.resample(np.vstack([ant[-1], post[-1]]), 4)[1:-1], post[::-1], crest[::-1]])
    outline = lift(anat_lookup, mu.resample(np.vstack([outline, outline[:1]]), 160), 0.8)
    centre2 = chart.to2d(outline).mean(axis=0)
    c_hit, _ = cast_on_ilium(anat_lookup, chart, centre2[None])
    return origins, outline, lift(anat_lookup, c_hit, 0.8)[0]


def clip_half_plane(poly: np.ndarray, a: np.ndarray, b: np.ndarray, keep_left: bool) -> np.ndarray:
    """Clip a closed 2-D polygon (M, 2) to one side of the line through ``a`` and ``b``
    (Sutherland & Hodgman 1974, Commun ACM 17:32)."""
    side = (b[0] - a[0]) * (poly[:, 1] - a[1]) - (b[1] - a[1]) * (poly[:, 0] - a[0])
    return clip_by_values(poly, side if keep_left else -side)


def _left_of(a, b, p) -> bool:
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= 0


def split_fan_footprint(outline: np.ndarray, chart: Chart, tip: np.ndarray, origins: np.ndarray,
                        lookup) -> dict[str, np.ndarray]:
    """The origin footprint cut into the three fibre groups by the lines (in the ilium chart)
    from the trochanter tip through the group-border fibre origins."""
    poly = chart.to2d(outline[:-1])
    t = chart.to2d(tip)
    o = chart.to2d(origins)
    first = o[0]
    cuts = [o[GROUP_FIBRES["middle"].start], o[GROUP_FIBRES["posterior"].start]]
    sides = [_left_of(t, c, first) for c in cuts]
    parts = {
        "anterior": clip_half_plane(poly, t, cuts[0], sides[0]),
        "middle": clip_half_plane(clip_half_plane(poly, t, cuts[0], not sides[0]), t, cuts[1], sides[1]),
        "posterior": clip_half_plane(poly, t, cuts[1], not sides[1]),
    }
    out = {}
    for g, p in parts.items():
        if len(p) < 3:
            continue
        ring = mu.resample(np.column_stack([np.vstack([p, p[:1]]), np.zeros(len(p) + 1)]), 90)[:, :2]
        hits, ok = cast_on_ilium(lookup, chart, ring)
        if ok.sum() >= 3:
            pts = lift(lookup, hits[ok], 0.8)
            out[g] = np.vstack([pts, pts[:1]])
    return out


def clip_by_values(poly: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Keep the part of a closed polygon (M, k) where the per-vertex ``side`` value is >= 0,
    cutting edges linearly (Sutherland & Hodgman 1974)."""
    out = []
    for i in range(len(poly)):
        j = (i + 1) % len(poly)
        if side[i] >= 0:
            out.append(poly[i])
        if side[i] * side[j] < 0:
            out.append(poly[i] + (poly[j] - poly[i]) * side[i] / (side[i] - side[j]))
    return np.array(out).reshape(-1, poly.shape[1])


def split_facet(facet: dict, t_cut: float) -> tuple[np.ndarray, np.ndarray]:
    """A facet outline cut across its major axis at ``t_cut`` (-1 posterior end .. +1
    anterior end): (anterior piece, posterior piece), closed polylines on the bone."""
    out3 = np.asarray(facet["outline"], dtype=float)
    if np.allclose(out3[0], out3[-1]):
        out3 = out3[:-1]
    c, axis, half = facet_axis(facet)
    s = (out3 - c) @ axis - t_cut * half
    ant = clip_by_values(out3, s)
    post = clip_by_values(out3, -s)
    return np.vstack([ant, ant[:1]]), np.vstack([post, post[:1]])


def _gmin_origins(lookup, chart, lines) -> tuple[np.ndarray, np.ndarray]:
    """Fibre origins between the anterior and inferior gluteal lines (on the bone, to be
    lifted off it) and the footprint outline."""
    ant = oriented(lines["anterior"], lambda p: p @ chart.ex)
    inf = oriented(lines["inferior"], lambda p: p @ chart.ex)
    f = np.linspace(0.08, 0.92, GMIN_FIBRES)
    a = mu.polyline_at(ant, f)
    i = mu.polyline_at(inf, f)
    mid2 = chart.to2d(0.75 * a + 0.25 * i)
    hits, ok = cast_on_ilium(lookup, chart, mid2)
    hits[~ok] = (0.75 * a + 0.25 * i)[~ok]
    outline = np.vstack([ant, inf[::-1], ant[:1]])
    return hits, lift(lookup, mu.resample(outline, 120), 0.8)


def _gmax_origins(pelvis: dict, z_mid: float) -> tuple[np.ndarray, np.ndarray]:
    """Fibre origins and the origin line (near the bone, to be lifted 2.0 and 0.8 mm off it)."""
    psis = np.asarray(pelvis["psis_right"], dtype=float)
    sac = np.asarray(pelvis.get("sacrum", psis + [-25.0, -40.0, 0.0]), dtype=float)
    sac = np.array([sac[0], sac[1], z_mid])
    guide = np.array([
        psis + [28.0, 26.0, 16.0],
        psis + [6.0, 8.0, 6.0],
        sac + [2.0, 0.0, 0.55 * (psis[2] - z_mid)],
        sac + [14.0, -45.0, 0.35 * (psis[2] - z_mid)],
        sac + [30.0, -80.0, 0.2 * (psis[2] - z_mid)],
    ])
    line = mu.resample(guide, 40)
    pts = mu.polyline_at(line, np.linspace(0.0, 1.0, GMAX_FIBRES))
    return pts, line


def _gmax_insertion_ends(femur: dict) -> tuple[np.ndarray, np.ndarray]:
    """Ends of the gluteus maximus insertion near the femur, to be lifted off it: the
    iliotibial band (lateral, 10 mm) and the gluteal tuberosity (2 mm)."""
    tip = np.asarray(femur["greater_trochanter_tip"], dtype=float)
    return np.array([tip + [2.0, -55.0, 0.0], tip + [-14.0, -105.0, -6.0]]), np.array([10.0, 2.0])


def build_anatomy(bones) -> Anatomy:
    """Build the static part of the model for a bone set (module or namespace with the
    ``meshes.bones`` interface)."""
    pelvis = _pelvis_grid(bones)
    femur = _femur_grid(bones)
    pex = mu.exact_sdf(bones.pelvis_sdf)
    fex = mu.exact_sdf(bones.femur_sdf)
    lines = {k: np.asarray(v, dtype=float) for k, v in bones.GLUTEAL_LINES.items()}
    chart = ilium_chart(pelvis, lines)
    dims = getattr(bones, "PELVIS_DIMENSIONS", {})
    z_mid = -0.5 * float(dims.get("inter_hjc_mm", 160.0))
    tip_f = np.asarray(bones.FEMUR["greater_trochanter_tip"], dtype=float)

    gmed_o, gmed_outline, gmed_centre = _gmed_origins(pelvis, chart, lines, tip_f)
    gmin_o, gmin_outline = _gmin_origins(pelvis, chart, lines)
    gmax_o, gmax_line = _gmax_origins(bones.PELVIS, z_mid)
    notch = np.asarray(bones.PELVIS["greater_sciatic_notch"], dtype=float)
    # every lift off the exact pelvis in one batch (a point's lift does not depend on the others)
    gmed_o, gmin_o, gmax_o, gmax_line, nerve_start = lift_many(pex, [
        (gmed_o, 1.5), (gmin_o, 1.5), (gmax_o, 2.0), (gmax_line, 0.8),
        ([notch + [4.0, -10.0, 6.0]], vs.ARTERY_RADIUS_MM + 3.0)])

    # piriformis: sacrum (S2-S4) -> greater sciatic foramen (below the nerve) -> trochanter
    sac_bounds = np.asarray(bones.sacrum_mesh().bounds, dtype=float)
    pir_o = nb.sacral_origins(pex, sac_bounds, z_mid + 0.35 * (sac_bounds[1][2] - z_mid))
    pir_o = lift(pex, pir_o, 2.0)
    pir_via = mu.push_out(pex, nb.foramen_points(nerve_start[0]), PELVIS_CLEAR + 1.0, hint=chart.normal)
    # inside the pelvis the muscle lies on the front of the sacrum: wrap that part over the
    # bone with its outward side forward, into the pelvic cavity
    forward = np.array([1.0, 0.0, 0.0])
    pir_init = np.stack([mu.resample(np.vstack([o, o + 12.0 * forward, v + 12.0 * forward, v]), 12)
                         for o, v in zip(pir_o, pir_via)])
    pir_pelvic = mu.wrap_paths(pir_init, [mu.Obstacle(pelvis, np.full(pir_init.shape[:2], 2.5), forward)],
                               iterations=60)
    # tensor fasciae latae: outer lip of the crest by the ASIS -> iliotibial tract
    tfl_o = lift(pex, nb.tfl_origins(pex, bones.PELVIS["asis_right"]), 1.5)
    femur_mesh_r = bones.femur_mesh("right")
    length = float(getattr(bones, "FEMUR_DIMENSIONS", {}).get("length_mm", 415.0))

    u = np.linspace(0.0, 1.0, GMED_FIBRES)
    lat = bones.FACETS["lateral"]
    sup = bones.FACETS["superoposterior"]
    on_lat = u <= 0.58
    t_lat = np.interp(u[on_lat], [0.0, 0.58], [0.8, -0.8])
    t_sup = np.interp(u[~on_lat], [0.58, 1.0], [0.6, -0.6])
    gmed_i = np.vstack([facet_points(lat, t_lat), facet_points(sup, t_sup)])
    gmin_i = facet_points(bones.FACETS["anterior"], np.linspace(0.7, -0.7, GMIN_FIBRES))
    ends, end_lift = _gmax_insertion_ends(bones.FEMUR)
    pir_i = nb.piriformis_insertions(fex, tip_f)
    tfl_i = nb.tfl_insertions(fex, femur_mesh_r, length)
    gmed_i, gmin_i, ends, pir_i, tfl_i = lift_many(fex, [(gmed_i, 1.5), (gmin_i, 1.5), (ends, end_lift),
                                                         (pir_i, 1.5), (tfl_i, TFL_TRACT_DEPTH)])
    gmax_i = np.linspace(ends[0], ends[1], GMAX_FIBRES)

    n = N_POINTS
    counts = {"gmed": GMED_FIBRES, "gmin": GMIN_FIBRES, "gmax": GMAX_FIBRES,
              "piriformis": nb.PIRIFORMIS_FIBRES, "tfl": nb.TFL_FIBRES}
    muscle_of, start = {}, 0
    for name, count in counts.items():
        muscle_of[name] = slice(start, start + count)
        start += count
    gmin_at = muscle_of["gmin"].start
    for part, sl in GMIN_PARTS.items():
        muscle_of[part] = slice(gmin_at + sl.start, gmin_at + sl.stop)
    pm = np.vstack([
        np.tile(margin_ramp(n, PELVIS_CLEAR, PELVIS_CLEAR + 8.0, 0.05, 0.35), (GMED_FIBRES, 1)),
        np.tile(np.full(n, PELVIS_CLEAR), (GMIN_FIBRES, 1)),
        np.tile(margin_ramp(n, PELVIS_CLEAR, 34.0, 0.0, 0.3) - margin_ramp(n, 0.0, 20.0, 0.6, 0.9),
                (GMAX_FIBRES, 1)),
        np.tile(np.full(n, PELVIS_CLEAR), (nb.PIRIFORMIS_FIBRES, 1)),
        np.tile(np.full(n, PELVIS_CLEAR), (nb.TFL_FIBRES, 1)),
    ])
    fm = np.vstack([
        np.tile(np.full(n, FEMUR_CLEAR), (GMED_FIBRES, 1)),
        np.tile(np.full(n, FEMUR_CLEAR), (GMIN_FIBRES, 1)),
        np.tile(margin_ramp(n, 14.0, FEMUR_CLEAR, 0.7, 1.0), (GMAX_FIBRES, 1)),
        np.tile(np.full(n, FEMUR_CLEAR), (nb.PIRIFORMIS_FIBRES, 1)),
        np.tile(np.full(n, TFL_FEMUR_CLEAR), (nb.TFL_FIBRES, 1)),
    ])
    anat = Anatomy(
        bones=bones, pelvis=pelvis, femur=femur, pelvis_exact=pex, femur_exact=fex, chart=chart, z_mid=z_mid,
        origins=np.vstack([gmed_o, gmin_o, gmax_o, pir_via, tfl_o]),
        insertions=np.vstack([gmed_i, gmin_i, gmax_i, pir_i, tfl_i]),
        pelvis_margin=pm, femur_margin=fm, muscle_of=muscle_of,
    )
    anat.piriformis_pelvic = pir_pelvic
    anat.nerve_start = nerve_start[0]
    _neighbour_anatomy(anat, bones, femur_mesh_r, length, lines)
    anat.origin_centre = gmed_centre
    anat.footprints = {"gmed_origin": gmed_outline, "gmin_origin": gmin_outline, "gmax_origin": gmax_line}
    anat.femur_footprints = {
        "gmed_insertion": np.asarray(lat["outline"], dtype=float),
        "gmed_insertion_superoposterior": np.asarray(sup["outline"], dtype=float),
        "gmin_insertion": np.asarray(bones.FACETS["anterior"]["outline"], dtype=float),
    }
    for g, outline in split_fan_footprint(gmed_outline, chart, tip_f, gmed_o, pelvis).items():
        anat.footprints[f"gmed_{g}_origin"] = outline
    t_cut = float(np.interp(u[GROUP_FIBRES["middle"].start], [0.0, 0.58], [0.8, -0.8]))
    ant_piece, post_piece = split_facet(lat, t_cut)
    anat.femur_footprints["gmed_anterior_insertion"] = ant_piece
    anat.femur_footprints["gmed_middle_insertion"] = post_piece
    anat.femur_footprints["gmed_posterior_insertion"] = np.asarray(sup["outline"], dtype=float)
    anat.nerve_start = nerve_start[0]

    straight = np.linspace(anat.origins, anat.insertions, n, axis=1)
    anat.neutral = mu.wrap_multilevel(straight, _obstacles(anat, np.eye(3)), iterations=(60, 40, 30))
    return anat


def _neighbour_anatomy(anat: Anatomy, bones, femur_mesh: trimesh.Trimesh, length: float, lines: dict) -> None:
    """The fixed parts of the neighbours: the iliotibial tract's top (iliac tubercle region)
    and its course down the femur, the bursae and the nerve's superior branch."""
    pex, fex, chart = anat.pelvis_exact, anat.femur_exact, anat.chart
    # iliac tubercle: on the outer lip of the crest about 5 cm behind the ASIS
    asis2 = chart.to2d(np.asarray(bones.PELVIS["asis_right"], dtype=float))
    x = asis2[0] - 50.0
    crest = crest_curve(pex, chart, x, x + 1.0, asis2[1] - 60.0, columns=2)
    top = crest[0] if len(crest) else np.asarray(bones.PELVIS["asis_right"], dtype=float) + [-50.0, 20.0, 0.0]
    anat.itb_top = lift(pex, top[None], 2.0)[0]
    anat.itb_lower, anat.itb_normals = nb.itb_lower_path(fex, femur_mesh, bones.FACETS, length)
    anat.bursae = nb.bursa_meshes(fex, bones.FACETS)
    # superior branch of the superior gluteal nerve: from its exit along the upper border of
    # gluteus minimus (the anterior gluteal line), forward
    border = oriented(lines["anterior"], lambda p: p @ chart.ex)[::-1]      # posterior -> anterior
    border = lift(pex, mu.resample(border, 16), vs.NERVE_RADIUS_MM + 2.5)
    exit_point = anat.nerve_start + 12.0 * chart.normal
    keep = (border - exit_point) @ chart.ex > 10.0
    branch = vs.smooth_polyline(np.vstack([exit_point, border[keep][:-1]]), passes=3, n=30)
    branch = mu.push_out(pex, branch, vs.NERVE_RADIUS_MM + 1.0, hint=chart.normal)
    anat.nerve_superior = branch
    anat.nerve_superior_mesh = vs.tube_mesh(branch, 0.8 * vs.NERVE_RADIUS_MM)


def _static_meshes(bones) -> dict:
    pelvis = bones.pelvis_mesh()
    sacrum = bones.sacrum_mesh()
    femur_r = bones.femur_mesh("right")
    femur_l = bones.femur_mesh("left")
    return {"pelvis": pelvis, "sacrum": sacrum, "femur_right": femur_r, "femur_left": femur_l}


_ANATOMIES: dict = {}
_BUILD_LOCK = threading.Lock()


def anatomy(bones=None) -> Anatomy:
    """The static anatomy for a bone set (default :mod:`meshes.bones`), built once per
    process (thread-safe) and shared read-only by every model."""
    if bones is None:
        from meshes import bones as default_bones

        bones = default_bones
    key = id(bones)
    found = _ANATOMIES.get(key)
    if found is not None and found.bones is bones:
        return found
    with _BUILD_LOCK:
        found = _ANATOMIES.get(key)
        if found is None or found.bones is not bones:
            found = build_anatomy(bones)
            _ANATOMIES[key] = found
    return found


# ======================================================================================
# Posture
# ======================================================================================


def _obstacles(anat: Anatomy, r_joint: np.ndarray) -> list:
    return [
        mu.Obstacle(anat.pelvis, anat.pelvis_margin, anat.chart.normal),
        mu.Obstacle(mu.moved_sdf(anat.femur, r_joint, np.zeros(3)), anat.femur_margin),
    ]


def blended_start(paths: np.ndarray, r_delta: np.ndarray) -> np.ndarray:
    """Starting guess for paths after the femur turns by ``r_delta`` about the HJC: each
    point turns by a growing share of the rotation (0 at the origin, all of it at the
    insertion), so points keep their distance from the joint centre (spherical blend)."""
    n = paths.shape[1]
    w = _smoothstep(np.linspace(0.0, 1.0, n))
    rotvec = Rotation.from_matrix(r_delta).as_rotvec()
    rs = Rotation.from_rotvec(w[:, None] * rotvec[None, :]).as_matrix()   # (N, 3, 3)
    return np.einsum("nij,fnj->fni", rs, paths)


def solve_paths(anat: Anatomy, r_joint: np.ndarray, start: np.ndarray | None = None,
                r_start: np.ndarray | None = None, iterations=(14, 8, 6)) -> np.ndarray:
    """Wrapped fibre paths (F, N, 3), pelvis frame, for the femur turned by ``r_joint``."""
    if start is None:
        start, r_start = anat.neutral, np.eye(3)
    init = blended_start(start, r_joint @ r_start.T)
    init[:, 0] = anat.origins
    init[:, -1] = anat.insertions @ r_joint.T
    paths = mu.wrap_multilevel(init, _obstacles(anat, r_joint), iterations=iterations)
    return _clear_impinged_ends(anat, paths, r_joint)


def _clear_impinged_ends(anat: Anatomy, paths: np.ndarray, r_joint: np.ndarray) -> np.ndarray:
    """Where the trochanter itself meets the pelvis (flexion, adduction and internal rotation
    together: the impingement of the FADIR test), slide the insertion ends out of the pelvis
    so that no path point lies inside a bone."""
    ends = paths[:, -1]
    d, _ = anat.pelvis(ends)
    if (d < PELVIS_CLEAR).any():
        femur = mu.moved_sdf(anat.femur, r_joint, np.zeros(3))
        for _ in range(3):
            ends = mu.push_out(anat.pelvis, ends, PELVIS_CLEAR, hint=anat.chart.normal)
            ends = mu.push_out(femur, ends, 1.0)
        paths = paths.copy()
        paths[:, -1] = ends
    return paths


def joint_rotation(flexion, adduction, rotation, pelvic_drop) -> tuple[np.ndarray, np.ndarray]:
    """(pelvis rotation in the room, femur rotation relative to the pelvis).  Pelvic drop
    turns the pelvis about the room's X axis through the right HJC, + lowering the left side."""
    p = Rotation.from_euler("X", -pelvic_drop, degrees=True).as_matrix()
    room = frame.hip_rotation(flexion, adduction, rotation, "right")
    return p, p.T @ room


def joint_angles(r_joint: np.ndarray) -> tuple[float, float, float]:
    """Flexion, adduction, internal rotation (deg) of a femur rotation, ZXY (Wu et al. 2002)."""
    f, a, r = Rotation.from_matrix(r_joint).as_euler("ZXY", degrees=True)
    return float(f), float(a), float(r)


def _rotate(mesh: trimesh.Trimesh, r: np.ndarray) -> trimesh.Trimesh:
    return trimesh.Trimesh(np.asarray(mesh.vertices) @ r.T, mesh.faces, process=False)


def mirror_mesh(mesh: trimesh.Trimesh, z_mid: float) -> trimesh.Trimesh:
    """Mirror image through the midsagittal plane, faces re-wound to stay outward."""
    v = frame.mirror_about(np.asarray(mesh.vertices), z_mid)
    return trimesh.Trimesh(v, np.asarray(mesh.faces)[:, ::-1], process=False)


class Posture:
    """Geometry of one posture, computed lazily and cached by :class:`HipModel`."""

    def __init__(self, anat: Anatomy, flexion, adduction, rotation, pelvic_drop):
        self.anat = anat
        self.p_room, self.r_joint = joint_rotation(flexion, adduction, rotation, pelvic_drop)
        self.angles = joint_angles(self.r_joint)

    @functools.cached_property
    def paths(self) -> np.ndarray:
        return solve_paths(self.anat, self.r_joint)

    @functools.cached_property
    def femur_lookup(self):
        return mu.moved_sdf(self.anat.femur, self.r_joint, np.zeros(3))

    def group_paths(self, group: str) -> np.ndarray:
        return self.paths[self.anat.muscle_of["gmed"]][GROUP_FIBRES[group]]

    def muscle_paths(self, name: str) -> np.ndarray:
        """Fibre paths (F, N, 3) of a muscle or part by name (``gmin``, ``gmin_anterior``,
        ``piriformis`` ...), origin -> insertion; piriformis includes its part in the pelvis."""
        paths = self.paths[self.anat.muscle_of[name]]
        if name == "piriformis":
            paths = np.concatenate([self.anat.piriformis_pelvic[:, :-1], paths], axis=1)
        return paths

    @functools.cached_property
    def neighbour_arms(self) -> dict:
        """Moment arms (mm) of the neighbouring muscles (``NEIGHBOUR_MUSCLES``), from each
        fibre's line of action on the femur, averaged over the fibres."""
        out = {}
        for name in NEIGHBOUR_MUSCLES:
            sl = self.anat.muscle_of[name]
            contact = self.on_femur(self.paths[sl], self.anat.femur_margin[sl])
            out[name] = mech.group_moment_arms(self.paths[sl], self.axes, np.zeros(3), contact)
        return out

    @functools.cached_property
    def neighbour_lengths(self) -> dict:
        return {name: mech.group_mean([mech.path_length(p) for p in self.muscle_paths(name)])
                for name in NEIGHBOUR_MUSCLES}

    def on_femur(self, paths: np.ndarray, margin: np.ndarray) -> np.ndarray:
        d, _ = self.femur_lookup(paths.reshape(-1, 3))
        return d.reshape(paths.shape[:2]) < margin + 0.5

    @functools.cached_property
    def axes(self) -> dict:
        return frame.joint_axes(*self.angles, "right")

    @functools.cached_property
    def moment_arms(self) -> dict:
        gm = self.anat.muscle_of["gmed"]
        contact = self.on_femur(self.paths[gm], self.anat.femur_margin[gm])
        out = {}
        for g in FIBRE_GROUPS:
            sl = GROUP_FIBRES[g]
            out[g] = mech.group_moment_arms(self.paths[gm][sl], self.axes, np.zeros(3), contact[sl])
        return out

    def lengths_at(self, angles) -> np.ndarray:
        """Wrapped path lengths of every fibre with the hip at other joint angles, started
        from this posture's paths."""
        r = frame.hip_rotation(*angles, "right")
        paths = solve_paths(self.anat, r, self.paths, self.r_joint, iterations=(20, 14, 12))
        return mu.arc_length(paths)[:, -1]

    def excursion_moment_arms(self, step_deg: float = 1.5) -> dict:
        """Moment arms as -dL/dtheta (An et al. 1984), per gmed group and axis."""
        f, a, r = self.angles
        gm = self.anat.muscle_of["gmed"]
        sign = {"flexion": -1.0, "abduction": +1.0, "internal_rotation": -1.0}
        offsets = {"flexion": (1, 0, 0), "abduction": (0, 1, 0), "internal_rotation": (0, 0, 1)}
        h = np.radians(step_deg)
        per_axis = {}
        for axis, (df, da, dr) in offsets.items():
            up = self.lengths_at((f + df * step_deg, a + da * step_deg, r + dr * step_deg))[gm]
            dn = self.lengths_at((f - df * step_deg, a - da * step_deg, r - dr * step_deg))[gm]
            per_axis[axis] = sign[axis] * (up - dn) / (2 * h)
        return {g: {ax: mech.group_mean(v[GROUP_FIBRES[g]]) for ax, v in per_axis.items()} for g in FIBRE_GROUPS}

    @functools.cached_property
    def sheets(self) -> dict:
        """name -> (mesh, deep grid, superficial grid), pelvis frame."""
        anat = self.anat
        lookups = [anat.pelvis, self.femur_lookup]
        gm = self.paths[anat.muscle_of["gmed"]]
        out = {}
        # one sheet over the whole fan, cut into the three parts so that they meet exactly;
        # thicker posteriorly (thick posterior tendon part, Tsutsumi et al. 2019)
        rows_u = np.linspace(0.0, 1.0, 2 * GMED_FIBRES - 1)
        thick = np.stack([mu.thickness_profile(N_POINTS, 5.0, 21.0 + 6.0 * u, 3.5 + 1.5 * u, belly_at=0.4,
                                               tendon_from=0.88) for u in rows_u])
        gmin_prof = mu.thickness_profile(N_POINTS, 3.0, 8.0, 2.5, belly_at=0.45, tendon_from=0.85)
        gmax_prof = mu.thickness_profile(N_POINTS, 8.0, 20.0, 4.0, belly_at=0.4, tendon_from=0.85)
        pir_prof = mu.thickness_profile(N_POINTS, 5.0, 13.0, 3.0, belly_at=0.4, tendon_from=0.8)
        tfl_prof = mu.thickness_profile(N_POINTS, 5.0, 12.0, 3.0, belly_at=0.45, tendon_from=0.9)
        (deep, sup), gmin, gmax, pir, tfl = mu.sheet_grids_many(
            [(gm, thick), (self.paths[anat.muscle_of["gmin"]], gmin_prof),
             (self.paths[anat.muscle_of["gmax"]], gmax_prof),
             (mu.resample_count(self.muscle_paths("piriformis"), N_POINTS), pir_prof),
             (self.paths[anat.muscle_of["tfl"]], tfl_prof)],
            lookups, rows_factor=2, clearance=PELVIS_CLEAR - 1.0)
        for g in FIBRE_GROUPS:
            sl = GROUP_FIBRES[g]
            rows = slice(2 * sl.start, 2 * (sl.stop - 1) + 1)
            out[f"gmed_{g}"] = (mu.closed_sheet(deep[rows], sup[rows]), deep[rows], sup[rows])
        out["gmed"] = (None, deep, sup)
        out["gmin"] = (mu.closed_sheet(*gmin), *gmin)
        out["gmax"] = (mu.closed_sheet(*gmax), *gmax)
        out["piriformis"] = (mu.closed_sheet(*pir), *pir)
        out["tfl"] = (mu.closed_sheet(*tfl), *tfl)
        return out

    @functools.cached_property
    def itb(self) -> tuple[trimesh.Trimesh, np.ndarray, np.ndarray]:
        """The iliotibial tract as a thin band (mesh), its deep and its outer centreline: from the iliac
        tubercle region over gluteus medius to above the trochanter (pelvis side, kept clear
        of the muscle's depth), then fixed to the femur down the lateral thigh."""
        anat = self.anat
        lower = anat.itb_lower @ self.r_joint.T
        n_lower = anat.itb_normals @ self.r_joint.T
        upper = mu.resample(np.vstack([anat.itb_top, lower[0]]), 10)[:-1]
        margin = margin_ramp(len(upper), 2.0, 30.0, 0.0, 0.45)
        upper = mu.push_out(anat.pelvis, upper, margin, iterations=4, hint=anat.chart.normal)
        upper = mu.push_out(self.femur_lookup, upper, 14.0, iterations=3)
        centre = vs.smooth_polyline(np.vstack([upper, lower]), passes=2, n=len(upper) + len(lower))
        w = np.linspace(0.0, 1.0, len(upper))[:, None]
        normals = np.vstack([(1 - w) * anat.chart.normal + w * n_lower[0], n_lower])
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        tangent = np.gradient(centre, axis=0)
        side = np.cross(tangent, normals)
        side /= np.linalg.norm(side, axis=1, keepdims=True)
        s = np.linspace(0.0, 1.0, len(centre))
        half = np.interp(s, [0.0, 0.06, 0.3, 0.6, 1.0], [ITB_TOP_HALF_MM, 22.0, 16.0, 13.0, 9.0])[:, None]
        deep = np.stack([centre - half * side, centre, centre + half * side])
        # the band's edges over the pelvis and the trochanter stay clear of the bones (below
        # that it lies on the femur as built, turned with it)
        k = len(upper) + 4
        top = deep[:, :k].reshape(-1, 3)
        top = mu.push_out(anat.pelvis, top, 1.5, iterations=3, hint=anat.chart.normal)
        deep[:, :k] = mu.push_out(self.femur_lookup, top, 1.5, iterations=3).reshape(3, k, 3)
        sup = deep + 1.5 * normals[None]
        return mu.closed_sheet(deep, sup), centre, sup[1]

    @functools.cached_property
    def bursae(self) -> dict:
        """name -> (mesh, marker point), the bursae turned with the femur."""
        r = self.r_joint
        return {name: (_rotate(mesh, r), r @ marker) for name, (mesh, marker) in self.anat.bursae.items()}

    @functools.cached_property
    def tip(self) -> np.ndarray:
        return self.r_joint @ np.asarray(self.anat.bones.FEMUR["greater_trochanter_tip"], dtype=float)

    def _fix(self, mesh: trimesh.Trimesh, clearance: float = 0.5) -> trimesh.Trimesh:
        v = np.asarray(mesh.vertices)
        v = mu.push_out(self.anat.pelvis, v, clearance, hint=self.anat.chart.normal)
        v = mu.push_out(self.femur_lookup, v, clearance)
        return trimesh.Trimesh(v, mesh.faces, process=False)

    @functools.cached_property
    def vessels(self) -> dict:
        """Nerve and artery centrelines and meshes, pelvis frame."""
        gm = self.paths[self.anat.muscle_of["gmed"]]
        u = np.linspace(0.0, 1.0, GMED_FIBRES)
        back = slice(None, None, -1)             # posterior -> anterior
        start = self.anat.nerve_start
        lateral = start + 12.0 * self.anat.chart.normal
        nerve_cross = vs.crossing_points(gm[back][:-1], self.tip, (52.0 + 12.0 * u)[back][:-1])
        nerve = vs.smooth_polyline(np.vstack([start, lateral, nerve_cross]), passes=3, n=34)
        branch = vs.crossing_points(gm[-2:-1], self.tip, [78.0])
        upper = vs.crossing_points(gm[back][2:], self.tip, (96.0 + 14.0 * (1 - u))[back][2:])
        lower = vs.crossing_points(gm[back][2:-2], self.tip, (40.0 + 12.0 * u)[back][2:-2])
        a_start = start + np.array([-3.0, -4.0, 0.0])
        trunk_upper = vs.smooth_polyline(np.vstack([a_start, lateral, branch, upper]), passes=3, n=38)
        lower_path = vs.smooth_polyline(np.vstack([branch, lower]), passes=3, n=22)
        lookups = (self.anat.pelvis, self.femur_lookup)
        clear = vs.ARTERY_RADIUS_MM + 1.0
        for lk in lookups:
            nerve = mu.push_out(lk, nerve, clear, hint=self.anat.chart.normal)
            trunk_upper = mu.push_out(lk, trunk_upper, clear, hint=self.anat.chart.normal)
            lower_path = mu.push_out(lk, lower_path, clear, hint=self.anat.chart.normal)
        # inferior branch onward, between medius and minimus, to the deep face of tensor
        # fasciae latae (its upper third)
        tfl_mid = self.paths[self.anat.muscle_of["tfl"]][nb.TFL_FIBRES // 2]
        entry = mu.polyline_at(tfl_mid, 0.3)
        to_tfl = vs.smooth_polyline(np.vstack([nerve[-1], 0.5 * (nerve[-1] + entry), entry]), passes=2, n=12)
        to_tfl = mu.push_out(self.anat.pelvis, to_tfl, vs.NERVE_RADIUS_MM + 1.0, hint=self.anat.chart.normal)
        nerve_mesh = vs.merge([self._fix(vs.merge([vs.tube_mesh(nerve, vs.NERVE_RADIUS_MM),
                                                   vs.tube_mesh(to_tfl, 0.8 * vs.NERVE_RADIUS_MM)])),
                               self.anat.nerve_superior_mesh])
        artery_mesh = self._fix(vs.merge([vs.tube_mesh(trunk_upper, vs.ARTERY_RADIUS_MM),
                                          vs.tube_mesh(lower_path, vs.ARTERY_RADIUS_MM * 0.85)]))
        return {"nerve": nerve, "nerve_to_tfl": to_tfl, "nerve_superior": self.anat.nerve_superior,
                "artery": [trunk_upper, lower_path],
                "nerve_mesh": nerve_mesh, "artery_mesh": artery_mesh}

    @functools.cached_property
    def safe_zone(self) -> tuple[trimesh.Trimesh, np.ndarray]:
        """Ribbon 30-50 mm from the trochanter tip on the gluteus medius surface, and its
        marker point."""
        rows = self.sheets["gmed"][2]
        grid = vs.band_grid(rows, self.tip, *vs.SAFE_ZONE_MM, levels=6)
        flat = grid.reshape(-1, 3)
        dp, gp = self.anat.pelvis(flat)
        df, gf = self.femur_lookup(flat)
        outward = np.where((dp < df)[:, None], gp, gf).reshape(grid.shape)
        normals = mu.sheet_normals(grid, outward)
        mesh = self._fix(vs.ribbon_mesh(grid, normals, lift=1.2, thickness=1.2), 1.0)
        mid = grid[len(grid) // 2, grid.shape[1] // 2] + 2.4 * normals[len(grid) // 2, grid.shape[1] // 2]
        return mesh, mid

    @functools.cached_property
    def right_meshes(self) -> dict:
        out = {f"{name}_right": m[0] for name, m in self.sheets.items() if m[0] is not None}
        out["superior_gluteal_nerve_right"] = self.vessels["nerve_mesh"]
        out["superior_gluteal_artery_right"] = self.vessels["artery_mesh"]
        out["safe_zone_right"] = self.safe_zone[0]
        out["itb_right"] = self.itb[0]
        for name, (mesh, _) in self.bursae.items():
            out[f"{name}_right"] = mesh
        return out


def _left_meshes(anat: Anatomy) -> dict:
    return anat.left_meshes


def _surface_point(grid: np.ndarray, s: float = 0.42, row: int | None = None) -> np.ndarray:
    """A point on a sheet's superficial grid: middle row (or ``row``), fraction s along the
    fibres."""
    return grid[len(grid) // 2 if row is None else row, int(round(s * (grid.shape[1] - 1)))]


# ======================================================================================
# The model
# ======================================================================================


class HipModel(param.Parameterized):
    """Interactive hip model at one posture (right hip moves; left hip stays at neutral)."""

    flexion = param.Number(0.0, bounds=frame.POSTURE_RANGES["flexion"], doc="Right hip flexion, degrees (+ flexion)")
    adduction = param.Number(0.0, bounds=frame.POSTURE_RANGES["adduction"],
                             doc="Right hip adduction, degrees (+ adduction, - abduction)")
    rotation = param.Number(0.0, bounds=frame.POSTURE_RANGES["rotation"],
                            doc="Right hip internal rotation, degrees (+ internal)")
    pelvic_drop = param.Number(0.0, bounds=PELVIC_DROP_RANGE,
                               doc="Frontal-plane pelvic tilt, degrees; + drops the unsupported left side")

    def __init__(self, bones=None, **params):
        super().__init__(**params)
        self._bones = bones
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- internals
    @property
    def anatomy(self) -> Anatomy:
        return anatomy(self._bones)

    def _key(self):
        return tuple(round(float(v), 6) for v in (self.flexion, self.adduction, self.rotation, self.pelvic_drop))

    def _posture(self) -> Posture:
        key = self._key()
        with self._lock:
            state = self._cache.get(key)
            if state is None:
                anat = self.anatomy
                state = anat.neutral_posture if not any(key) else Posture(anat, *key)
                self._cache[key] = state
                while len(self._cache) > 16:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
        return state

    def _room(self, points) -> np.ndarray:
        p = self._posture().p_room
        return np.asarray(points, dtype=float) @ p.T

    # ---------------------------------------------------------------- public API
    def femur_transform(self, side: str = "right") -> np.ndarray:
        """4x4 transform from the femur frame (``bones.femur_mesh(side)`` coordinates) to the
        output frame.  The left femur stays at neutral and moves only with the pelvis."""
        st = self._posture()
        t = np.eye(4)
        if side == "right":
            t[:3, :3] = st.p_room @ st.r_joint
        elif side == "left":
            t[:3, :3] = st.p_room
        else:
            raise ValueError(f"side must be 'right' or 'left', not {side!r}")
        return t

    def joint_angles(self) -> dict[str, float]:
        """Angles of the right femur relative to the pelvis (equal to the parameters when
        ``pelvic_drop`` is 0)."""
        f, a, r = self._posture().angles
        return {"flexion": f, "adduction": a, "rotation": r}

    def fibres(self, group: str) -> list[np.ndarray]:
        """Wrapped fibre paths of a gluteus medius group (or ``gmin``/``gmax``, or a
        neighbouring muscle of ``NEIGHBOUR_MUSCLES``), each (N, 3), origin -> insertion.
        Piriformis paths start on the sacrum and include their part inside the pelvis."""
        st = self._posture()
        if group in GROUP_FIBRES:
            paths = st.group_paths(group)
        elif group in ("gmin", "gmax", "gmed", *NEIGHBOUR_MUSCLES):
            paths = st.muscle_paths(group)
        else:
            raise KeyError(f"unknown fibre group {group!r}")
        return [self._room(p) for p in paths]

    def moment_arms(self, method: str = "line_of_action") -> dict[str, dict[str, float]]:
        """Mean moment arm (mm) of each gluteus medius group about the flexion, abduction and
        internal-rotation axes; + means that action.  ``method``: ``"line_of_action"``
        (((p - HJC) x u) . a on the femur-side segment) or ``"excursion"`` (-dL/dtheta)."""
        st = self._posture()
        if method == "line_of_action":
            return {g: dict(v) for g, v in st.moment_arms.items()}
        if method == "excursion":
            return st.excursion_moment_arms()
        raise ValueError(f"method must be 'line_of_action' or 'excursion', not {method!r}")

    def muscle_moment_arms(self) -> dict[str, dict[str, float]]:
        """Mean line-of-action moment arm (mm) of each neighbouring muscle or part
        (``NEIGHBOUR_MUSCLES``: gluteus minimus anterior and posterior parts, piriformis,
        tensor fasciae latae) about the flexion, abduction and internal-rotation axes; +
        means that action."""
        return {k: dict(v) for k, v in self._posture().neighbour_arms.items()}

    def muscle_lengths(self) -> dict[str, float]:
        """Mean origin-to-insertion path length (mm) of each neighbouring muscle or part."""
        return dict(self._posture().neighbour_lengths)

    def fibre_lengths(self) -> dict[str, float]:
        """Mean origin-to-insertion path length (mm) of each gluteus medius group."""
        st = self._posture()
        return {g: mech.group_mean([mech.path_length(p) for p in st.group_paths(g)]) for g in FIBRE_GROUPS}

    def meshes(self) -> dict[str, trimesh.Trimesh]:
        """Every scene mesh at the current posture.  Meshes that do not move are shared
        objects: treat them as read-only."""
        st = self._posture()
        anat = self.anatomy
        static = anat.static_meshes
        p = st.p_room
        moved = not np.allclose(p, np.eye(3))
        out = {
            "pelvis": _rotate(static["pelvis"], p) if moved else static["pelvis"],
            "sacrum": _rotate(static["sacrum"], p) if moved else static["sacrum"],
            "femur_right": _rotate(static["femur_right"], p @ st.r_joint),
            "femur_left": _rotate(static["femur_left"], p) if moved else static["femur_left"],
        }
        right = st.right_meshes
        left = _left_meshes(anat)
        for name in MESH_NAMES:
            if name in out:
                continue
            mesh = right.get(name) or left.get(name)
            out[name] = _rotate(mesh, p) if moved else mesh
        return out

    def footprints(self) -> dict[str, np.ndarray]:
        """Attachment outlines (N, 3): ``gmed_origin`` on the ilium, ``gmed_insertion``
        (lateral facet) and ``gmed_insertion_superoposterior`` on the trochanter; per fibre
        group ``gmed_<group>_origin`` and ``gmed_<group>_insertion``; plus ``gmin_origin``,
        ``gmin_insertion`` and ``gmax_origin`` (a line along the origin)."""
        st = self._posture()
        anat = self.anatomy
        out = {k: self._room(v) for k, v in anat.footprints.items()}
        for k, v in anat.femur_footprints.items():
            out[k] = self._room(v @ st.r_joint.T)
        return out

    def landmarks(self) -> dict[str, np.ndarray]:
        """Landmark id -> xyz at the current posture (every id of ``LANDMARK_IDS``)."""
        st = self._posture()
        anat = self.anatomy
        b = anat.bones
        pel = {k: np.asarray(v, dtype=float) for k, v in b.PELVIS.items()}
        fem = {k: st.r_joint @ np.asarray(v, dtype=float) for k, v in b.FEMUR.items()}
        facets = {k: st.r_joint @ np.asarray(v["centre"], dtype=float) for k, v in b.FACETS.items()}
        sheets = st.sheets
        lines = b.GLUTEAL_LINES
        out = {
            "gmed_origin": anat.origin_centre,
            "gmed_insertion": facets["lateral"],
            "gmed_anterior": _surface_point(sheets["gmed_anterior"][2]),
            "gmed_middle": _surface_point(sheets["gmed_middle"][2]),
            "gmed_posterior": _surface_point(sheets["gmed_posterior"][2]),
            "superior_gluteal_nerve": _tube_point(st.vessels["nerve"], st.vessels["nerve_mesh"], 0.6),
            "superior_gluteal_artery": _tube_point(st.vessels["artery"][0], st.vessels["artery_mesh"], 0.65),
            "safe_zone": st.safe_zone[1],
            "gmin": _surface_point(sheets["gmin"][2], 0.55, row=0),   # anterior edge, in front of gmed
            "gmax": _surface_point(sheets["gmax"][2], 0.45),
            "gmin_anterior": _surface_point(sheets["gmin"][2], 0.5, row=2),
            "gmin_posterior": _surface_point(sheets["gmin"][2], 0.5, row=6),
            "piriformis": _surface_point(sheets["piriformis"][2], 0.7),
            "tfl": _surface_point(sheets["tfl"][2], 0.35),
            "itb": _itb_point(st),
            "bursa_subgmed": st.bursae["bursa_subgmed"][1],
            "bursa_subgmax": st.bursae["bursa_subgmax"][1],
            "hip_joint_centre": pel.get("hip_joint_centre", np.zeros(3)),
            "acetabulum": pel.get("acetabulum", np.zeros(3)),
            "anterior_gluteal_line": pel.get("anterior_gluteal_line", mu.polyline_at(lines["anterior"], 0.5)),
            "posterior_gluteal_line": pel.get("posterior_gluteal_line", mu.polyline_at(lines["posterior"], 0.5)),
            "inferior_gluteal_line": pel.get("inferior_gluteal_line", mu.polyline_at(lines["inferior"], 0.5)),
            "sacrum": pel.get("sacrum", _sacrum_point(anat)),
            "femoral_head": fem.get("femoral_head", np.zeros(3)),
            "greater_trochanter_tip": fem["greater_trochanter_tip"],
            "lateral_facet": facets["lateral"],
            "superoposterior_facet": facets["superoposterior"],
            "anterior_facet": facets["anterior"],
            "lesser_trochanter": fem.get("lesser_trochanter", fem["greater_trochanter_tip"] + [0.0, -60.0, -30.0]),
        }
        for k in ("asis_right", "asis_left", "aiis_right", "psis_right", "iliac_crest_top",
                  "greater_sciatic_notch", "ischial_tuberosity", "pubic_symphysis"):
            out[k] = pel[k]
        p = st.p_room  # the posture read once, not once per landmark
        return {k: np.asarray(out[k], dtype=float) @ p.T for k in LANDMARK_IDS}


def _itb_point(st: Posture) -> np.ndarray:
    """A point on the outer face of the iliotibial tract below the trochanter."""
    outer = st.itb[2]
    return outer[int(round(0.4 * (len(outer) - 1)))]


def _tube_point(path: np.ndarray, mesh: trimesh.Trimesh, s: float) -> np.ndarray:
    """The tube vertex nearest the outward side of a centreline point."""
    c = mu.polyline_at(path, s)
    v = np.asarray(mesh.vertices)
    near = v[np.argsort(np.linalg.norm(v - c, axis=1))[:12]]
    return near[np.argmax(near[:, 2])]


def _sacrum_point(anat: Anatomy) -> np.ndarray:
    v = np.asarray(anat.static_meshes["sacrum"].vertices)
    return v[np.argmin(v[:, 0])]
