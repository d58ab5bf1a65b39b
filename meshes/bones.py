"""Procedural bone geometry of the hip: pelvis (both hip bones), sacrum and both femurs.

Frame and units: ISB pelvis frame (Wu et al. 2002, J Biomech 35:543), origin at the right hip
joint centre (HJC), X anterior, Y superior, Z right; millimetres and degrees (see
:mod:`meshes.frame`).  The femur frame equals the pelvis frame at neutral posture: the femoral
head is centred on the HJC and the knee centre lies on the -Y axis.

Shape model
-----------
Each bone is a signed distance function (SDF, negative inside, millimetres) built with the
toolkit in :mod:`meshes._sdf` from smooth unions (polynomial smooth minimum) of

* a thin, curved **iliac plate**: a fan-shaped Coons patch bounded by the iliac crest (PSIS,
  highest point, tubercle, ASIS), the anterior border (ASIS, the notch between the spines,
  AIIS), the acetabular roof and the posterior border (PSIS, PIIS, upper margin of the greater
  sciatic notch down to its apex), bulged outward (convex gluteal surface, concave iliac
  fossa), thin in the fossa and thick along the posterior border and above the acetabulum.
  Its SDF is the distance to the nearest point of the patch (projected Gauss-Newton on the
  patch parameters) minus the local half thickness;
* swept tubes (round cones) for the crest rim, the pelvic brim, the pubic rami, the ischium,
  the ischiopubic ramus and the anterior margin of the greater sciatic notch; ellipsoids for
  the body of the ilium, the posterior column and the ischial tuberosity; small bumps for
  ASIS, AIIS, PSIS, PIIS, pubic tubercle and ischial spine;
* the **acetabulum**: a thick spherical shell around the femoral head, open along the
  acetabular axis (inclination 39 deg, anteversion 18 deg in Murray's radiographic definition),
  with an inferior acetabular notch;
* the **sacrum**: a tapered, posteriorly curved plate (another Coons patch: domed base with the
  promontory and alae, lateral borders following the sagittal curve, apex) with a median
  crest, a short coccyx and four pairs of anterior foramina;
* the **femur**: spherical head, tapered neck, the greater trochanter as a rounded convex block
  whose flat faces are the four facets of Pfirrmann et al. 2001, lesser trochanter,
  intertrochanteric crest, a slightly bowed shaft and two condyles with an intercondylar notch.

Surfaces come from flying-edges contouring of the SDF sampled on a lattice (2.5 mm for the
hip bone and sacrum, 3 mm for the femur): a coarse lattice interpolated trilinearly, exact
samples in a narrow band around the surface and at both ends of every lattice edge the
surface cuts; then quadric decimation to the triangle budget (pelvis 2 x 11 500, sacrum
6 000, each femur 7 800), light Taubin smoothing and a final projection of the vertices back
onto the zero level set, so mesh and SDF agree to a fraction of a millimetre.  The samples
of the hip bone and sacrum are kept and also fill the pelvis lookup grid of
:mod:`meshes.model` (see "kept samples" below).  The left hip bone and the left femur are exact
mirror images through the midsagittal plane ``Z = -inter_hjc/2`` (faces re-wound).

The SDFs are exact near the surface outside the bone (95% of points within 6 mm are within
1.2 mm of the true distance), a little low inside the smooth-union blends, and farther away a
conservative lower bound (bounding-box distances), which is what collision and wrapping code
needs.  Inside the bone only the sign is meaningful.  Everything is built once per process
(``functools.lru_cache``); measured on the 2-core machine, CPU time: tables (landmarks, lines,
facets, measurements) about 0.2 s at import, all meshes about 0.7 s on first use (less after
the pelvis lookup grid has sampled the same lattice); 100 000 points of ``pelvis_sdf`` about
0.2 s, of ``femur_sdf`` about 0.03 s.

Beyond the architecture contract the module offers ``hip_bone_right_sdf``,
``hip_bones_sdf`` (both hip bones, no sacrum), ``sacrum_sdf``, ``ACETAB_AXIS`` (unit axis
out of the right acetabulum) and extra femur landmarks ``neck_axis_head``,
``neck_axis_base`` and ``neck_shaft_intersection``.

Target figures and their sources (rows of ``shared/reference/anatomy.md``, "Geometry targets
for a simplified adult right hip", plus the "insertion" and "origin" rows of "Anatomy"):

=============================  ===============  ==========================================
quantity                        model           source row
=============================  ===============  ==========================================
femoral head diameter           47 mm           OpenSim femur meshes (46-49 mm)
neck-shaft angle                128 deg         Toogood 2009; 1070-CT morphometry study
femoral anteversion             12 deg          Toogood 2009; Jiang 2015
femoral offset                  40 mm           3-D CT and cadaver studies (38-43 mm)
femur length HJC-knee centre    415 mm          OpenSim gait2392; Dostal 1981 (400-430)
greater trochanter tip          ~1 mm up,       OpenSim femur meshes
                                48 lat, 22 post
lateral / superoposterior facet 35 mm x 37 deg, Pfirrmann 2001; Robertson 2008
                                438 / 197 mm2
inter-ASIS width                ~251 mm         OpenSim, TLEM 2.0 (235-260)
ASIS height above HJC           ~74 mm          OpenSim, TLEM 2.0, Dostal (65-85)
highest iliac crest point       ~160 mm         OpenSim pelvis meshes
ischial tuberosity              ~57 mm below    OpenSim pelvis meshes
inter-HJC distance              160 mm          OpenSim, TLEM 2.0 (155-170)
acetabulum                      39 / 18 deg     Fowkes 2011; Mechlenburg 2019
gluteus medius origin region    +30..-60 mm AP, OpenSim gait2392, Rajagopal, TLEM 2.0,
                                70-130 mm up    Dostal 1981; lines after Gray's 1918
=============================  ===============  ==========================================

The gluteal lines follow Gray's Anatomy (1918): the anterior line starts on the crest behind
the ASIS and arches backward and down to the upper greater sciatic notch; the posterior line
drops from the crest in front of the PSIS; the inferior line runs from above the AIIS back to
the notch above the acetabulum.  Gluteus medius arises between the crest and posterior line
above and the anterior line below; gluteus minimus between the anterior and inferior lines.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import trimesh

from meshes import _sdf as S
from meshes.frame import mirror_about

# ============================================================================ design numbers
INTER_HJC = 160.0
Z_MID = -INTER_HJC / 2.0
HEAD_RADIUS = 23.5
NECK_SHAFT_DEG = 128.0
ANTEVERSION_DEG = 12.0
OFFSET = 40.0
LENGTH = 415.0
ACETAB_INCLINATION_DEG = 39.0
ACETAB_ANTEVERSION_DEG = 18.0


def _acetabular_axis(incl_deg: float, antev_deg: float) -> np.ndarray:
    """Unit axis out of the right acetabulum, radiographic definitions (Murray 1993, JBJS Br
    75:228): inclination = angle of the axis to the longitudinal axis in the coronal plane,
    anteversion = angle of the axis to the coronal plane."""
    i, a = np.radians(incl_deg), np.radians(antev_deg)
    return np.array([np.sin(a), -np.cos(a) * np.cos(i), np.cos(a) * np.sin(i)])


ACETAB_AXIS = _acetabular_axis(ACETAB_INCLINATION_DEG, ACETAB_ANTEVERSION_DEG)

# Right hip bone control points (pelvis frame, mm).
_ASIS = np.array([62.0, 74.0, 44.0])
_PSIS = np.array([-100.0, 66.0, -38.0])
_AIIS = np.array([44.0, 34.0, 22.0])
_CREST = np.array([
    _ASIS,
    [48.0, 100.0, 52.0],
    [28.0, 126.0, 56.0],     # iliac tubercle
    [2.0, 145.0, 50.0],
    [-28.0, 153.5, 36.0],    # highest point (crest rim centre; surface ~ +6)
    [-58.0, 146.0, 14.0],
    [-82.0, 122.0, -14.0],
    [-96.0, 92.0, -32.0],
    _PSIS,
])
# lower border of the plate, from the apex of the greater sciatic notch to above the AIIS
_WING_BASE = np.array([
    [-58.0, 24.0, -22.0],
    [-30.0, 30.0, -10.0],
    [0.0, 34.0, 0.0],
    [22.0, 34.0, 9.0],
    [42.0, 30.0, 18.0],
])
# posterior border: notch apex, upper margin of the greater sciatic notch, PIIS, PSIS
_WING_POST = np.array([
    [-58.0, 24.0, -22.0],
    [-80.0, 31.0, -32.0],
    [-95.0, 44.0, -39.0],     # PIIS
    [-99.0, 55.0, -40.0],
    [-100.0, 66.0, -38.0],    # PSIS
])
# anterior border: above the AIIS, the notch between the spines, ASIS
_WING_ANT = np.array([
    [42.0, 30.0, 18.0],
    [47.0, 44.0, 25.0],
    [48.0, 56.0, 33.0],
    [62.0, 74.0, 44.0],       # ASIS
])


# ============================================================================ pelvis SDF
def _unit(v):
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


def _smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _wing_half_thickness(u, v):
    """Half thickness (mm) of the iliac plate: thin in the iliac fossa, thick at the acetabular
    roof (v -> 0) and along the posterior border behind the auricular surface (u -> 0)."""
    return (2.3 + 5.5 * (1 - v) ** 2.5 + 7.5 * _smoothstep(0.3, 0.0, u) * (1 - 0.4 * v)
            + 1.5 * _smoothstep(0.85, 1.0, u))


@lru_cache(maxsize=None)
def _wing() -> S.CoonsSheet:
    crest = S.spline(_CREST[::-1], 400)           # PSIS -> ASIS, like the base curve
    base = S.spline(_WING_BASE, 400)
    post = S.spline(_WING_POST, 400)
    ant = S.spline(_WING_ANT, 400)
    n_out = np.array([-0.40, -0.25, 0.88])        # outward (gluteal) direction of the plate
    # convex behind (gluteal surface), slightly concave in front (Gray's 1918)
    return S.CoonsSheet(base, crest, post, ant, n_out, 5.0, _wing_half_thickness, wave=0.9)


_BODY_WEB = [
    ([-56.0, 30.0, -24.0], [-62.0, 42.0, -41.0]),
    ([-32.0, 32.0, -12.0], [-30.0, 25.0, -37.0]),
    ([-6.0, 32.0, -3.0], [0.0, 12.0, -37.0]),
]


@lru_cache(maxsize=None)
def _crest_tube():
    crest = S.resample(S.spline(_CREST, 200), 24)
    r = 5.0 + 1.5 * np.sin(np.linspace(0, np.pi, 24)) ** 2
    r[:3] = [6.5, 6.0, 5.5]
    r[-3:] = [6.0, 6.5, 7.0]
    return crest, r


_BRIM = np.array([[-86.0, 58.0, -44.0], [-60.0, 42.0, -42.0], [-28.0, 24.0, -38.0],
                  [4.0, 10.0, -38.0], [28.0, -2.0, -46.0], [40.0, -14.0, -62.0], [44.0, -20.0, -74.0]])
_ISCHIUM = np.array([[-18.0, -10.0, -14.0], [-30.0, -30.0, -20.0], [-38.0, -48.0, -24.0],
                     [-30.0, -58.0, -30.0]])
_ISCHIO_PUBIC = np.array([[-30.0, -58.0, -30.0], [-8.0, -60.0, -44.0], [14.0, -56.0, -58.0],
                          [32.0, -46.0, -72.0], [40.0, -36.0, -76.0]])
_SUP_PUBIC = np.array([[18.0, -6.0, -10.0], [30.0, -12.0, -36.0], [40.0, -20.0, -60.0],
                       [44.0, -26.0, -74.0]])


def hip_bone_right_sdf(points) -> np.ndarray:
    """SDF of the right hip bone alone (ilium, ischium, pubis), pelvis frame."""
    p = np.atleast_2d(np.asarray(points, float))
    # iliac plate and its borders
    d = _wing()(p)
    crest, r_crest = _crest_tube()
    d = S.smin(d, S.tube(p, crest, r_crest), 4.0)
    d = S.smin(d, S.sphere(p, _ASIS + [-3.0, -1.0, 0.0], 7.5), 4.0)           # ASIS
    d = S.smin(d, S.ellipsoid(p, _AIIS, [9.0, 7.0, 8.0]), 4.0)              # AIIS
    d = S.smin(d, S.sphere(p, _PSIS + [-2.0, 0.0, 0.0], 8.0), 5.0)                 # PSIS
    d = S.smin(d, S.sphere(p, [-95.0, 44.0, -39.0], 7.0), 5.0)                    # PIIS
    # anterior margin of the greater sciatic notch, down to the ischial spine, and the
    # posterior column of the acetabulum behind the socket
    d = S.smin(d, S.tube(p, [[-58.0, 24.0, -22.0], [-52.0, 6.0, -26.0], [-42.0, -12.0, -30.0]],
                         [9.0, 8.5, 8.0]), 8.0)
    d = S.smin(d, S.ellipsoid(p, [-35.0, -4.0, -22.0], [16.0, 30.0, 13.0]), 8.0)
    # body of the ilium above the acetabulum
    d = S.smin(d, S.ellipsoid(p, [-6.0, 30.0, -10.0], [34.0, 20.0, 22.0]), 10.0)
    # body of the ilium between the plate and the arcuate line (quadrilateral surface)
    for a, b in _BODY_WEB:
        d = S.smin(d, S.round_cone(p, a, b, 9.0, 8.0), 9.0)
    # acetabulum: thick shell around the head, open along the acetabular axis
    n = ACETAB_AXIS
    outer = S.ellipsoid(p, [-3.0, 3.0, -7.0], [36.0, 35.0, 33.0])
    inner = np.linalg.norm(p, axis=1) - (HEAD_RADIUS + 1.0)
    cup = S.smax(outer, S.plane(p, n * 3.0, n), 6.0)
    d = S.smin(d, cup, 8.0)
    # pelvic brim, pubic rami, ischium
    d = S.smin(d, S.tube(p, _BRIM, [9.0, 8.0, 7.0, 7.0, 7.0, 8.0, 9.0]), 8.0)
    d = S.smin(d, S.tube(p, _SUP_PUBIC, [11.0, 8.5, 8.5, 9.0]), 6.0)
    d = S.smin(d, S.ellipsoid(p, [42.0, -30.0, -70.0], [10.0, 18.0, 9.0]), 5.0)   # pubic body
    d = S.smin(d, S.sphere(p, [49.0, -17.0, -62.0], 4.5), 5.0)                   # pubic tubercle
    d = S.smin(d, S.tube(p, _ISCHIUM, [13.0, 12.5, 12.0, 10.0]), 10.0)
    d = S.smin(d, S.ellipsoid(p, [-38.0, -42.0, -24.0], [8.5, 18.0, 9.0]), 10.0)  # tuberosity
    d = S.smin(d, S.tube(p, _ISCHIO_PUBIC, [9.5, 7.0, 6.0, 7.0, 8.0]), 5.0)
    d = S.smin(d, S.round_cone(p, [-34.0, -12.0, -26.0], [-46.0, -16.0, -40.0], 8.0, 3.0), 4.0)  # spine
    # hollow the socket and cut the acetabular notch
    d = S.smax(d, -inner, 2.0)
    notch_dir = np.array([0.0, -1.0, 0.0]) - (np.array([0.0, -1.0, 0.0]) @ n) * n
    notch_dir /= np.linalg.norm(notch_dir)
    notch = S.round_cone(p, notch_dir * 16 + n * 6, notch_dir * 34 + n * 6, 8.0, 9.0)
    d = S.smax(d, -notch, 3.0)
    # pubic symphysis: a narrow gap at the midline
    d = S.smax(d, -(p[:, 2] - (Z_MID + 1.5)), 1.5)
    return d


def _mirror(p: np.ndarray) -> np.ndarray:
    return mirror_about(p, Z_MID)


_SAC_CURVE = np.array([[-68.0, 78.0], [-79.0, 56.0], [-89.0, 30.0], [-94.0, 8.0],
                       [-92.0, -8.0], [-86.0, -20.0]])


_SAC_S = [0.0, 0.15, 0.35, 0.6, 0.85, 1.0]
_SAC_HALF_WIDTH = [38.0, 46.0, 39.0, 27.0, 17.0, 10.0]


def _sacrum_half_thickness(u, v):
    """Half thickness (mm) of the sacral plate: deep S1 body, thin apex, thinner at the sides."""
    t = np.interp(v, [0, 0.12, 0.3, 0.5, 0.75, 1.0], [19.0, 17.5, 14.5, 12.0, 10.0, 8.0])
    return t * (1.0 - 0.3 * (2 * u - 1) ** 2)


@lru_cache(maxsize=None)
def _sacrum_sheet() -> S.CoonsSheet:
    """Sacral plate as a four-sided patch: the base (ala to ala) on top, the apex below, the
    lateral borders following the curved sagittal profile of the sacrum."""
    c2 = S.resample(S.spline(_SAC_CURVE, 300), 120)
    s = np.linspace(0.0, 1.0, 120)
    w = np.interp(s, _SAC_S, _SAC_HALF_WIDTH)
    left = np.column_stack([c2, Z_MID - w])
    right = np.column_stack([c2, Z_MID + w])
    u = np.linspace(0.0, 1.0, 60)[:, None]
    base = (1 - u) * left[0] + u * right[0] + np.outer(np.sin(np.pi * u[:, 0]) ** 1.5, [3.0, 10.0, 0.0])
    apex = (1 - u) * left[-1] + u * right[-1]
    return S.CoonsSheet(base, apex, left, right, [-1.0, 0.0, 0.0], 4.0, _sacrum_half_thickness)


@lru_cache(maxsize=None)
def _sacral_foramina() -> tuple:
    """Centres of the pits marking the four pairs of anterior sacral foramina, 1 mm inside
    the pelvic surface of the sacral plate."""
    c2 = S.resample(S.spline(_SAC_CURVE, 300), 101)
    out = []
    for sv in (0.2, 0.37, 0.53, 0.68):
        i = int(sv * 100)
        c, t = c2[i], c2[min(i + 2, 100)] - c2[max(i - 2, 0)]
        nrm = np.array([-t[1], t[0]]) / np.linalg.norm(t)
        if nrm[0] < 0:
            nrm = -nrm                                     # anterior side of the curve
        half_w = np.interp(sv, _SAC_S, _SAC_HALF_WIDTH)
        for side in (-1.0, 1.0):
            u = 0.5 + side * 0.18
            depth = float(_sacrum_half_thickness(np.array([u]), np.array([sv]))[0]) - 1.0
            out.append(np.array([c[0] + nrm[0] * depth, c[1] + nrm[1] * depth,
                                 Z_MID + side * 0.36 * half_w]))
    return tuple(out)


def sacrum_sdf(points) -> np.ndarray:
    """SDF of the sacrum and coccyx, pelvis frame."""
    p = np.atleast_2d(np.asarray(points, float))
    d = _sacrum_sheet()(p)
    # median sacral crest and the coccyx
    d = S.smin(d, S.tube(p, [[-84.0, 74.0, Z_MID], [-98.0, 40.0, Z_MID], [-103.0, 8.0, Z_MID]],
                         [3.5, 3.5, 2.5]), 7.0)
    d = S.smin(d, S.tube(p, [[-86.0, -20.0, Z_MID], [-80.0, -30.0, Z_MID], [-72.0, -34.0, Z_MID]],
                         [6.0, 4.5, 3.5]), 5.0)
    # anterior sacral foramina: shallow pits in the pelvic surface, four pairs
    for q in _sacral_foramina():
        d = S.smax(d, -S.sphere(p, q, 4.0), 1.0)
    return d


def _fold(p: np.ndarray) -> np.ndarray:
    """Reflect points left of the midsagittal plane onto the right side.  Each hip bone lies
    wholly on its own side, and reflection only moves a point away from everything on its
    side, so the nearer hip bone is always the one on the point's own side."""
    q = p.copy()
    left = q[:, 2] < Z_MID
    q[left, 2] = 2.0 * Z_MID - q[left, 2]
    return q


