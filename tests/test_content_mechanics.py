"""Every machine-readable action claim of the content pack agrees with the hip model.

A claim says: over its ``flexion_deg`` range (rest of the hip neutral), the fibre group's
moment arm about the action's axis has the action's sign (``meshes.landmarks.ACTIONS``).
Each claim is sampled at five angles across its range.  ``whole`` claims are read from the
force-weighted moment arm of the three parts (``meshes.actions.whole_muscle_arms``); claims of
a neighbouring muscle (``gmin_anterior``, ``piriformis`` ...) from ``HipModel.muscle_moment_arms``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from annotations import builtin_pack
from meshes.actions import DEAD_BAND_MM, action_holds, action_ids, crossing_angles
from meshes.landmarks import ACTIONS, NEIGHBOUR_MUSCLES

from meshes import model as model_module

SAMPLES_PER_CLAIM = 5


def _claims():
    out = []
    for entry in builtin_pack().entries.values():
        for claim in entry.actions:
            lo, hi = claim.flexion_deg
            out.append(pytest.param(entry.id, claim, id=f"{entry.id}-{claim.group}-{claim.action}-{lo:g}..{hi:g}"))
    return out


@lru_cache(maxsize=None)
def arms_at(flexion: float) -> dict[str, dict[str, float]]:
    model = model_module.HipModel(flexion=flexion)
    arms = {g: dict(v) for g, v in model.moment_arms().items()}
    arms.update({m: dict(v) for m, v in model.muscle_moment_arms().items()})
    if "whole" not in arms:
        from meshes.actions import whole_muscle_arms

        arms["whole"] = whole_muscle_arms(arms)
    return arms


def sample_angles(lo: float, hi: float) -> list[float]:
    return sorted({round(float(a), 1) for a in np.linspace(lo, hi, SAMPLES_PER_CLAIM)})


def test_the_pack_makes_claims_for_every_fibre_group_the_whole_muscle_and_each_neighbour():
    groups = {p.values[1].group for p in _claims()}
    assert groups == {"anterior", "middle", "posterior", "whole", *NEIGHBOUR_MUSCLES}


@pytest.mark.parametrize(("entry_id", "claim"), _claims())
def test_action_claim_agrees_with_the_model_moment_arm(entry_id, claim):
    """Same figures and threshold as the card and the Mechanics tab: the action must be named
    by :func:`meshes.actions.named_actions` (sign right, lever at least DEAD_BAND_MM)."""
    axis, sign = ACTIONS[claim.action]
    wrong = []
    for angle in sample_angles(*claim.flexion_deg):
        arm = arms_at(angle)[claim.group][axis]
        if not action_holds(arms_at(angle)[claim.group], claim.action):
            wrong.append(f"{angle:g} deg flexion: {axis} moment arm {arm:+.1f} mm (named from {DEAD_BAND_MM:g} mm)")
    assert not wrong, (
        f"{entry_id}: '{claim.group} fibres: {claim.action}' over flexion {claim.flexion_deg} "
        f"disagrees with the model at " + "; ".join(wrong)
    )


def test_the_tours_stance_caption_quotes_the_models_own_levers():
    """The built-in tour's single-leg-stance step gives this model's abductor and body-weight
    levers beside Pauwels' figures; they must be the model's (``hip-viewer stance``)."""
    import re
    from pathlib import Path

    import yaml

    from meshes.stance import stance_report

    tour = yaml.safe_load((Path(__file__).resolve().parent.parent / "annotations" / "tour.yaml").read_text())
    caption = next(s["caption"] for s in tour["steps"] if s["title"] == "Single-leg stance")
    abductor_cm, body_cm = map(float, re.search(r"in this model about ([\d.]+) cm against ([\d.]+) cm", caption).groups())
    levers = stance_report()["lever_arms_mm"]
    assert abs(levers["abductor"] / 10 - abductor_cm) <= 0.5
    assert abs(levers["body_weight"] / 10 - body_cm) <= 0.5


# --------------------------------------------------------------------------- one voice
#
# The card's action line, the Mechanics tab and the quiz all read a group's actions at a
# posture from meshes.actions (named_actions, DEAD_BAND_MM).  The quiz states the pack's
# claims; the tests below hold those, and every sentence of the pack and the tour that names
# a flexion angle and an action of gluteus medius, to the same computed figures.


@lru_cache(maxsize=None)
def crossing(group: str, axis: str) -> tuple[float, ...]:
    return tuple(crossing_angles(model_module.HipModel, group, axis))


def named(group: str, flexion: float) -> set[str]:
    return action_ids(arms_at(float(flexion))[group])


def test_quiz_action_answers_are_what_the_card_and_mechanics_name():
    """Every action a quiz answer gives at a posture is named there by meshes.actions (the
    card's line and the Mechanics tab), and every wrong option names the opposite of an
    action the model names there, so it is wrong by the same figures."""
    from annotations.quiz import _OPPOSITE, ACTION_POSTURES, _ACTION_NOUNS, action_questions

    nouns = {v: k for k, v in _ACTION_NOUNS.items()}
    groups = {"gmed_anterior": "anterior", "gmed_middle": "middle", "gmed_posterior": "posterior",
              "gluteus_medius": "whole", **{m: m for m in NEIGHBOUR_MUSCLES}}
    questions = [q for q in action_questions(builtin_pack()) if q.id.startswith("actions:")]
    assert {int(q.flexion) for q in questions} == set(ACTION_POSTURES)
    for q in questions:
        truth = named(groups[q.card], q.flexion)

        def ids(option: str) -> set[str]:
            return {nouns[w.strip().lower()] for w in option.replace(" and ", ", ").split(",")}

        assert ids(q.answer) <= truth, f"{q.id}: answer {q.answer!r}, model names {sorted(truth)}"
        for option in q.options:
            if option != q.answer:
                assert any(_OPPOSITE[a] in ids(option) for a in truth), f"{q.id}: {option!r} is not wrong by the model"


#: Statements of the pack and the tour that name a posture and an action of gluteus medius,
#: each with the check that holds it to the model.  (entry id or "tour", words it contains,
#: check(): True when the model agrees.)
STATEMENTS = [
    ("gluteus_medius", "near neutral only the anterior part rotates internally, while at 90 deg of flexion all parts do",
     lambda: named("anterior", 0) >= {"internal_rotation"}
     and not {"internal_rotation"} & (named("middle", 0) | named("posterior", 0))
     and all("internal_rotation" in named(g, 90) for g in ("anterior", "middle", "posterior"))),
    ("actions_and_posture", "at 0 deg only the anterior part of gluteus medius rotated internally, but at 90 deg all its parts did",
     lambda: not {"internal_rotation"} & (named("middle", 0) | named("posterior", 0))
     and all("internal_rotation" in named(g, 90) for g in ("anterior", "middle", "posterior"))),
    ("actions_and_posture", "of its abduction leverage by 90 deg, and the posterior part keeps some",
     lambda: abs(arms_at(90.0)["anterior"]["abduction"]) < 0.15 * arms_at(0.0)["anterior"]["abduction"]
     and "abduction" in named("posterior", 90)),
    ("gmed_anterior", "it is the only part of gluteus medius that rotates internally at 0 deg of flexion",
     lambda: "internal_rotation" in named("anterior", 0)
     and not {"internal_rotation"} & (named("middle", 0) | named("posterior", 0))),
    ("gmed_anterior", "Its abduction leverage falls as the hip flexes and is nearly gone by 90 deg",
     lambda: abs(arms_at(90.0)["anterior"]["abduction"]) < 0.15 * arms_at(0.0)["anterior"]["abduction"]),
    ("gmed_anterior", "loses almost all abduction leverage by 90 deg flexion",
     lambda: abs(arms_at(90.0)["anterior"]["abduction"]) < 0.15 * arms_at(0.0)["anterior"]["abduction"]),
    ("gmed_anterior", "Abduction leverage is largest near neutral and almost gone by 90 deg flexion",
     lambda: abs(arms_at(90.0)["anterior"]["abduction"]) < 0.15 * arms_at(0.0)["anterior"]["abduction"]),
    ("gmed_middle", "Near neutral it is not an internal rotator (at 0 deg only the anterior part is)",
     lambda: "internal_rotation" not in named("middle", 0)
     and not {"internal_rotation"} & named("posterior", 0) and "internal_rotation" in named("anterior", 0)),
    ("gmed_middle", "its rotation action shifts to internal rotation, which it has at 90 deg of flexion",
     lambda: "internal_rotation" in named("middle", 90)),
    ("gmed_middle", "about 10 deg of flexion in this model, which claims internal rotation from 15 deg on",
     lambda: len(crossing("middle", "internal_rotation")) == 1 and abs(crossing("middle", "internal_rotation")[0] - 10) <= 3
     and "internal_rotation" in named("middle", 15)),
    ("gmed_middle", "internal rotation beyond about 10 deg of flexion",
     lambda: abs(crossing("middle", "internal_rotation")[0] - 10) <= 3),
    ("gmed_posterior", "becoming internal rotation somewhere between about 30 and 60 deg of flexion",
     lambda: 30 <= crossing("posterior", "internal_rotation")[0] <= 60),
    ("gmed_posterior", "Reverses between about 30 and 60 deg of flexion",
     lambda: 30 <= crossing("posterior", "internal_rotation")[0] <= 60),
    ("gmed_posterior", "Reached somewhere between about 30 and 60 deg of flexion",
     lambda: 30 <= crossing("posterior", "internal_rotation")[0] <= 60),
    ("gmed_posterior", "internal rotation once the hip is flexed beyond about 40 deg in this model",
     lambda: abs(crossing("posterior", "internal_rotation")[0] - 40) <= 5),
    ("gmed_posterior", "It keeps some abduction leverage even at 90 deg flexion",
     lambda: "abduction" in named("posterior", 90)),
    ("tour", "Bend the hip to 70° and the same fibres turn the thigh inwards",
     lambda: "internal_rotation" in named("posterior", 70)),
    ("tour", "Their turning action flips between about 30° and 60° of bending",
     lambda: 30 <= crossing("posterior", "internal_rotation")[0] <= 60),
]

_ACTION_WORD = re.compile(r"\b(?:abducts?|abduction|adducts?|adduction|rotates?|rotation|rotator|flexes|extends?|"
                          r"extension|leverage)\b|turns? (?:the|your) thigh", re.I)
_ANGLE = re.compile(r"\b\d+(?:-\d+)?\s*(?:deg|°)")


def _flat(text: str) -> str:
    return " ".join(text.replace("*", "").split())


def _sentences_of_pack_and_tour() -> list[tuple[str, str]]:
    """(where, sentence) for every sentence of the gluteus medius cards, their action notes
    and the tour."""
    import yaml

    out = []
    pack = builtin_pack()
    for eid in ("gluteus_medius", "gmed_anterior", "gmed_middle", "gmed_posterior", "actions_and_posture"):
        e = pack.entries[eid]
        texts = [e.text.lay, e.text.student, e.text.clinician, *(c.note or "" for c in e.actions)]
        if e.facts.actions is not None:
            texts.append(e.facts.actions.text)
        out += [(eid, t) for t in texts]
    tour = yaml.safe_load((Path(__file__).resolve().parent.parent / "annotations" / "tour.yaml").read_text())
    out += [("tour", s["caption"]) for s in tour["steps"]]
    return [(where, sentence) for where, text in out for sentence in re.split(r"(?<=[.;])\s+", _flat(text))]


def _statements_in_pack_and_tour() -> list[tuple[str, str]]:
    """The sentences of :func:`_sentences_of_pack_and_tour` that name an angle and an action."""
    return [(w, s) for w, s in _sentences_of_pack_and_tour() if _ANGLE.search(s) and _ACTION_WORD.search(s)]


def test_every_statement_of_an_action_at_a_posture_is_held_to_the_model():
    """Each sentence that names a flexion angle and an action of gluteus medius is one of
    STATEMENTS (so it has a check), and each check agrees with the computed moment arms."""
    known = [(w, _flat(words)) for w, words, _ in STATEMENTS]
    unchecked = [f"{w}: {s}" for w, s in _statements_in_pack_and_tour()
                 if not any(w == kw and kwords.lower() in s.lower() for kw, kwords in known)]
    assert not unchecked, "sentences naming an action at a posture without a check in STATEMENTS:\n" + "\n".join(unchecked)
    texts = {}
    for w, s in _sentences_of_pack_and_tour():
        texts.setdefault(w, []).append(s.lower())
    for where, words, check in STATEMENTS:
        assert any(_flat(words).lower() in s for s in texts.get(where, [])), f"{where}: no longer says {words!r}"
        assert check(), f"{where}: the model does not agree that {words!r}"
