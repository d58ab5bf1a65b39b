"""The quiz: questions generated from a content pack, their order, answers, score and progress.

Plain Python, no Panel and no viewer: the quiz tab (``viewer/quiz_panel.py``) only shows what
this module decides.

Two kinds of question:

* **click** ("Click the superior gluteal nerve."): answered with a landmark id, by clicking
  the structure in the 3D view or choosing it in the structure list;
* **choice**: one right option among three or four, generated from the pack's facts
  (innervation and roots, blood supply, origin, insertion, machine-readable action claims),
  with distractors taken from other entries where the pack has them.

Every question has a stable id (``click:gmin``, ``nerve:gmax``, ``actions:gmed_posterior:0``)
so that a student's progress survives a reload.  The order of a deck is a pure function of
a seed: the ids are shuffled once per cycle, so every question is asked once before any
repeats, and the same seed always gives the same order.

:class:`Progress` is the serialisable state of one student's round (seed, round length, where
the round starts in the deck, the answers so far); :class:`Quiz` ties it to a question bank
and answers the questions the UI asks: what is the current question, is this answer right,
what is the score.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from meshes.landmarks import ACTIONS, FIBRE_GROUPS, LANDMARK_IDS, NEIGHBOUR_MUSCLES

#: Landmarks a click question may not ask for: points inside the joint that no camera sees
#: past the bone, and attachment areas that the fibre groups cover (a click there lands on
#: the fibres, which is a different answer).
CLICK_EXCLUDED: frozenset[str] = frozenset({
    "hip_joint_centre", "acetabulum", "femoral_head", "gmed_origin", "gmed_insertion",
})

#: Hip flexion angles (degrees) at which action questions are asked, with how to say them.
ACTION_POSTURES: dict[int, str] = {0: "0° of hip flexion (standing upright)", 90: "90° of hip flexion (as in sitting)"}

#: Nerves and arteries of the region that supply none of the gluteal muscles in the pack;
#: distractors used only when the pack itself names too few alternatives.
EXTRA_NERVES: tuple[str, ...] = ("Femoral nerve", "Obturator nerve", "Sciatic nerve")
EXTRA_ARTERIES: tuple[str, ...] = ("Obturator artery", "Internal pudendal artery", "Femoral artery")

#: Spinal roots in order, for root-set distractors (as in ``annotations.schema.ROOTS``).
ROOT_ORDER: tuple[str, ...] = ("L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4")

DEFAULT_ROUND = 10
MAX_OPTIONS = 4
PROGRESS_VERSION = 1

_OPPOSITE: dict[str, str] = {}
for _a, (_axis, _sign) in ACTIONS.items():
    for _b, (_axis2, _sign2) in ACTIONS.items():
        if _axis == _axis2 and _sign != _sign2:
            _OPPOSITE[_a] = _b

_ACTION_NOUNS: dict[str, str] = {
    "abduction": "abduction",
    "adduction": "adduction",
    "flexion": "flexion",
    "extension": "extension",
    "internal_rotation": "internal rotation",
    "external_rotation": "external rotation",
}

#: Everyday words for an action, as the verb of a question ("which part ... lifts the leg
#: out to the side?"); the anatomical term follows in brackets.
_ACTION_PLAIN: dict[str, str] = {
    "abduction": "lifts the leg out to the side",
    "adduction": "pulls the leg in",
    "flexion": "swings the thigh forward",
    "extension": "pulls the thigh back",
    "internal_rotation": "turns the thigh inwards",
    "external_rotation": "turns the thigh outwards",
}


# ---------------------------------------------------------------------------------------
# Questions


@dataclass(frozen=True)
class Question:
    """One question.

    ``answer`` is the landmark id for a click question and the right option's text for a
    choice question; ``card`` is the entry whose card is shown after the answer.
    """

    id: str
    kind: str  # "click" or "choice"
    prompt: str
    answer: str
    card: str
    options: tuple[str, ...] = ()
    fact: str = ""  # the pack's sentence the answer rests on, shown with the feedback
    flexion: float | None = None  # the hip flexion (degrees) the question is about, if any

    def is_right(self, given: str | None) -> bool:
        return given is not None and given == self.answer


def _name(entry) -> str:
    """An entry's name without a parenthesis, unless the parenthesis names a side."""
    name = entry.name if hasattr(entry, "name") else str(entry)
    return re.sub(r"\s*\((?!right\)|left\))[^)]*\)", "", name).strip()