def hip_bones_sdf(points) -> np.ndarray:
    """Signed distance to both hip bones (no sacrum)."""
    p = np.atleast_2d(np.asarray(points, float))
    return hip_bone_right_sdf(_fold(p))


def pelvis_sdf(points) -> np.ndarray:
    """Signed distance (mm, negative inside) to the pelvis: both hip bones and the sacrum."""
    p = np.atleast_2d(np.asarray(points, float))
    return np.minimum(hip_bones_sdf(p), sacrum_sdf(p))


# ============================================================================ femur SDF
def _femur_local_frame():
    """Construction frame: shaft axis = local +Y through the neck-shaft intersection (origin).

    The neck leaves the head at the neck-shaft angle to the shaft and turned forward by the
    anteversion angle; the head centre lies ``OFFSET`` from the shaft axis and ``LENGTH`` from
    the knee centre.  The rotation ``R`` takes the knee-to-head line onto +Y (ISB femur frame,
    Wu et al. 2002).  Returns (R, T, head_local, knee_local, neck_dir_local), world = R local + T.
    """
    nsa, av = np.radians(NECK_SHAFT_DEG), np.radians(ANTEVERSION_DEG)
    # unit vector head -> neck base (lateral, distal, posterior)
    u = np.array([-np.sin(nsa) * np.sin(av), np.cos(nsa), np.sin(nsa) * np.cos(av)])
    L = OFFSET / np.sin(nsa)            # head centre to the shaft axis along the neck
    head = -L * u
    k = np.sqrt(LENGTH ** 2 - head[0] ** 2 - head[2] ** 2) - head[1]
    knee = np.array([0.0, -k, 0.0])
    a = (head - knee) / np.linalg.norm(head - knee)
    b = np.array([0.0, 1.0, 0.0])
    v = np.cross(a, b)
    c = float(a @ b)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    R = np.eye(3) + vx + vx @ vx / (1 + c)
    T = -R @ head
    return R, T, head, knee, u


