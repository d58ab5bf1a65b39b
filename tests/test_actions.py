"""Actions of gluteus medius from moment-arm signs; zero crossings over flexion."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from meshes import actions


def linear_arms(flexion: float) -> dict:
    """Hand-made moment arms (mm) with known crossings: posterior rotation turns internal
    at 50 deg, anterior flexion arm turns positive at 20 deg."""
    f = float(flexion)
    return {
        "anterior": {"flexion": 0.4 * (f - 20.0), "abduction": 40.0 - 0.3 * f, "internal_rotation": 12.0},
        "middle": {"flexion": 0.0, "abduction": 50.0 - 0.1 * f, "internal_rotation": 0.1 * f},
        "posterior": {"flexion": -20.0, "abduction": 30.0, "internal_rotation": -10.0 + 0.2 * f},
    }


# --------------------------------------------------------------- zero crossings


def test_zero_crossings_interpolate_linearly():
    x = [0.0, 10.0, 20.0, 30.0]
    assert actions.zero_crossings(x, [-1.0, 1.0, 3.0, 5.0]) == [pytest.approx(5.0)]
    assert actions.zero_crossings(x, [-3.0, 1.0, -1.0, -2.0]) == [pytest.approx(7.5), pytest.approx(15.0)]
    assert actions.zero_crossings(x, [1.0, 2.0, 3.0, 4.0]) == []


def test_zero_crossings_count_an_exact_zero_once_and_ignore_a_touch():
    x = [0.0, 10.0, 20.0, 30.0]
    assert actions.zero_crossings(x, [-1.0, 0.0, 1.0, 2.0]) == [10.0]
    assert actions.zero_crossings(x, [1.0, 0.0, 1.0, 2.0]) == []


def test_zero_crossings_are_exact_for_a_sampled_line():
    x = np.linspace(-30, 120, 16)
    assert actions.zero_crossings(x, 0.2 * x - 9.4) == [pytest.approx(47.0)]


# --------------------------------------------------------------- words


def test_action_words_follow_the_signs():
    assert actions.action_words({"flexion": -20.0, "abduction": 30.0, "internal_rotation": -10.0}) == [
        "abduction", "extension", "external rotation"]
    assert actions.action_words({"flexion": 8.0, "abduction": -5.0, "internal_rotation": 40.0}) == [
        "internal rotation", "flexion", "adduction"]


def test_near_zero_moment_arms_say_nothing():
    assert actions.action_words({"flexion": 1.0, "abduction": 45.0, "internal_rotation": -1.9}) == ["abduction"]
    assert actions.action_words({"flexion": 1.0, "abduction": 0.5, "internal_rotation": -0.2}) == []
    assert actions.action_words({"flexion": 4.0, "abduction": 45.0, "internal_rotation": 0.0}, threshold_mm=5) == [
        "abduction"]


def test_curve_sentence_uses_the_computed_crossing():
    flex = np.arange(-30, 121, 5.0)
    line = actions.describe_curve("Posterior fibres", "internal_rotation", flex, -9.4 + 0.2 * flex)
    assert line == "Posterior fibres: external rotation at 0° flexion, internal rotation beyond about 47° flexion"
    line = actions.describe_curve("Anterior fibres", "internal_rotation", flex, 12 + 0 * flex)
    assert line == "Anterior fibres: internal rotation at every flexion from -30° to 120°"
    line = actions.describe_curve("Anterior fibres", "flexion", flex, 2.0 * (flex + 10))
    assert line == "Anterior fibres: flexion at 0° flexion, extension below about -10° flexion"


# --------------------------------------------------------------- curves from a source


def test_curves_from_a_moment_arm_function():
    curves = actions.moment_arm_curves(linear_arms, [0, 30, 60, 90])
    assert list(curves["flexion"]) == [0, 30, 60, 90]
    assert np.allclose(curves["posterior"]["internal_rotation"], [-10, -4, 2, 8])
    # whole muscle: force-weighted mean of the parts
    w = actions.GMED_MAX_FORCE_N
    expected = (w["anterior"] * 40 + w["middle"] * 50 + w["posterior"] * 30) / sum(w.values())
    assert curves["whole"]["abduction"][0] == pytest.approx(expected)


def test_crossings_of_a_function_source_refine_to_zero():
    (c,) = actions.crossing_angles(linear_arms, "posterior", "internal_rotation")
    assert c == pytest.approx(50.0, abs=0.05)
    assert actions.crossing_angles(linear_arms, "anterior", "internal_rotation") == []


def test_csv_has_one_row_per_angle_and_named_columns():
    curves = actions.moment_arm_curves(linear_arms, [0, 45, 90])
    rows = list(csv.reader(io.StringIO(actions.curves_csv(curves))))
    assert rows[0][0] == "flexion_deg"
    assert "posterior_internal_rotation_mm" in rows[0] and "whole_abduction_mm" in rows[0]
    assert len(rows) == 4 and all(len(r) == len(rows[0]) for r in rows)
    col = rows[0].index("posterior_internal_rotation_mm")
    assert [float(r[col]) for r in rows[1:]] == [-10.0, -1.0, 8.0]


def test_action_line_reads_the_crossing_from_the_source():
    line = actions.action_line("posterior", linear_arms)
    assert line == "Posterior fibres: external rotation at 0° flexion, internal rotation beyond about 50° flexion"
    lines = actions.action_lines(linear_arms, groups=("anterior",), axes=("flexion",))
    assert lines == {"anterior": ["Anterior fibres: extension at 0° flexion, flexion beyond about 20° flexion"]}


# --------------------------------------------------------------- the hip model

from meshes.model import HipModel  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return HipModel()


@pytest.fixture(scope="module")
def curves(model):
    return actions.moment_arm_curves(model)


def test_curves_cover_the_flexion_range_for_every_part(curves):
    assert curves["flexion"][0] == -30 and curves["flexion"][-1] == 120
    for g in ("anterior", "middle", "posterior", "whole"):
        for ax in actions.AXES:
            assert curves[g][ax].shape == curves["flexion"].shape
            assert np.all(np.isfinite(curves[g][ax]))


def test_curves_leave_the_students_model_alone_and_keep_its_rotation(model):
    m = HipModel(flexion=35.0, adduction=-10.0, rotation=15.0)
    c = actions.moment_arm_curves(m, [0.0, 35.0])
    assert (m.flexion, m.adduction, m.rotation) == (35.0, -10.0, 15.0)
    here = m.moment_arms()
    for g in ("anterior", "middle", "posterior"):
        for ax in actions.AXES:
            assert c[g][ax][1] == pytest.approx(here[g][ax], abs=1e-6)


def test_every_part_abducts_at_neutral_and_the_words_follow_the_signs(model):
    arms = model.moment_arms()
    for g in ("anterior", "middle", "posterior"):
        words = actions.action_words(arms[g])
        assert "abduction" in words
        for ax in actions.AXES:
            w = actions.action_word(ax, arms[g][ax])
            if abs(arms[g][ax]) >= actions.DEAD_BAND_MM:
                assert w in words and (w == actions.ACTION_WORDS[ax][0]) == (arms[g][ax] > 0)
            else:
                assert not set(actions.ACTION_WORDS[ax]) & set(words)
    summary = actions.action_summary(model)
    assert "external rotation" in summary["posterior"] and "extension" in summary["posterior"]


def test_rotation_crossings_sit_where_the_moment_arm_is_zero(model, curves):
    for g in ("anterior", "middle", "posterior"):
        coarse = actions.zero_crossings(curves["flexion"], curves[g]["internal_rotation"])
        fine = actions.crossing_angles(model, g, "internal_rotation")
        assert len(coarse) == len(fine)
        probe = HipModel()
        for c, f in zip(coarse, fine):
            assert abs(c - f) < 1.5  # linear interpolation on 5 deg samples is close
            probe.flexion = f
            assert abs(probe.moment_arms()[g]["internal_rotation"]) < 0.5
            probe.flexion = c
            assert abs(probe.moment_arms()[g]["internal_rotation"]) < 2.0


def test_posterior_fibres_turn_from_external_to_internal_rotation_in_the_flexed_range(model, curves):
    (c,) = actions.crossing_angles(model, "posterior", "internal_rotation")
    assert 30.0 <= c <= 60.0  # Delp et al. 1999: the reversal happens with the hip flexed
    line = actions.action_line("posterior", model)
    assert line == (f"Posterior fibres: external rotation at 0° flexion, "
                    f"internal rotation beyond about {c:.0f}° flexion")
    # at 90 deg every part rotates internally (Delp et al. 1999)
    i90 = int(np.flatnonzero(curves["flexion"] == 90)[0])
    assert all(curves[g]["internal_rotation"][i90] > 0 for g in ("anterior", "middle", "posterior"))


def test_anterior_part_loses_its_abduction_lever_with_deep_flexion(curves):
    i0 = int(np.flatnonzero(curves["flexion"] == 0)[0])
    i90 = int(np.flatnonzero(curves["flexion"] == 90)[0])
    ant, post = curves["anterior"]["abduction"], curves["posterior"]["abduction"]
    assert ant[i90] < 0.25 * ant[i0]
    assert post[i90] > ant[i90]


def test_csv_download_of_the_model_curves(model):
    flex = [0.0, 45.0, 90.0]
    text = actions.curves_csv(actions.moment_arm_curves(model, flex), actions.fibre_length_curves(model, flex))
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4 and "posterior_length_mm" in rows[0]
    col = rows[0].index("posterior_length_mm")
    assert all(50.0 < float(r[col]) < 250.0 for r in rows[1:])


def test_a_model_factory_is_a_source_too():
    c = actions.moment_arm_curves(HipModel, [0.0])
    assert c["posterior"]["internal_rotation"][0] < 0


def test_a_near_zero_lever_at_neutral_is_called_little():
    flex = np.arange(-30, 121, 5.0)
    line = actions.describe_curve("Anterior fibres", "flexion", flex, 0.3 * (flex - 3.0))
    assert line == "Anterior fibres: little flexion or extension at 0° flexion, flexion beyond about 3° flexion"


def test_rotation_why_follows_the_sign_and_names_the_crossing(model):
    line = actions.rotation_why("posterior", model)
    (c,) = actions.crossing_angles(model, "posterior", "internal_rotation")
    assert "toward the back of the thigh" in line and "external rotation" in line
    assert f"At about {c:.0f}° flexion" in line
    flexed = HipModel(flexion=90.0)
    line90 = actions.rotation_why("posterior", flexed)
    assert "toward the front of the thigh" in line90 and "internal rotation" in line90


def test_rotation_why_agrees_with_the_lever_identity(model):
    # (p x u).e = |p_perp| (t . u): check the identity itself on the model's own fibres.
    from meshes.frame import joint_axes

    e3 = joint_axes(0.0, 0.0, 0.0)["internal_rotation"]
    for path in model.fibres("posterior"):
        p, u = path[-1], path[-2] - path[-1]
        u = u / np.linalg.norm(u)
        p_perp = p - (p @ e3) * e3
        t = np.cross(e3, p_perp / np.linalg.norm(p_perp))
        assert np.cross(p, u) @ e3 == pytest.approx(np.linalg.norm(p_perp) * (t @ u), abs=1e-9)
        assert t[0] > 0.5  # toward the front of the thigh for a trochanteric point
