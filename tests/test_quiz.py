"""The quiz model (annotations/quiz.py) without a browser: questions from the content pack,
their order, answer checking, scoring and the progress kept in the browser."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from annotations import builtin_pack
from annotations.quiz import (
    CLICK_EXCLUDED,
    Progress,
    Quiz,
    actions_at,
    deck_order,
    generate_questions,
    question_at,
    structure_phrase,
)
from meshes.landmarks import ACTIONS, LANDMARK_IDS, REGION_IDS


@pytest.fixture(scope="module")
def pack():
    return builtin_pack()


@pytest.fixture(scope="module")
def questions(pack):
    return generate_questions(pack)


@pytest.fixture(scope="module")
def by_id(questions):
    return {q.id: q for q in questions}


# --------------------------------------------------------------------------- the questions


def test_both_kinds_of_question_with_unique_ids(questions):
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    kinds = {q.kind for q in questions}
    assert kinds == {"click", "choice"}
    assert sum(q.kind == "choice" for q in questions) >= 20
    assert sum(q.kind == "click" for q in questions) >= 15
    for topic in ("nerve", "roots", "artery", "origin", "insertion", "actions", "which_part"):
        assert any(q.id.startswith(topic + ":") for q in questions), topic


def test_choice_questions_have_one_right_option_among_three_or_four(questions):
    for q in questions:
        if q.kind != "choice":
            continue
        assert 3 <= len(q.options) <= 4, q.id
        assert len(set(q.options)) == len(q.options), q.id
        assert q.options.count(q.answer) == 1, q.id
        assert q.is_right(q.answer) and not any(q.is_right(o) for o in q.options if o != q.answer)


def test_click_questions_name_a_landmark_and_answer_with_its_id(questions, pack):
    clicks = [q for q in questions if q.kind == "click"]
    for q in clicks:
        assert (q.answer in LANDMARK_IDS or q.answer in REGION_IDS) and q.answer not in CLICK_EXCLUDED
        assert q.card == q.answer
        assert q.prompt.startswith("Click ") and q.prompt.endswith("in the 3D view.")
        assert q.is_right(q.answer) and not q.is_right("gmax" if q.answer != "gmax" else "gmin")
        assert not q.is_right(None)
    by_answer = {q.answer: q for q in clicks}
    assert by_answer["superior_gluteal_nerve"].prompt == "Click the superior gluteal nerve in the 3D view."
    assert by_answer["gmed_anterior"].prompt == "Click the anterior fibres of gluteus medius in the 3D view."
    assert "(right)" in by_answer["asis_right"].prompt
    assert "hip_joint_centre" not in by_answer  # inside the joint: no camera sees it


def test_structure_phrases():
    assert structure_phrase("Superior gluteal nerve (L4-S1)") == "the superior gluteal nerve"
    assert structure_phrase("Greater trochanter, lateral facet") == "the lateral facet of the greater trochanter"
    assert structure_phrase("Gluteus minimus") == "gluteus minimus"
    assert structure_phrase("Anterior superior iliac spine (left)") == "the anterior superior iliac spine (left)"


# --------------------------------------------------------------------------- answers agree with the pack


def _nerve_name(text: str) -> str:
    return text.split("(")[0].strip()


def test_mcq_answers_agree_with_the_content_pack(questions, pack):
    checked = 0
    for q in questions:
        if q.kind != "choice":
            continue
        topic, _, rest = q.id.partition(":")
        if topic == "nerve":
            entry = pack.entries[rest]
            assert q.answer == _nerve_name(entry.facts.innervation.nerve)
            for o in q.options:
                if o != q.answer:
                    assert o.lower() not in entry.facts.innervation.text.lower()
        elif topic == "roots":
            entry = pack.entries[rest]
            assert q.answer == ", ".join(entry.facts.innervation.roots)
            # every entry supplied by that nerve gives the same roots
            nerve = _nerve_name(entry.facts.innervation.nerve)
            for other in pack.entries.values():
                inn = other.facts.innervation
                if inn is not None and _nerve_name(inn.nerve) == nerve:
                    assert ", ".join(inn.roots) == q.answer
        elif topic == "artery":
            entry = pack.entries[rest]
            assert q.answer.lower() in entry.facts.blood_supply.text.lower()
            for o in q.options:
                if o != q.answer:
                    assert o.lower() not in entry.facts.blood_supply.text.lower()
        elif topic in ("origin", "insertion"):
            entry = pack.entries[rest]
            fact = getattr(entry.facts, topic).text
            assert q.answer == entry.name
            assert " ".join(fact.split()).startswith(q.prompt.split("“")[1].rstrip("”?").rstrip("."))
            for o in q.options:
                if o == q.answer:
                    continue
                other = next(e for e in pack.entries.values() if e.name == o)
                # a distractor is neither a part of the answer nor the whole it belongs to
                assert not o.startswith(entry.name + ",") and not entry.name.startswith(o + ",")
                assert getattr(other.facts, topic).text != fact
        elif topic == "actions":
            eid, angle = rest.rsplit(":", 1)
            claimed = actions_at(pack.entries[eid], float(angle))
            words = {a: a.replace("_", " ") for a in ACTIONS}
            said = {a for a, w in words.items() if w in q.answer.lower()}
            assert said == set(claimed)
            for o in q.options:
                if o == q.answer:
                    continue
                named = {a for a, w in words.items() if w in o.lower()}
                opposite = {"abduction": "adduction", "adduction": "abduction", "flexion": "extension",
                            "extension": "flexion", "internal_rotation": "external_rotation",
                            "external_rotation": "internal_rotation"}
                assert any(opposite[a] in named for a in claimed), (q.id, o)  # certainly wrong
        elif topic == "which_part":
            action, angle = rest.rsplit(":", 1)
            winner = pack.entries[q.card]
            assert action in actions_at(winner, float(angle))
            for o in q.options:
                if o != q.answer:
                    other = next(e for e in pack.entries.values() if e.name == o)
                    assert action not in actions_at(other, float(angle))
        else:
            pytest.fail(f"unchecked question kind {q.id}")
        checked += 1
    assert checked >= 20


def test_answers_agree_with_the_reference_facts(by_id):
    """Spot checks against /work/shared/reference/anatomy.md (Gray's 1918, Delp 1999...)."""
    assert by_id["nerve:gluteus_medius"].answer == "Superior gluteal nerve"
    assert by_id["nerve:gmin"].answer == "Superior gluteal nerve"
    # The nerve's name on screen, "Superior gluteal nerve (L4-S1)", gives its roots away: no
    # roots question is asked about it.
    assert "roots:superior_gluteal_nerve" not in by_id
    assert by_id["artery:gluteus_medius"].answer == "Superior gluteal artery"
    assert by_id["insertion:gmin"].answer == "Gluteus minimus"
    assert "anterior facet" in by_id["insertion:gmin"].prompt.lower()
    # at 0 deg only the anterior part rotates internally; at 90 deg all parts do
    assert by_id["which_part:internal_rotation:0"].answer == "Gluteus medius, anterior fibres"
    assert "internal rotation" in by_id["actions:gmed_anterior:0"].answer.lower()
    for part in ("gmed_anterior", "gmed_middle", "gmed_posterior", "gluteus_medius"):
        assert "internal rotation" in by_id[f"actions:{part}:90"].answer.lower()
    posterior = by_id["actions:gmed_posterior:0"].answer.lower()
    assert "external rotation" in posterior and "extension" in posterior and "abduction" in posterior


def test_annotations_quiz_imports_neither_viewer_nor_panel():
    code = ("import sys, annotations.quiz; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('viewer', 'panel', 'bokeh')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- order


def test_every_question_once_before_any_repeats(questions):
    ids = [q.id for q in questions]
    n = len(ids)
    for seed in (1, 7, 12345):
        seq = [question_at(ids, seed, i) for i in range(3 * n)]
        for cycle in range(3):
            assert sorted(seq[cycle * n:(cycle + 1) * n]) == sorted(ids)
        assert all(a != b for a, b in zip(seq, seq[1:]))  # never the same question twice in a row


def test_same_seed_same_order_and_other_seeds_differ(questions):
    ids = [q.id for q in questions]
    assert deck_order(ids, 42, 0) == deck_order(list(reversed(ids)), 42, 0)
    assert deck_order(ids, 42, 0) != deck_order(ids, 43, 0)
    assert deck_order(ids, 42, 0) != deck_order(ids, 42, 1)
    a = Quiz.start(questions, seed=9, length=5)
    b = Quiz.start(questions, seed=9, length=5)
    assert [q.id for q in a.round_questions()] == [q.id for q in b.round_questions()]


def test_no_back_to_back_repeat_across_passes():
    ids = ["a", "b", "c", "d"]
    for seed in range(300):
        assert question_at(ids, seed, 3) != question_at(ids, seed, 4)


# --------------------------------------------------------------------------- scoring


def test_scoring_a_round(questions):
    quiz = Quiz.start(questions, seed=3, length=4)
    asked = []
    for i in range(4):
        q = quiz.current()
        asked.append(q.id)
        assert quiz.number == i + 1
        fb = quiz.answer(q.answer if i % 2 == 0 else "nothing")
        assert fb.right == (i % 2 == 0) and fb.question is q
        assert quiz.score == ((i // 2) + 1, i + 1)
    assert quiz.current() is None and quiz.progress.finished
    assert quiz.score == (2, 4)
    with pytest.raises(ValueError):
        quiz.answer("anything")
    assert len(set(asked)) == 4

    # A new round clears the score and carries on with questions not yet asked.
    quiz.new_round()
    assert quiz.score == (0, 0) and quiz.progress.start == 4
    assert quiz.current().id not in asked
    # A new seed starts its own deck from the beginning.
    quiz.new_round(seed=11)
    assert quiz.progress.seed == 11 and quiz.progress.start == 0
    assert quiz.current().id == question_at(quiz.ids, 11, 0)


def test_round_length_is_clamped_to_the_bank(questions):
    quiz = Quiz.start(questions, seed=1, length=10_000)
    assert quiz.progress.length == len(questions)
    assert len({q.id for q in quiz.round_questions()}) == len(questions)


# --------------------------------------------------------------------------- progress


def test_progress_round_trip_and_resume(questions):
    quiz = Quiz.start(questions, seed=5, length=6)
    quiz.answer(quiz.current().answer)
    quiz.answer("wrong answer")
    text = quiz.progress.to_json()
    again = Progress.from_json(text)
    assert again == quiz.progress
    assert json.loads(text)["answers"][1][2] is False

    resumed = Quiz.resume(questions, again)
    assert resumed.current().id == quiz.current().id
    assert resumed.score == (1, 2)


@pytest.mark.parametrize("text", [
    None, "", "not json", "[]", '{"v": 99, "seed": 1, "length": 3, "start": 0, "answers": []}',
    '{"v": 1, "seed": "1", "length": 3, "start": 0, "answers": []}',
    '{"v": 1, "seed": 1, "length": 0, "start": 0, "answers": []}',
    '{"v": 1, "seed": 1, "length": 3, "start": 0, "answers": [["x", "y"]]}',
    '{"v": 1, "seed": 1, "length": 1, "start": 0, "answers": [["x", "y", true], ["x", "y", true]]}',
])
def test_bad_progress_records_are_refused(text):
    assert Progress.from_json(text) is None


def test_progress_that_does_not_fit_the_bank_is_not_resumed(questions):
    quiz = Quiz.start(questions, seed=5, length=6)
    q = quiz.current()
    quiz.answer(q.answer)
    data = quiz.progress.to_dict()
    # another question than the deck's at that place (the pack changed)
    data["answers"][0][0] = next(x.id for x in questions if x.id != q.id)
    assert Quiz.resume(questions, Progress.from_dict(data)) is None
    # a wrong answer recorded as right
    data = quiz.progress.to_dict()
    data["answers"][0][1] = "something else"
    assert Quiz.resume(questions, Progress.from_dict(data)) is None
    assert Quiz.resume(questions, None) is None


def test_a_teachers_pack_changes_the_questions(tmp_path):
    """An entry replaced without facts or action claims simply asks fewer questions."""
    from annotations import load_pack

    (tmp_path / "pack.yaml").write_text(
        "entries:\n"
        "  - id: gmed_anterior\n"
        "    name: Gluteus medius, front part\n"
        "    text: {lay: Front part., student: Front part., clinician: Front part.}\n"
        "    sources: [grays1918]\n"
        "    review_status: submitted\n"
        "    last_updated: 2026-11-30\n",
        encoding="utf-8",
    )
    questions = generate_questions(load_pack(tmp_path))
    ids = {q.id for q in questions}
    assert "click:gmed_anterior" in ids
    click = next(q for q in questions if q.id == "click:gmed_anterior")
    assert click.prompt == "Click the front part of gluteus medius in the 3D view."
    assert not any(i.startswith(("origin:gmed_anterior", "actions:gmed_anterior")) for i in ids)
    assert "which_part:internal_rotation:0" not in ids  # two parts are left: no single one to name
    for q in questions:
        if q.kind == "choice":
            assert q.answer in q.options and len(q.options) >= 3


# --------------------------------------------------------------------------- the neighbours


NEIGHBOURS = ("gmin_anterior", "gmin_posterior", "piriformis", "tfl", "itb", "bursa_subgmed", "bursa_subgmax")


def test_every_neighbour_can_be_asked_for_by_a_click(by_id):
    for lid in NEIGHBOURS:
        assert by_id[f"click:{lid}"].answer == lid


def test_nerve_questions_ask_for_piriformis_and_tensor_fasciae_latae(by_id):
    assert by_id["nerve:piriformis"].answer == "Nerve to piriformis"
    assert by_id["nerve:tfl"].answer == "Superior gluteal nerve"
    assert by_id["roots:piriformis"].answer == "S1, S2"
    # the parts of gluteus minimus share the whole muscle's nerve: asked once, for the whole
    assert "nerve:gmin_anterior" not in by_id and "nerve:gmin" in by_id


def test_action_questions_for_the_neighbours_follow_their_published_actions(by_id):
    assert by_id["actions:piriformis:0"].answer == "External rotation"
    assert by_id["actions:piriformis:90"].answer == "Abduction"
    assert by_id["actions:tfl:0"].answer == "Abduction, flexion and internal rotation"
    assert "internal rotation" in by_id["actions:gmin_anterior:0"].answer.lower()
    assert "internal rotation" in by_id["actions:gmin_posterior:90"].answer.lower()
