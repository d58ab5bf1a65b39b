"""Bone geometry: target figures, mesh quality, surfaces, gluteal lines and facets.

Target ranges are the rows of shared/reference/anatomy.md ("Geometry targets for a simplified
adult right hip"; "insertion" and "origin" rows of "Anatomy").
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.spatial import cKDTree

from meshes import bones as B
from meshes.frame import mirror_about


def _fit_sphere(pts):
    A = np.column_stack([2 * pts, np.ones(len(pts))])
    x, *_ = np.linalg.lstsq(A, (pts ** 2).sum(1), rcond=None)
    c = x[:3]
    return c, float(np.sqrt(x[3] + c @ c))


def _unit(v):
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


@pytest.fixture(scope="module")
def meshes():
    return {
        "pelvis": B.pelvis_mesh(),
        "sacrum": B.sacrum_mesh(),
        "femur_right": B.femur_mesh("right"),
        "femur_left": B.femur_mesh("left"),
    }


# ----------------------------------------------------------------------------- femur figures
def test_femoral_head_diameter_fitted_from_mesh(meshes):
    m = meshes["femur_right"]
    v = m.vertices
    neck = _unit(B.FEMUR["neck_axis_base"] - B.FEMUR["femoral_head"])
    r = np.linalg.norm(v, axis=1)
    cap = v[(r < 30.0) & ((v @ neck) < -0.2 * r)]
    assert len(cap) > 50
    c, radius = _fit_sphere(cap)
    assert 45.0 <= 2 * radius <= 50.0
    assert np.linalg.norm(c) < 1.0, "the head is centred on the hip joint centre"
    assert 45.0 <= B.FEMUR_DIMENSIONS["head_diameter_mm"] <= 50.0


def test_femur_dimensions_in_published_ranges():
    d = B.FEMUR_DIMENSIONS
    assert 122.0 <= d["neck_shaft_angle_deg"] <= 133.0
    assert abs(d["neck_shaft_angle_deg"] - 128.0) < 3.0
    assert 7.0 <= d["anteversion_deg"] <= 16.0
    assert 38.0 <= d["offset_mm"] <= 43.0
    assert 400.0 <= d["length_mm"] <= 430.0


def test_femur_angles_and_offset_from_mesh_vertices(meshes):
    """Neck-shaft angle, anteversion and offset measured on the mesh alone."""
    v = meshes["femur_right"].vertices
    head = np.zeros(3)
    # shaft axis: circles fitted to slabs of the diaphysis
    cents = []
    for y in np.linspace(-280.0, -150.0, 6):
        sl = v[np.abs(v[:, 1] - y) < 8.0]
        A = np.column_stack([2 * sl[:, 0], 2 * sl[:, 2], np.ones(len(sl))])
        x, *_ = np.linalg.lstsq(A, sl[:, 0] ** 2 + sl[:, 2] ** 2, rcond=None)
        cents.append([x[0], y, x[1]])
    cents = np.array(cents)
    c0 = cents.mean(0)
    shaft = np.linalg.svd(cents - c0)[2][0]
    shaft *= np.sign(shaft[1])                       # pointing up
    # neck axis: centroid of the neck section just outside the head
    u = _unit(B.FEMUR["neck_axis_base"] - head)      # a first guess of the neck direction
    for _ in range(3):
        s_ = (v - head) @ u
        ring = v[(np.abs(s_ - 26.0) < 1.5)]
        ring = ring[np.linalg.norm(ring - head - 26.0 * u, axis=1) < 22.0]
        e1 = _unit(np.cross(u, [1.0, 0.0, 0.0]))
        e2 = np.cross(u, e1)
        uv = np.column_stack([(ring - head) @ e1, (ring - head) @ e2])
        A = np.column_stack([2 * uv, np.ones(len(uv))])
        x, *_ = np.linalg.lstsq(A, (uv ** 2).sum(1), rcond=None)   # circle through the section
        u = _unit(26.0 * u + x[0] * e1 + x[1] * e2)
    nsa = np.degrees(np.arccos(u @ shaft))          # neck towards the head vs shaft downwards
    assert 122.0 <= nsa <= 133.0
    w = head - c0
    offset = np.linalg.norm(w - (w @ shaft) * shaft)
    assert 38.0 <= offset <= 43.0
    # anteversion against the posterior condylar axis
    knee = v[v[:, 1] < B.FEMUR["knee_centre"][1] + 10.0]
    med, lat = knee[knee[:, 2] < 0], knee[knee[:, 2] > 0]
    axis_c = lat[np.argmin(lat[:, 0])] - med[np.argmin(med[:, 0])]
    mech = _unit(head - B.FEMUR["knee_centre"])

    def flat(x):
        return _unit(x - (x @ mech) * mech)

    ang = np.degrees(np.arccos(np.clip(flat(u) @ flat(axis_c), -1, 1)))
    assert flat(-u)[0] > 0, "the head points forward of the condylar axis"
    assert 7.0 <= ang <= 16.0


def test_femur_length_from_mesh(meshes):
    v = meshes["femur_right"].vertices
    knee = B.FEMUR["knee_centre"]
    assert 400.0 <= np.linalg.norm(knee) <= 430.0
    # the distal condyles lie a little beyond the knee centre
    assert knee[1] - 45.0 < v[:, 1].min() < knee[1]


def test_greater_trochanter_tip_position():
    tip = B.FEMUR["greater_trochanter_tip"]
    assert abs(tip[1]) <= 12.0, "about the height of the hip joint centre"
    assert 45.0 <= tip[2] <= 65.0, "lateral of the HJC"
    assert -32.0 <= tip[0] <= -18.0, "posterior of the HJC"


def test_lesser_trochanter_is_posteromedial_and_below_neck():
    lt = B.FEMUR["lesser_trochanter"]
    shaft_z = B.FEMUR["neck_shaft_intersection"][2]
    assert lt[1] < -40.0
    assert lt[2] < shaft_z and lt[0] < 0.0


# ----------------------------------------------------------------------------- pelvis figures
def test_pelvis_dimensions_in_target_ranges(meshes):
    d = B.PELVIS_DIMENSIONS
    assert 235.0 <= d["inter_asis_mm"] <= 260.0
    assert 155.0 <= d["inter_hjc_mm"] <= 170.0
    assert 150.0 <= d["iliac_crest_height_mm"] <= 170.0
    # the same figures measured directly
    p = B.PELVIS
    assert np.isclose(np.linalg.norm(p["asis_right"] - p["asis_left"]), d["inter_asis_mm"])
    top = meshes["pelvis"].vertices[:, 1].max()
    assert abs(top - d["iliac_crest_height_mm"]) < 2.0


def test_pelvis_landmark_heights():
    p = B.PELVIS
    for side in ("asis_right", "asis_left"):
        assert 65.0 <= p[side][1] <= 85.0
    assert 145.0 <= p["iliac_crest_top"][1] <= 170.0
    assert -65.0 <= p["ischial_tuberosity"][1] <= -45.0
    assert p["asis_right"][0] > 40.0 and p["psis_right"][0] < -80.0
    assert p["aiis_right"][1] < p["asis_right"][1]
    assert p["pubic_symphysis"][1] < 0.0
    assert abs(p["pubic_symphysis"][2] - (-B.PELVIS_DIMENSIONS["inter_hjc_mm"] / 2)) < 3.0
    assert np.allclose(p["hip_joint_centre"], 0.0)
    assert np.allclose(p["hip_joint_centre_left"], [0.0, 0.0, -B.PELVIS_DIMENSIONS["inter_hjc_mm"]])


def test_all_landmark_ids_present():
    need_p = {"hip_joint_centre", "acetabulum", "asis_right", "asis_left", "aiis_right", "psis_right",
              "iliac_crest_top", "anterior_gluteal_line", "posterior_gluteal_line",
              "inferior_gluteal_line", "greater_sciatic_notch", "ischial_tuberosity",
              "pubic_symphysis", "sacrum", "psis_left", "hip_joint_centre_left"}
    need_f = {"femoral_head", "greater_trochanter_tip", "lateral_facet", "superoposterior_facet",
              "anterior_facet", "posterior_facet", "lesser_trochanter", "knee_centre"}
    assert need_p <= set(B.PELVIS)
    assert need_f <= set(B.FEMUR)
    for v in list(B.PELVIS.values()) + list(B.FEMUR.values()):
        assert np.shape(v) == (3,) and np.all(np.isfinite(v))


# ----------------------------------------------------------------------------- mesh quality
@pytest.mark.parametrize("name", ["pelvis", "sacrum", "femur_right", "femur_left"])
def test_mesh_is_closed_and_outward(meshes, name):
    m = meshes[name]
    assert m.is_watertight
    assert m.is_winding_consistent
    assert m.volume > 0


def test_triangle_budget(meshes):
    assert len(meshes["pelvis"].faces) + len(meshes["sacrum"].faces) <= 30000
    assert len(meshes["femur_right"].faces) <= 8000
    assert len(meshes["femur_left"].faces) <= 8000
    assert sum(len(m.faces) for m in meshes.values()) <= 80000


def test_left_and_right_mirror_each_other(meshes):
    z_mid = -B.PELVIS_DIMENSIONS["inter_hjc_mm"] / 2
    fr, fl = meshes["femur_right"], meshes["femur_left"]
    assert np.allclose(mirror_about(fr.vertices, z_mid), fl.vertices)
    assert np.isclose(fr.volume, fl.volume)
    pv = meshes["pelvis"].vertices
    d, _ = cKDTree(pv).query(mirror_about(pv, z_mid))
    assert d.max() < 1e-6, "the left hip bone is the mirror image of the right"
    assert np.allclose(B.PELVIS["asis_left"], mirror_about(B.PELVIS["asis_right"], z_mid))
    assert np.allclose(B.PELVIS["psis_left"], mirror_about(B.PELVIS["psis_right"], z_mid))
    # the left femur sits in the left hip socket
    assert np.isclose(B.pelvis_sdf(B.PELVIS["hip_joint_centre_left"][None])[0],
                      B.pelvis_sdf(np.zeros((1, 3)))[0], atol=1e-6)


# ----------------------------------------------------------------------------- SDF vs mesh
@pytest.mark.parametrize("name,fn", [("pelvis", B.hip_bones_sdf), ("sacrum", B.sacrum_sdf),
                                     ("femur_right", B.femur_sdf)])
def test_sdf_agrees_with_mesh(meshes, name, fn):
    m = meshes[name]
    idx = np.random.default_rng(1).choice(len(m.vertices), 3000, replace=False)
    v = m.vertices[idx]
    n = m.vertex_normals[idx]
    assert np.abs(fn(v)).max() < 1.0
    # a little inside the mesh is inside the bone, a little outside is outside
    assert (fn(v - 1.5 * n) < 0).mean() > 0.97
    assert (fn(v + 1.5 * n) > 0).mean() > 0.97


@pytest.mark.parametrize("fn,name", [(B.hip_bones_sdf, "pelvis"), (B.sacrum_sdf, "sacrum"),
                                     (B.femur_sdf, "femur_right")])
def test_sdf_is_close_to_metric(meshes, fn, name):
    """Outside the bone, sdf matches the distance to the bone surface (dense surface samples):
    closely near the surface, within the smooth-union blends a little farther out."""
    m = meshes[name]
    rng = np.random.default_rng(2)
    surface, _ = __import__("trimesh").sample.sample_surface(m, 80000, seed=2)
    tree = cKDTree(surface)
    lo, hi = m.bounds
    pts = rng.uniform(lo - 15.0, hi + 15.0, size=(15000, 3))
    dist, _ = tree.query(pts)
    pts, dist = pts[dist < 15.0], dist[dist < 15.0]
    d = fn(pts)
    err = np.abs(np.abs(d) - dist)
    out = d > 0
    near = out & (dist < 6.0)
    assert np.percentile(err[near], 95) < 1.2
    assert np.median(err[out]) < 0.3
    assert np.percentile(err[out], 95) < 2.5
    pts, d = pts[:800], d[:800]
    import pyvista as pv
    sel = pv.PolyData(pts[:800]).select_interior_points(pv.wrap(m), check_surface=False)
    inside = np.asarray(sel.point_data["selected_points"]).astype(bool)
    assert ((d[:800] < 0) == inside).mean() > 0.98


def test_pelvis_sdf_is_hip_bones_and_sacrum(meshes):
    pts = np.vstack([meshes["pelvis"].vertices[::7], meshes["sacrum"].vertices[::7]])
    pts = pts + np.random.default_rng(5).normal(scale=4.0, size=pts.shape)
    assert np.allclose(B.pelvis_sdf(pts), np.minimum(B.hip_bones_sdf(pts), B.sacrum_sdf(pts)))
    # every mesh vertex is on or outside the whole pelvis
    assert B.pelvis_sdf(meshes["pelvis"].vertices).max() < 1.0


def test_sdf_is_vectorised_and_shaped():
    pts = np.random.default_rng(3).uniform(-200, 200, size=(500, 3))
    for fn in (B.pelvis_sdf, B.femur_sdf):
        d = fn(pts)
        assert d.shape == (500,)
        assert np.all(np.isfinite(d))
        assert np.allclose(d[:7], fn(pts[:7]))


def test_landmarks_lie_on_their_bone():
    not_on_surface = {"hip_joint_centre", "hip_joint_centre_left"}
    for k, p in B.PELVIS.items():
        if k not in not_on_surface:
            assert abs(B.pelvis_sdf(p[None])[0]) < 1.5, k
    centres = {"femoral_head", "knee_centre", "neck_axis_head", "neck_axis_base",
               "neck_shaft_intersection"}
    for k, p in B.FEMUR.items():
        if k not in centres:
            assert abs(B.femur_sdf(p[None])[0]) < 1.5, k
    for k in ("femoral_head", "neck_axis_base", "neck_shaft_intersection"):
        assert B.femur_sdf(B.FEMUR[k][None])[0] < -5.0, k


# ----------------------------------------------------------------------------- acetabulum
def test_acetabulum_is_a_socket_around_the_head():
    # the joint centre is in the socket's cavity, not in bone; the socket floor is bone
    assert B.hip_bone_right_sdf(np.zeros((1, 3)))[0] > 15.0
    # opening direction measured from the geometry: rays from the HJC that escape the bone
    g = np.random.default_rng(4).normal(size=(3000, 3))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    hit = np.zeros(len(g), bool)
    for r in np.arange(20.0, 45.0, 1.0):
        hit |= B.hip_bone_right_sdf(g * r) < 0
    open_dirs = g[~hit]
    assert 0.15 < len(open_dirs) / len(g) < 0.6, "a socket: bone covers roughly half the head"
    axis = _unit(open_dirs.mean(0))
    incl = np.degrees(np.arctan2(axis[2], -axis[1]))
    antev = np.degrees(np.arcsin(axis[0]))
    assert 30.0 <= incl <= 50.0
    assert 10.0 <= antev <= 28.0
    # the head fits the socket with a small gap
    head = B.FEMUR_DIMENSIONS["head_diameter_mm"] / 2
    socket = B.hip_bone_right_sdf(-B.ACETAB_AXIS[None] * (head + 0.5))[0]
    assert -1.5 < socket < 1.5


# ----------------------------------------------------------------------------- gluteal lines
def _y_at(line, x):
    """Height of a polyline where it crosses the coronal plane at ``x`` (first crossing)."""
    for a, b in zip(line[:-1], line[1:]):
        if (a[0] - x) * (b[0] - x) <= 0 and a[0] != b[0]:
            t = (x - a[0]) / (b[0] - a[0])
            return a[1] + t * (b[1] - a[1])
    return None


def _x_at(line, y):
    for a, b in zip(line[:-1], line[1:]):
        if (a[1] - y) * (b[1] - y) <= 0 and a[1] != b[1]:
            t = (y - a[1]) / (b[1] - a[1])
            return a[0] + t * (b[0] - a[0])
    return None


def test_gluteal_lines_lie_on_outer_ilium():
    for name, line in B.GLUTEAL_LINES.items():
        assert line.ndim == 2 and line.shape[1] == 3 and len(line) >= 10
        assert np.abs(B.pelvis_sdf(line)).max() < 1.5, name
        assert np.abs(B.hip_bone_right_sdf(line)).max() < 1.5, name
        # outer (gluteal) surface faces laterally
        g = B.S.normal(B.hip_bone_right_sdf, line)
        assert (g[:, 2] > 0.2).all(), name
        assert line[:, 2].min() > -60.0


def test_gluteal_lines_are_ordered_and_bound_gluteus_medius():
    L = B.GLUTEAL_LINES
    ant, post, inf = L["anterior"], L["posterior"], L["inferior"]
    # posterior line is posterior of the anterior line and reaches higher
    assert post[:, 0].max() < ant[:, 0].max() - 40.0
    assert post[:, 1].max() > ant[:, 1].max()
    # inferior line lies below the anterior line along its course
    for x in np.linspace(-45.0, 20.0, 8):
        ya, yi = _y_at(ant, x), _y_at(inf, x)
        assert ya is not None and yi is not None
        assert yi < ya - 5.0
    # medius origin region: ~30 mm anterior to ~60 mm posterior, ~70-130 mm above the HJC
    for y in (70.0, 100.0, 130.0):
        xp = _x_at(post, y)
        assert xp is not None and xp <= -60.0, "posterior line behind the region"
    for x in (-60.0, -30.0, 0.0):
        ya = _y_at(ant, x)
        assert ya is not None and ya <= 72.0, "anterior line below the region"
    assert ant[:, 0].max() >= 25.0, "anterior line reaches the front of the region"
    # a core of the region lies above the anterior line, in front of the posterior line and
    # under the crest, on the outer surface of the ilium
    core = np.array([[x, y] for x in (-50.0, -20.0, 10.0) for y in (85.0, 110.0)])
    for x, y in core:
        assert y > _y_at(ant, x)
        assert x > _x_at(post, y) if _x_at(post, y) is not None else True
    hits = B.S.raycast(B.hip_bone_right_sdf, np.column_stack([core, np.full(len(core), 150.0)]),
                       [0.0, 0.0, -1.0])
    assert np.isfinite(hits).all()
    assert np.all(hits[:, 1] < B.PELVIS["iliac_crest_top"][1])
    # representative landmarks lie on their lines
    for k in ("anterior", "posterior", "inferior"):
        d = np.linalg.norm(L[k] - B.PELVIS[f"{k}_gluteal_line"], axis=1)
        assert d.min() < 1e-6


# ----------------------------------------------------------------------------- facets
def _outline_area(outline, normal):
    c = outline.mean(0)
    e1 = _unit(np.cross(normal, [0.0, 1.0, 0.0]))
    e2 = np.cross(normal, e1)
    uv = np.column_stack([(outline - c) @ e1, (outline - c) @ e2])
    x, y = uv[:, 0], uv[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_facets_lie_on_greater_trochanter_and_face_out():
    assert set(B.FACETS) == {"lateral", "superoposterior", "anterior", "posterior"}
    for name, f in B.FACETS.items():
        c, n, o = f["centre"], f["normal"], f["outline"]
        assert c.shape == (3,) and n.shape == (3,) and o.ndim == 2 and o.shape[1] == 3
        assert np.isclose(np.linalg.norm(n), 1.0)
        assert abs(B.femur_sdf(c[None])[0]) < 0.5, name
        assert np.abs(B.femur_sdf(o)).max() < 0.5, name
        assert B.femur_sdf((c + 4.0 * n)[None])[0] > 3.0, name
        assert c[2] > 30.0 and c[1] > -45.0, f"{name} is on the greater trochanter"
        assert np.allclose(B.FEMUR[f"{name}_facet"], c)
    F = B.FACETS
    assert F["lateral"]["normal"][2] > 0.8
    assert F["superoposterior"]["normal"][1] > 0.3 and F["superoposterior"]["normal"][0] < -0.2
    assert F["anterior"]["normal"][0] > 0.4
    assert F["posterior"]["normal"][0] < -0.5


def test_facet_sizes_match_pfirrmann():
    lat = B.FACETS["lateral"]
    area = _outline_area(lat["outline"], lat["normal"])
    assert 438 * 0.9 <= area <= 438 * 1.1
    o = lat["outline"]
    dists = np.linalg.norm(o[:, None] - o[None], axis=2)
    i, j = np.unravel_index(np.argmax(dists), dists.shape)
    assert 32.0 <= dists[i, j] <= 38.0, "footprint about 35 mm long"
    long_axis = _unit(o[i] - o[j])
    shaft = _unit(B.FEMUR["neck_shaft_intersection"] - B.FEMUR["knee_centre"])
    ang = np.degrees(np.arccos(abs(long_axis @ shaft)))
    assert 30.0 <= ang <= 44.0, "angled about 37 deg to the femoral axis"
    sp = B.FACETS["superoposterior"]
    area = _outline_area(sp["outline"], sp["normal"])
    assert 197 * 0.9 <= area <= 197 * 1.1
    o = sp["outline"]
    span = np.linalg.norm(o[:, None] - o[None], axis=2).max()
    assert 15.0 <= span <= 19.0, "roughly round, about 17 mm across"


# ----------------------------------------------------------------------------- module hygiene
def test_bones_module_does_not_import_viewer_or_panel():
    code = ("import sys, meshes.bones; "
            "assert 'panel' not in sys.modules and 'viewer' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_renders_off_screen(tmp_path, meshes):
    import pyvista as pv
    pl = pv.Plotter(off_screen=True, window_size=(300, 300))
    for name in ("pelvis", "sacrum", "femur_right", "femur_left"):
        pl.add_mesh(pv.wrap(meshes[name]), color="#e8dcc0")
    pl.set_background("white")
    pl.camera_position = [(0, -100, 900), (0, -100, -80), (0, 1, 0)]
    pl.reset_camera()
    img = pl.screenshot(str(tmp_path / "lateral.png"), return_img=True)
    pl.close()
    drawn = (np.abs(img.astype(int) - 255).sum(axis=2) > 30).mean()
    assert 0.05 < drawn < 0.9
