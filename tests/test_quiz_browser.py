"""A quiz round in real Chromium against a real viewer server: multiple-choice answers
through the Quiz tab, a click question answered with a real mouse click on the structure,
a page reload in the middle that keeps the progress, the score, and a new round."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from annotations import load_pack
from annotations.quiz import generate_questions, question_at
from tests.conftest import save_shot, scene_box, wait_for_scene

pytestmark = pytest.mark.browser

#: A lateral camera (from the right side) every click target below is in view of.
CAMERA = {"position": [0.0, 40.0, 1000.0], "focal_point": [0.0, 40.0, 0.0], "view_up": [0.0, 1.0, 0.0],
          "view_angle": 30.0}
#: Click targets whose markers that camera sees clear of bone and of other markers.
EASY_CLICKS = {"asis_right", "iliac_crest_top", "greater_trochanter_tip", "psis_right"}
ROUND = 4
DEEP_ACTIVE_CLASS = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? a.className : null;
}"""
DEEP_ACTIVE_TEXT = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? a.textContent.trim() : null;
}"""
STORAGE_KEY = "hip-viewer-quiz"


@pytest.fixture(scope="module")
def bank():
    return {q.id: q for q in generate_questions(load_pack())}


def round_plan(bank) -> tuple[int, list]:
    """A seed whose first round is: choice, click (an easy target), choice, choice."""
    ids = list(bank)
    for seed in range(1, 5000):
        qs = [bank[question_at(ids, seed, i)] for i in range(ROUND)]
        kinds = [q.kind for q in qs]
        if kinds == ["choice", "click", "choice", "choice"] and qs[1].answer in EASY_CLICKS:
            return seed, qs
    raise AssertionError("no seed gives the round this test needs")


def open_page(page, url: str):
    page.goto(url, wait_until="load")
    wait_for_scene(page)
    expect(page.locator(".pn-loading")).to_have_count(0, timeout=30_000)


def status(page):
    return page.locator(".quiz-status")


def answer_choice(page, text: str):
    page.locator(".quiz-options label", has_text=text).first.click()
    page.locator(".quiz-check button").click()


def stored(page) -> dict | None:
    text = page.evaluate(f"() => window.localStorage.getItem('{STORAGE_KEY}')")
    return json.loads(text) if text else None


def test_a_quiz_round_from_first_question_to_score_with_a_reload(page, viewer_url, bank):
    pack = load_pack()
    seed, qs = round_plan(bank)
    cam = ",".join(f"{v:g}" for v in CAMERA["position"] + CAMERA["focal_point"] + CAMERA["view_up"])
    open_page(page, f"{viewer_url}?cam={cam}&quiz_seed={seed}&quiz_n={ROUND}")

    # The link opens the Quiz tab on question 1.
    expect(page.locator(".bk-tab.bk-active")).to_have_text("Quiz")
    expect(status(page)).to_contain_text(f"Question 1 of {ROUND}")
    expect(status(page)).to_contain_text("Score: 0 right out of 0 asked")
    expect(status(page)).to_contain_text(f"seed {seed}")
    expect(page.locator(".quiz-question .quiz-prompt")).to_have_text(qs[0].prompt)
    expect(page.locator(".quiz-options label")).to_have_count(len(qs[0].options))
    save_shot(page, "quiz-1-choice-question")
    page.locator(".quiz-check button").click()  # nothing chosen yet: a hint, no answer
    expect(page.locator(".quiz-feedback")).to_contain_text("Choose one of the answers first.")
    expect(status(page)).to_contain_text("Score: 0 right out of 0 asked")

    # 1: a multiple-choice question, answered right.
    answer_choice(page, qs[0].answer)
    feedback = page.locator(".quiz-feedback")
    expect(feedback).to_contain_text("Right.")
    expect(feedback).to_contain_text(qs[0].answer)
    expect(page.locator(".quiz-feedback")).to_have_attribute("aria-live", "assertive")
    expect(page.locator(".quiz-card h2")).to_have_text(pack.entries[qs[0].card].name)
    expect(status(page)).to_contain_text("Score: 1 right out of 1 asked")
    save_shot(page, "quiz-1-choice-feedback")
    assert stored(page)["answers"] == [[qs[0].id, qs[0].answer, True]]

    # 2: a click question.  Reload first: the round resumes where it was.
    page.locator(".quiz-next button").click()
    expect(page.locator(".quiz-question .quiz-prompt")).to_have_text(qs[1].prompt)
    expect(page.locator(".quiz-question")).to_contain_text("next click in the 3D view")
    page.reload(wait_until="load")
    wait_for_scene(page)
    expect(page.locator(".pn-loading")).to_have_count(0, timeout=30_000)
    expect(page.locator(".bk-tab.bk-active")).to_have_text("Quiz")
    expect(status(page)).to_contain_text(f"Question 2 of {ROUND}")
    expect(status(page)).to_contain_text("Score: 1 right out of 1 asked")
    expect(status(page)).to_contain_text("resumed")
    expect(page.locator(".quiz-question .quiz-prompt")).to_have_text(qs[1].prompt)
    page.wait_for_timeout(800)
    save_shot(page, "quiz-2-click-question-after-reload")

    from meshes.model import HipModel
    from viewer.scene import project

    box = scene_box(page)
    target = HipModel().landmarks()[qs[1].answer]
    (sx, sy), = project(CAMERA, [target], int(box["width"]), int(box["height"]))
    page.mouse.click(box["x"] + sx, box["y"] + sy)
    expect(feedback).to_contain_text("Right.")
    expect(feedback).to_contain_text(f"You clicked {pack.entries[qs[1].answer].name}")
    expect(page.locator(".quiz-card h2")).to_have_text(pack.entries[qs[1].answer].name)
    expect(status(page)).to_contain_text("Score: 2 right out of 2 asked")
    page.wait_for_timeout(600)
    save_shot(page, "quiz-2-click-feedback")

    # 3: a multiple-choice question, answered wrong: the right answer is given.
    page.locator(".quiz-next button").click()
    expect(page.locator(".quiz-question .quiz-prompt")).to_have_text(qs[2].prompt)
    wrong = next(o for o in qs[2].options if o != qs[2].answer)
    answer_choice(page, wrong)
    expect(feedback).to_contain_text("Not right.")
    expect(feedback).to_contain_text(f"The right answer is {qs[2].answer}")
    expect(page.locator(".quiz-card h2")).to_have_text(pack.entries[qs[2].card].name)
    expect(status(page)).to_contain_text("Score: 2 right out of 3 asked")
    save_shot(page, "quiz-3-wrong-feedback")

    # 4: the last question, then the score.
    page.locator(".quiz-next button").click()
    answer_choice(page, qs[3].answer)
    expect(feedback).to_contain_text("Right.")
    expect(page.locator(".quiz-next button")).to_have_text("See your score")
    page.locator(".quiz-next button").click()
    expect(page.locator(".quiz-question")).to_contain_text(f"Round complete: 3 right out of {ROUND}.")
    expect(page.locator(".quiz-summary li")).to_have_count(ROUND)
    expect(status(page)).to_contain_text(f"Score: 3 right out of {ROUND} asked")
    save_shot(page, "quiz-4-round-score")

    # A new round clears the score and goes on with the next questions of the deck.
    page.locator(".quiz-new-round button").click()
    expect(status(page)).to_contain_text(f"Question 1 of {ROUND}")
    expect(status(page)).to_contain_text("Score: 0 right out of 0 asked")
    next_first = bank[question_at(list(bank), seed, ROUND)]
    expect(page.locator(".quiz-question .quiz-prompt")).to_have_text(next_first.prompt)
    record = stored(page)
    assert record["answers"] == [] and record["start"] == ROUND and record["seed"] == seed


def test_keyboard_start_and_a_click_question_answered_from_the_structure_list(page, viewer_url, bank):
    """Without a mouse: open the Quiz tab, start with a typed seed, answer a click question
    through the Structures list; the feedback is in a live region."""
    ids = list(bank)
    seed = next(s for s in range(1, 5000)
                if [bank[question_at(ids, s, i)].kind for i in (0, 1)] == ["click", "choice"])
    q = bank[question_at(ids, seed, 0)]
    open_page(page, viewer_url)
    page.locator(".bk-tab", has_text="Quiz").click()
    expect(page.locator(".quiz-intro")).to_contain_text("Test yourself")
    save_shot(page, "quiz-0-intro")

    page.locator(".quiz-seed input").focus()
    page.keyboard.type(str(seed))
    page.locator(".quiz-start button").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".quiz-question .quiz-prompt")).to_have_text(q.prompt)
    expect(status(page)).to_contain_text(f"seed {seed}")
    answer_button = page.locator(".quiz-list-answer button")
    expect(answer_button).to_be_disabled()

    # Move down the list with the arrow keys to the structure asked for.
    listbox = page.locator(".structure-list select")
    values = listbox.locator("option").evaluate_all("els => els.map(e => e.textContent)")
    from annotations import load_pack

    name = load_pack().entries[q.answer].name
    listbox.focus()
    for _ in range(values.index(name)):
        page.keyboard.press("ArrowDown")
    expect(answer_button).to_be_enabled()
    expect(answer_button).to_contain_text(name)
    # Choosing in the list does not answer yet: the feedback stays empty until the button.
    expect(page.locator(".quiz-feedback")).to_have_text("")
    answer_button.focus()
    page.keyboard.press("Enter")
    feedback = page.locator(".quiz-feedback")
    expect(feedback).to_have_attribute("aria-live", "assertive")
    expect(feedback).to_contain_text("Right.")
    expect(feedback).to_contain_text(f"You chose {name}")
    expect(status(page)).to_contain_text("Score: 1 right out of 1 asked")
    save_shot(page, "quiz-keyboard-answer")

    # The pressed button is gone: the focus is on the feedback, and Tab reaches "Next".
    page.wait_for_function(f"() => ({DEEP_ACTIVE_CLASS})() === 'quiz-feedback'")
    page.keyboard.press("Tab")
    assert page.evaluate(DEEP_ACTIVE_TEXT) == "Next question"
    page.keyboard.press("Enter")
    q2 = bank[question_at(ids, seed, 1)]
    expect(page.locator(".quiz-question .quiz-prompt")).to_have_text(q2.prompt)
    page.wait_for_function(f"() => ({DEEP_ACTIVE_CLASS})() === 'quiz-question'")
    # Tab to the options, Space chooses the first, Tab to "Check answer", Enter.
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate(DEEP_ACTIVE_TEXT) == "Check answer"
    page.keyboard.press("Enter")
    verdict = "Right." if q2.options[0] == q2.answer else "Not right."
    expect(feedback).to_contain_text(verdict)
    expect(status(page)).to_contain_text("out of 2 asked")
    save_shot(page, "quiz-keyboard-choice")