_R, _T, _HEAD_L, _KNEE_L, _NECK_U = _femur_local_frame()


def _to_local(p):
    q = p - _T                    # R^T (p - T) for row vectors
    return q[:, :1] * _R[0] + q[:, 1:2] * _R[1] + q[:, 2:3] * _R[2]


def _to_world(q):
    return np.asarray(q, float) @ _R.T + _T


def _shaft_centre(y):
    """Local shaft centre line: straight in the frontal plane, bowed 4 mm forward."""
    t = np.clip((-y) / 380.0, 0, 1)
    return np.stack([4.0 * np.sin(np.pi * t), y, np.zeros_like(y)], axis=-1)


_GT_TIP = np.array([-31.0, -6.0, 50.0])     # centre of the posterosuperior tip
# greater trochanter facet planes, world (femur) frame: (point, outward normal)
_GT_PLANES = {
    "lateral": ([-4.0, -22.0, 63.0], [0.10, 0.12, 1.0]),
    "superoposterior": (_GT_TIP + 2.5 * _unit([-0.55, 0.78, 0.30]), [-0.55, 0.78, 0.30]),
    "anterior": ([7.0, -14.0, 54.0], [0.80, 0.30, 0.52]),
    "posterior": ([-31.0, -20.0, 48.0], [-0.92, 0.05, 0.38]),
}


