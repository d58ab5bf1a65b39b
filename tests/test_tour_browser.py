"""Guided tours and presentation mode in real Chromium against a real server.

A tour's steps change the 3D view and the caption in order; presentation mode fills the
window at projector sizes with a large caption beside the model; the keys a presenter (or a
clicker) sends move through the tour, reset the view, toggle labels and leave; they do nothing
while the reader types.  Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import expect

from tests.conftest import (
    canvas_nonblank_fraction, drag, new_guarded_page, save_shot, scene_box, scene_png, wait_for_scene,
)
from tests.test_app_browser import card_title, changed_fraction, open_view, query_of, same_view

pytestmark = pytest.mark.browser

TOUR = """\
title: Three views
steps:
  - title: Middle fibres from the side
    caption: The **middle fibres**, hip straight.
    camera: lateral
    select: gmed_middle
  - title: Posterior fibres from behind
    caption: Hip flexed to 60 degrees, gluteus maximus hidden.
    camera: posterior
    posture: {flexion: 60}
    layers: {hidden: [gmax]}
    select: gmed_posterior
  - title: Pelvis dropped
    caption: "The unsupported side drops. <script>window.__pwned = 1</script>"
    camera: anterior
    posture: {pelvic_drop: 10}
    select: trendelenburg_sign
"""

VIEW_DIRECTION = "() => Array.from(window.__hipScene.state.renderer.getActiveCamera().getDirectionOfProjection())"
STAGE = ".tour.stage"
TAB = ".tour.tab"


def chosen(page):
    """The structure chosen in the page's structure list (the card follows it)."""
    return page.locator(".structure-list option:checked")


def direction(page) -> list[float]:
    return [round(v, 2) + 0.0 for v in page.evaluate(VIEW_DIRECTION)]


def expect_query(page, expected: dict[str, str], timeout_ms: int = 20_000) -> None:
    """The address bar comes to hold exactly ``expected`` (it follows the view after a short
    pause, longer on a busy machine) and stays so."""
    waited, steady = 0, 0
    while waited < timeout_ms:
        steady = steady + 1 if query_of(page) == expected else 0
        if steady >= 3:
            return
        page.wait_for_timeout(250)
        waited += 250
    assert query_of(page) == expected


