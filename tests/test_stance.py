"""Single-leg stance: forces at full strength, pelvic drop with weakness, cane and lean."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest

from meshes import stance


@pytest.fixture(scope="module")
def geo():
    """The geometry the viewer uses: the hip model's levers."""
    g = stance.default_geometry()
    assert g.source == "model"
    return g


def report(geo, **kw):
    return stance.stance_report(geometry=geo, **kw)


# --------------------------------------------------------------- full strength


def test_pauwels_levers_reproduce_his_force_of_about_three_body_weights():
    # Pauwels' own numbers (abductor 4 cm at 21 deg, body weight 11 cm): about 3 BW at the
    # joint and a body-weight lever 2.75 times the abductor lever.
    r = stance.stance_report(geometry=stance.pauwels_geometry())
    assert r["pelvic_drop_deg"] == 0.0
    assert 2.8 <= r["joint_force_bw"] <= 3.3
    assert 2.0 <= r["abductor_force_bw"] <= 2.5
    assert r["lever_arms_mm"]["body_weight"] / r["lever_arms_mm"]["abductor"] == pytest.approx(2.75)


def test_full_strength_keeps_the_pelvis_level_with_forces_in_the_single_leg_stance_range(geo):
    # Tested range: 2.2-3.2 BW at the joint, spanning the measured 2.4-2.6 BW (Bergmann
    # 2001) and Pauwels' static estimate of about 3 BW; the abductors need 1.2-2.4 BW.
    r = report(geo)
    assert r["pelvic_drop_deg"] == 0.0
    assert r["balanced"]
    assert 2.2 <= r["joint_force_bw"] <= 3.2
    assert 1.2 <= r["abductor_force_bw"] <= 2.4
    assert r["abductor_force_bw"] == r["required_abductor_force_bw"]
    # The joint force points a little medially from vertical (Pauwels: about 16 deg).
    assert 5.0 <= r["joint_force_angle_deg"] <= 25.0


def test_body_weight_lever_is_a_multiple_of_the_abductor_lever(geo):
    r = report(geo)
    ratio = r["lever_arms_mm"]["body_weight"] / r["lever_arms_mm"]["abductor"]
    # Pauwels: 11 cm / 4 cm = 2.75; the reference sheet quotes 2.5-3.  A model built on
    # the mid-line assumption gives a little less; see docs/mechanics.md.
    assert 1.5 <= ratio <= 3.2
    assert r["required_abductor_force_bw"] == pytest.approx(
        (1 - stance.STANCE_LEG_FRACTION) * ratio, rel=1e-2
    )


def test_abductor_line_leans_from_vertical_like_pauwels(geo):
    assert 10.0 <= geo.abductor_angle_deg <= 40.0


# --------------------------------------------------------------- weakness


def test_pelvis_drops_more_as_strength_falls_below_what_stance_needs(geo):
    threshold = stance.threshold_strength_pct(geometry=geo)
    assert 20.0 < threshold < 100.0
    strengths = [100, threshold + 1, threshold - 1, threshold - 10, threshold - 20, 0]
    drops = [report(geo, strength=max(s, 0.0))["pelvic_drop_deg"] for s in strengths]
    assert drops[0] == 0.0 and drops[1] == 0.0
    assert all(b > a for a, b in zip(drops[1:], drops[2:])), drops
    assert drops[-1] <= stance.MAX_DROP_DEG
    assert drops[-1] >= 8.0  # a clear Trendelenburg sign with no abductors at all


def test_weak_abductors_pull_all_they_can_and_the_rest_is_passive(geo):
    r = report(geo, strength=20)
    assert r["pelvic_drop_deg"] > 0
    assert r["abductor_force_bw"] == r["available_abductor_force_bw"]
    assert r["abductor_force_bw"] < r["required_abductor_force_bw"]


def test_drop_model_is_linear_elastic_and_capped():
    assert stance.pelvic_drop_deg(50.0, 60.0) == 0.0
    assert stance.pelvic_drop_deg(60.0, 60.0) == 0.0
    assert stance.pelvic_drop_deg(74.0, 60.0, stiffness=7.0) == pytest.approx(2.0)
    assert stance.pelvic_drop_deg(1000.0, 0.0) == stance.MAX_DROP_DEG


def test_strength_above_normal_still_keeps_the_pelvis_level(geo):
    assert report(geo, strength=150)["pelvic_drop_deg"] == 0.0


# --------------------------------------------------------------- cane and lean


def test_cane_in_the_opposite_hand_lowers_abductor_and_joint_force(geo):
    plain, cane = report(geo), report(geo, cane=True)
    assert cane["required_abductor_force_bw"] < 0.7 * plain["required_abductor_force_bw"]
    # Brand & Crowninshield 1980: a cane leaves about 60% of the normal contact force.
    assert 0.45 <= cane["joint_force_bw"] / plain["joint_force_bw"] <= 0.75
    assert cane["lever_arms_mm"]["cane"] > cane["lever_arms_mm"]["body_weight"]


