"""Everyday words read at about a 12-year-old's level: the readability measure, the
check-content warning, and every lay text the viewer shows (cards, the "In this posture"
line, the tour and the quiz prompts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from annotations import builtin_pack, check_content
from annotations.readability import (
    LAY_MAX_GRADE,
    LONG_SENTENCE_WORDS,
    lay_problem,
    reading,
    sentences,
    strip_markdown,
    syllables,
)

ROOT = Path(__file__).resolve().parent.parent

#: Postures (flexion, adduction, rotation) at which the lay "In this posture" line is read.
POSTURES = [(0, 0, 0), (40, 0, 0), (90, 0, 0), (-20, 0, 0), (30, -20, -30), (60, 10, 20)]


# --------------------------------------------------------------------------- the measure


@pytest.mark.parametrize("word, n", [("hip", 1), ("muscle", 2), ("greater", 2), ("trochanter", 3),
                                     ("pelvis", 2), ("abduction", 3), ("side", 1), ("rotates", 2),
                                     ("internally", 4), ("438", 1)])
def test_syllables_come_from_the_shipped_dictionary_and_vowel_groups(word, n):
    assert syllables(word) == n


def test_flesch_kincaid_grade_follows_the_formula():
    r = reading("The cat sat on the mat. The dog ran to the big red ball in the yard.")
    assert (r.words, r.sentences, r.syllables) == (17, 2, 17)
    assert r.grade == round(0.39 * 17 / 2 + 11.8 * 17 / 17 - 15.59, 1)
    hard = reading("Gluteus medius abducts the femur and stabilises the contralateral hemipelvis.")
    assert hard.grade > 12


def test_markdown_is_stripped_and_list_items_are_sentences():
    text = "**Bold** and *soft* [words](https://example.org)\n\n- one item\n- two item"
    assert strip_markdown(text) == "Bold and soft words. one item. two item."
    assert sentences("Delp et al. 1999 found 2.4 BW. It reverses, e.g. at 40 deg.") == [
        "Delp et al. 1999 found 2.4 BW.", "It reverses, e.g. at 40 deg."]


def test_a_short_gloss_in_brackets_is_not_measured_but_a_long_aside_is():
    plain = "It pulls on the bony bump on the side of your hip."
    assert reading(plain + "").grade == reading("It pulls on the bony bump on the side of your hip (greater trochanter).").grade
    aside = "It pulls on the bump (which anatomists call the greater trochanter of the femur)."
    assert reading(aside).words > reading("It pulls on the bump.").words


def test_very_long_sentences_are_flagged_even_in_easy_words():
    long = " ".join(["the cat sat on the mat and"] * 5) + " ran."
    problem = lay_problem(long)
    assert problem and f"over {LONG_SENTENCE_WORDS}" in problem


def test_the_measure_needs_no_network(monkeypatch):
    import socket

    def refuse(*a, **k):
        raise OSError("no network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert reading("A short text with a few words in it.").grade < LAY_MAX_GRADE


def test_check_content_warns_about_hard_lay_text_but_passes(tmp_path):
    text = (ROOT / "annotations" / "content" / "40_topics.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    entry = next(e for e in data["entries"] if e["id"] == "trendelenburg_sign")
    entry["text"]["lay"] = ("Contralateral hemipelvic depression during unilateral stance indicates insufficiency "
                            "of the ipsilateral abductor musculature, particularly gluteus medius.")
    (tmp_path / "pack.yaml").write_text(yaml.safe_dump({"entries": [entry]}, sort_keys=False), encoding="utf-8")
    code, out = check_content(tmp_path)
    assert code == 0, out
    warnings = [ln for ln in out.splitlines() if ln.startswith("WARNING")]
    assert len(warnings) == 1, out
    assert re.match(rf"WARNING {re.escape(str(tmp_path / 'pack.yaml'))}:\d+: trendelenburg_sign: lay text reads at grade "
                    r"\d+\.\d \(Flesch-Kincaid\), above 7", warnings[0]), warnings[0]
    assert out.splitlines()[-1].startswith("content OK: 1 entries")


# --------------------------------------------------------------------------- everything lay


def _too_hard(items) -> list[str]:
    out = []
    for where, text, terms in items:
        problem = lay_problem(text, LAY_MAX_GRADE, terms)
        if problem:
            out.append(f"{where}: {problem}")
    return out


def test_every_card_reads_at_grade_7_in_everyday_words():
    pack = builtin_pack()
    items = [(f"{pack.files[eid]}: {eid}", e.text.lay, ()) for eid, e in pack.entries.items()]
    bad = _too_hard(items)
    assert not bad, "\n".join(bad)


def test_the_lay_posture_line_reads_at_grade_7_at_every_posture():
    from meshes.model import HipModel
    from viewer.panels import cards

    model = HipModel()
    items = []
    for flexion, adduction, rotation in POSTURES:
        model.param.update(flexion=flexion, adduction=adduction, rotation=rotation)
        arms = model.moment_arms()
        posture = {"flexion": flexion, "adduction": adduction, "rotation": rotation}
        for sid in ("gmed_anterior", "gmed_middle", "gmed_posterior", "gmin", "gmax"):
            if cards.group_key(sid, arms) is None:
                continue
            line = cards.action_line(sid, arms, posture, level="lay")
            items.append((f"{sid} at {posture}", line, ()))
            assert not re.search(r"abduct|adduct|rotat|flex|extend|intern|extern|mm\b", line), line
    assert len(items) >= 3 * len(POSTURES)
    bad = _too_hard(items)
    assert not bad, "\n".join(bad)


def test_the_tour_captions_read_at_grade_7():
    """The tour has one caption per step, shown at every reading level: each reads at grade 7."""
    tour = yaml.safe_load((ROOT / "annotations" / "tour.yaml").read_text(encoding="utf-8"))
    items = [(f"tour step '{s['title']}'", s["caption"], ()) for s in tour["steps"]]
    bad = _too_hard(items)
    assert not bad, "\n".join(bad)


def test_the_quiz_prompts_read_at_grade_7():
    """The quiz's own words read at grade 7.  The name of the structure a question asks about
    counts as one word, and a fact quoted from the pack (“...”) is not measured: it is the
    card's fact, the same at every level."""
    from annotations.quiz import _name, generate_questions, structure_phrase

    pack = builtin_pack()
    terms = set()
    for e in pack.entries.values():
        terms |= {e.name, _name(e), structure_phrase(e.name)}
        if e.facts.innervation is not None:
            terms |= {e.facts.innervation.nerve, _name(e.facts.innervation.nerve)}
    terms |= {"gluteus medius", "the superior gluteal nerve", "superior gluteal nerve"}
    items = [(f"quiz {q.id}", re.sub(r"“[^”]*”", "it", q.prompt), tuple(terms)) for q in generate_questions(pack)]
    bad = _too_hard(items)
    assert not bad, "\n".join(bad)
