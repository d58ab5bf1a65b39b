"""``measure_report`` and ``check_posture``: the data behind ``hip-viewer measure``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from meshes import frame
from meshes.landmarks import LANDMARK_IDS
from meshes.measure import check_posture, measure_report
from meshes.model import MESH_NAMES

TOP_KEYS = {"units", "frame", "posture", "landmarks", "femur", "pelvis", "fibre_groups", "muscles", "meshes"}


@pytest.fixture(scope="module")
def report():
    return measure_report(30.0, -10.0, 5.0)


def test_report_has_the_documented_shape_and_is_json(report):
    assert set(report) == TOP_KEYS
    assert report["units"] == "mm"
    assert report["frame"] == frame.FRAME
    assert report["posture"]["flexion_deg"] == 30.0
    assert report["posture"]["adduction_deg"] == -10.0
    assert report["posture"]["rotation_deg"] == 5.0
    assert set(report["landmarks"]) == set(LANDMARK_IDS)
    assert set(report["femur"]) == {"head_diameter_mm", "neck_shaft_angle_deg", "anteversion_deg", "offset_mm",
                                    "length_mm"}
    assert set(report["pelvis"]) == {"inter_asis_mm", "iliac_crest_height_mm", "inter_hjc_mm"}
    for g in ("anterior", "middle", "posterior"):
        assert set(report["fibre_groups"][g]) == {"moment_arm_mm", "length_mm"}
        assert set(report["fibre_groups"][g]["moment_arm_mm"]) == {"flexion", "abduction", "internal_rotation"}
    assert set(report["meshes"]) == set(MESH_NAMES)
    json.loads(json.dumps(report))


def test_report_meshes_say_faces_and_closure(report):
    for name, info in report["meshes"].items():
        assert isinstance(info["faces"], int) and info["faces"] > 0
        if name.startswith(("gmed", "gmin", "gmax", "superior", "safe")):
            assert info["watertight"] is True, name


def test_left_report_mirrors_the_right():
    right = measure_report(45.0)
    left = measure_report(45.0, side="left")
    z_mid = -right["pelvis"]["inter_hjc_mm"] / 2
    r_tip = np.array(right["landmarks"]["greater_trochanter_tip"])
    l_tip = np.array(left["landmarks"]["greater_trochanter_tip"])
    assert l_tip == pytest.approx(frame.mirror_about(r_tip, z_mid), abs=1e-3)
    assert l_tip[2] < z_mid
    # paired ids keep naming the anatomical side
    assert left["landmarks"]["asis_left"] == pytest.approx(right["landmarks"]["asis_left"], abs=1e-3)
    assert left["fibre_groups"] == right["fibre_groups"]


def test_report_moment_arms_match_the_posture():
    neutral = measure_report()
    flexed = measure_report(90.0)
    assert neutral["fibre_groups"]["posterior"]["moment_arm_mm"]["internal_rotation"] < 0
    assert flexed["fibre_groups"]["posterior"]["moment_arm_mm"]["internal_rotation"] > 0


@pytest.mark.parametrize("name, value, expected", [
    ("flexion", "30", 30.0), ("adduction", -45, -45.0), ("rotation", 45.0, 45.0), ("flexion", " 120 ", 120.0),
])
def test_check_posture_accepts_numbers_in_range(name, value, expected):
    assert check_posture(name, value) == expected


def test_check_posture_explains_a_word_in_one_line():
    with pytest.raises(ValueError) as err:
        check_posture("flexion", "abc")
    assert str(err.value) == "--flexion must be a number from -30 to 120 degrees, got 'abc'"


@pytest.mark.parametrize("name, value", [
    ("flexion", 121), ("flexion", -30.5), ("adduction", 31), ("rotation", -46), ("rotation", "nan"),
    ("adduction", float("inf")), ("rotation", None), ("flexion", True), ("flexion", ""),
])
def test_check_posture_refuses_without_clamping(name, value):
    with pytest.raises(ValueError) as err:
        check_posture(name, value)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"--{name} must be a number from")


def test_report_refuses_out_of_range_postures():
    with pytest.raises(ValueError, match="--adduction"):
        measure_report(adduction=40.0)
