"""The mechanics panel, driven through its widgets without a browser.

Each test builds the real hip model and the panel, moves a control as a student would, and
checks what the panel shows (or what it set on the model) against the model's own moment
arms, the content pack's action claims and the single-leg stance model.
"""

from __future__ import annotations

import numpy as np
import pytest

from annotations import builtin_pack
from meshes import actions
from meshes.landmarks import ACTIONS

from meshes import model as model_module

from viewer.panels import mechanics as mp  # noqa: E402


def new_panel(**posture):
    model = model_module.HipModel(**posture)
    return model, mp.mechanics_panel(model, None)


def outside_a_served_page():
    """Work outside a served page, so the panel updates at once rather than on a timer.
    An in-process server stopped by an earlier test can leave its document behind as Bokeh's
    current one (a process-wide list, not per thread); a fresh unserved document as Panel's
    current one hides it."""
    import panel as pn
    from bokeh.document import Document

    pn.state.curdoc = Document()


@pytest.fixture(autouse=True)
def each_test_outside_a_served_page():
    outside_a_served_page()


@pytest.fixture(scope="module")
def panel_and_model():
    outside_a_served_page()
    model, panel = new_panel()
    return model, panel


def words_for(action: str) -> str:
    axis, sign = ACTIONS[action]
    pos, neg = actions.ACTION_WORDS[axis]
    return pos if sign > 0 else neg


def group_arm(model, group: str, axis: str) -> float:
    return mp.group_arms(model.moment_arms(), group)[axis]


# --------------------------------------------------------------- action view


def test_action_view_names_the_actions_given_by_the_moment_arm_signs(panel_and_model):
    model, panel = panel_and_model
    for group, flexion in (("posterior", 0.0), ("posterior", 75.0), ("anterior", 45.0), ("whole", 20.0)):
        panel.group = group
        model.flexion = flexion
        arms = mp.group_arms(model.moment_arms(), group)
        expected = actions.action_words(arms)
        assert panel.shown_actions() == expected
        html = panel.action_pane.object
        assert ", ".join(expected) in html
        for ax in actions.AXES:
            assert f"{mp.signed(arms[ax])} mm" in html
        if group == "posterior":
            rotation = "external rotation" if flexion == 0.0 else "internal rotation"
            assert rotation in expected, f"posterior fibres at {flexion} deg flexion"
    model.flexion = 0.0


def pack_claims():
    return [(entry.id, claim) for entry in builtin_pack().entries.values() for claim in entry.actions]


def test_the_actions_shown_agree_with_every_action_claim_of_the_content_pack(panel_and_model):
    model, panel = panel_and_model
    claims = pack_claims()
    assert claims, "the content pack makes no action claims"
    wrong = []
    for entry_id, claim in claims:
        if claim.group not in mp.GROUPS:
            continue  # a neighbouring muscle: held to its moment arms in test_content_mechanics
        lo, hi = claim.flexion_deg
        angle = round((lo + hi) / 2.0)
        panel.group = claim.group
        model.param.update(flexion=angle, adduction=0.0, rotation=0.0)
        shown = panel.shown_actions()
        if words_for(claim.action) not in shown or words_for(claim.action) not in panel.action_pane.object:
            wrong.append(f"{entry_id}: {claim.group} {claim.action} at {angle} deg flexion, panel shows {shown}")
    model.flexion = 0.0
    assert not wrong, "\n".join(wrong)


def test_the_sentences_over_flexion_name_the_crossing_the_plot_marks(panel_and_model):
    model, panel = panel_and_model
    panel.group = "posterior"
    panel.axis = "internal_rotation"
    crossings = panel.shown_crossings()["posterior"]
    assert len(crossings) == 1
    html = panel.sentence_pane.object
    assert "external rotation at 0° flexion" in html
    assert f"internal rotation beyond about {crossings[0]:.0f}° flexion" in html


# --------------------------------------------------------------- curves


