"""The neighbours of gluteus medius: piriformis, tensor fasciae latae, the iliotibial tract,
the trochanteric bursae, the superior gluteal nerve's branches and the two parts of gluteus
minimus, placed as the published descriptions say, and their moment-arm signs as the
published actions say (reference sheet, section "Neighbours a lecturer teaches with gluteus
medius")."""

from __future__ import annotations

import numpy as np
import pytest

from meshes import bones
from meshes.landmarks import BY_ID, NEIGHBOUR_MUSCLES
from meshes.measure import measure_report
from meshes.model import MESH_NAMES, HipModel

NEW_MESHES = ["piriformis", "tfl", "itb", "bursa_subgmed", "bursa_subgmax"]


@pytest.fixture(scope="module")
def model():
    return HipModel()


def _depth_inside(model: HipModel, points) -> float:
    """Deepest penetration (mm, > 0 inside) into the pelvis or the right femur."""
    t = model.femur_transform("right")
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    return float(max(-bones.pelvis_sdf(pts).min(), -bones.femur_sdf(pts @ t[:3, :3]).min()))


def test_every_new_mesh_is_there_on_both_sides_closed_and_outward(model):
    meshes = model.meshes()
    for base in NEW_MESHES:
        for side in ("right", "left"):
            name = f"{base}_{side}"
            assert name in MESH_NAMES and name in meshes, name
            assert meshes[name].is_watertight, name
            assert meshes[name].volume > 0, name
        right = np.asarray(meshes[f"{base}_right"].vertices)
        left = np.asarray(meshes[f"{base}_left"].vertices)
        z_mid = -0.5 * bones.PELVIS_DIMENSIONS["inter_hjc_mm"]
        assert np.allclose(right.mean(axis=0) * [1, 1, -1] + [0, 0, 2 * z_mid], left.mean(axis=0), atol=1e-6)


@pytest.mark.parametrize("posture", [{}, {"flexion": 90.0}, {"flexion": -20.0, "adduction": -25.0},
                                     {"flexion": 60.0, "rotation": 30.0}])
def test_new_structures_stay_outside_the_bones(posture):
    m = HipModel(**posture)
    meshes = m.meshes()
    for name in ("piriformis", "tfl", "gmin_anterior", "gmin_posterior"):
        assert _depth_inside(m, np.vstack(m.fibres(name))) < 0.5, name
    for name in ("piriformis_right", "tfl_right", "itb_right", "bursa_subgmed_right", "bursa_subgmax_right",
                 "superior_gluteal_nerve_right"):
        assert _depth_inside(m, meshes[name].vertices) < 1.0, (name, posture)


def test_piriformis_runs_from_the_sacrum_through_the_foramen_below_the_nerve(model):
    paths = model.fibres("piriformis")
    sacrum = bones.sacrum_mesh()
    lo, hi = np.asarray(sacrum.bounds)
    notch = np.asarray(bones.PELVIS["greater_sciatic_notch"])
    tip = model.landmarks()["greater_trochanter_tip"]
    nerve_exit = model.anatomy.nerve_start
    for p in paths:
        origin = p[0]
        # on the pelvic (front) surface of the sacrum, S2-S4: its middle three fifths
        assert abs(bones.pelvis_sdf(origin[None])[0]) < 4.0
        assert lo[1] + 0.2 * (hi[1] - lo[1]) < origin[1] < lo[1] + 0.8 * (hi[1] - lo[1])
        assert origin[2] < notch[2] - 15.0, "arises medial to the foramen"
        # crosses the foramen (where the nerve leaves the pelvis, beside the notch) lower
        # than the nerve
        k = int(np.nonzero(p[:, 2] >= nerve_exit[2])[0][0])
        w = (nerve_exit[2] - p[k - 1, 2]) / (p[k, 2] - p[k - 1, 2])
        crossing = p[k - 1] + w * (p[k] - p[k - 1])
        assert np.linalg.norm(crossing - notch) < 40.0   # the notch landmark is the top of the foramen
        assert crossing[1] < nerve_exit[1] - 3.0
        # ends on the upper border of the trochanter, medial to its tip
        assert np.linalg.norm(p[-1] - tip) < 30.0
        assert p[-1][2] < tip[2]


def test_tfl_runs_from_beside_the_asis_into_the_tract_a_third_down_the_thigh(model):
    asis = bones.PELVIS["asis_right"]
    length = bones.FEMUR_DIMENSIONS["length_mm"]
    for p in model.fibres("tfl"):
        assert np.linalg.norm(p[0] - asis) < 35.0
        assert abs(-p[-1][1] - length / 3.0) < 15.0
        assert p[-1][2] > 25.0, "inserts on the lateral side of the thigh"


def test_the_iliotibial_tract_runs_from_the_iliac_crest_over_the_trochanter_to_the_knee(model):
    v = np.asarray(model.meshes()["itb_right"].vertices)
    crest = bones.PELVIS["asis_right"]
    knee = bones.FEMUR["knee_centre"]
    assert v[:, 1].max() > crest[1] - 10.0, "starts at the iliac crest"
    assert v[:, 1].min() < knee[1], "reaches the knee"
    lateral_facet = model.landmarks()["lateral_facet"]
    near = v[np.abs(v[:, 1] - lateral_facet[1]) < 8.0]
    assert near[:, 2].max() > lateral_facet[2] + 8.0, "lies over the trochanter, lateral to it"


