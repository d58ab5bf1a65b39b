"""The whole viewer walked offline: every side tab, every tour step and presentation mode, a
whole quiz round, every Mechanics control, the sidebar's buttons, and the offline hand-out.

The browser reaches nothing but this machine: every request to another host is aborted and
recorded, and fails the test, as does any console error, page error or server error (the
``page`` fixture and the hooks in ``tests/conftest.py``).  A page asks for some resources only
when a part of it is first drawn or changed (a tab opened, a pane updated while hidden), so
this walk presses the controls rather than only opening the page.  Controls are found on the
page (every button, checkbox and slider of the Mechanics tab and the sidebar), so a new
control is walked too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import LOCAL_HOSTS, save_shot, scene_box, wait_for_scene
from tests.test_app_browser import card_title, open_view

pytestmark = pytest.mark.browser

TAB = ".tour.tab"
STAGE = ".tour.stage"
QUIZ_ROUND = "?quiz_seed=7&quiz_n=5"
#: Buttons a walk presses separately (a download, or one that leaves the page's mode).
DOWNLOADS = re.compile(r"Download|Save PNG")

#: Every script, stylesheet, image and frame the page names, in the document and every shadow
#: root, that is neither on this machine nor inline.
REMOTE_RESOURCES = """() => {
  const urls = [];
  const walk = (root) => {
    root.querySelectorAll('script[src], link[href], img[src], iframe[src]').forEach(
      (el) => urls.push(el.src || el.href));
    root.querySelectorAll('*').forEach((el) => { if (el.shadowRoot) walk(el.shadowRoot); });
  };
  walk(document);
  return urls.filter((u) => /^(https?:)?\\/\\//.test(u) && !/^https?:\\/\\/(127\\.0\\.0\\.1|localhost)[:/]/.test(u));
}"""


def nothing_left_the_machine(page, guard) -> None:
    assert guard.requests, "the browser made no request at all"
    hosts = {urlsplit(url).hostname for url in guard.requests if urlsplit(url).hostname}
    assert hosts <= LOCAL_HOSTS, f"requests left the machine: {guard.offhost_requests}"
    assert page.evaluate(REMOTE_RESOURCES) == [], "the page names remote resources"


def quiet(page, ms: int = 400) -> None:
    """Let the server's answer to the last press arrive (and any resource it asks for)."""
    page.wait_for_timeout(ms)


def press_buttons(page, scope: str, skip=lambda text: False) -> list[str]:
    """Press every visible, enabled button inside ``scope`` once, in page order (a button
    whose text changes when pressed, like Play/Pause, is pressed again); returns their texts.
    The list is read again after each press (a press may redraw part of it).  The cards'
    fold buttons are left to the caller."""
    pressed: list[str] = []
    seen: set[str] = set()
    while True:
        buttons = page.locator(f"{scope} button:not(.card-header):visible")
        target = None
        for i in range(buttons.count()):
            button = buttons.nth(i)
            text = " ".join(button.inner_text().split())
            key = f"{i}:{text}"
            if key in seen:
                continue
            seen.add(key)
            if not text or skip(text) or not button.is_enabled():
                continue
            target = (button, text)
            break
        if target is None:
            return pressed
        button, text = target
        if DOWNLOADS.search(text):
            with page.expect_download(timeout=60_000) as info:
                button.click()
            assert info.value.suggested_filename, text
        else:
            button.click()
        pressed.append(text)
        quiet(page, 300)


def test_walk_every_side_tab_every_tour_step_and_presentation_mode(page, viewer_url, page_guard):
    open_view(page, viewer_url)
    tabs = [t.inner_text().strip() for t in page.locator(".bk-tab").all()]
    assert {"Card", "Tour", "Quiz", "Mechanics"} <= set(tabs), tabs
    for name in tabs:
        page.locator(".bk-tab", has_text=name).click()
        expect(page.locator(".bk-tab.bk-active")).to_have_text(name)
        quiet(page, 1500)
    # Mechanics was opened: its panes now follow the tour while another tab is on show.

    page.locator(".bk-tab", has_text="Tour").click()
    page.locator(f"{TAB} button", has_text="Start the tour").click()
    position = page.locator(f"{TAB} .tour-position")
    expect(position).to_have_text(re.compile(r"Step 1 of \d+"))
    total = int(position.inner_text().split()[-1])
    for step in range(2, total + 1):
        page.locator(f"{TAB} button", has_text="Next").click()
        expect(position).to_have_text(f"Step {step} of {total}")
        quiet(page)
    expect(page.locator(f"{TAB} button", has_text="Next")).to_be_disabled()

    # Presentation mode on, through a few steps with the stage's own buttons, and off.
    page.locator(f"{TAB} button", has_text="Present the tour").click()
    expect(page.locator(STAGE)).to_be_visible()
    for _ in range(3):
        page.locator(f"{STAGE} button", has_text="Previous").click()
        quiet(page)
    expect(page.locator(f"{STAGE} .tour-position")).to_have_text(f"Step {total - 3} of {total}")
    page.locator(f"{STAGE} button", has_text="Exit presentation").click()
    expect(page.locator(STAGE)).to_be_hidden()
    page.locator("button.present-button").click()
    expect(page.locator(STAGE)).to_be_visible()
    expect(page.locator(".sidebar")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator(".sidebar")).to_be_visible()
    for name in tabs:
        page.locator(".bk-tab", has_text=name).click()
        quiet(page, 600)
    save_shot(page, "walk-tour-done")
    nothing_left_the_machine(page, page_guard)


def test_walk_a_whole_quiz_round(page, viewer_url, page_guard):
    open_view(page, viewer_url, QUIZ_ROUND)
    expect(page.locator(".bk-tab.bk-active")).to_have_text("Quiz")
    status = page.locator(".quiz-status")
    expect(status).to_contain_text("Question 1 of 5")
    listbox = page.locator(".structure-list select")
    prompt = page.locator(".quiz-question .quiz-prompt")
    previous = None
    for n in range(1, 6):
        expect(status).to_contain_text(f"Question {n} of 5")
        if previous is not None:
            expect(prompt).not_to_have_text(previous)
        previous = prompt.inner_text()
        click_question = "next click in the 3D view" in page.locator(".quiz-question").inner_text()
        options = page.locator(".quiz-options label")
        if not click_question:
            expect(options.first).to_be_visible()
            options.nth(n % options.count()).click()
            page.locator(".quiz-check button").click()
        else:  # a question answered by choosing a structure: from the Structures list
            listbox.select_option(index=n + 2)
            answer = page.locator(".quiz-list-answer button")
            expect(answer).to_be_enabled()
            answer.click()
        expect(page.locator(".quiz-feedback")).to_contain_text(re.compile("right", re.IGNORECASE))
        expect(status).to_contain_text(f"out of {n} asked")
        quiet(page)
        page.locator(".quiz-next button").click()
    expect(page.locator(".quiz-question")).to_contain_text("Round complete")
    expect(page.locator(".quiz-summary li")).to_have_count(5)
    page.locator(".quiz-new-round button").click()
    expect(status).to_contain_text("Question 1 of 5")
    save_shot(page, "walk-quiz-done")
    nothing_left_the_machine(page, page_guard)


def test_walk_every_mechanics_control(page, viewer_url, page_guard):
    open_view(page, viewer_url, "?sel=gmed_posterior")
    page.locator(".bk-tab", has_text="Mechanics").click()
    panel = ".mechanics-panel"
    expect(page.locator(f"{panel} .mech-play button")).to_be_visible(timeout=60_000)
    expect(page.locator(".pn-loading")).to_have_count(0, timeout=60_000)

    # Every button but the cards' fold buttons (those are pressed twice below).
    pressed = press_buttons(page, panel)
    play = page.locator(f"{panel} .mech-play button")
    if "Pause" in play.inner_text():
        play.click()  # the play button was pressed once: pause it
    for expected in ("Anterior", "Middle", "Posterior", "Why does it rotate the thigh this way?",
                     "Stand on the right leg", "Level the pelvis", "View from behind",
                     "Download the curves (CSV)"):
        assert any(expected in text for text in pressed), (expected, pressed)
    assert len(pressed) >= 15, pressed

    # Every checkbox, on and off again.
    boxes = page.locator(f"{panel} input[type=checkbox]")
    assert boxes.count() >= 2
    for i in range(boxes.count()):
        boxes.nth(i).click()
        quiet(page)
        boxes.nth(i).click()
        quiet(page, 200)

    # Every slider (scrub, stance strength, trunk lean), moved with its arrow keys.
    handles = page.locator(f"{panel} .noUi-handle")
    assert handles.count() >= 3
    for i in range(handles.count()):
        handles.nth(i).focus()
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        quiet(page, 300)
        page.keyboard.press("ArrowRight")
        quiet(page, 300)

    # The cards fold and unfold.
    headers = page.locator(f"{panel} .card-header")
    for i in range(headers.count()):
        headers.nth(i).click()
        headers.nth(i).click()
    quiet(page, 800)
    save_shot(page, "walk-mechanics-done")
    nothing_left_the_machine(page, page_guard)


def test_walk_the_sidebar_cameras_layers_levels_and_png(page, viewer_url, page_guard):
    open_view(page, viewer_url, "?sel=gmed_middle")
    sidebar = ".sidebar"
    pressed = press_buttons(page, sidebar)
    for expected in ("Lateral", "Posterior", "Anterior", "Superior", "Everyday words", "Student", "Clinician",
                     "Neutral posture", "Save PNG of the view"):
        assert expected in pressed, (expected, pressed)
    toggle = page.locator(".layer-gmax input")
    toggle.uncheck()
    quiet(page)
    toggle.check()
    sliders = page.locator(".posture-row input[type=range]")  # every posture slider moves the hip
    assert sliders.count() == 3
    for i in range(sliders.count()):
        sliders.nth(i).focus()
        page.keyboard.press("PageUp")
        quiet(page, 500)
    quiet(page, 300)
    expect(card_title(page)).to_have_text("Gluteus medius, middle fibres")
    assert scene_box(page) is not None
    save_shot(page, "walk-sidebar-done")
    nothing_left_the_machine(page, page_guard)


@pytest.fixture(scope="module")
def handout_path(tmp_path_factory):
    import subprocess
    import sys

    from tests.conftest import ROOT

    path = tmp_path_factory.mktemp("walk") / "hip.html"
    subprocess.run([sys.executable, "-m", "viewer", "export-html", str(path)], check=True, cwd=ROOT,
                   capture_output=True, timeout=300)
    return path


def test_walk_the_offline_handout(page, page_guard, handout_path):
    page.goto(handout_path.as_uri(), wait_until="load")
    page.wait_for_function("window.__handout && window.__handout.ready()", timeout=90_000)
    pressed = press_buttons(page, "body")
    assert len(pressed) >= 4, pressed
    for radio in page.locator("input[name=level]").all():
        radio.check()
    page.locator("#structures").select_option(index=3)
    expect(page.locator("#card")).not_to_contain_text("Choose a structure")
    box = scene_box(page)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    schemes = {urlsplit(url).scheme for url in page_guard.requests}
    assert schemes <= {"file", "data", "blob"}, schemes
    assert page_guard.offhost_requests == []
    wait_for_scene(page)