def _gt_sdf(p):
    """Greater trochanter: a rounded body with a posterosuperior tip, flattened by the four
    facet planes of Pfirrmann et al. 2001."""
    body = S.ellipsoid(p, [-13.0, -25.0, 48.0], [22.0, 24.0, 15.5])
    tip = S.ellipsoid(p, _GT_TIP, [12.0, 10.0, 11.0])
    d = S.smin(body, tip, 12.0)
    for pt, nn in _GT_PLANES.values():
        d = S.smax(d, S.plane(p, pt, nn), 5.0)
    return d


def _distal_femur(q):
    """Metaphysis, trochlea and the two condyles; ``q`` relative to the knee centre
    (midpoint of the epicondyles), femur frame."""
    d = S.culled(lambda x: S.ellipsoid(x, [0.0, 28.0, 0.0], [20.0, 34.0, 33.0]), q,
                 [-25.0, -10.0, -38.0], [25.0, 66.0, 38.0])
    box_lo, box_hi = [-45.0, -35.0, -45.0], [40.0, 30.0, 45.0]
    m = np.flatnonzero(S.box_distance(q, box_lo, box_hi) < S.MARGIN)
    if len(m):
        x = q[m]
        e = S.ellipsoid(x, [12.0, 2.0, 0.0], [16.0, 22.0, 32.0])            # trochlea
        for side in (-1.0, 1.0):
            e = S.smin(e, S.ellipsoid(x, [-10.0, -4.0, 22.0 * side], [28.0, 22.0, 14.0]), 8.0)
            e = S.smin(e, S.ellipsoid(x, [-4.0, 4.0, 33.0 * side], [12.0, 12.0, 8.0]), 8.0)
        notch = S.round_cone(x, [-40.0, -10.0, 0.0], [-2.0, -20.0, 0.0], 9.0, 8.0)
        e = S.smax(e, -notch, 4.0)
        groove = S.round_cone(x, [30.0, 26.0, 0.0], [26.0, -8.0, 0.0], 7.0, 7.0)
        e = S.smax(e, -groove, 6.0)
        d[m] = S.smin(d[m], e, 10.0)
    return d


