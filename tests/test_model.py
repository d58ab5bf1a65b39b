"""The hip model as a user sees it: every mesh present and closed, muscles outside the bones
at every posture, markers on their structures, left mirroring right, posture changes that
move the femur side only."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshes import bones, frame
from meshes.landmarks import BY_ID, LANDMARK_IDS
from meshes.model import MESH_NAMES, HipModel

MUSCLES = [n for n in MESH_NAMES if n.startswith(("gmed_", "gmin_", "gmax_"))]
RIGHT_SOFT = [n for n in MUSCLES if n.endswith("_right")] + [
    "superior_gluteal_nerve_right", "superior_gluteal_artery_right", "safe_zone_right"]


@pytest.fixture(scope="module")
def model():
    return HipModel()


def inside_bone_depth(model: HipModel, points: np.ndarray) -> float:
    """Deepest penetration (mm, > 0 means inside) of points into the pelvis or the right
    femur at the model's posture, with the bones' own exact SDFs."""
    t = model.femur_transform("right")
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    d_pelvis = bones.pelvis_sdf(pts)
    d_femur = bones.femur_sdf((pts - t[:3, 3]) @ t[:3, :3])
    return float(max(-d_pelvis.min(), -d_femur.min()))


def _segment_distance(p, a, b):
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12), 0, 1)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


def distance_to_surface(point, mesh) -> float:
    """Distance (mm) from a point to a triangle mesh (closest point on each triangle:
    inside the face, or on one of its edges)."""
    tri = np.asarray(mesh.vertices)[np.asarray(mesh.faces)]
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    p = np.broadcast_to(np.asarray(point, float), a.shape)
    n = np.cross(b - a, c - a)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    h = np.einsum("ij,ij->i", p - a, n)
    q = p - h[:, None] * n
    inside = np.ones(len(a), dtype=bool)
    for u, v in ((a, b), (b, c), (c, a)):
        inside &= np.einsum("ij,ij->i", np.cross(v - u, q - u), n) >= 0
    edge = np.minimum(np.minimum(_segment_distance(p, a, b), _segment_distance(p, b, c)), _segment_distance(p, c, a))
    return float(np.where(inside, np.abs(h), edge).min())


def test_scene_has_every_named_mesh(model):
    meshes = model.meshes()
    assert set(meshes) == set(MESH_NAMES)
    for name, mesh in meshes.items():
        assert len(mesh.faces) > 0, name


def test_muscle_nerve_artery_and_band_meshes_are_closed_with_outward_normals(model):
    meshes = model.meshes()
    for name in MUSCLES + RIGHT_SOFT:
        mesh = meshes[name]
        assert mesh.is_watertight, name
        assert mesh.volume > 0, f"{name} is wound inward"


def test_soft_tissue_stays_within_its_triangle_share(model):
    meshes = model.meshes()
    soft = sum(len(meshes[n].faces) for n in MUSCLES + RIGHT_SOFT)
    assert soft < 25_000


def test_landmarks_cover_every_id(model):
    lm = model.landmarks()
    assert set(lm) == set(LANDMARK_IDS)
    for k, v in lm.items():
        assert np.shape(v) == (3,) and np.all(np.isfinite(v)), k


@pytest.mark.parametrize("lid, mesh", [
    ("gmed_anterior", "gmed_anterior_right"), ("gmed_middle", "gmed_middle_right"),
    ("gmed_posterior", "gmed_posterior_right"), ("gmin", "gmin_right"), ("gmax", "gmax_right"),
    ("superior_gluteal_nerve", "superior_gluteal_nerve_right"),
    ("superior_gluteal_artery", "superior_gluteal_artery_right"), ("safe_zone", "safe_zone_right"),
])
def test_structure_markers_sit_on_their_structure(model, lid, mesh):
    assert BY_ID[lid].kind == "structure"
    m = model.meshes()[mesh]
    assert distance_to_surface(model.landmarks()[lid], m) < 1.5


def test_gluteus_medius_marker_is_on_the_outer_surface(model):
    """The clickable marker of a fibre group is on the side facing away from the bone."""
    lm = model.landmarks()
    for g in ("anterior", "middle", "posterior"):
        p = lm[f"gmed_{g}"]
        assert bones.pelvis_sdf(p[None])[0] > 10.0


def test_origin_lies_on_the_outer_ilium_in_the_published_region(model):
    lm = model.landmarks()
    origin = lm["gmed_origin"]
    assert -70.0 <= origin[0] <= 40.0
    assert 60.0 <= origin[1] <= 150.0
    assert abs(bones.pelvis_sdf(origin[None])[0]) < 2.0
    starts = np.array([f[0] for g in ("anterior", "middle", "posterior") for f in model.fibres(g)])
    assert np.all(starts[:, 1] > bones.GLUTEAL_LINES["anterior"][:, 1].min())
    assert np.all(np.abs(bones.pelvis_sdf(starts)) < 3.0)


def test_fibres_converge_on_the_trochanter_facets(model):
    ends = {g: np.array([f[-1] for f in model.fibres(g)]) for g in ("anterior", "middle", "posterior")}
    lat = bones.FACETS["lateral"]["centre"]
    sup = bones.FACETS["superoposterior"]["centre"]
    assert np.linalg.norm(ends["anterior"] - lat, axis=1).max() < 25.0
    assert np.linalg.norm(ends["posterior"] - sup, axis=1).max() < 25.0
    starts = np.array([f[0] for g in ends for f in model.fibres(g)])
    spread_start = np.ptp(starts, axis=0).max()
    spread_end = np.ptp(np.vstack(list(ends.values())), axis=0).max()
    assert spread_end < spread_start / 3, "the fan converges toward a tendon"


def test_fan_is_thick(model):
    mesh = model.meshes()["gmed_middle_right"]
    # volume over area of one face ~ mean thickness
    assert mesh.volume / (mesh.area / 2) > 8.0


def check_outside_bones(model: HipModel):
    pts = [np.vstack(model.fibres(g)) for g in ("anterior", "middle", "posterior", "gmin", "gmax")]
    assert inside_bone_depth(model, np.vstack(pts)) <= 0.0, "a fibre path point is inside a bone"
    meshes = model.meshes()
    verts = np.vstack([meshes[n].vertices for n in RIGHT_SOFT])
    assert inside_bone_depth(model, verts) <= 0.0, "a muscle vertex is inside a bone"


CORNERS = [(f, a, r) for f in frame.POSTURE_RANGES["flexion"] for a in frame.POSTURE_RANGES["adduction"]
           for r in frame.POSTURE_RANGES["rotation"]]


@pytest.mark.parametrize("posture", CORNERS + [(0.0, 0.0, 0.0), (90.0, 0.0, 0.0), (108.0, 0.0, 25.0)])
def test_nothing_enters_a_bone_at_the_limits_of_motion(posture):
    f, a, r = posture
    check_outside_bones(HipModel(flexion=f, adduction=a, rotation=r))


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    f=st.floats(*frame.POSTURE_RANGES["flexion"]),
    a=st.floats(*frame.POSTURE_RANGES["adduction"]),
    r=st.floats(*frame.POSTURE_RANGES["rotation"]),
    drop=st.floats(-15.0, 15.0),
)
def test_nothing_enters_a_bone_at_any_posture(f, a, r, drop):
    m = HipModel(flexion=f, adduction=a, rotation=r, pelvic_drop=drop)
    p = m.femur_transform("right")
    # with a pelvic drop, check in the pelvis frame: undo the room rotation of the pelvis
    from meshes.model import joint_rotation

    p_room, r_joint = joint_rotation(f, a, r, drop)
    pts = np.vstack([np.vstack(m.fibres(g)) for g in ("anterior", "middle", "posterior", "gmin", "gmax")]) @ p_room
    meshes = m.meshes()
    verts = np.vstack([meshes[n].vertices for n in RIGHT_SOFT]) @ p_room
    both = np.vstack([pts, verts])
    assert np.allclose(p[:3, :3], p_room @ r_joint)
    assert bones.pelvis_sdf(both).min() >= 0.0
    assert bones.femur_sdf(both @ r_joint).min() >= 0.0


def test_left_side_mirrors_the_right_at_neutral(model):
    neutral = HipModel()
    meshes = neutral.meshes()
    z_mid = -bones.PELVIS_DIMENSIONS["inter_hjc_mm"] / 2
    for base in ("gmed_anterior", "gmed_middle", "gmed_posterior", "gmin", "gmax"):
        right = np.asarray(meshes[f"{base}_right"].vertices)
        left = np.asarray(meshes[f"{base}_left"].vertices)
        assert np.allclose(frame.mirror_about(right, z_mid), left, atol=1e-6), base
        assert meshes[f"{base}_left"].volume == pytest.approx(meshes[f"{base}_right"].volume, rel=1e-6)


def test_left_side_stays_put_when_the_right_hip_moves():
    a = HipModel().meshes()
    b = HipModel(flexion=60.0, adduction=10.0).meshes()
    assert np.allclose(a["gmed_middle_left"].vertices, b["gmed_middle_left"].vertices)
    assert np.allclose(a["femur_left"].vertices, b["femur_left"].vertices)
    assert not np.allclose(a["femur_right"].vertices, b["femur_right"].vertices)


def test_femur_turns_about_the_hip_joint_centre():
    m = HipModel(flexion=45.0, adduction=-10.0, rotation=20.0)
    t = m.femur_transform("right")
    assert np.allclose(t[:3, :3], frame.hip_rotation(45.0, -10.0, 20.0))
    assert np.allclose(t[:3, 3], 0.0)
    head = m.landmarks()["femoral_head"]
    assert np.allclose(head, t[:3, :3] @ bones.FEMUR["femoral_head"])


def test_insertions_move_with_the_femur():
    m = HipModel(flexion=70.0)
    t = m.femur_transform("right")
    tip = m.landmarks()["greater_trochanter_tip"]
    assert np.allclose(tip, t[:3, :3] @ bones.FEMUR["greater_trochanter_tip"])
    ends = np.array([f[-1] for f in m.fibres("middle")])
    local = ends @ t[:3, :3]
    assert np.linalg.norm(local - bones.FACETS["lateral"]["centre"], axis=1).min() < 25.0


def test_safe_zone_band_sits_30_to_50_mm_from_the_trochanter_tip_and_follows_the_femur():
    for flexion in (0.0, 60.0):
        m = HipModel(flexion=flexion)
        tip = m.landmarks()["greater_trochanter_tip"]
        band = m.meshes()["safe_zone_right"].vertices
        d = np.linalg.norm(band - tip, axis=1)
        assert d.min() > 26.0 and d.max() < 55.0


def test_nerve_leaves_the_pelvis_at_the_sciatic_notch_and_runs_forward():
    m = HipModel()
    nerve = m.meshes()["superior_gluteal_nerve_right"].vertices
    notch = m.landmarks()["greater_sciatic_notch"]
    assert np.linalg.norm(nerve - notch, axis=1).min() < 25.0
    assert nerve[:, 0].max() > notch[0] + 60.0


def test_pelvic_drop_lowers_the_left_side_and_adducts_the_stance_hip():
    level = HipModel()
    dropped = HipModel(pelvic_drop=8.0)
    assert dropped.landmarks()["asis_left"][1] < level.landmarks()["asis_left"][1] - 10.0
    assert np.allclose(dropped.femur_transform("right")[:3, :3], level.femur_transform("right")[:3, :3])
    assert dropped.joint_angles()["adduction"] == pytest.approx(8.0, abs=1e-6)
    assert dropped.moment_arms()["middle"]["abduction"] > 0


def test_watchers_see_posture_changes():
    m = HipModel()
    seen = []
    m.param.watch(lambda event: seen.append((event.name, event.new)), ["flexion"])
    before = m.fibres("anterior")[0][-1].copy()
    m.flexion = 30.0
    assert seen == [("flexion", 30.0)]
    assert not np.allclose(before, m.fibres("anterior")[0][-1])


def test_posture_outside_the_range_is_refused():
    with pytest.raises(ValueError):
        HipModel(flexion=150.0)


def test_the_model_builds_on_other_bone_shapes():
    """The muscle algorithms only need SDFs, landmarks, lines and facets: simple stand-in
    bones (plates, balls and capsules) give a closed fan that stays outside them."""
    from tests.bone_standins import make

    standin = make()
    m = HipModel(bones=standin, flexion=40.0, adduction=-10.0)
    meshes = m.meshes()
    for name in ("gmed_anterior_right", "gmed_middle_right", "gmed_posterior_right", "gmin_right", "gmax_right"):
        assert meshes[name].is_watertight, name
    arms = m.moment_arms()
    assert all(arms[g]["abduction"] > 0 for g in ("anterior", "middle", "posterior"))
    pts = np.vstack([np.vstack(m.fibres(g)) for g in ("anterior", "middle", "posterior")])
    r = m.femur_transform("right")[:3, :3]
    assert standin.pelvis_sdf(pts).min() >= 0.0
    assert standin.femur_sdf(pts @ r).min() >= 0.0


def test_each_fibre_group_has_its_own_footprints_in_order(model):
    fp = model.footprints()
    centres = {}
    for g in ("anterior", "middle", "posterior"):
        origin = fp[f"gmed_{g}_origin"]
        assert origin.shape[1] == 3 and len(origin) > 10
        assert np.abs(bones.pelvis_sdf(origin)).max() < 3.0, "origin outline lies on the ilium"
        assert f"gmed_{g}_insertion" in fp
        centres[g] = origin.mean(axis=0)
    assert centres["anterior"][0] > centres["middle"][0] > centres["posterior"][0]
    assert np.abs(bones.pelvis_sdf(fp["gmed_origin"])).max() < 3.0