def test_cane_reduces_the_drop_of_a_weak_hip(geo):
    assert report(geo, strength=30, cane=True)["pelvic_drop_deg"] < report(geo, strength=30)["pelvic_drop_deg"]


def test_lean_toward_the_stance_side_lowers_the_required_force(geo):
    forces = [report(geo, lean=x)["required_abductor_force_bw"] for x in (-10, 0, 5, 10, 20)]
    assert all(b < a for a, b in zip(forces, forces[1:])), forces


def test_compensated_lean_brings_the_required_force_within_reach(geo):
    for strength in (10, 30, 50):
        lean = stance.compensated_lean(strength, geometry=geo)
        assert lean is not None and 0 < lean < 30
        r = report(geo, strength=strength, lean=round(lean, 6) + 1e-6)
        assert r["pelvic_drop_deg"] == 0.0
        assert r["required_abductor_force_bw"] <= r["available_abductor_force_bw"] + 1e-3
    assert stance.compensated_lean(100, geometry=geo) == 0.0
    assert stance.compensated_lean(20, geometry=geo) > stance.compensated_lean(40, geometry=geo)
    assert stance.compensated_lean(20, cane=True, geometry=geo) < stance.compensated_lean(20, geometry=geo)


def test_lean_formula():
    assert stance.leaned_lever_mm(100.0, 0.0) == 100.0
    assert stance.leaned_lever_mm(100.0, 30.0, height_mm=200.0) == pytest.approx(0.0, abs=1e-9)
    assert stance.compensated_lean_deg(0.0, 100.0, height_mm=200.0) == pytest.approx(30.0)
    assert stance.compensated_lean_deg(0.0, 1000.0, height_mm=200.0) is None


# --------------------------------------------------------------- report and arguments


def test_report_has_the_documented_keys_and_is_json(geo):
    r = report(geo, side="left", strength=40, cane=True, lean=5)
    for key in ("abductor_force_bw", "joint_force_bw", "pelvic_drop_deg", "lever_arms_mm",
                "side", "strength_pct", "cane", "lean_deg"):
        assert key in r
    assert set(r["lever_arms_mm"]) >= {"abductor", "body_weight"}
    assert (r["side"], r["strength_pct"], r["cane"], r["lean_deg"]) == ("left", 40.0, True, 5.0)
    assert json.loads(json.dumps(r)) == r


def test_left_stance_is_the_mirror_of_the_right(geo):
    left, right = report(geo, side="left", strength=30), report(geo, side="right", strength=30)
    assert {k: v for k, v in left.items() if k != "side"} == {k: v for k, v in right.items() if k != "side"}


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"side": "middle"}, "side"),
        ({"strength": -5}, "strength"),
        ({"strength": 151}, "strength"),
        ({"strength": float("nan")}, "strength"),
        ({"strength": "strong"}, "strength"),
        ({"lean": 45}, "lean"),
        ({"lean": -20}, "lean"),
        ({"cane": "yes"}, "cane"),
    ],
)
def test_bad_arguments_raise_one_line_messages(kwargs, word):
    with pytest.raises(ValueError) as err:
        stance.check_stance_args(**kwargs)
    msg = str(err.value)
    assert word in msg and "\n" not in msg


def test_cli_namespace_report():
    ns = SimpleNamespace(side="right", strength=25.0, cane=False, lean=None, json=True)
    r = stance.stance_cli_report(ns)
    assert r["strength_pct"] == 25.0 and r["lean_deg"] == 0.0
    assert r["pelvic_drop_deg"] > 0
    with pytest.raises(ValueError):
        stance.stance_cli_report(SimpleNamespace(side="right", strength=500.0, cane=False, lean=0.0))


def test_joint_force_vector_sum():
    r, angle = stance.joint_force_bw(2.0, 0.0, leg_fraction=0.0)
    assert r == pytest.approx(3.0) and angle == pytest.approx(0.0)
    r, angle = stance.joint_force_bw(1.0, 90.0, leg_fraction=0.0)
    assert r == pytest.approx(math.sqrt(2)) and angle == pytest.approx(45.0)


def test_drop_curve_for_a_plot_falls_as_strength_rises(geo):
    c = stance.drop_curve(range(0, 101, 10), geometry=geo)
    drops = c["pelvic_drop_deg"]
    assert len(drops) == 11 and drops[-1] == 0.0 and drops[0] > 0
    assert all(b <= a for a, b in zip(drops, drops[1:]))


def test_drop_with_a_constant_lever_is_the_linear_elastic_drop():
    for deficit in (5.0, 30.0, 70.0):
        m_req, f, a = 80.0, (80.0 - deficit) / 50.0, 50.0
        assert stance.equilibrium_drop_deg(m_req, f, lambda d: a) == pytest.approx(
            stance.pelvic_drop_deg(m_req, f * a), abs=1e-4)