def test_bursae_lie_on_the_trochanter_under_the_tract_and_subgluteus_maximus_is_largest(model):
    meshes = model.meshes()
    med, big = meshes["bursa_subgmed_right"], meshes["bursa_subgmax_right"]
    assert big.volume > 3 * med.volume
    lm = model.landmarks()
    assert np.linalg.norm(med.centroid - lm["lateral_facet"]) < 8.0
    assert big.centroid[2] > lm["lateral_facet"][2] - 5.0, "lateral to the trochanter"
    itb = np.asarray(meshes["itb_right"].vertices)
    for b in (med, big):
        v = np.asarray(b.vertices)
        level = itb[np.abs(itb[:, 1] - b.centroid[1]) < 10.0]
        assert v[:, 2].max() < level[:, 2].max(), "deep to the iliotibial tract"


def test_the_nerve_reaches_tfl_and_has_a_superior_branch_along_gluteus_minimus(model):
    meshes = model.meshes()
    nerve = np.asarray(meshes["superior_gluteal_nerve_right"].vertices)
    tfl = model.fibres("tfl")[1]
    assert np.linalg.norm(nerve[:, None] - tfl[None], axis=2).min() < 8.0
    line = bones.GLUTEAL_LINES["anterior"]
    branch = model.anatomy.nerve_superior
    d = np.linalg.norm(branch[:, None] - line[None], axis=2).min(axis=1)
    assert np.median(d) < 12.0, "superior branch follows the upper border of gluteus minimus"


def test_new_landmarks_sit_on_their_structures(model):
    lm = model.landmarks()
    meshes = model.meshes()
    for lid, mesh in [("piriformis", "piriformis_right"), ("tfl", "tfl_right"), ("itb", "itb_right"),
                      ("bursa_subgmed", "bursa_subgmed_right"), ("bursa_subgmax", "bursa_subgmax_right"),
                      ("gmin_anterior", "gmin_right"), ("gmin_posterior", "gmin_right")]:
        assert lid in BY_ID
        v = np.asarray(meshes[mesh].vertices)
        assert np.linalg.norm(v - lm[lid], axis=1).min() < 4.0, lid
    assert lm["gmin_anterior"][0] > lm["gmin_posterior"][0]


# ------------------------------------------------------------------------- mechanics


@pytest.fixture(scope="module")
def arms():
    out = {}
    for f in (-20.0, 0.0, 45.0, 90.0, 110.0, 120.0):
        out[f] = HipModel(flexion=f).muscle_moment_arms()
    return out


def test_piriformis_rotates_externally_with_the_hip_extended(arms):
    """Delp et al. 1999: external rotation with the hip extended."""
    for f in (-20.0, 0.0, 45.0):
        assert arms[f]["piriformis"]["internal_rotation"] < -2.0, f


def test_piriformis_rotation_arm_turns_internal_with_the_hip_well_flexed(arms):
    """Delp et al. 1999: the rotation moment arm changes sign with the hip well flexed.  In
    this model's geometry the change comes late (about 100 deg): at 90 deg it is still small
    and external, beyond 100 deg it is internal."""
    ir = [arms[f]["piriformis"]["internal_rotation"] for f in (0.0, 45.0, 90.0, 110.0, 120.0)]
    assert ir == sorted(ir), "moves steadily toward internal rotation as the hip flexes"
    assert arms[110.0]["piriformis"]["internal_rotation"] > 2.0
    assert arms[120.0]["piriformis"]["internal_rotation"] > 2.0
    assert abs(arms[90.0]["piriformis"]["internal_rotation"]) < 0.3 * abs(arms[0.0]["piriformis"]["internal_rotation"])


def test_piriformis_abducts_the_flexed_hip(arms):
    for f in (45.0, 90.0):
        assert arms[f]["piriformis"]["abduction"] > 5.0


def test_tfl_flexes_abducts_and_rotates_internally_at_neutral(arms):
    a = arms[0.0]["tfl"]
    assert a["flexion"] > 5.0 and a["abduction"] > 5.0 and a["internal_rotation"] > 2.0


def test_gluteus_minimus_anterior_part_rotates_internally_and_both_parts_abduct(arms):
    a = arms[0.0]
    assert a["gmin_anterior"]["internal_rotation"] > 2.0
    assert a["gmin_anterior"]["internal_rotation"] > a["gmin_posterior"]["internal_rotation"]
    assert a["gmin_anterior"]["abduction"] > 5.0 and a["gmin_posterior"]["abduction"] > 5.0
    # Delp et al. 1999: at 90 deg every part of the gluteal fan rotates internally
    assert arms[90.0]["gmin_posterior"]["internal_rotation"] > 2.0


def test_measure_reports_the_neighbours_beside_unchanged_fibre_groups():
    report = measure_report(90.0, 0.0, 0.0)
    model = HipModel(flexion=90.0)
    assert set(report["muscles"]) == set(NEIGHBOUR_MUSCLES)
    for name, values in report["muscles"].items():
        assert set(values) == {"moment_arm_mm", "length_mm"}
        for ax, v in values["moment_arm_mm"].items():
            assert v == pytest.approx(model.muscle_moment_arms()[name][ax], abs=1e-3)
        assert values["length_mm"] == pytest.approx(model.muscle_lengths()[name], abs=1e-3)
    arms = model.moment_arms()
    for g, values in report["fibre_groups"].items():
        assert values["moment_arm_mm"] == {ax: round(float(arms[g][ax]), 3) for ax in arms[g]}