@lru_cache(maxsize=None)
def _femur_parts() -> dict:
    """Fixed construction points of the femur SDF (local frame unless named world)."""
    u = _NECK_U
    return {
        "fovea": _HEAD_L + HEAD_RADIUS * np.array([-0.25, -0.45, -0.86]) / np.linalg.norm([-0.25, -0.45, -0.86]),
        "neck": (_HEAD_L + 8 * u, _HEAD_L + 44 * u),
        "shaft": _shaft_centre(np.array([-40.0, -70.0, -110.0, -180.0, -260.0, -320.0, -350.0, -372.0])),
        "shaft_r": np.array([17.5, 15.5, 14.0, 13.2, 13.2, 15.0, 20.0, 26.0]),
        "linea_aspera": _shaft_centre(np.array([-90.0, -180.0, -290.0])) + [-12.5, 0, 0],
        "gt_fair_world": _to_world(_shaft_centre(np.array([-85.0])))[0],
        "lt": (_to_local(np.array([[-6.0, -52.0, 34.0]]))[0], _to_local(np.array([[-22.0, -58.0, 16.0]]))[0]),
        "crest": _to_local(np.array([[-28.0, -14.0, 48.0], [-24.0, -36.0, 34.0], [-20.0, -56.0, 20.0]])),
    }


def femur_sdf(points) -> np.ndarray:
    """Signed distance (mm, negative inside) to the right femur, femur frame."""
    p = np.atleast_2d(np.asarray(points, float))
    q = _to_local(p)
    fp = _femur_parts()
    head = S.sphere(q, _HEAD_L, HEAD_RADIUS)
    # fovea capitis
    head = S.smax(head, -S.sphere(q, fp["fovea"], 4.0), 1.5)
    neck = S.round_cone(q, *fp["neck"], 15.0, 19.0)
    d = S.smin(head, neck, 5.0)
    # shaft
    d = S.smin(d, S.tube(q, fp["shaft"], fp["shaft_r"]), 10.0)
    # linea aspera
    d = S.smin(d, S.tube(q, fp["linea_aspera"], [3.0, 3.5, 2.5]), 4.0)
    # greater trochanter (world frame planes), intertrochanteric crest, lesser trochanter
    d = S.smin(d, S.culled(_gt_sdf, p, [-35.0, -55.0, 28.0], [15.0, 10.0, 68.0]), 7.0)
    d = S.smin(d, S.round_cone(p, [-8.0, -34.0, 47.0], fp["gt_fair_world"], 13.0, 14.0), 10.0)
    d = S.smin(d, S.round_cone(q, *fp["lt"], 12.0, 7.0), 8.0)
    d = S.smin(d, S.tube(q, fp["crest"], [7.0, 6.0, 6.0]), 8.0)
    # distal femur: metaphysis and condyles (world frame: knee centre at (0, -LENGTH, 0))
    distal = _distal_femur(p - np.array([0.0, -LENGTH, 0.0]))
    d = S.smin(d, distal, 12.0)
    return d


# ============================================================================ kept samples
# The hip bone and the sacrum are sampled on one regular 2.5 mm lattice and the samples are
# kept: their meshes are contoured from them (exact in a narrow band, trilinear from a coarse
# lattice elsewhere, ``S.sample_banded``), and the pelvis lookup grid of ``meshes.model`` is
# filled from the same samples (``pelvis_sdf.sample_banded``) with exactly the values
# ``S.sample_banded(pelvis_sdf, ...)`` would compute.  Z_MID is a node of the lattice, so the
# left hip bone's samples are the right one's, mirrored node for node.
_PELVIS_H = 2.5
_PELVIS_ANCHOR = np.array([-160.0, -100.0, Z_MID])
_FEMUR_H = 3.0             # the femur mesh's lattice (a thick bone: the shaft is 26 mm across)
_FACTOR = 3                 # coarse lattice spacing / fine spacing
_MESH_BAND = (7.5, 9.0)     # mm (pelvis, femur lattice): above the coarse half diagonal
_SACRUM_SLACK = 10.0        # mm; the sacrum's SDF stays above its box distance less this
_HIP_MESH_BOX = ([-122.0, -76.0, -82.0], [84.0, 176.0, 76.0])
_SACRUM_MESH_BOX = ([-126.0, -72.0, Z_MID - 66], [-30.0, 104.0, Z_MID + 66])
_FEMUR_MESH_BOX = ([-50.0, -450.0, -50.0], [45.0, 30.0, 75.0])


class _Kept:
    """Exact samples of an SDF at the nodes ``anchor + h * K`` (integer K) of a box,
    computed on first use and kept."""

    def __init__(self, f, anchor, h: float, lo, hi):
        self.f = f
        self.anchor = np.asarray(anchor, float)
        self.h = float(h)
        self.k0 = np.floor((np.asarray(lo, float) - self.anchor) / h + 1e-9).astype(int)
        k1 = np.ceil((np.asarray(hi, float) - self.anchor) / h - 1e-9).astype(int)
        self.values = np.full(tuple(k1 - self.k0 + 1), np.nan)

    def inside(self, k: np.ndarray) -> np.ndarray:
        loc = k - self.k0
        return np.all((loc >= 0) & (loc < self.values.shape), axis=1)

    def at(self, k: np.ndarray) -> np.ndarray:
        """Values at integer nodes ``k`` (M, 3), all inside the box."""
        flat = np.ravel_multi_index(tuple((k - self.k0).T), self.values.shape)
        table = self.values.reshape(-1)
        v = table[flat]
        need = np.zeros(table.size, bool)              # a node asked for twice is computed once
        need[flat[np.isnan(v)]] = True
        miss = np.flatnonzero(need)
        if len(miss):
            pts = self.anchor + self.h * (np.column_stack(np.unravel_index(miss, self.values.shape)) + self.k0)
            for start in range(0, len(miss), S.CHUNK):
                table[miss[start:start + S.CHUNK]] = self.f(pts[start:start + S.CHUNK])
            v = table[flat]
        return v

    def nodes(self, lo, h: float) -> np.ndarray | None:
        """Integer offset of the lattice ``lo + h * idx`` in this one, or None unless its
        nodes are nodes of this lattice."""
        x = (np.asarray(lo, float) - self.anchor) / self.h
        k = np.rint(x).astype(int)
        if abs(h - self.h) > 1e-9 or np.abs(x - k).max() > 1e-6:
            return None
        return k