def test_model_levers_follow_the_pelvis_as_it_drops(geo):
    # Dropping the pelvis adducts the stance hip: the model's lever and line are sampled.
    assert len(geo.drop_deg) >= 3 and geo.drop_deg[0] == 0.0
    assert geo.lever_at(0.0) == geo.abductor_lever_mm
    assert all(30.0 < a < 70.0 for a in geo.drop_levers_mm)
    r = report(geo, strength=10)
    assert r["lever_arms_mm"]["abductor"] == pytest.approx(geo.lever_at(r["pelvic_drop_deg"]), abs=0.1)


def test_report_from_a_students_model_uses_the_stance_posture_and_leaves_it_alone(geo):
    from meshes.model import HipModel

    m = HipModel(flexion=40.0, adduction=-15.0, rotation=10.0)
    r = stance.stance_report(strength=30, model=m)
    assert (m.flexion, m.adduction, m.rotation, m.pelvic_drop) == (40.0, -15.0, 10.0, 0.0)
    assert r == report(geo, strength=30)


# --------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PAUWELS = stance.pauwels_geometry()
strengths = st.floats(0.0, 150.0)
leans = st.floats(-10.0, 30.0)


@settings(max_examples=60, deadline=None)
@given(a=strengths, b=strengths, lean=leans, cane=st.booleans())
def test_less_strength_never_means_less_drop(a, b, lean, cane):
    weak, strong = sorted((a, b))
    d_weak = stance.stance_report(strength=weak, lean=lean, cane=cane, geometry=PAUWELS)["pelvic_drop_deg"]
    d_strong = stance.stance_report(strength=strong, lean=lean, cane=cane, geometry=PAUWELS)["pelvic_drop_deg"]
    assert 0.0 <= d_strong <= d_weak <= stance.MAX_DROP_DEG


@settings(max_examples=60, deadline=None)
@given(strength=strengths, lean=st.floats(-10.0, 29.0), cane=st.booleans())
def test_more_lean_never_needs_more_abductor_force(strength, lean, cane):
    r0 = stance.stance_report(strength=strength, lean=lean, cane=cane, geometry=PAUWELS)
    r1 = stance.stance_report(strength=strength, lean=lean + 1.0, cane=cane, geometry=PAUWELS)
    assert r1["required_abductor_force_bw"] <= r0["required_abductor_force_bw"]
    assert r1["pelvic_drop_deg"] <= r0["pelvic_drop_deg"]


def test_the_model_shows_the_drop_as_hip_adduction(geo):
    from meshes.model import HipModel

    r = report(geo, strength=20)
    m = HipModel(**stance.stance_posture(r))
    assert m.pelvic_drop == r["pelvic_drop_deg"] > 0
    assert m.joint_angles()["adduction"] == pytest.approx(r["pelvic_drop_deg"], abs=1e-6)
    # the unsupported (left) side is lower than the stance side
    lm = m.landmarks()
    assert lm["asis_left"][1] < lm["asis_right"][1]


def test_no_abductors_and_a_lean_away_cannot_be_held(geo):
    r = report(geo, strength=0, lean=-10)
    assert r["pelvic_drop_deg"] == stance.MAX_DROP_DEG
    assert r["balanced"] is False
    assert report(geo, strength=0)["balanced"] is True


# --------------------------------------------------------------- where the force comes from


def test_with_no_abductors_the_text_says_the_pelvis_hangs_on_passive_tissue(geo):
    from viewer.panels.mechanics import stance_html

    r = report(geo, strength=0)
    assert r["available_abductor_force_bw"] == 0.0 and r["joint_force_bw"] > 2.0
    assert r["passive_force_bw"] > 1.0
    text = stance.force_source_text(r)
    for words in ("no abductor force", "passive tissue", "joint capsule", "iliotibial tract", "fascia",
                  "the pelvis drops", f"{r['pelvic_drop_deg']:.1f}°"):
        assert words in text, text
    html = stance_html(r)
    assert "passive tissue" in html and "Passive tissue pull" in html
    assert f"{r['passive_force_bw']:.2f} BW" in html


def test_weak_abductors_share_the_pull_with_passive_tissue_and_strong_ones_need_none(geo):
    weak = report(geo, strength=40)
    assert 0.0 < weak["passive_force_bw"] and weak["pelvic_drop_deg"] > 0
    assert "passive tissue" in stance.force_source_text(weak)
    assert f"{weak['available_abductor_force_bw']:.2f} of the" in stance.force_source_text(weak)
    strong = report(geo, strength=100)
    assert strong["passive_force_bw"] == 0.0
    assert "passive" not in stance.force_source_text(strong)