def test_plotted_zero_crossings_are_where_the_model_moment_arm_is_zero(panel_and_model):
    model, panel = panel_and_model
    panel.axis = "internal_rotation"
    shown = panel.shown_crossings()
    assert shown["posterior"], "the posterior fibres' rotation reversal is not marked"
    probe = model_module.HipModel()
    for group, xs in shown.items():
        for x in xs:
            probe.flexion = x
            assert abs(group_arm(probe, group, "internal_rotation")) < 0.5, f"{group} at {x:.1f} deg"
            probe.flexion = x - 5.0
            before = group_arm(probe, group, "internal_rotation")
            probe.flexion = x + 5.0
            after = group_arm(probe, group, "internal_rotation")
            assert before * after < 0, f"{group}: no sign change around {x:.1f} deg"
    assert shown["posterior"] == pytest.approx(actions.crossing_angles(model, "posterior", "internal_rotation"),
                                               abs=0.3)
    # the labels say the same angles
    assert panel.cross_src.data["text"] == [mp.deg(x) for x in panel.cross_src.data["x"]]


def test_curves_follow_adduction_and_rotation_but_not_flexion(panel_and_model):
    model, panel = panel_and_model
    panel.axis = "abduction"
    first = panel.curves
    model.flexion = 40.0
    assert panel.curves is first
    assert panel.arm_span.location == pytest.approx(40.0, abs=0.01)
    assert panel.len_span.location == pytest.approx(40.0, abs=0.01)
    model.adduction = -10.0
    second = panel.curves
    assert second is not first and second.adduction == -10.0
    assert panel.arm_src.data["middle"] == pytest.approx(second.curve("middle", "abduction").tolist())
    model.param.update(flexion=0.0, adduction=0.0)
    assert panel.curves is first


def test_the_csv_download_holds_the_plotted_curves(panel_and_model):
    model, panel = panel_and_model
    text = panel.download.callback().getvalue()
    lines = text.strip().splitlines()
    header = lines[0].split(",")
    assert header[0] == "flexion_deg"
    assert "posterior_internal_rotation_mm" in header and "middle_length_mm" in header
    flex = panel.curves.flexion
    assert len(lines) == len(flex) + 1
    col = header.index("middle_abduction_mm")
    values = [float(row.split(",")[col]) for row in lines[1:]]
    assert values == pytest.approx(panel.curves.curve("middle", "abduction"), abs=0.01)


# --------------------------------------------------------------- animation


def test_scrubbing_moves_the_femur_the_way_the_group_pulls(panel_and_model):
    model, panel = panel_and_model
    model.param.update(flexion=0.0, adduction=0.0, rotation=0.0)
    panel.group = "middle"
    panel.animation.frame.value = mp.FRAMES // 2
    assert model.adduction < -30.0, "middle fibres abduct: the femur should move out"
    panel.animation.frame.value = 0
    assert model.adduction == pytest.approx(0.0)

    panel.group = "posterior"
    panel.animation.frame.value = mp.FRAMES // 2
    assert model.rotation < -30.0 and model.flexion < -15.0, "posterior fibres near neutral: external rotation, extension"
    panel.group = "anterior"  # a new group puts the hip back where the animation started
    assert (model.flexion, model.rotation) == pytest.approx((0.0, 0.0))
    panel.animation.frame.value = mp.FRAMES // 2
    assert model.rotation > 30.0, "anterior fibres rotate internally"
    panel.animation.frame.value = 0
    panel.group = "middle"


# --------------------------------------------------------------- stance


def test_weak_abductors_drop_the_pelvis_and_more_with_less_strength():
    model, panel = new_panel()
    drops = {}
    for strength in (100.0, 30.0, 10.0):
        panel.stance.strength.value = strength
        drops[strength] = model.pelvic_drop
        assert (model.flexion, model.adduction, model.rotation) == (0.0, 0.0, 0.0)
    assert drops[100.0] == 0.0
    assert 0.0 < drops[30.0] < drops[10.0]
    assert "drops" in panel.stance.pane.object and "BW" in panel.stance.pane.object
    report = panel.stance.report()
    assert f"{report['joint_force_bw']:.2f} BW" in panel.stance.pane.object

    panel.stance.cane.value = True
    assert model.pelvic_drop < drops[10.0], "a cane in the other hand lowers the drop"

    panel.stance.lurch.value = True
    assert panel.stance.lean.value > 0.0
    assert model.pelvic_drop == 0.0, "the compensating lean holds the pelvis level"
    assert "stays level" in panel.stance.pane.object

    panel.stance.lurch.value = False
    panel.stance.lean.value = 0.0
    panel.stance.level.clicks += 1
    assert model.pelvic_drop == 0.0


# --------------------------------------------------------------- exercises