@lru_cache(maxsize=None)
def _hip_samples() -> _Kept:
    """Right hip bone (``hip_bone_right_sdf``): its own side of the pelvis lookup box and the
    mesh box, with the coarse nodes around them."""
    return _Kept(hip_bone_right_sdf, _PELVIS_ANCHOR, _PELVIS_H, [-175.0, -115.0, -100.0], [145.0, 225.0, 150.0])


@lru_cache(maxsize=None)
def _sacrum_samples() -> _Kept:
    """Sacrum: the pelvis lookup box and its own mesh box, with the coarse nodes around them."""
    return _Kept(sacrum_sdf, _PELVIS_ANCHOR, _PELVIS_H, [-175.0, -115.0, -160.0], [145.0, 225.0, 150.0])


def _pelvis_sample_banded(lo, shape, h, factor, band):
    """``S.sample_banded(pelvis_sdf, ...)`` from the kept samples of the right hip bone
    (folded) and the sacrum, or None if the lattice is not made of their nodes.

    The sacrum is evaluated only where it may be nearer than the hip bone: outside its box
    its SDF (box distances of its parts, less their blend radii) is never more than about
    3 mm below the distance to the box, so where the hip bone is nearer than that distance
    less ``_SACRUM_SLACK`` the hip bone's value is the pelvis's."""
    hip, sac = _hip_samples(), _sacrum_samples()
    k0 = hip.nodes(lo, h)
    if k0 is None:
        return None

    def exact(idx):
        k = k0 + idx
        folded = k.copy()
        folded[:, 2] = np.abs(folded[:, 2])        # Z_MID is node 0: the fold is k -> -k
        if not (hip.inside(folded).all() and sac.inside(k).all()):
            raise _Outside
        d = hip.at(folded)
        box = S.box_distance(_PELVIS_ANCHOR + _PELVIS_H * k, *_SACRUM_MESH_BOX)
        near = np.flatnonzero(d > box - _SACRUM_SLACK)
        d[near] = np.minimum(d[near], sac.at(k[near]))
        return d

    try:
        return S.sample_banded(pelvis_sdf, lo, shape, h, factor, band, exact=exact)
    except _Outside:
        return None


class _Outside(Exception):
    """A lattice reaches beyond the kept samples."""


pelvis_sdf.sample_banded = _pelvis_sample_banded


# ============================================================================ meshes
_PELVIS_FACES = 30000
_FEMUR_FACES = 7800


def _kept_mesh(kept: _Kept, box, band: float, h_direct: float, target_faces: int) -> trimesh.Trimesh:
    """Mesh of ``kept.f`` contoured from the kept samples over ``box`` (grown to the coarse
    lattice); sampled afresh at spacing ``h_direct`` if no decimation stays watertight."""
    big = _FACTOR * kept.h
    lo = kept.anchor + big * np.floor((np.asarray(box[0], float) - kept.anchor) / big + 1e-9)
    shape = np.ceil((np.asarray(box[1], float) - lo) / kept.h - 1e-9).astype(int) + 1
    k0 = kept.nodes(lo, kept.h)
    vals = S.sample_banded(kept.f, lo, shape, kept.h, _FACTOR, band, exact=lambda idx: kept.at(k0 + idx),
                           crossings=True)
    m = S.mesh_from_samples(kept.f, vals, lo, kept.h, target_faces=target_faces)
    return m if m is not None else S.mesh_from_sdf(kept.f, *box, h_direct, target_faces=target_faces)


def _flip(m: trimesh.Trimesh) -> trimesh.Trimesh:
    return trimesh.Trimesh(_mirror(m.vertices), m.faces[:, ::-1].copy(), process=False)


@lru_cache(maxsize=None)
def _hip_bone_right_mesh() -> trimesh.Trimesh:
    return _kept_mesh(_hip_samples(), _HIP_MESH_BOX, _MESH_BAND[0], 2.4, 11500)


@lru_cache(maxsize=None)
def _pelvis_mesh() -> trimesh.Trimesh:
    r = _hip_bone_right_mesh()
    return trimesh.util.concatenate([r, _flip(r)])


def pelvis_mesh() -> trimesh.Trimesh:
    """Both hip bones, one watertight mesh (two shells), pelvis frame."""
    return _pelvis_mesh().copy()


@lru_cache(maxsize=None)
def _sacrum_mesh() -> trimesh.Trimesh:
    return _kept_mesh(_sacrum_samples(), _SACRUM_MESH_BOX, _MESH_BAND[0], 2.0, 6000)


def sacrum_mesh() -> trimesh.Trimesh:
    return _sacrum_mesh().copy()


@lru_cache(maxsize=None)
def _femur_mesh_right() -> trimesh.Trimesh:
    lo, hi = _FEMUR_MESH_BOX
    shape = np.ceil((np.asarray(hi) - lo) / _FEMUR_H - 1e-9).astype(int) + 1
    vals = S.sample_banded(femur_sdf, lo, shape, _FEMUR_H, _FACTOR, _MESH_BAND[1], crossings=True)
    m = S.mesh_from_samples(femur_sdf, vals, lo, _FEMUR_H, target_faces=_FEMUR_FACES)
    return m if m is not None else S.mesh_from_sdf(femur_sdf, lo, hi, 2.0, target_faces=_FEMUR_FACES)


@lru_cache(maxsize=None)
def _femur_mesh_left() -> trimesh.Trimesh:
    return _flip(_femur_mesh_right())


def femur_mesh(side: str = "right") -> trimesh.Trimesh:
    """Femur in the femur frame; the left one is the mirror image about Z = -inter_hjc/2."""
    if side == "right":
        return _femur_mesh_right().copy()
    if side == "left":
        return _femur_mesh_left().copy()
    raise ValueError(f"side must be 'right' or 'left', not {side!r}")


# ============================================================================ landmarks
def _on(f, pts):
    return S.project(f, np.asarray(pts, float))


_LINE_XY = {
    # Gray's 1918 course of each line, expressed in (X, Y) of the outer ilium
    "anterior": [[36.0, 118.0], [27.0, 94.0], [14.0, 76.0], [-6.0, 64.0], [-30.0, 56.0],
                 [-52.0, 48.0], [-66.0, 40.0]],
    "posterior": [[-66.0, 146.0], [-72.0, 120.0], [-78.0, 92.0], [-84.0, 66.0], [-88.0, 52.0]],
    "inferior": [[40.0, 42.0], [20.0, 40.0], [0.0, 39.0], [-22.0, 37.0], [-40.0, 33.0], [-54.0, 29.0]],
}


