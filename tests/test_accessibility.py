"""Accessibility in real Chromium: axe-core audits of the page in each of its states, reduced
motion, and the viewer used with the keyboard alone, with a visible focus ring at every step.

axe-core comes inside the ``axe-playwright-python`` package (nothing is downloaded); every
violation of impact "serious" or "critical" fails the test, listed with the elements it found.
The full axe report of a failing audit lands in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, ROOT, new_guarded_page, save_shot, wait_for_scene
from tests.test_app_browser import card_title, open_view

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")
PHONE = {"width": 390, "height": 844}

#: The element that has the keyboard focus, followed into shadow roots, and whether a focus
#: ring shows on it (an outline at least 2 px wide, or a box shadow).
FOCUS = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  if (!a) return null;
  const s = getComputedStyle(a);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return {tag: a.tagName, type: a.type || null, cls: String(a.className || ''), text: (a.textContent || '').trim().slice(0, 60),
          role: a.getAttribute('role'), ring: outline || shadow,
          label: a.getAttribute('aria-label') || (a.labels && a.labels.length ? a.labels[0].textContent : null),
          outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor};
}"""


def audit(page, name: str) -> None:
    """Run axe-core on the page; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    bad = [v for v in response["violations"] if v.get("impact") in SERIOUS]
    if bad:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(response["violations"], indent=1))
        lines = []
        for v in bad:
            lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']}")
            lines += [f"    {n['target']}: {n['html'][:120]}" for n in v["nodes"][:6]]
        pytest.fail(f"axe found serious problems on '{name}':\n" + "\n".join(lines), pytrace=False)


def settle(page, ms: int = 800) -> None:
    """No loading indicator left, and a moment for transitions to end."""
    expect(page.locator(".pn-loading")).to_have_count(0, timeout=30_000)
    page.wait_for_timeout(ms)


@pytest.mark.parametrize("name,query", [("default", ""), ("card-open", "?sel=gmed_middle&level=clinician")])
def test_the_page_has_no_serious_accessibility_problems(page, viewer_url, name, query):
    open_view(page, viewer_url, query)
    if query:
        expect(card_title(page)).to_have_text("Gluteus medius, middle fibres")
    settle(page)
    audit(page, name)


@pytest.mark.parametrize("tab,ready", [
    ("Card", ".card-region h2"),
    ("Tour", ".tour.tab .tour-title"),
    ("Quiz", ".quiz-intro"),
    ("Mechanics", ".mech-play button"),
])
def test_each_side_tab_has_no_serious_accessibility_problems(page, viewer_url, tab, ready):
    open_view(page, viewer_url, "?sel=gmed_posterior")
    page.locator(".bk-tab", has_text=tab).click()
    expect(page.locator(ready).first).to_be_visible(timeout=60_000)
    settle(page, 1500)
    audit(page, f"tab-{tab}")


def test_presentation_mode_has_no_serious_accessibility_problems(browser, page_guard, viewer_url):
    page = new_guarded_page(browser, page_guard, viewport={"width": 1920, "height": 1080})
    try:
        open_view(page, viewer_url, "?present=1")
        expect(page.locator(".tour.stage .tour-title")).to_be_visible()
        settle(page)
        audit(page, "presentation")
    finally:
        page.context.close()


def test_a_phone_sized_window_has_no_serious_accessibility_problems(browser, page_guard, viewer_url):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.route("**/*", page_guard.route)
    page = context.new_page()
    page.on("console", page_guard.on_console)
    page.on("pageerror", page_guard.on_page_error)
    try:
        page.goto(viewer_url + "?sel=gmed_middle", wait_until="load")
        wait_for_scene(page)
        settle(page)
        save_shot(page, "accessibility-phone")
        audit(page, "phone")
    finally:
        context.close()


@pytest.fixture(scope="module")
def handout_path(tmp_path_factory):
    """The offline hand-out, written by the command a teacher types."""
    path = tmp_path_factory.mktemp("handout") / "hip.html"
    subprocess.run([sys.executable, "-m", "viewer", "export-html", str(path)], check=True, cwd=ROOT,
                   capture_output=True, timeout=300)
    return path


def test_the_handout_has_no_serious_accessibility_problems(browser, page_guard, handout_path):
    page = new_guarded_page(browser, page_guard)
    try:
        page.goto(handout_path.as_uri(), wait_until="load")
        page.wait_for_function("window.__handout && window.__handout.ready()", timeout=90_000)
        page.wait_for_timeout(300)
        audit(page, "handout")
    finally:
        page.context.close()


# --------------------------------------------------------------------------- motion

def test_reduced_motion_stops_transitions_and_nothing_plays_by_itself(browser, page_guard, viewer_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    context.route("**/*", page_guard.route)
    page = context.new_page()
    page.on("console", page_guard.on_console)
    page.on("pageerror", page_guard.on_page_error)
    try:
        open_view(page, viewer_url, "?sel=gmed_middle")
        page.locator(".bk-tab", has_text="Mechanics").click()
        play = page.locator(".mech-play button")
        expect(play).to_be_visible(timeout=60_000)
        settle(page, 1500)
        # Hover and press controls that have transitions: none runs, and nothing else moves.
        page.locator("button", has_text="Everyday words").hover()
        page.locator(".cam-posterior button").click()
        page.wait_for_timeout(100)
        running = page.evaluate("""() => {
          const out = [];
          const walk = (root) => {
            root.querySelectorAll('*').forEach((el) => {
              const s = getComputedStyle(el);
              const moving = (s.animationName !== 'none' && parseFloat(s.animationDuration) > 0.01)
                || s.transitionDuration.split(',').some((d) => parseFloat(d) > 0.01);
              if (moving) out.push(el.tagName + '.' + String(el.className).slice(0, 40));
              if (el.shadowRoot) walk(el.shadowRoot);
            });
          };
          walk(document);
          return out;
        }""")
        assert running == [], f"still animated with reduced motion: {running[:10]}"
        # The action animation waits for Play.
        expect(play).to_contain_text("Play")
        assert "bk-active" not in (play.get_attribute("class") or "")
    finally:
        context.close()


# --------------------------------------------------------------------------- keyboard

def focus(page) -> dict:
    return page.evaluate(FOCUS)


def tab_to(page, predicate, what: str, limit: int = 60, key: str = "Tab") -> dict:
    """Press Tab until ``predicate(focus)`` holds; the focus ring must show at each stop."""
    for _ in range(limit):
        page.keyboard.press(key)
        here = focus(page)
        if here and here["tag"] not in ("BODY", "HTML"):
            assert here["ring"], f"no visible focus ring on {here}"
        if here and predicate(here):
            return here
    raise AssertionError(f"{what} was not reached with {limit} presses of {key}")


def test_the_viewer_with_the_keyboard_alone(page, viewer_url):
    open_view(page, viewer_url)
    settle(page, 300)

    # A structure from the Structures list.
    here = tab_to(page, lambda f: f["tag"] == "SELECT", "the structure list")
    assert here["ring"], here
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    expect(card_title(page)).to_have_text("Gluteus medius, middle fibres")

    # The reading level: Tab to "Everyday words", Enter.
    tab_to(page, lambda f: f["text"] == "Everyday words", "the reading level buttons")
    page.keyboard.press("Enter")
    expect(page.locator(".card-region .level-tag")).to_contain_text("Everyday words")

    # A posture slider: Tab to the flexion slider (named by its label), arrows move it.
    here = tab_to(page, lambda f: f["type"] == "range", "the flexion slider")
    assert here["label"] and here["label"].startswith("Flexion"), here
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    expect(page.locator(".posture-flexion .posture-value")).to_have_text("10")
    assert focus(page)["ring"]
    expect(page.locator(".card-region .posture-action")).not_to_contain_text("neutral posture")

    # The card: Shift+Tab back through the sidebar would be long; Tab onwards reaches it
    # after the sidebar's controls.
    here = tab_to(page, lambda f: "card-region" in f["cls"], "the card region", limit=120)
    assert here["ring"], here
    save_shot(page, "keyboard-card-focused")


def first_choice_seed() -> int:
    """A quiz seed whose round opens with a multiple-choice question (the deck follows the pack)."""
    from annotations import builtin_pack
    from annotations.quiz import generate_questions, question_at

    bank = {q.id: q for q in generate_questions(builtin_pack())}
    ids = list(bank)
    return next(s for s in range(1, 5000) if bank[question_at(ids, s, 0)].kind == "choice")


def test_a_quiz_question_answered_with_the_keyboard_alone(page, viewer_url):
    open_view(page, viewer_url, f"?quiz_seed={first_choice_seed()}&quiz_n=5")
    expect(page.locator(".bk-tab.bk-active")).to_have_text("Quiz")
    settle(page, 300)
    expect(page.locator(".quiz-options label").first).to_be_visible()  # the seed starts with a choice
    tab_to(page, lambda f: f["type"] == "radio", "the first answer")
    page.keyboard.press("Space")
    here = tab_to(page, lambda f: f["text"] == "Check answer", "Check answer")
    assert here["ring"], here
    page.keyboard.press("Enter")
    expect(page.locator(".quiz-feedback")).to_contain_text("right")
    expect(page.locator(".quiz-status")).to_contain_text("out of 1 asked")
    save_shot(page, "keyboard-quiz-answer")