def structure_phrase(name: str) -> str:
    """``"Gluteus medius, anterior fibres"`` -> ``"the anterior fibres of gluteus medius"``;
    ``"Sacrum"`` -> ``"the sacrum"``; a muscle name keeps no article."""
    name = re.sub(r"\s*\((?!right\)|left\))[^)]*\)", "", name).strip()
    head, sep, tail = name.partition(", ")
    if sep:
        return f"the {_lower(tail)} of {_with_article(head)}"
    return _with_article(name)


def _lower(text: str) -> str:
    """First letter in lower case, unless the word is an abbreviation (``ASIS``)."""
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _with_article(name: str) -> str:
    """``"the sacrum"``; muscle names (gluteus ...) take no article."""
    low = _lower(name)
    return low if low.startswith("gluteus ") else f"the {low}"


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    m = re.match(r"(.+?[.;])(\s|$)", text)
    out = m.group(1) if m else text
    return out[:-1] + "." if out.endswith(";") else out


def _first_clause(text: str) -> str:
    return re.split(r"[,.;:(]", " ".join(text.split()).lower(), maxsplit=1)[0].strip()


def _pick(qid: str, items: Sequence[str], k: int) -> list[str]:
    """``k`` of ``items`` chosen the same way every time for one question id."""
    items = list(dict.fromkeys(items))
    rng = random.Random(zlib.crc32(qid.encode("utf-8")))
    return rng.sample(items, min(k, len(items)))


def _choice(qid: str, prompt: str, answer: str, distractors: Iterable[str], card: str, fact: str = "",
            preferred: int | None = None, flexion: float | None = None) -> Question | None:
    """A choice question with up to ``MAX_OPTIONS`` options (alphabetical order), or None when
    fewer than two distractors are left.  ``preferred`` leading distractors are taken first."""
    pool = [d for d in dict.fromkeys(distractors) if d != answer]
    if preferred is not None:
        first, rest = pool[:preferred], pool[preferred:]
        chosen = _pick(qid, first, MAX_OPTIONS - 1)
        chosen += _pick(qid + "+", rest, MAX_OPTIONS - 1 - len(chosen))
    else:
        chosen = _pick(qid, pool, MAX_OPTIONS - 1)
    if len(chosen) < 2:
        return None
    options = tuple(sorted([answer, *chosen], key=_option_key))
    return Question(qid, "choice", prompt, answer, card, options, fact, flexion)


def _option_key(text: str):
    # Root sets sort by their first root's place in the spine; everything else alphabetically.
    first = text.split(",")[0].strip()
    if first in ROOT_ORDER:
        return (0, ROOT_ORDER.index(first), len(text), text)
    return (1, 0, 0, text.lower())


def _part_of(a, b) -> bool:
    """True when entry ``a`` is a part of entry ``b`` (``"Gluteus medius, anterior fibres"``
    is part of ``"Gluteus medius"``)."""
    return _name(a).lower().startswith(_name(b).lower() + ",")


def _overlap(a, b) -> bool:
    return a.id == b.id or _part_of(a, b) or _part_of(b, a)


def muscles(pack) -> list:
    """Entries that describe a muscle or part of one: they have both an origin and an insertion."""
    return [e for e in pack.entries.values() if e.facts.origin is not None and e.facts.insertion is not None]


def _whole_says_same(entry, candidates, value_of) -> bool:
    """True when a whole muscle that ``entry`` is part of gives the same answer (ask once)."""
    mine = value_of(entry)
    return any(_part_of(entry, other) and value_of(other) == mine for other in candidates if other.id != entry.id)


def click_questions(pack, landmark_ids: Iterable[str] = LANDMARK_IDS) -> list[Question]:
    out = []
    for lid in landmark_ids:
        if lid in CLICK_EXCLUDED or lid not in pack.entries:
            continue
        entry = pack.entries[lid]
        phrase = structure_phrase(entry.name)
        out.append(Question(f"click:{lid}", "click", f"Click {phrase} in the 3D view.", lid, lid))
    return out


