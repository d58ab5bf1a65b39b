"""The card: action words follow the moment arms, text is escaped, every structure is listed."""

from __future__ import annotations

import pytest

from annotations import load_pack, render_markdown
from meshes.landmarks import LANDMARK_IDS, LANDMARKS
from viewer.panels import cards


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.mark.parametrize(
    "posture, phrase",
    [
        ({}, "In the neutral posture"),
        ({"flexion": 40}, "At 40° flexion"),
        ({"flexion": -20}, "At 20° extension"),
        ({"flexion": 40, "adduction": -10, "rotation": 15}, "At 40° flexion, 10° abduction and 15° internal rotation"),
        ({"adduction": 12, "rotation": -30}, "At 12° adduction and 30° external rotation"),
    ],
)
def test_posture_phrase(posture, phrase):
    assert cards.posture_phrase(posture.get("flexion", 0), posture.get("adduction", 0), posture.get("rotation", 0)) == phrase


def test_action_words_follow_the_sign_of_the_moment_arms():
    arms = {"posterior": {"flexion": -12.0, "abduction": 30.0, "internal_rotation": 8.0}}
    line = cards.action_line("gmed_posterior", arms, {"flexion": 40})
    assert line == "At 40° flexion the posterior fibres abduct the hip, extend it and rotate it internally."
    arms = {"posterior": {"flexion": 5.0, "abduction": 30.0, "internal_rotation": -8.0}}
    line = cards.action_line("gmed_posterior", arms, {"flexion": 0}, with_mm=True)
    assert line == ("With the hip straight (neutral posture), the posterior fibres abduct the hip (30 mm), "
                    "rotate it externally (8 mm) and flex it (5 mm).")


@pytest.mark.parametrize(
    "posture, lead",
    [
        ({}, "With your hip straight,"),
        ({"flexion": 40}, "With your hip bent forward 40°,"),
        ({"flexion": -20, "adduction": -10}, "Your hip is stretched back 20° and your leg is out to the side 10°. Here"),
        ({"rotation": 30}, "With your thigh turned in 30°,"),
    ],
)
def test_the_lay_line_speaks_everyday_words(posture, lead):
    arms = {"posterior": {"flexion": -12.0, "abduction": 30.0, "internal_rotation": -8.0}}
    line = cards.action_line("gmed_posterior", arms, posture, level="lay")
    assert line == (f"{lead} the back part lifts your leg out to the side and pulls your thigh back. "
                    "It also turns your thigh outwards.")
    arms = {"anterior": {"flexion": 1.0, "abduction": 30.0, "internal_rotation": 8.0}}
    assert cards.action_line("gmed_anterior", arms, posture, level="lay").endswith(
        "the front part lifts your leg out to the side and turns your thigh inwards.")
    for word in ("abduct", "adduct", "rotate", "flex", "extend", "internal", "external", "mm"):
        assert word not in line


def test_the_student_line_does_not_repeat_in_this_posture(pack):
    arms = {"middle": {"flexion": -12.0, "abduction": 30.0, "internal_rotation": -8.0}}
    line = cards.action_line("gmed_middle", arms, {}, with_mm=True)
    html = cards.card_html(pack.entries["gmed_middle"], pack, "student", render_markdown, line)
    assert "In this posture: </span>In the" not in html
    assert "In this posture: </span>With the hip straight (neutral posture), the middle fibres" in html


def test_tiny_moment_arms_name_no_action():
    arms = {"anterior": {"flexion": 0.5, "abduction": -1.0, "internal_rotation": 0.2}}
    assert cards.action_line("gmed_anterior", arms, {"flexion": 90}) == (
        "At 90° flexion the anterior fibres have almost no leverage on the hip."
    )


def test_action_line_from_the_real_model_reverses_posterior_rotation_with_flexion():
    from meshes.model import HipModel

    model = HipModel()
    neutral = cards.action_line("gmed_posterior", model.moment_arms(), {"flexion": 0})
    model.flexion = 90
    flexed = cards.action_line("gmed_posterior", model.moment_arms(), {"flexion": 90})
    assert "rotate it externally" in neutral or "rotate the hip externally" in neutral
    assert "internally" in flexed
    assert cards.action_line("asis_right", model.moment_arms(), {}) is None


def test_card_has_headings_fields_sources_and_disclaimer(pack):
    entry = pack.entries["gmed_middle"]
    html = cards.card_html(entry, pack, "clinician", render_markdown, "At 10° flexion the middle fibres abduct the hip.")
    assert '<h2 id="card-title">' in html and "<h3" in html
    assert render_markdown(entry.text.clinician).strip()[:40] in html
    assert "Sources" in html and "Review status" in html and str(entry.last_updated) in html
    assert cards.esc(pack.disclaimer) in html
    assert "Innervation" in html and "L4" in html


def test_pack_strings_are_escaped(pack):
    entry = pack.entries["gmed_middle"].model_copy(
        update={"name": "<script>alert(1)</script>", "latin": "<b>x</b>"}
    )
    html = cards.card_html(entry, pack, "lay", render_markdown, "<img src=x onerror=alert(1)>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>x</b>" not in html and "<img" not in html


def test_the_structure_list_holds_every_landmark_and_topic(pack):
    options = cards.structure_options(LANDMARKS, pack.topics)
    ids = [sid for group in options.values() for sid in group.values()]
    assert set(LANDMARK_IDS) <= set(ids)
    assert set(pack.topics) <= set(ids)
    assert len(ids) == len(set(ids))


def test_the_notebook_entry_point_builds_the_page():
    import viewer
    import viewer.app  # noqa: F401  (the page module, imported first as the server does)

    viewer.show()
    page = viewer.show()
    text = repr(page)
    assert "CardView" in text and "StructurePicker" in text