def _gluteal_lines(n: int = 40) -> dict[str, np.ndarray]:
    """Each line as points of the outer right ilium under its (X, Y) course, hit by rays cast
    medially from outside the bone."""
    xy = np.vstack([S.resample(S.spline(np.asarray(v, float), 200), n) for v in _LINE_XY.values()])
    origins = np.column_stack([xy, np.full(len(xy), 90.0)])
    hits = S.raycast(hip_bone_right_sdf, origins, [0.0, 0.0, -1.0]).reshape(len(_LINE_XY), n, 3)
    return dict(zip(_LINE_XY, hits))


def _crest_top() -> np.ndarray:
    """Highest point of the iliac crest: surface points above the crest rim, the highest one
    refined by projecting a small patch around it."""
    fine = S.resample(S.spline(_CREST, 400), 200)
    top = _on(hip_bone_right_sdf, fine + [0.0, 10.0, 0.0])
    best = top[np.argmax(top[:, 1])]
    dx, dz = np.meshgrid(np.linspace(-4, 4, 9), np.linspace(-4, 4, 9))
    patch = best + np.column_stack([dx.ravel(), np.full(dx.size, 3.0), dz.ravel()])
    patch = _on(hip_bone_right_sdf, patch)
    return patch[np.argmax(patch[:, 1])]