def attachment_questions(pack) -> list[Question]:
    """'Which muscle arises from / inserts on ...?' for every muscle whose attachment is told
    apart from the others' (same first clause: too alike to ask)."""
    out = []
    found = muscles(pack)
    for part, verb in (("origin", "arises from"), ("insertion", "inserts on")):
        clause = {e.id: _first_clause(getattr(e.facts, part).text) for e in found}
        for e in found:
            if any(clause[o.id] == clause[e.id] for o in found if not _overlap(o, e)):
                continue
            fact = getattr(e.facts, part).text
            distractors = [_name(o) for o in found if not _overlap(o, e) and clause[o.id] != clause[e.id]]
            q = _choice(f"{part}:{e.id}", f"Which muscle, or part of one, {verb}: “{_first_sentence(fact)}”?",
                        _name(e), distractors, e.id, " ".join(fact.split()))
            if q is not None:
                out.append(q)
    return out


def _nerve(entry) -> str | None:
    inn = entry.facts.innervation
    return _name(inn.nerve) if inn is not None else None


def nerve_questions(pack) -> list[Question]:
    """'Which nerve supplies X?' for every muscle (once per muscle, not per part)."""
    found = [e for e in muscles(pack) if e.facts.innervation is not None]
    nerves = [n for n in dict.fromkeys(_nerve(e) for e in pack.entries.values()) if n]
    out = []
    for e in found:
        if _whole_says_same(e, found, _nerve):
            continue
        answer = _nerve(e)
        q = _choice(f"nerve:{e.id}", f"Which nerve supplies {structure_phrase(e.name)}?", answer,
                    [*nerves, *EXTRA_NERVES], e.id, " ".join(e.facts.innervation.text.split()),
                    preferred=len(nerves))
        if q is not None:
            out.append(q)
    return out


def _roots_text(roots: Sequence[str]) -> str:
    return ", ".join(roots)


def _named_with_roots(pack, roots: Sequence[str]) -> bool:
    """Whether a card title or a structure-list label spells out this run of roots (then the
    question would answer itself on screen)."""
    from meshes.landmarks import LANDMARKS

    names = [_name(e) for e in pack.entries.values()] + [lm.name for lm in LANDMARKS]
    spans = {f"{roots[0]}{dash}{roots[-1]}" for dash in ("-", "\u2013", " to ")}
    return any(span in name for name in names for span in spans)


def root_questions(pack) -> list[Question]:
    """'Which spinal roots does the X nerve come from?' once per nerve whose entries agree on
    the roots.  Distractors are other nerves' root sets and neighbouring runs of roots, never
    a part of the right set (some sources give fewer roots: that is a disagreement, not a
    wrong answer)."""
    by_nerve: dict[str, list] = {}
    for e in pack.entries.values():
        if e.facts.innervation is not None:
            by_nerve.setdefault(_nerve(e), []).append(e)
    root_sets = {n: {tuple(e.facts.innervation.roots) for e in es} for n, es in by_nerve.items()}
    out = []
    for nerve, entries in by_nerve.items():
        if len(root_sets[nerve]) != 1:
            continue  # the pack disagrees with itself: ask nothing
        roots = next(iter(root_sets[nerve]))
        if _named_with_roots(pack, roots):
            continue  # a structure's name shows the answer (e.g. "Superior gluteal nerve (L4-S1)")
        own = [e for e in entries if _name(e).lower() == nerve.lower()]
        card = (own or entries)[0]
        answer = set(roots)
        pool = [s for n, sets in root_sets.items() if n != nerve and len(sets) == 1 for s in sets]
        n = len(roots)
        ordered = [r for r in ROOT_ORDER]
        pool += [tuple(ordered[i:i + n]) for i in range(len(ordered) - n + 1)]
        distractors = [_roots_text(s) for s in pool if not set(s) <= answer and not answer <= set(s)]
        q = _choice(f"roots:{card.id}", f"Which spinal roots does the {_lower(nerve)} come from?",
                    _roots_text(roots), distractors, card.id, " ".join(card.facts.innervation.text.split()),
                    preferred=sum(1 for s in root_sets if s != nerve))
        if q is not None:
            out.append(q)
    return out


def _artery(entry, arteries: Sequence[str]) -> str | None:
    """The one artery entry named in an entry's blood supply, or None (none or several)."""
    bs = entry.facts.blood_supply
    if bs is None:
        return None
    text = bs.text.lower()
    named = [a for a in arteries if a.lower() in text]
    return named[0] if len(named) == 1 else None


