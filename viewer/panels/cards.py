"""The card: what a selected structure is, where it attaches, what supplies it, what it does.

Pure functions from a content-pack entry (``annotations``) to safe HTML.  Teaching text goes
through :func:`annotations.render_markdown` (raw HTML is escaped there); every other string
from the pack is escaped here.  The action line follows the posture: its words come from the
signs of :meth:`meshes.model.HipModel.moment_arms`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from meshes.actions import DEAD_BAND_MM, named_actions
from meshes.landmarks import BY_ID, FIBRE_GROUPS

LEVEL_LABELS: dict[str, str] = {"lay": "Everyday words", "student": "Student", "clinician": "Clinician"}

#: Moment arms smaller than this (mm) name no action: the one dead-band of
#: ``meshes.actions`` (the Mechanics tab and the quiz use the same).
NEGLIGIBLE_MM = DEAD_BAND_MM

#: (verb, adverb) of each action id (``meshes.landmarks.ACTIONS``), student and clinician level.
_ACTION_WORDS: dict[str, tuple[str, str]] = {
    "abduction": ("abduct", ""), "adduction": ("adduct", ""),
    "flexion": ("flex", ""), "extension": ("extend", ""),
    "internal_rotation": ("rotate", "internally"), "external_rotation": ("rotate", "externally"),
}

#: Everyday words for each action id ("Everyday words" level), as a verb phrase.
LAY_ACTION_WORDS: dict[str, str] = {
    "abduction": "lift your leg out to the side",
    "adduction": "pull your leg in toward the other leg",
    "flexion": "swing your thigh forward",
    "extension": "pull your thigh back",
    "internal_rotation": "turn your thigh inwards",
    "external_rotation": "turn your thigh outwards",
}

_SUBJECTS: dict[str, str] = {
    "gmed_anterior": "the anterior fibres",
    "gmed_middle": "the middle fibres",
    "gmed_posterior": "the posterior fibres",
    "gmin": "gluteus minimus",
    "gmax": "gluteus maximus",
}

#: Subjects at the "Everyday words" level (singular: "the front part lifts ...").
LAY_SUBJECTS: dict[str, str] = {
    "gmed_anterior": "the front part",
    "gmed_middle": "the middle part",
    "gmed_posterior": "the back part",
    "gmin": "this muscle",
    "gmax": "this muscle",
}

_REVIEW_LABELS = {"submitted": "Submitted, not yet reviewed", "under_review": "Under review", "approved": "Reviewed and approved"}


def esc(text) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------------------------------
# Posture and actions


def posture_phrase(flexion: float, adduction: float = 0.0, rotation: float = 0.0) -> str:
    """``"At 40° flexion and 10° abduction"``; ``"In the neutral posture"`` at zero."""
    parts = []
    if round(flexion) != 0:
        parts.append(f"{abs(round(flexion))}° {'flexion' if flexion > 0 else 'extension'}")
    if round(adduction) != 0:
        parts.append(f"{abs(round(adduction))}° {'adduction' if adduction > 0 else 'abduction'}")
    if round(rotation) != 0:
        parts.append(f"{abs(round(rotation))}° {'internal' if rotation > 0 else 'external'} rotation")
    if not parts:
        return "In the neutral posture"
    return "At " + _join(parts)


def lay_posture_parts(flexion: float, adduction: float = 0.0, rotation: float = 0.0) -> list[str]:
    """The posture in everyday words, one part per angle that is not zero:
    ``["your hip is bent forward 40°", "your leg is out to the side 10°"]``."""
    parts = []
    if round(flexion) != 0:
        parts.append(f"your hip is {'bent forward' if flexion > 0 else 'stretched back'} {abs(round(flexion))}°")
    if round(adduction) != 0:
        parts.append(f"your leg is {'crossed in' if adduction > 0 else 'out to the side'} {abs(round(adduction))}°")
    if round(rotation) != 0:
        parts.append(f"your thigh is turned {'in' if rotation > 0 else 'out'} {abs(round(rotation))}°")
    return parts


def lay_posture_phrase(flexion: float, adduction: float = 0.0, rotation: float = 0.0) -> str:
    """``"With your hip straight"``, ``"With your hip bent forward 40°"``; a posture of more
    than one angle as its own sentence, ``"Your hip is bent forward 40° and your leg is out
    to the side 10°."``"""
    parts = lay_posture_parts(flexion, adduction, rotation)
    if not parts:
        return "With your hip straight"
    if len(parts) == 1:
        return "With " + parts[0].replace(" is ", " ", 1)
    text = _join(parts)
    return text[:1].upper() + text[1:] + "."


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def group_key(selection: str, moment_arms: Mapping[str, Mapping[str, float]]) -> str | None:
    """The key of ``moment_arms`` that belongs to a selection (``gmed_middle`` is ``middle``
    or ``gmed_middle`` depending on how the model names its groups)."""
    candidates = [selection]
    if selection.startswith("gmed_"):
        candidates.append(selection[len("gmed_"):])
    for key in candidates:
        if key in moment_arms:
            return key
    return None


