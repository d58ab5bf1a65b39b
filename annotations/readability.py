"""How hard a text is to read: Flesch-Kincaid grade level, computed offline.

The "Everyday words" (``lay``) level is written for a reader of about 12.  This module
measures a text with the Flesch-Kincaid grade level (Kincaid, Fishburne, Rogers & Chissom
1975, *Derivation of new readability formulas (Automated Readability Index, Fog Count and
Flesch Reading Ease Formula) for Navy enlisted personnel*, Research Branch Report 8-75,
Naval Technical Training Command)::

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

A grade of 7 is the reading level of a US seventh-grader, age about 12-13: a lay text passes
at ``grade <= LAY_MAX_GRADE``.  Very long sentences are flagged on their own
(``LONG_SENTENCE_WORDS``), because one long sentence can hide inside a short text's average.

Syllables come from the hyphenation dictionaries that ``pyphen`` ships (no download at run
time).  Hyphenation dictionaries avoid a break near a word's ends and in some words
("greater", "pelvis"), so they count too few syllables; each word's count is therefore the
larger of the pyphen count and a vowel-group count (groups of a, e, i, o, u, y, less a silent
final "e" or "es"/"ed" after a consonant that is not t or d).  Numbers count as one syllable.

The text is stripped of Markdown first (emphasis, links, list markers); each list item and
each paragraph ends a sentence even without a full stop.  Two kinds of words are not
measured, because the reader is not asked to read them as prose: a short gloss in brackets
(at most :data:`GLOSS_WORDS` words, such as "(greater trochanter)" after "the bony bump on
the side of your hip"), and the names in ``terms`` (the structure a quiz question asks
about), which count as one short word each.  The measure is meant for short
card texts: it is an aid for writers, not a verdict on meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Highest Flesch-Kincaid grade a lay ("Everyday words") text may have: grade 7, age 12-13.
LAY_MAX_GRADE = 7.0
#: A sentence with more words than this is flagged as very long, whatever the grade.
LONG_SENTENCE_WORDS = 25
#: A bracketed gloss of at most this many words is left out of the measure.
GLOSS_WORDS = 4

_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "approx.", "vs.", "cf.", "Dr.", "Fig.")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*")
_VOWELS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=1)
def _dictionary():
    import pyphen

    return pyphen.Pyphen(lang="en_US")


def strip_markdown(text: str) -> str:
    """Plain text of the card's Markdown subset: link labels kept, URLs, emphasis marks,
    list markers and HTML-looking tags dropped; list items and paragraphs end with a stop."""
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)       # [label](url) -> label
    t = re.sub(r"https?://\S+", " ", t)
    t = re.sub(r"<[^>]+>", " ", t)
    t = re.sub(r"[*_`]+", "", t)
    blocks: list[str] = []   # paragraphs and list items
    current: list[str] = []
    for line in t.splitlines():
        item = re.match(r"^\s*(?:[-+*]|\d+[.)])\s+(.*)$", line)
        if item or not line.strip():
            if current:
                blocks.append(" ".join(current))
            current = [item.group(1).strip()] if item else []
        else:
            current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    ended = [b if re.search(r"[.!?:;]['\"”’)]*$", b) else b + "." for b in blocks if b]
    return " ".join(ended)


def sentences(text: str) -> list[str]:
    """Sentences of plain text: split after ``.``, ``!`` or ``?`` followed by a space, not
    after a known abbreviation (e.g., et al.) or inside a number."""
    t = " ".join(text.split())
    for abbr in _ABBREVIATIONS:
        t = re.sub(r"(?<![A-Za-z])" + re.escape(abbr), abbr.replace(".", "\u2024"), t)
    parts = re.split(r"(?<=[.!?])['\"”’)]*\s+(?=[^a-z])", t)
    return [p.replace("\u2024", ".").strip() for p in parts if _WORD.search(p)]


def words(sentence: str) -> list[str]:
    return _WORD.findall(sentence)


def syllables(word: str) -> int:
    """Syllables of one word: the larger of the pyphen and vowel-group counts (module doc)."""
    w = word.lower().strip("'’.-")
    if not w:
        return 0
    if not re.search(r"[a-z]", w):
        return 1  # a number
    total = 0
    for part in re.split(r"[-'’.]", w):
        if not part:
            continue
        if not re.search(r"[a-z]", part):
            total += 1
            continue
        hyph = len(_dictionary().positions(part)) + 1
        groups = len(_VOWELS.findall(part))
        if len(part) > 2 and re.search(r"[^aeiouy](e|es|ed)$", part) and groups > 1:
            if part.endswith("e") and not re.search(r"[^aeiouy]le$", part):
                groups -= 1  # silent e ("side"), but "muscle", "people" keep it
            elif part.endswith("es") and not re.search(r"(s|x|z|ch|sh|c|g)es$", part):
                groups -= 1  # "rotates"
            elif part.endswith("ed") and not re.search(r"[td]ed$", part):
                groups -= 1  # "turned"
        total += max(1, hyph, groups)
    return total


@dataclass(frozen=True)
class Reading:
    """The measure of one text."""

    grade: float
    words: int
    sentences: int
    syllables: int
    long_sentences: tuple[str, ...]

    def passes(self, max_grade: float = LAY_MAX_GRADE) -> bool:
        return self.grade <= max_grade and not self.long_sentences


def _without_glosses(text: str, terms=()) -> str:
    t = text
    for term in sorted(terms, key=len, reverse=True):
        t = re.sub(re.escape(term), "Name", t, flags=re.IGNORECASE)
    return re.sub(r"\s*\(([^()]*)\)", lambda m: "" if len(words(m.group(1))) <= GLOSS_WORDS else m.group(0), t)


def reading(text: str, long_words: int = LONG_SENTENCE_WORDS, terms=()) -> Reading:
    """Flesch-Kincaid grade (Kincaid et al. 1975) of a Markdown text, with its counts and the
    sentences longer than ``long_words`` words.  Short bracketed glosses and ``terms`` are
    not measured (module doc).  An empty text has grade 0."""
    sents = sentences(_without_glosses(strip_markdown(text), terms))
    per = [words(s) for s in sents]
    n_words = sum(len(w) for w in per)
    if n_words == 0:
        return Reading(0.0, 0, 0, 0, ())
    n_sents = max(1, len(sents))
    n_syll = sum(syllables(w) for ws in per for w in ws)
    grade = 0.39 * n_words / n_sents + 11.8 * n_syll / n_words - 15.59
    long = tuple(s for s, w in zip(sents, per) if len(w) > long_words)
    return Reading(round(grade, 1), n_words, n_sents, n_syll, long)


def grade(text: str, terms=()) -> float:
    """Flesch-Kincaid grade level of a Markdown text (:func:`reading`)."""
    return reading(text, terms=terms).grade


def lay_problem(text: str, max_grade: float = LAY_MAX_GRADE, terms=()) -> str | None:
    """Why a lay text is too hard to read, in one line, or None when it passes."""
    r = reading(text, terms=terms)
    out = []
    if r.grade > max_grade:
        out.append(f"reads at grade {r.grade:.1f} (Flesch-Kincaid), above {max_grade:g} for everyday words")
    for s in r.long_sentences:
        head = " ".join(s.split()[:6])
        out.append(f"has a sentence of {len(words(s))} words (over {LONG_SENTENCE_WORDS}): '{head} ...'")
    return "; ".join(out) or None


__all__ = ["GLOSS_WORDS", "LAY_MAX_GRADE", "LONG_SENTENCE_WORDS", "Reading", "reading", "grade", "lay_problem",
           "strip_markdown", "sentences", "syllables", "words"]