def _pelvis_landmarks(lines) -> dict[str, np.ndarray]:
    n = ACETAB_AXIS
    targets = {
        "asis_right": _ASIS + [10.0, 0.0, 2.0],
        "aiis_right": _AIIS + [10.0, -2.0, 2.0],
        "psis_right": _PSIS + [-10.0, 0.0, 0.0],
        "greater_sciatic_notch": [-80.0, 5.0, -28.0],
        "ischial_tuberosity": [-48.0, -58.0, -26.0],
        "pubic_symphysis": [50.0, -28.0, Z_MID + 3.0],
    }
    on = _on(hip_bone_right_sdf, list(targets.values()))
    lm = dict(zip(targets, on))
    hjc = np.zeros(3)
    lm.update({
        "hip_joint_centre": hjc,
        "acetabulum": -n * (HEAD_RADIUS + 1.0),
        "asis_left": _mirror(lm["asis_right"][None])[0],
        "psis_left": _mirror(lm["psis_right"][None])[0],
        "iliac_crest_top": _crest_top(),
        "sacrum": _on(sacrum_sdf, [[-130.0, 30.0, Z_MID]])[0],
        "hip_joint_centre_left": _mirror(hjc[None])[0],
    })
    for k in ("anterior", "posterior", "inferior"):
        line = lines[k]
        lm[f"{k}_gluteal_line"] = line[len(line) // 2]
    return lm


def _facets() -> dict[str, dict]:
    f = femur_sdf
    axis = _R @ np.array([0.0, 1.0, 0.0])          # femoral shaft axis (up), world frame
    spec = {
        # name: (nominal centre, major direction, semi-axes)
        "lateral": ([-6.0, -22.0, 70.0], None, (17.5, 8.0)),
        "superoposterior": (_GT_TIP + 8.0 * _unit([-0.55, 0.78, 0.30]), np.array([1.0, 0.0, 0.0]),
                            (8.3, 7.6)),
        "anterior": ([12.0, -14.0, 60.0], -axis, (12.0, 8.0)),
        "posterior": ([-36.0, -22.0, 48.0], -axis, (11.0, 8.0)),
    }
    centres = _on(f, [v[0] for v in spec.values()])
    normals = S.normal(f, centres)
    n = 48
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    frames, sizes = [], []
    for (name, (_, major, ab)), c, nrm in zip(spec.items(), centres, normals):
        if major is None:
            # 37 deg to the femoral axis, running from posterosuperior to anteroinferior
            down = -axis - (-axis @ nrm) * nrm
            down /= np.linalg.norm(down)
            ant = np.cross(nrm, down)
            if ant[0] < 0:
                ant = -ant
            ang = np.radians(37.0)
            major = np.cos(ang) * down + np.sin(ang) * ant
        e1 = major - (major @ nrm) * nrm
        e1 /= np.linalg.norm(e1)
        frames.append((c, e1, np.cross(nrm, e1)))
        sizes.append(np.array(ab, float))

    def outlines(sz):
        rings = [c + np.outer(a * np.cos(t), e1) + np.outer(b * np.sin(t), e2)
                 for (c, e1, e2), (a, b) in zip(frames, sz)]
        return _on(f, np.vstack(rings)).reshape(len(spec), n, 3)

    # the footprint shrinks when laid onto the curved trochanter: one correction step so the
    # outline keeps the published length and area (Pfirrmann 2001)
    first = outlines(sizes)
    corrected = []
    for o, (c, e1, e2), (a, b) in zip(first, frames, sizes):
        uv = np.column_stack([(o - c) @ e1, (o - c) @ e2])
        length = np.ptp(uv[:, 0])
        area = 0.5 * abs(uv[:, 0] @ np.roll(uv[:, 1], -1) - uv[:, 1] @ np.roll(uv[:, 0], -1))
        ka = 2 * a / length
        kb = (np.pi * a * b / area) / ka
        corrected.append((a * ka, b * kb))
    final = outlines(corrected)
    return {name: {"centre": c, "normal": nrm, "outline": o}
            for name, c, nrm, o in zip(spec, centres, normals, final)}


# ---------------------------------------------------------------------------- measurements
def _fit_sphere(pts):
    """Least-squares sphere (centre, radius): |p|^2 = 2 c.p + (r^2 - |c|^2)."""
    A = np.column_stack([2 * pts, np.ones(len(pts))])
    b = (pts ** 2).sum(1)
    x, *_ = np.linalg.lstsq(A, b, rcond=None)
    c = x[:3]
    return c, float(np.sqrt(x[3] + c @ c))


def _fit_circle_centre(pts, axis):
    """Centre of the best circle through points lying roughly in a plane normal to ``axis``."""
    e1 = np.cross(axis, [1.0, 0.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(axis, e1)
    o = pts.mean(0)
    uv = np.column_stack([(pts - o) @ e1, (pts - o) @ e2])
    A = np.column_stack([2 * uv, np.ones(len(uv))])
    x, *_ = np.linalg.lstsq(A, (uv ** 2).sum(1), rcond=None)
    return o + x[0] * e1 + x[1] * e2


def _ring(centre, axis, radius, n=36):
    e1 = np.cross(axis, [1.0, 0.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(axis, e1)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return centre + radius * (np.outer(np.cos(t), e1) + np.outer(np.sin(t), e2))


def _section_centres(f, centres, axis, radius, n=36):
    """Centres of bone cross-sections: rays from a ring outside the bone towards each centre."""
    rings = np.array([_ring(c, axis, radius, n) for c in centres])
    tgt = np.repeat(np.asarray(centres), n, axis=0)
    o = rings.reshape(-1, 3)
    hits = S.raycast(f, o, tgt - o, max_dist=radius).reshape(len(centres), n, 3)
    out = []
    for h in hits:
        h = h[np.isfinite(h[:, 0])]
        out.append(_fit_circle_centre(h, axis))
    return np.array(out)


def head_fit(f=None):
    """Sphere fitted to the articular surface of the femoral head (SDF surface points)."""
    f = f or femur_sdf
    u_world = _R @ _NECK_U
    g = np.random.default_rng(0).normal(size=(400, 3))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    g = g[g @ u_world < -0.2]       # the cap away from the neck
    pts = _on(f, g * (HEAD_RADIUS + 3.0))
    return _fit_sphere(pts)


def _femur_measurements():
    f = femur_sdf
    head_c, head_r = head_fit()
    shaft_up = _R @ np.array([0.0, 1.0, 0.0])
    c0 = _to_world(_shaft_centre(np.linspace(-150.0, -280.0, 6)))
    centres = _section_centres(f, c0, shaft_up, 40.0)
    cm = centres.mean(0)
    _, _, vt = np.linalg.svd(centres - cm)
    shaft = vt[0] * np.sign(vt[0] @ shaft_up)
    # neck axis: head centre through the centre of the neck's waist section
    u = _R @ _NECK_U
    waist = _section_centres(f, [head_c + 26.0 * u], u, 26.0)[0]
    neck = (head_c - waist) / np.linalg.norm(head_c - waist)       # towards the head
    nsa = np.degrees(np.arccos(np.clip(neck @ -shaft, -1, 1)))
    # offset: perpendicular distance of the head centre from the shaft axis
    v = head_c - cm
    offset = float(np.linalg.norm(v - (v @ shaft) * shaft))
    # knee centre: midpoint of the epicondyles; posterior condylar axis from the condyles
    kc0 = np.array([0.0, -LENGTH, 0.0])
    epi = S.raycast(f, [kc0 + [0.0, 0.0, 150.0], kc0 - [0.0, 0.0, 150.0]], [[0.0, 0.0, -1.0], [0.0, 0.0, 1.0]])
    knee = (epi[0] + epi[1]) / 2
    post = S.raycast(f, [kc0 + [-150.0, -6.0, 21.0], kc0 + [-150.0, -6.0, -21.0]], [1.0, 0.0, 0.0])
    mech = (head_c - knee) / np.linalg.norm(head_c - knee)

    def transverse(w):
        w = w - (w @ mech) * mech
        return w / np.linalg.norm(w)

    cond = transverse(post[0] - post[1])             # lateral-pointing condylar axis
    nk = transverse(-neck)                           # from head towards lateral
    ang = np.degrees(np.arccos(np.clip(nk @ cond, -1, 1)))
    antev = ang if np.cross(cond, nk) @ mech < 0 else -ang   # head anterior -> positive
    return {
        "head_centre": head_c,
        "head_diameter_mm": 2 * head_r,
        "neck_shaft_angle_deg": float(nsa),
        "anteversion_deg": float(antev),
        "offset_mm": offset,
        "length_mm": float(np.linalg.norm(head_c - knee)),
        "knee_centre": knee,
        "shaft_axis": shaft,
        "neck_axis": neck,
        "waist": waist,
    }


def _femur_landmarks(meas, facets):
    f = femur_sdf
    xs, zs = np.meshgrid(np.linspace(-40, 10, 26), np.linspace(30, 70, 21))
    o = np.column_stack([xs.ravel(), np.full(xs.size, 60.0), zs.ravel()])
    hits = S.raycast(f, o, [0.0, -1.0, 0.0], max_dist=120)
    gt = hits[np.isfinite(hits[:, 1])]
    gt = gt[gt[:, 2] > 38.0]
    tip = gt[np.argmax(gt[:, 1])]
    lt = _on(f, [[-30.0, -62.0, 10.0]])[0]
    return {
        "femoral_head": meas["head_centre"],
        "greater_trochanter_tip": tip,
        "lateral_facet": facets["lateral"]["centre"],
        "superoposterior_facet": facets["superoposterior"]["centre"],
        "anterior_facet": facets["anterior"]["centre"],
        "posterior_facet": facets["posterior"]["centre"],
        "lesser_trochanter": lt,
        "knee_centre": meas["knee_centre"],
        "neck_axis_head": meas["head_centre"],
        "neck_axis_base": meas["waist"],
        "neck_shaft_intersection": _to_world(np.zeros(3)),
    }


# ============================================================================ public tables
GLUTEAL_LINES: dict[str, np.ndarray] = _gluteal_lines()
PELVIS: dict[str, np.ndarray] = _pelvis_landmarks(GLUTEAL_LINES)
FACETS: dict[str, dict] = _facets()
_MEAS = _femur_measurements()
FEMUR: dict[str, np.ndarray] = _femur_landmarks(_MEAS, FACETS)
FEMUR_DIMENSIONS: dict[str, float] = {
    k: float(_MEAS[k]) for k in ("head_diameter_mm", "neck_shaft_angle_deg", "anteversion_deg",
                                 "offset_mm", "length_mm")
}
PELVIS_DIMENSIONS: dict[str, float] = {
    "inter_asis_mm": float(np.linalg.norm(PELVIS["asis_right"] - PELVIS["asis_left"])),
    "iliac_crest_height_mm": float(PELVIS["iliac_crest_top"][1] - PELVIS["hip_joint_centre"][1]),
    "inter_hjc_mm": float(np.linalg.norm(PELVIS["hip_joint_centre"] - PELVIS["hip_joint_centre_left"])),
}

__all__ = [
    "PELVIS", "FEMUR", "FEMUR_DIMENSIONS", "PELVIS_DIMENSIONS", "GLUTEAL_LINES", "FACETS",
    "pelvis_sdf", "femur_sdf", "pelvis_mesh", "sacrum_mesh", "femur_mesh",
    "hip_bone_right_sdf", "hip_bones_sdf", "sacrum_sdf",
]