def action_phrases(arms: Mapping[str, float], with_mm: bool = False, level: str = "student") -> list[str]:
    """Verb phrases for each action the arms name (:func:`meshes.actions.named_actions`: the
    same threshold and order as the Mechanics tab), strongest first:
    ``["abduct the hip", "rotate it internally"]``; at the ``lay`` level everyday words,
    ``["lift your leg out to the side", "turn your thigh inwards"]``, never with mm."""
    out = []
    for i, (_axis, action, arm) in enumerate(named_actions(arms)):
        if level == "lay":
            out.append(LAY_ACTION_WORDS[action])
            continue
        verb, adverb = _ACTION_WORDS[action]
        obj = "the hip" if i == 0 else "it"
        phrase = " ".join(w for w in (verb, obj, adverb) if w)
        if with_mm:
            phrase += f" ({abs(arm):.0f} mm)"
        out.append(phrase)
    return out


def action_line(
    selection: str | None,
    moment_arms: Mapping[str, Mapping[str, float]] | None,
    posture: Mapping[str, float],
    with_mm: bool = False,
    level: str = "student",
) -> str | None:
    """One sentence on what the selected fibres do in this posture, from the signs of their
    moment arms, e.g. ``"At 40° flexion the posterior fibres rotate the hip internally and
    abduct it."``; at the ``lay`` level in everyday words, e.g. ``"With your hip straight,
    the back part lifts your leg out to the side and turns your thigh outwards."``  None when
    the selection has no moment arms.

    The card shows it after the label "In this posture:", so the neutral posture reads
    "With the hip straight (neutral posture)", not a second "In the neutral posture".
    The sign convention is the model's: a positive moment arm about an axis means the action
    named by that axis (``meshes.landmarks.ACTIONS``; moment arm as in Delp et al. 1999,
    J Biomech 32:493); which arms name an action is decided by
    :func:`meshes.actions.named_actions`.
    """
    if not selection or not moment_arms:
        return None
    key = group_key(selection, moment_arms)
    if key is None:
        return None
    flex, add, rot = posture.get("flexion", 0.0), posture.get("adduction", 0.0), posture.get("rotation", 0.0)
    if level == "lay":
        subject = LAY_SUBJECTS.get(selection, "this muscle")
        lead = lay_posture_phrase(flex, add, rot)
        lead = f"{lead} Here" if lead.endswith(".") else f"{lead},"
        phrases = [_third_person(p) for p in action_phrases(moment_arms[key], level="lay")]
        if not phrases:
            return f"{lead} {subject} has almost no pull on the hip."
        # at most two actions a sentence, so the line stays short
        line = f"{lead} {subject} {_join(phrases[:2])}."
        if phrases[2:]:
            line += f" It also {_join(phrases[2:])}."
        return line
    subject = _SUBJECTS.get(selection, BY_ID[selection].name if selection in BY_ID else selection)
    lead = posture_phrase(flex, add, rot)
    if lead == "In the neutral posture":
        lead = "With the hip straight (neutral posture),"
    phrases = action_phrases(moment_arms[key], with_mm=with_mm)
    plural = subject.endswith("fibres")
    if not phrases:
        return f"{lead} {subject} {'have' if plural else 'has'} almost no leverage on the hip."
    if not plural:
        phrases = [_third_person(p) for p in phrases]
    return f"{lead} {subject} {_join(phrases)}."