def artery_questions(pack) -> list[Question]:
    """'Which artery mainly supplies X?' for every muscle whose blood supply names one artery
    of the pack."""
    arteries = [_name(e) for e in pack.entries.values() if _name(e).lower().endswith("artery")]
    found = [e for e in muscles(pack) if _artery(e, arteries)]
    pack_arteries = list(arteries)
    for e in pack.entries.values():  # other arteries the pack names (e.g. "inferior gluteal arteries")
        bs = e.facts.blood_supply
        if bs is not None:
            for m in re.finditer(r"\b(superior|inferior) and (superior|inferior) gluteal arteries", bs.text.lower()):
                pack_arteries += [f"{side.capitalize()} gluteal artery" for side in m.groups()]
    pack_arteries = list(dict.fromkeys(pack_arteries))
    out = []
    for e in found:
        value = lambda x: _artery(x, arteries)  # noqa: E731
        if _whole_says_same(e, found, value):
            continue
        answer = value(e)
        q = _choice(f"artery:{e.id}", f"Which artery brings most of the blood to {structure_phrase(e.name)}?", answer,
                    [*[a for a in pack_arteries if a != answer], *EXTRA_ARTERIES], e.id,
                    " ".join(e.facts.blood_supply.text.split()),
                    preferred=len([a for a in pack_arteries if a != answer]))
        if q is not None:
            out.append(q)
    return out


def actions_at(entry, flexion: float) -> tuple[str, ...]:
    """The actions an entry's claims give at this hip flexion (rest of the hip neutral), in
    the order of ``meshes.landmarks.ACTIONS``."""
    found = {c.action for c in entry.actions if c.flexion_deg[0] <= flexion <= c.flexion_deg[1]}
    return tuple(a for a in ACTIONS if a in found)


def actions_text(actions: Sequence[str]) -> str:
    words = [_ACTION_NOUNS[a] for a in actions]
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return text[:1].upper() + text[1:]


def _contradicts(option: Sequence[str], truth: Sequence[str]) -> bool:
    """True when ``option`` names the opposite of an action that is true: it is certainly wrong."""
    return any(_OPPOSITE[a] in option for a in truth)


def _group_entries(pack) -> dict[str, object]:
    """Claim group -> the entry whose claims describe it (``gmed_<group>``; the whole muscle is
    the entry holding ``whole`` claims)."""
    out = {}
    for g in FIBRE_GROUPS:
        e = pack.entries.get(f"gmed_{g}")
        if e is not None and e.actions:
            out[g] = e
    for e in pack.entries.values():
        if any(c.group == "whole" for c in e.actions):
            out.setdefault("whole", e)
    for m in NEIGHBOUR_MUSCLES:  # a neighbouring muscle's claims are on its own card
        e = pack.entries.get(m)
        if e is not None and any(c.group == m for c in e.actions):
            out[m] = e
    return out


def _family(group: str) -> str:
    """Claims compared with each other: the parts of gluteus medius, or the neighbours."""
    return "gmed" if group in FIBRE_GROUPS or group == "whole" else "neighbours"


def _sorted_actions(actions: Iterable[str]) -> tuple[str, ...]:
    s = set(actions)
    return tuple(a for a in ACTIONS if a in s)


