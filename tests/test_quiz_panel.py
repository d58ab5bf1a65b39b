"""The Quiz tab's wiring without a browser: a viewer session built in this process, the
browser's stored progress played in by hand."""

from __future__ import annotations

import json

import pytest

from annotations.quiz import Progress, Quiz


@pytest.fixture
def make_app():
    from viewer.app import HipViewerApp

    def make(query=None):
        return HipViewerApp(query=query or {}, defer_scene=True)

    return make


def loaded(app, stored: str = ""):
    """Play in what the page's localStorage held."""
    app.quiz.store.stored = stored
    app.quiz.store.ready = True
    return app.quiz


def choice_seed(panel, kind: str) -> int:
    ids = [q.id for q in panel.questions]
    from annotations.quiz import question_at

    bank = {q.id: q for q in panel.questions}
    return next(s for s in range(1, 5000) if bank[question_at(ids, s, 0)].kind == kind)


def test_the_quiz_tab_sits_beside_card_and_mechanics_keeps_its_arrows(make_app):
    app = make_app()
    assert app.right._names[0] == "Card" and "Quiz" in app.right._names
    assert app.quiz.take_pick in app.pick_handlers
    assert app.quiz.quiz is None
    panel = loaded(app)
    assert panel.quiz is None and app.right.active == 0  # nothing stored: the Card tab stays


def test_a_link_seed_starts_the_round_and_opens_the_tab(make_app):
    app = make_app({"quiz_seed": [b"7"], "quiz_n": [b"3"]})
    panel = loaded(app)
    assert panel.quiz.progress == Progress(7, 3, 0, ())
    assert app.right._names[app.right.active] == "Quiz"
    assert json.loads(panel.store.save)["seed"] == 7


def test_stored_progress_resumes_and_bad_records_are_dropped(make_app):
    app = make_app()
    quiz = Quiz.start(app.quiz.questions, seed=12, length=5)
    quiz.answer(quiz.current().answer)
    panel = loaded(app, quiz.progress.to_json())
    assert panel.quiz.progress == quiz.progress
    assert "resumed" in panel.status.html and "Score: 1 right out of 1 asked" in panel.status.html

    other = make_app()
    panel = loaded(other, '{"v": 1, "seed": 1, "length": 3, "start": 0, "answers": [["nope", "x", true]]}')
    assert panel.quiz is None and panel.store.save == ""


def test_a_click_question_takes_the_next_pick_only_while_the_quiz_tab_is_open(make_app):
    probe = make_app()
    seed = choice_seed(probe.quiz, "click")
    app = make_app({"quiz_seed": str(seed)})
    panel = loaded(app)
    q = panel.quiz.current()
    assert q.kind == "click" and panel.waiting_for_click

    app.right.active = 0  # the Card tab: clicks browse
    assert not panel.take_pick("gmax")
    app.right.active = app.right._names.index("Quiz")
    assert panel.take_pick(None) and "did not land" in panel.feedback.html
    assert panel.quiz.score == (0, 0)
    wrong = "gmax" if q.answer != "gmax" else "gmin"
    assert panel.take_pick(wrong)
    assert panel.quiz.score == (0, 1) and "Not right." in panel.feedback.html
    assert app.state.selection == q.answer  # the right structure is selected: card and highlight
    assert panel.card.html == app.card.html and q.answer in json.loads(panel.store.save)["answers"][0][0]
    assert not panel.take_pick(q.answer)  # feedback showing: clicks browse again


def test_choice_answers_new_round_and_end(make_app):
    probe = make_app()
    seed = choice_seed(probe.quiz, "choice")
    app = make_app({"quiz_seed": str(seed), "quiz_n": "2"})
    panel = loaded(app)
    q = panel.quiz.current()
    assert list(panel.options.options) == list(q.options)
    panel._on_check()  # nothing chosen: a hint, no answer
    assert "Choose one" in panel.feedback.html and panel.quiz.score == (0, 0)
    panel.options.value = q.answer
    assert panel.feedback.html == ""
    panel._on_check()
    assert "Right." in panel.feedback.html and app.state.selection == q.card
    panel._show_current()
    q2 = panel.quiz.current()
    panel.answer("no such answer")
    panel._show_current()
    assert panel.quiz.current() is None and "Round complete: 1 right out of 2." in panel.question.html
    panel._on_new_round()
    assert panel.quiz.progress.start == 2 and panel.quiz.score == (0, 0)
    assert json.loads(panel.store.save)["answers"] == []
    assert q2.id != panel.quiz.current().id
    panel._on_stop()
    assert panel.quiz is None and panel.store.save == "" and panel.start_box.visible


def test_malformed_quiz_parameters_are_explained(make_app):
    app = make_app({"quiz_seed": "abc", "quiz_n": "-3"})
    panel = loaded(app)
    assert panel.quiz is None
    app.state.tab = "Quiz"  # the tab's first screen is built when the tab is opened
    assert "quiz_seed" in panel.intro.object and "quiz_n" in panel.intro.object


def test_a_hidden_layer_is_pointed_out_and_browsing_keeps_the_answers_card(make_app):
    from annotations.quiz import question_at

    probe = make_app()
    bank = {q.id: q for q in probe.quiz.questions}
    ids = list(bank)
    seed = next(s for s in range(1, 5000) if question_at(ids, s, 0) == "click:superior_gluteal_nerve")
    app = make_app({"quiz_seed": str(seed)})
    panel = loaded(app)
    assert "is hidden" not in panel.question.html
    app.layers.table.hidden = ["nerve"]
    assert "Superior gluteal nerve” is hidden" in panel.question.html
    app.layers.table.hidden = []
    assert "is hidden" not in panel.question.html

    panel.take_pick("superior_gluteal_nerve")
    card = panel.card.html
    assert "Superior gluteal nerve" in card
    app.select("gmax")  # browsing meanwhile: the answer's card stays
    assert panel.card.html == card
    app.update(level="lay")
    app.select("superior_gluteal_nerve")
    assert panel.card.html != card and "Everyday words" in panel.card.html


def test_an_action_question_offers_to_show_its_posture(make_app):
    from annotations.quiz import question_at

    probe = make_app()
    ids = [q.id for q in probe.quiz.questions]
    seed = next(s for s in range(1, 5000) if question_at(ids, s, 0) == "actions:gmed_posterior:90")
    app = make_app({"quiz_seed": str(seed)})
    panel = loaded(app)
    assert not panel.posture_button.visible
    panel.answer(panel.quiz.current().answer)
    assert panel.posture_button.visible and panel.posture_button.label == "Show the hip at 90° of flexion"
    panel._on_posture()
    assert app.model.flexion == 90 and app.posture.value("flexion") == 90
    panel._show_current()
    assert not panel.posture_button.visible


def test_a_link_to_a_structure_is_not_taken_over_by_a_stored_round(make_app):
    probe = make_app()
    quiz = Quiz.start(probe.quiz.questions, seed=21, length=5)
    first = quiz.current()
    quiz.answer(first.answer)

    # Someone else's link: its selection stays, the Card tab stays, the round waits.
    other = next(q.card for q in probe.quiz.questions if q.card != first.card)
    app = make_app({"sel": other})
    panel = loaded(app, quiz.progress.to_json())
    assert app.right.active == 0 and app.state.selection == other
    assert panel.quiz.progress == quiz.progress

    # The page reloaded during the feedback of the last answer: back to the quiz.
    app = make_app({"sel": first.card})
    panel = loaded(app, quiz.progress.to_json())
    assert app.right._names[app.right.active] == "Quiz"