def _third_person(phrase: str) -> str:
    verb, _, rest = phrase.partition(" ")
    return f"{verb}s {rest}".strip()


# ---------------------------------------------------------------------------------------
# The card


def _fact_html(fact, numbers: Mapping[str, int], render_markdown) -> str:
    body = render_markdown(fact.text)
    marks = "".join(
        f'<sup class="cite" title="Source {numbers[s]}" aria-label="source {numbers[s]}">[{numbers[s]}]</sup>'
        for s in sorted({s for s in fact.sources if s in numbers}, key=numbers.get)
    )
    stripped = body.rstrip()
    if marks and stripped.endswith("</p>"):
        return stripped[: -len("</p>")] + marks + "</p>"
    return body + marks


def _numbered_sources(entry, pack) -> list:
    try:
        return pack.entry_sources(entry.id)
    except (AttributeError, KeyError):
        return [pack.references[s] for s in entry.sources if s in pack.references]


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        from annotations.markdown import is_safe_link
    except ImportError:  # pragma: no cover
        return url if url.startswith(("http://", "https://")) else None
    return url if is_safe_link(url) and url.startswith(("http://", "https://")) else None


def card_html(
    entry,
    pack,
    level: str,
    render_markdown,
    action_sentence: str | None = None,
) -> str:
    """The card of one entry at one reading level, as safe HTML.

    Headings are real headings (h2 for the name, h3 for each part) so that a screen reader
    can move through the card; the Latin term carries ``lang="la"``.
    """
    refs = _numbered_sources(entry, pack)
    numbers = {r.id: i + 1 for i, r in enumerate(refs)}
    text = getattr(entry.text, level, None) or entry.text.student
    out = ['<article class="card" aria-labelledby="card-title">', "<header>"]
    out.append(f'<h2 id="card-title">{esc(entry.name)}</h2>')
    if entry.latin:
        out.append(f'<p class="latin"><span class="label">Latin (TA2): </span><i lang="la">{esc(entry.latin)}</i></p>')
    out.append(f'<p class="level-tag">Reading level: {esc(LEVEL_LABELS.get(level, level))}</p>')
    out.append("</header>")
    out.append(f'<section class="card-text" data-level="{esc(level)}" aria-label="Description">{render_markdown(text)}</section>')
    if action_sentence:
        out.append(f'<p class="posture-action"><span class="label">In this posture: </span>{esc(action_sentence)}</p>')

    facts = entry.facts
    rows = []
    for label, fact in (("Origin", facts.origin), ("Insertion", facts.insertion)):
        if fact is not None:
            rows.append((label, _fact_html(fact, numbers, render_markdown)))
    if facts.innervation is not None:
        inn = facts.innervation
        roots = ", ".join(inn.roots)
        head = f'<p class="nerve"><strong>{esc(inn.nerve)}</strong> <span class="roots">({esc(roots)})</span></p>'
        rows.append(("Innervation", head + _fact_html(inn, numbers, render_markdown)))
    if facts.blood_supply is not None:
        rows.append(("Blood supply", _fact_html(facts.blood_supply, numbers, render_markdown)))
    if facts.actions is not None:
        rows.append(("Actions", _fact_html(facts.actions, numbers, render_markdown)))
    for more in facts.more:
        rows.append((more.label, _fact_html(more, numbers, render_markdown)))
    if rows:
        out.append('<section class="facts" aria-labelledby="facts-h"><h3 id="facts-h">Facts</h3><dl>')
        for label, body in rows:
            out.append(f"<dt>{esc(label)}</dt><dd>{body}</dd>")
        out.append("</dl></section>")

    if entry.disagreements:
        out.append('<section class="disagree" aria-labelledby="dis-h"><h3 id="dis-h">Where sources disagree</h3>')
        for d in entry.disagreements:
            out.append(f"<h4>{esc(d.topic)}</h4><ul>")
            for pos in d.positions:
                out.append(f"<li>{_fact_html(pos, numbers, render_markdown)}</li>")
            out.append("</ul>")
        out.append("</section>")

    if refs:
        out.append('<section class="sources" aria-labelledby="src-h"><h3 id="src-h">Sources</h3><ol>')
        for r in refs:
            url = _safe_url(getattr(r, "url", None))
            link = f' <a href="{esc(url)}" rel="noopener noreferrer" target="_blank">{esc(url)}</a>' if url else ""
            out.append(f'<li id="ref-{esc(r.id)}">{esc(r.citation)}{link}</li>')
        out.append("</ol></section>")

    status = _REVIEW_LABELS.get(entry.review_status, entry.review_status)
    out.append(
        f'<p class="meta">Review status: <span class="status status-{esc(entry.review_status)}">{esc(status)}</span>'
        f" · Last updated <time datetime=\"{esc(entry.last_updated)}\">{esc(entry.last_updated)}</time></p>"
    )
    out.append(f'<footer class="disclaimer"><p>{esc(pack.disclaimer)}</p></footer>')
    out.append("</article>")
    return "\n".join(out)