def action_questions(pack) -> list[Question]:
    """'At N° of flexion, which actions do the X fibres have?' from the machine-readable claims.

    The right option is everything the claims give at that posture; every distractor names
    the opposite of one of those actions (so it is wrong, not merely incomplete): first the
    claims of the other parts at the same posture, then the right set with one action
    reversed, then that with one more action added."""
    groups = _group_entries(pack)
    out = []
    for angle, said in ACTION_POSTURES.items():
        truth = {g: actions_at(e, angle) for g, e in groups.items()}
        for g, e in groups.items():
            acts = truth[g]
            if not acts:
                continue
            others = [truth[o] for o in groups
                      if o != g and _family(o) == _family(g) and truth[o] and _contradicts(truth[o], acts)]
            flipped = [_sorted_actions([*acts[:i], _OPPOSITE[a], *acts[i + 1:]]) for i, a in enumerate(acts)]
            extra = [
                _sorted_actions([*f, x]) for f in flipped for x in ACTIONS
                if x not in f and _OPPOSITE[x] not in f
            ]
            pool = [actions_text(o) for o in [*others, *flipped, *extra]]
            subject = "gluteus medius as a whole" if g == "whole" else structure_phrase(e.name)
            if e.facts.actions is not None:
                facts = [e.facts.actions.text]
            else:
                facts = [c.note for c in e.actions if c.flexion_deg[0] <= angle <= c.flexion_deg[1] and c.note]
            verb = "do" if subject.split(" of ")[0].endswith("fibres") else "does"
            q = _choice(f"actions:{e.id}:{angle}", f"At {said}, what {verb} {subject} do?",
                        actions_text(acts), pool, e.id, " ".join(facts),
                        preferred=len(others) + len(flipped), flexion=float(angle))
            if q is not None:
                out.append(q)
        # The one part whose action all other parts oppose.
        parts = {g: truth[g] for g in FIBRE_GROUPS if g in truth}
        for action in ACTIONS:
            having = [g for g, acts in parts.items() if action in acts]
            if len(having) != 1 or len(parts) < 3:
                continue
            if not all(_OPPOSITE[action] in acts for g, acts in parts.items() if g != having[0]):
                continue
            g = having[0]
            verb = f"{_ACTION_PLAIN[action]} ({_ACTION_NOUNS[action]})"
            names = [_name(groups[o]) for o in parts if o != g]
            q = _choice(f"which_part:{action}:{angle}",
                        f"At {said}, which part of gluteus medius {verb}?",
                        _name(groups[g]), names, groups[g].id,
                        " ".join(groups[g].facts.actions.text.split()) if groups[g].facts.actions else "",
                        flexion=float(angle))
            if q is not None:
                out.append(q)
    return out


def generate_questions(pack, landmark_ids: Iterable[str] = LANDMARK_IDS) -> list[Question]:
    """Every question the pack supports: click questions, then choice questions."""
    regions = [k for k, e in pack.entries.items() if getattr(e, "kind", "") == "region" and k not in landmark_ids]
    questions = [
        *click_questions(pack, landmark_ids),
        *click_questions(pack, regions),
        *nerve_questions(pack),
        *root_questions(pack),
        *artery_questions(pack),
        *attachment_questions(pack),
        *action_questions(pack),
    ]
    seen: dict[str, Question] = {}
    for q in questions:
        seen.setdefault(q.id, q)
    return list(seen.values())


# ---------------------------------------------------------------------------------------
# Order


def deck_order(ids: Iterable[str], seed: int, cycle: int) -> list[str]:
    """The question ids of one pass through the deck: every id once, shuffled by ``seed`` and
    the pass number.  A pass never starts with the question the previous pass ended with."""
    base = sorted(set(ids))
    order = random.Random(int(seed) * 1_000_003 + int(cycle)).sample(base, len(base))
    if cycle > 0 and len(order) > 2:
        before = random.Random(int(seed) * 1_000_003 + int(cycle) - 1).sample(base, len(base))
        if order[0] == before[-1]:
            order[0], order[1] = order[1], order[0]
    return order


def question_at(ids: Sequence[str], seed: int, position: int) -> str:
    """The id of the question at ``position`` of the endless deck for ``seed``."""
    n = len(set(ids))
    cycle, index = divmod(int(position), n)
    return deck_order(ids, seed, cycle)[index]


def new_seed(rng: random.Random | None = None) -> int:
    return (rng or random.SystemRandom()).randrange(1, 100_000)


# ---------------------------------------------------------------------------------------
# Progress


@dataclass(frozen=True)
class Answer:
    question: str
    given: str
    right: bool


