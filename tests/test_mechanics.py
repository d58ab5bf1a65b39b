"""Moment arms and path lengths: the formulas on shapes with known answers, the wrapping on
simple stand-in obstacles, and the actions of gluteus medius read from the model."""

from __future__ import annotations

import numpy as np
import pytest

from meshes import frame
from meshes import mechanics as mech
from meshes import muscles as mu
from meshes.model import HipModel

GROUPS = ("anterior", "middle", "posterior")


# ------------------------------------------------------------------ pure formulas

def test_path_length_of_a_polyline():
    assert mech.path_length(np.array([[0, 0, 0], [3, 4, 0], [3, 4, 12]])) == pytest.approx(17.0)


def test_moment_arm_of_a_pull_about_an_axis():
    # pull straight up at 50 mm lateral of the centre: pure abduction lever about the AP axis
    arm = mech.moment_arm(np.array([0.0, 0.0, 50.0]), np.array([0.0, 1.0, 0.0]), np.array([-1.0, 0, 0]), np.zeros(3))
    assert arm == pytest.approx(50.0)
    # a line through the axis has no lever
    assert mech.moment_arm(np.array([0.0, 10.0, 0.0]), np.array([0.0, 1.0, 0.0]), np.array([1.0, 0, 0]),
                           np.zeros(3)) == pytest.approx(0.0)


def _rot(axis, deg):
    from scipy.spatial.transform import Rotation

    return Rotation.from_rotvec(np.radians(deg) * np.asarray(axis, float)).as_matrix()


def test_both_methods_agree_on_a_straight_path():
    origin = np.array([-20.0, 120.0, 30.0])
    insertion = np.array([-10.0, -5.0, 55.0])
    axis = frame.joint_axes(0, 0, 0)["abduction"]

    def length_at(deg):
        return mech.path_length(np.array([origin, _rot(axis, deg) @ insertion]))

    excursion = mech.moment_arm_excursion(length_at, 0.0)
    direct = mech.moment_arm_from_path(np.array([origin, insertion]), axis, np.zeros(3))
    assert excursion == pytest.approx(direct, rel=1e-3)
    assert direct > 0


def sphere_lookup(radius=25.0, centre=(0.0, 0.0, 0.0)):
    c = np.asarray(centre, float)
    return mu.exact_sdf(lambda p: np.linalg.norm(p - c, axis=1) - radius)


def test_wrapping_over_a_sphere_finds_the_geodesic_length():
    r = 50.0
    a = np.array([-100.0, 0.0, 20.0])
    b = np.array([100.0, 0.0, 20.0])
    lookup = mu.GridSDF.build(lambda p: np.linalg.norm(p, axis=1) - r, [-120] * 3, [120] * 3, 2.0)
    paths = mu.wrap_paths(np.linspace(a, b, 24)[None], [mu.Obstacle(lookup, np.zeros((1, 24)))], iterations=20)
    da, db = np.linalg.norm(a), np.linalg.norm(b)
    arc = np.arccos(a @ b / da / db) - np.arccos(r / da) - np.arccos(r / db)
    exact = np.sqrt(da**2 - r**2) + np.sqrt(db**2 - r**2) + r * arc
    assert mech.path_length(paths[0]) == pytest.approx(exact, rel=0.01)
    assert (np.linalg.norm(paths[0], axis=1) >= r - 0.05).all()


def test_wrapping_keeps_a_path_on_the_near_side_of_a_thin_plate():
    plate = mu.exact_sdf(lambda p: np.maximum(np.abs(p[:, 2]) - 3.0,
                                              np.maximum(np.abs(p[:, 0]) - 80.0, np.abs(p[:, 1]) - 80.0)))
    a = np.array([-100.0, 0.0, 4.0])
    b = np.array([100.0, 0.0, 4.0])
    start = np.linspace(a, b, 24)[None].copy()
    start[0, 8:16, 2] = -1.0       # the guess dips into the plate
    out = mu.wrap_paths(start, [mu.Obstacle(plate, np.full((1, 24), 1.0), np.array([0.0, 0.0, 1.0]))])
    assert (out[0, :, 2] >= 3.9).all()