def missing_card_html(selection: str, disclaimer: str = "", action_sentence: str | None = None) -> str:
    """The card of a structure the content pack has no entry for yet."""
    name = BY_ID[selection].name if selection in BY_ID else selection
    out = ['<article class="card" aria-labelledby="card-title">', f'<h2 id="card-title">{esc(name)}</h2>']
    out.append('<p class="card-text">No card has been written for this structure yet.</p>')
    if action_sentence:
        out.append(f'<p class="posture-action"><span class="label">In this posture: </span>{esc(action_sentence)}</p>')
    if disclaimer:
        out.append(f'<footer class="disclaimer"><p>{esc(disclaimer)}</p></footer>')
    out.append("</article>")
    return "\n".join(out)


def welcome_card_html(disclaimer: str = "") -> str:
    """The card shown before anything is selected."""
    out = [
        '<article class="card" aria-labelledby="card-title">',
        '<h2 id="card-title">Choose a structure</h2>',
        '<div class="card-text"><p>Click a muscle, nerve or landmark in the 3D view, or pick one from the '
        "<strong>Structures</strong> list (Tab to reach it, arrow keys to move, the card follows).</p>"
        "<p>Drag to turn the model; the posture sliders move the hip.</p></div>",
    ]
    if disclaimer:
        out.append(f'<footer class="disclaimer"><p>{esc(disclaimer)}</p></footer>')
    out.append("</article>")
    return "\n".join(out)


def structure_options(landmarks: Sequence, topics: Mapping[str, object],
                      regions: Sequence = ()) -> dict[str, dict[str, str]]:
    """Grouped options for the keyboard list: group -> {label: id}.  Landmarks first (in the
    registry's order), then the bone regions that are not landmarks (``regions``: objects
    with ``id``, ``name`` and ``bone``), then the pack's topic entries."""
    groups: dict[str, dict[str, str]] = {
        "Gluteus medius": {},
        "Nerve and vessels": {},
        "Other muscles": {},
        "Pelvis": {},
        "Femur": {},
    }
    for lm in landmarks:
        if lm.id.startswith("gmed"):
            g = "Gluteus medius"
        elif lm.id in ("superior_gluteal_nerve", "superior_gluteal_artery", "safe_zone"):
            g = "Nerve and vessels"
        elif lm.id in ("gmin", "gmax") or (lm.kind == "structure" and lm.moves_with == "muscle"):
            g = "Other muscles"
        elif lm.moves_with == "femur":
            g = "Femur"
        else:
            g = "Pelvis"
        groups[g][lm.name] = lm.id
    known = {lm.id for lm in landmarks}
    for region in regions:
        if region.id not in known:
            groups["Pelvis" if region.bone == "pelvis" else "Femur"][region.name] = region.id
    if topics:
        groups["Topics"] = {getattr(e, "name", tid): tid for tid, e in topics.items()}
    return {g: opts for g, opts in groups.items() if opts}


def is_fibre_group(selection: str | None) -> bool:
    return bool(selection) and selection.startswith("gmed_") and selection[5:] in FIBRE_GROUPS