@dataclass(frozen=True)
class Progress:
    """One student's round, as kept in the browser.

    ``start`` is where this round began in the endless deck of ``seed``; ``length`` how many
    questions the round asks; ``answers`` the answers so far, in order.
    """

    seed: int
    length: int = DEFAULT_ROUND
    start: int = 0
    answers: tuple[Answer, ...] = ()

    @property
    def position(self) -> int:
        """Where the next question is in the deck."""
        return self.start + len(self.answers)

    @property
    def score(self) -> int:
        return sum(1 for a in self.answers if a.right)

    @property
    def asked(self) -> int:
        return len(self.answers)

    @property
    def finished(self) -> bool:
        return len(self.answers) >= self.length

    def to_dict(self) -> dict:
        return {
            "v": PROGRESS_VERSION,
            "seed": self.seed,
            "length": self.length,
            "start": self.start,
            "answers": [[a.question, a.given, a.right] for a in self.answers],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping) -> Progress | None:
        """The progress ``data`` describes, or None if it is not a valid progress record."""
        try:
            if data.get("v") != PROGRESS_VERSION:
                return None
            seed, length, start = data["seed"], data["length"], data["start"]
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in (seed, length, start)):
                return None
            if length < 1 or start < 0 or seed < 0:
                return None
            answers = []
            for item in data["answers"]:
                q, given, right = item
                if not isinstance(q, str) or not isinstance(given, str) or not isinstance(right, bool):
                    return None
                answers.append(Answer(q, given, right))
            if len(answers) > length:
                return None
            return cls(seed, length, start, tuple(answers))
        except (AttributeError, KeyError, TypeError, ValueError):
            return None

    @classmethod
    def from_json(cls, text: str | None) -> Progress | None:
        if not text:
            return None
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            return None
        return cls.from_dict(data) if isinstance(data, dict) else None


# ---------------------------------------------------------------------------------------
# The quiz


@dataclass
class Feedback:
    question: Question
    given: str
    right: bool


@dataclass
class Quiz:
    """A question bank and one student's progress through it."""

    questions: Sequence[Question]
    progress: Progress
    bank: dict[str, Question] = field(init=False)

    def __post_init__(self):
        self.bank = {q.id: q for q in self.questions}
        if not self.bank:
            raise ValueError("the quiz has no questions")
        self.progress = Progress(self.progress.seed, min(self.progress.length, len(self.bank)),
                                 self.progress.start, self.progress.answers)

    @classmethod
    def start(cls, questions: Sequence[Question], seed: int | None = None, length: int = DEFAULT_ROUND) -> Quiz:
        return cls(questions, Progress(new_seed() if seed is None else int(seed), max(1, int(length))))

    @classmethod
    def resume(cls, questions: Sequence[Question], progress: Progress | None) -> Quiz | None:
        """The quiz ``progress`` describes, or None when it does not fit this question bank
        (the pack changed since): its answers must be the deck's questions, in order."""
        if progress is None:
            return None
        quiz = cls(questions, progress)
        ids = list(quiz.bank)
        for i, a in enumerate(progress.answers):
            if question_at(ids, progress.seed, progress.start + i) != a.question:
                return None
            if quiz.bank[a.question].is_right(a.given) != a.right:
                return None
        return quiz

    # -- reading

    @property
    def ids(self) -> list[str]:
        return list(self.bank)

    def current(self) -> Question | None:
        """The question waiting for an answer; None once the round is over."""
        if self.progress.finished:
            return None
        return self.bank[question_at(self.ids, self.progress.seed, self.progress.position)]

    def round_questions(self) -> list[Question]:
        p = self.progress
        return [self.bank[question_at(self.ids, p.seed, p.start + i)] for i in range(p.length)]

    @property
    def score(self) -> tuple[int, int]:
        """(right, asked)."""
        return self.progress.score, self.progress.asked

    @property
    def number(self) -> int:
        """1-based number of the current question in the round."""
        return self.progress.asked + 1

    def last(self) -> Feedback | None:
        if not self.progress.answers:
            return None
        a = self.progress.answers[-1]
        return Feedback(self.bank[a.question], a.given, a.right)

    # -- changing

    def answer(self, given: str) -> Feedback:
        """Answer the current question; returns whether it was right."""
        q = self.current()
        if q is None:
            raise ValueError("the round is over; start a new round")
        right = q.is_right(given)
        p = self.progress
        self.progress = Progress(p.seed, p.length, p.start, (*p.answers, Answer(q.id, str(given), right)))
        return Feedback(q, str(given), right)

    def new_round(self, seed: int | None = None, length: int | None = None) -> None:
        """Start a new round: the score is cleared.  With the same seed the deck goes on where
        the last round stopped (unseen questions first); a new seed starts its deck from the
        beginning."""
        p = self.progress
        n = min(max(1, int(length or p.length)), len(self.bank))
        if seed is None or int(seed) == p.seed:
            self.progress = Progress(p.seed, n, p.position, ())
        else:
            self.progress = Progress(int(seed), n, 0, ())