def test_both_methods_agree_on_a_path_wrapped_over_a_moving_ball():
    """A 'femur' ball offset from the joint centre carries the insertion; the path wraps
    over the ball.  -dL/dtheta equals the lever of the pull where the path leaves it."""
    ball_centre = np.array([0.0, -10.0, 45.0])
    ball = mu.GridSDF.build(lambda p: np.linalg.norm(p - ball_centre, axis=1) - 18.0, [-60, -60, -20], [60, 60, 100],
                            1.0)
    origin = np.array([10.0, 100.0, 20.0])
    insertion = ball_centre + 19.0 * np.array([0.2, -1.0, 0.9]) / np.linalg.norm([0.2, -1.0, 0.9])
    axis = np.array([1.0, 0.0, 0.0])

    def wrapped(deg):
        r = _rot(axis, deg)
        lookup = mu.moved_sdf(ball, r, np.zeros(3))
        path = np.linspace(origin, r @ insertion, 30)[None]
        return mu.wrap_paths(path, [mu.Obstacle(lookup, np.full((1, 30), 1.0))], iterations=60)[0], lookup

    path, lookup = wrapped(0.0)
    d, _ = lookup(path)
    on_ball = d < 1.5
    assert on_ball[5:-1].any(), "the path should wrap over the ball"
    direct = mech.moment_arm_from_path(path, axis, np.zeros(3), on_ball)
    excursion = mech.moment_arm_excursion(lambda deg: mech.path_length(wrapped(deg)[0]), 0.0, 2.0)
    assert excursion == pytest.approx(direct, abs=2.0)


def test_crossing_angle_interpolates_a_sign_change():
    assert mech.crossing_angle([0, 30, 60], [-10, -5, 5]) == pytest.approx(45.0)
    assert mech.crossing_angle([0, 30], [1, 2]) is None


# ------------------------------------------------------------------ the model

@pytest.fixture(scope="module")
def neutral():
    return HipModel()


def test_every_part_abducts_at_neutral(neutral):
    arms = neutral.moment_arms()
    for g in GROUPS:
        assert arms[g]["abduction"] > 10.0, g


def test_anterior_part_rotates_internally_and_posterior_part_externally_at_neutral(neutral):
    arms = neutral.moment_arms()
    assert arms["anterior"]["internal_rotation"] > 0
    assert arms["posterior"]["internal_rotation"] < 0
    assert arms["posterior"]["flexion"] < 0, "posterior fibres extend"


def test_posterior_part_turns_to_internal_rotation_as_the_hip_flexes():
    flexions = np.arange(0.0, 91.0, 10.0)
    values = [HipModel(flexion=f).moment_arms()["posterior"]["internal_rotation"] for f in flexions]
    crossing = mech.crossing_angle(flexions, values)
    assert crossing is not None
    assert 25.0 <= crossing <= 65.0, crossing
    arms90 = HipModel(flexion=90.0).moment_arms()
    assert all(arms90[g]["internal_rotation"] > 0 for g in GROUPS), "all parts rotate internally at 90 deg"


def test_anterior_part_loses_abduction_leverage_at_90_degrees_flexion(neutral):
    at90 = HipModel(flexion=90.0).moment_arms()
    assert at90["anterior"]["abduction"] < 0.5 * neutral.moment_arms()["anterior"]["abduction"]
    assert at90["posterior"]["abduction"] > at90["anterior"]["abduction"]


@pytest.mark.parametrize("posture", [dict(), dict(flexion=60.0), dict(flexion=20.0, adduction=-20.0, rotation=20.0)])
def test_line_of_action_and_excursion_methods_agree_on_the_model(posture):
    m = HipModel(**posture)
    direct = m.moment_arms()
    excursion = m.moment_arms("excursion")
    for g in GROUPS:
        for axis in ("flexion", "abduction", "internal_rotation"):
            a, b = direct[g][axis], excursion[g][axis]
            assert abs(a - b) <= max(2.0, 0.1 * abs(b)), (posture, g, axis, a, b)


def test_fibre_paths_are_longer_than_muscle_fibres(neutral):
    lengths = neutral.fibre_lengths()
    for g in GROUPS:
        # Ward et al. 2009: gluteus medius fibres about 73 mm; the whole path is longer
        assert 80.0 < lengths[g] < 220.0, (g, lengths[g])


def test_path_lengthens_when_the_hip_adducts(neutral):
    add = HipModel(adduction=20.0).fibre_lengths()
    base = neutral.fibre_lengths()
    for g in GROUPS:
        assert add[g] > base[g]
