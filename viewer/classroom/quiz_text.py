"""What the Quiz tab says: the introduction, the score line, questions, feedback and the
round's summary, as HTML.  Pure functions of a :class:`annotations.quiz.Quiz` (no Panel)."""

from __future__ import annotations

import html
from collections.abc import Callable


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def intro_html(n: int, notices=()) -> str:
    if not n:
        return "<div class='quiz-intro'><p>No quiz questions: the content pack could not be read.</p></div>"
    notes = "".join(f"<li>{esc(t)}</li>" for t in notices)
    return (
        "<div class='quiz-intro'><h2>Test yourself</h2>"
        f"<p>{n} questions from the cards: <strong>click questions</strong> (find a structure in "
        "the 3D view) and <strong>multiple choice</strong> (nerves, roots, arteries, attachments, "
        "actions). After each answer you see whether it was right, the right answer, and the "
        "card of that structure.</p>"
        "<p>Every question comes once before any repeats. Your place is kept in this browser, "
        "so you can reload the page and carry on.</p>"
        + (f"<ul class='quiz-notices'>{notes}</ul>" if notes else "")
        + "</div>"
    )


def status_html(quiz, showing_feedback: bool, resumed: bool = False) -> str:
    p = quiz.progress
    right, asked = quiz.score
    where = (f"Question {min(asked + (0 if showing_feedback else 1), p.length)} of {p.length}"
             if not (p.finished and not showing_feedback) else f"Round of {p.length} questions")
    back = " <span class='quiz-resumed'>(resumed where you left off)</span>" if resumed else ""
    return (f"<p><span class='quiz-pos'>{where}</span> · <span class='quiz-score'>Score: {right} right "
            f"out of {asked} asked</span> · <span class='quiz-seed-shown'>seed {p.seed}</span>{back}</p>")


def prompt_html(q) -> str:
    return f"<h3 class='quiz-prompt'>{esc(q.prompt)}</h3>"


def question_html(q, hidden_layer: str | None = None) -> str:
    """The question; for a click question on a hidden layer, a note to show that layer."""
    if q.kind == "click":
        hint = ("" if hidden_layer is None else
                f"<p class='quiz-hint'>The layer “{esc(hidden_layer)}” is hidden: "
                "show it under <strong>Layers</strong> to click it.</p>")
        return (prompt_html(q) + hint +
                "<p class='quiz-how'>Your next click in the 3D view is your answer. Drag to turn "
                "the model first if you cannot see it (dragging never answers). Every structure "
                "also has a small blue marker: clicking the marker is the surest way. "
                "<span class='quiz-kbd'>Keyboard: choose it in the <strong>Structures</strong> "
                "list, then press <strong>Answer with the list’s choice</strong>.</span></p>")
    return prompt_html(q) + "<p class='quiz-how'>Choose one answer, then press <strong>Check answer</strong>.</p>"


def feedback_html(quiz, name_of: Callable[[str], str], how: str = "click") -> str:
    """Right or not, what was given, the right answer and where its card is."""
    fb = quiz.last()
    q = fb.question
    if q.kind == "click":
        right_name = name_of(q.answer)
        given = name_of(fb.given)
        did = "You chose" if how == "list" else "You clicked"
        if fb.right:
            body = f"<p>{did} <strong>{esc(given)}</strong>.</p>"
        else:
            body = (f"<p>{did} <strong>{esc(given)}</strong>. The right answer is "
                    f"<strong>{esc(right_name)}</strong>, now highlighted in the 3D view.</p>")
    elif fb.right:
        body = f"<p>The answer is <strong>{esc(q.answer)}</strong>.</p>"
    else:
        body = (f"<p>You chose {esc(fb.given)}. The right answer is "
                f"<strong>{esc(q.answer)}</strong>.</p>")
    verdict = ("<p class='quiz-verdict quiz-right'><span aria-hidden='true'>✔ </span>Right.</p>" if fb.right
               else "<p class='quiz-verdict quiz-wrong'><span aria-hidden='true'>✘ </span>Not right.</p>")
    fact = f"<p class='quiz-fact'><span class='label'>From the card: </span>{esc(q.fact)}</p>" if q.fact else ""
    card = f"<p class='quiz-card-note'>The card of {esc(name_of(q.card))} is below.</p>"
    return verdict + body + fact + card


def summary_html(quiz, name_of: Callable[[str], str]) -> str:
    """The round's result: each question, right or not, with the right answer."""
    p = quiz.progress
    items = []
    for a in p.answers:
        q = quiz.bank[a.question]
        mark = "✔" if a.right else "✘"
        word = "right" if a.right else "not right"
        right = name_of(q.answer) if q.kind == "click" else q.answer
        fix = "" if a.right else f" <span class='quiz-fix'>Answer: {esc(right)}.</span>"
        items.append(f"<li><span aria-hidden='true'>{mark} </span><span class='sr'>{word}: </span>"
                     f"{esc(q.prompt)}{fix}</li>")
    return (f"<h3 class='quiz-prompt'>Round complete: {p.score} right out of {p.length}.</h3>"
            f"<ol class='quiz-summary'>{''.join(items)}</ol>"
            "<p class='quiz-how'>Press <strong>New round</strong> for the next questions of the deck "
            "(the score starts again), or <strong>End quiz</strong> to stop.</p>")