def test_a_teachers_tour_changes_the_view_and_caption_step_by_step(page, start_viewer, tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(TOUR)
    server = start_viewer("--tour", str(path))
    start = open_view(page, server.url)
    page.locator(".bk-tab", has_text="Tour").click()
    expect(page.locator(f"{TAB} .tour-title")).to_have_text("Three views")
    expect(page.locator(f"{TAB} .tour-position")).to_have_text("3 steps")
    page.locator(f"{TAB} button", has_text="Start the tour").click()

    # Step 1: lateral view, middle fibres selected, its caption.
    expect(page.locator(f"{TAB} .tour-title")).to_have_text("Middle fibres from the side")
    expect(page.locator(f"{TAB} .tour-caption strong")).to_have_text("middle fibres")
    expect(page.locator(f"{TAB} .tour-position")).to_have_text("Step 1 of 3")
    expect(page.locator(f"{TAB} .tour-label")).to_have_text("Showing: Gluteus medius, middle fibres")
    expect(chosen(page)).to_have_text("Gluteus medius, middle fibres")
    expect_query(page, {"step": "1"})
    assert direction(page) == [0.0, 0.0, -1.0]
    page.wait_for_timeout(500)
    one = scene_png(page)
    assert changed_fraction(start, one) > 0.002  # the middle fibres are highlighted
    save_shot(page, "tour-step-1")

    # Step 2: from behind, hip flexed, gluteus maximus hidden.
    page.locator(f"{TAB} button", has_text="Next").click()
    expect(page.locator(f"{TAB} .tour-title")).to_have_text("Posterior fibres from behind")
    expect(page.locator(f"{TAB} .tour-caption")).to_have_text("Hip flexed to 60 degrees, gluteus maximus hidden.")
    expect(page.locator(f"{TAB} .tour-position")).to_have_text("Step 2 of 3")
    expect(chosen(page)).to_have_text("Gluteus medius, posterior fibres")
    expect(page.locator(".posture-flexion")).to_contain_text("60")
    expect(page.locator(".layer-gmax input")).not_to_be_checked()
    expect_query(page, {"step": "2"})
    assert direction(page) == [1.0, 0.0, 0.0]
    two = scene_png(page)
    assert changed_fraction(one, two) > 0.05
    save_shot(page, "tour-step-2")

    # Step 3: from the front, pelvis dropped: the pelvis turns as a whole.
    page.locator(f"{TAB} button", has_text="Next").click()
    expect(page.locator(f"{TAB} .tour-title")).to_have_text("Pelvis dropped")
    # Markup in a caption is shown as text, never run.
    expect(page.locator(f"{TAB} .tour-caption")).to_have_text(
        "The unsupported side drops. <script>window.__pwned = 1</script>")
    assert page.locator(f"{TAB} .tour-caption script").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    expect(chosen(page)).to_have_text("Topic: Trendelenburg sign")
    expect(page.locator(f"{TAB} button", has_text="Next")).to_be_disabled()
    expect_query(page, {"step": "3"})
    assert direction(page) == [-1.0, 0.0, 0.0]
    pelvis = page.evaluate("() => window.__hipScene.model.transforms.pelvis")
    assert pelvis and abs(pelvis[5] - math.cos(math.radians(10))) < 1e-3  # turned 10 deg about X
    three = scene_png(page)
    assert changed_fraction(two, three) > 0.05
    save_shot(page, "tour-step-3")

    # Back to step 2: the same view as before.
    page.locator(f"{TAB} button", has_text="Previous").click()
    expect(page.locator(f"{TAB} .tour-title")).to_have_text("Posterior fibres from behind")
    expect(page.locator(".layer-gmax input")).not_to_be_checked()
    page.wait_for_timeout(1200)
    assert same_view(two, scene_png(page)) < 0.01
    page.locator(".bk-tab", has_text="Card").click()
    expect(card_title(page)).to_have_text("Gluteus medius, posterior fibres")


def test_a_link_to_a_tour_step_reopens_that_step(page, viewer_url, browser, page_guard):
    open_view(page, viewer_url, "?step=11&flex=20")
    expect(card_title(page)).to_have_text("Trendelenburg sign")
    page.locator(".bk-tab", has_text="Tour").click()
    expect(page.locator(f"{TAB} .tour-title")).to_have_text("Trendelenburg sign")
    expect(page.locator(".layer-gmax input")).not_to_be_checked()  # from the step
    expect(page.locator(".posture-flexion")).to_contain_text("20")  # from the link
    expect_query(page, {"step": "11", "flex": "20"})
    assert direction(page) == [1.0, 0.0, 0.0]


def presentation_layout_ok(page, width: int, height: int, min_caption_px: float) -> None:
    """The caption column and the 3D view fill the window side by side, nothing cut off, the
    caption large and clear of the model's middle."""
    expect(page.locator(".sidebar")).to_be_hidden()
    expect(page.locator(".card-region")).to_be_hidden()
    stage = page.locator(STAGE)
    expect(stage).to_be_visible()
    box = stage.bounding_box()
    view = scene_box(page)
    assert view["x"] <= 1 and view["width"] > 0.6 * width, view
    assert view["height"] > 0.95 * height, view
    assert box["x"] >= view["x"] + view["width"] - 1, (box, view)  # beside the view, not over it
    assert box["x"] + box["width"] <= width + 0.5 and box["y"] + box["height"] <= height + 0.5, box
    for part in ("tour-title", "tour-caption", "tour-hint", "tour-next", "tour-exit"):
        b = page.locator(f"{STAGE} .{part}").bounding_box()
        assert b is not None and b["height"] > 0, part
        assert b["x"] >= box["x"] - 0.5 and b["x"] + b["width"] <= width + 0.5, (part, b)
        assert b["y"] >= 0 and b["y"] + b["height"] <= height + 0.5, (part, b)
    size = page.locator(f"{STAGE} .tour-caption").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= min_caption_px, size
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    png = scene_png(page)
    assert canvas_nonblank_fraction(png) > 0.05


def test_presentation_mode_at_1920x1080_and_its_keys(browser, page_guard, viewer_url):
    page = new_guarded_page(browser, page_guard, viewport={"width": 1920, "height": 1080})
    try:
        open_view(page, viewer_url, "?present=1")
        title = page.locator(f"{STAGE} .tour-title")
        expect(title).to_have_text("Gluteus medius, step by step")
        expect(page.locator(f"{STAGE} .tour-hint")).to_contain_text("next/back")

        # The keys a clicker sends, and the arrows and Space.
        page.keyboard.press("ArrowRight")
        expect(title).to_have_text("Gluteus medius")
        page.keyboard.press("PageDown")
        expect(title).to_have_text("Origin")
        page.keyboard.press("Space")
        expect(title).to_have_text("Insertion")
        expect(page.locator(f"{STAGE} .tour-position")).to_have_text("Step 3 of 14")
        page.keyboard.press("ArrowLeft")
        expect(title).to_have_text("Origin")
        expect(page.locator(f"{STAGE} .tour-caption")).to_contain_text("outer face of the hip bone (ilium)")
        page.wait_for_timeout(1500)
        presentation_layout_ok(page, 1920, 1080, min_caption_px=28)
        save_shot(page, "presentation-1920x1080-origin")
        expect_query(page, {"present": "1", "step": "2"})

        # L: landmark markers and the name label off, then on again.
        label = page.locator(f"{STAGE} .tour-label")
        expect(label).to_have_text("Showing: Gluteus medius origin")
        marker_shown = "() => window.__hipScene.model.visibility['lm:gmed_origin']"
        assert page.evaluate(marker_shown) is True
        page.keyboard.press("l")
        expect(label).to_be_hidden()
        page.wait_for_function(f"() => ({marker_shown[6:]}) === false")
        save_shot(page, "presentation-1920x1080-labels-off")
        page.keyboard.press("L")
        expect(label).to_be_visible()
        page.wait_for_function(f"() => ({marker_shown[6:]}) === true")

        # R: after the presenter turned the model, back to the step's camera.
        box = scene_box(page)
        x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8
        drag(page, x, y, 200, -60)
        page.wait_for_function("() => window.location.search.includes('cam=')")
        assert direction(page) != [0.0, 0.0, -1.0]
        page.keyboard.press("r")
        page.wait_for_function("() => !window.location.search.includes('cam=')")
        assert direction(page) == [0.0, 0.0, -1.0]

        # PageUp back to the first step; Esc leaves presentation mode, the tour stays.
        page.keyboard.press("PageUp")
        expect(title).to_have_text("Gluteus medius")
        page.keyboard.press("Escape")
        expect(page.locator(".sidebar")).to_be_visible()
        expect(page.locator(STAGE)).to_be_hidden()
        expect_query(page, {"step": "1"})
        save_shot(page, "presentation-left-1920x1080")
    finally:
        page.context.close()


def test_presentation_mode_at_1280x720_from_the_page_button(browser, page_guard, viewer_url):
    page = new_guarded_page(browser, page_guard, viewport={"width": 1280, "height": 720})
    try:
        open_view(page, viewer_url)
        expect(page.locator(".sidebar")).to_be_visible()
        page.locator("button.present-button").click()
        expect(page.locator(STAGE)).to_be_visible()
        page.wait_for_function("() => window.location.search === '?present=1'")
        # Leaving at once clears the address again (a reload would not present).
        page.keyboard.press("Escape")
        expect(page.locator(".sidebar")).to_be_visible()
        page.wait_for_function("() => window.location.search === ''")
        page.locator("button.present-button").click()
        expect(page.locator(STAGE)).to_be_visible()
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        expect(page.locator(f"{STAGE} .tour-title")).to_have_text("Anterior fibres")
        page.wait_for_timeout(1500)
        presentation_layout_ok(page, 1280, 720, min_caption_px=19)
        save_shot(page, "presentation-1280x720-anterior-fibres")
        # The longest caption of the built-in tour still fits.
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        expect(page.locator(f"{STAGE} .tour-title")).to_have_text("Single-leg stance")
        page.wait_for_timeout(1500)
        presentation_layout_ok(page, 1280, 720, min_caption_px=19)
        save_shot(page, "presentation-1280x720-single-leg-stance")
        page.locator(f"{STAGE} button", has_text="Exit presentation").click()
        expect(page.locator(".sidebar")).to_be_visible()
        expect(page.locator(STAGE)).to_be_hidden()
    finally:
        page.context.close()


def test_keys_do_nothing_while_the_reader_types(page, viewer_url):
    open_view(page, viewer_url)
    page.locator(".bk-tab", has_text="Tour").click()
    page.locator(f"{TAB} button", has_text="Start the tour").click()
    position = page.locator(f"{TAB} .tour-position")
    expect(position).to_have_text("Step 1 of 14")

    share = page.locator(".bk-input").last  # the link box
    share.click()
    for key in ("ArrowRight", "PageDown", "Space", "r", "l", "ArrowLeft"):
        page.keyboard.press(key)
    page.wait_for_timeout(800)
    expect(position).to_have_text("Step 1 of 14")
    expect(page.locator(".layer-landmarks input")).to_be_checked()

    # Away from the field, the same keys move the tour.
    page.locator(".app-header h1").click()
    page.keyboard.press("ArrowRight")
    expect(position).to_have_text("Step 2 of 14")
    page.keyboard.press("PageUp")
    expect(position).to_have_text("Step 1 of 14")

    # The Tour tab's own button presents the tour from the step on show.
    page.locator(f"{TAB} button", has_text="Present the tour").click()
    expect(page.locator(STAGE)).to_be_visible()
    expect(page.locator(f"{STAGE} .tour-position")).to_have_text("Step 1 of 14")
    page.keyboard.press("Escape")
    expect(page.locator(STAGE)).to_be_hidden()