def test_exercise_buttons_set_the_posture_and_name_the_exercise_card():
    model, panel = new_panel()
    entries = builtin_pack().entries
    for key, ex in mp.EXERCISES.items():
        panel.exercises.buttons[key].clicks += 1
        for name, value in ex.posture.items():
            assert getattr(model, name) == pytest.approx(value)
        assert panel.card_id == ex.card_id and panel.card_id in entries
        roles = mp.exercise_roles(model.moment_arms(), ex)
        html = panel.exercises.pane.object
        for group in mp.GROUPS:
            for axis, sign in ex.movement:
                arm = group_arm(model, group, axis) * sign
                expected = "little" if abs(arm) < actions.DEAD_BAND_MM else ("helps" if arm > 0 else "opposes")
                assert roles[group][axis] == expected
                assert f"{expected}, {abs(arm):.0f} mm" in html
    assert {mp.EXERCISES[k].card_id for k in mp.EXERCISES} == {"exercise_clamshell", "exercise_side_lying_abduction"}
    panel.exercises.buttons["sla"].clicks += 1
    roles = mp.exercise_roles(model.moment_arms(), mp.EXERCISES["sla"])
    assert all(roles[g]["abduction"] == "helps" for g in mp.GROUPS), "every part abducts in side-lying abduction"


# --------------------------------------------------------------- lines of pull


def test_a_pull_arrow_starts_at_the_insertion_and_points_to_the_origin():
    path = np.array([[0.0, 100.0, 40.0], [0.0, 60.0, 50.0], [0.0, 20.0, 60.0], [0.0, 0.0, 60.0]])
    shaft, head = mp.pull_arrow(path, length=50.0)
    assert shaft[0] == pytest.approx(path[-1])
    assert shaft[1] == pytest.approx(path[-1] + [0.0, 50.0, 0.0])
    assert head[1] == pytest.approx(shaft[1])
    others = {"gmed_insertion": [[0, 0, 0], [1, 1, 1]], "pull_old_0": [[0, 0, 0], [1, 0, 0]]}
    merged = mp.merged_footprints(others, {"pull_middle_0": shaft.tolist()})
    assert set(merged) == {"gmed_insertion", "pull_middle_0"}


def test_the_lines_of_pull_are_drawn_in_the_view_and_follow_the_posture():
    """The panel writes its lines of pull to the session state; the session's 3D view draws
    them beside the selection's outlines and keeps the drawn part faded."""
    from viewer.scene.panel import ScenePanel
    from viewer.session import Session

    session = Session()
    scene = ScenePanel(session)
    scene.build()
    view, model, state = scene.view, session.model, session.state
    panel = mp.mechanics_panel(model, state)
    before = dict(view.opacity)
    assert not any(k.startswith(mp.ARROW_PREFIX) for k in view.footprints)
    panel.show_arrows = True
    assert view.opacity["gmed_middle_right"] == mp.ARROW_FADE, "the part is faded so its lines show"
    mine = {k: v for k, v in view.footprints.items() if k.startswith(mp.ARROW_PREFIX)}
    assert len(mine) == 2 * len(model.fibres("middle"))
    state.flexion = 45.0  # the session moves the model; the panel follows the model
    for i, path in enumerate(model.fibres("middle")):
        assert view.footprints[f"pull_middle_{i}"][0] == pytest.approx(path[-1], abs=0.06)

    session.select("gmed_origin")  # the page shows an attachment outline too
    assert "gmed_origin" in view.footprints and "pull_middle_0" in view.footprints

    state.opacity = {**state.opacity, "gmed_middle": 1.0}  # the reader sets the layer opaque
    assert view.opacity["gmed_middle_right"] == mp.ARROW_FADE

    panel.group = "whole"
    assert sum(k.startswith(mp.ARROW_PREFIX) for k in view.footprints) == 2 * len(model.fibres("gmed"))
    assert all(view.opacity[f"gmed_{g}_right"] == mp.ARROW_FADE for g in actions.GROUPS)
    panel.show_arrows = False
    assert set(view.footprints) == {"gmed_origin"}
    assert view.opacity == {**before, "gmed_middle_right": 1.0, "gmed_middle_left": 1.0}, \
        "each part gets back the latest opacity set"


def test_why_explains_the_rotation_from_the_sign_of_the_lever(panel_and_model):
    model, panel = panel_and_model
    model.param.update(flexion=0.0, adduction=0.0, rotation=0.0)
    panel.group = "posterior"
    panel.why_button.clicks += 1
    assert "back of the thigh" in panel.why_pane.object and "outward" in panel.why_pane.object
