"""The page on every screen: a phone (portrait and landscape), a tablet, a desktop and a
projector, in real Chromium with a mobile viewport and a touch screen where a device has one.

Each size: no horizontal scrolling, the 3D view drawn and given the room; on a phone the card
in a bottom sheet (peek, half, full) and the controls behind the menu."""

from __future__ import annotations

import pytest

from tests.conftest import new_guarded_page, save_shot, wait_for_scene, wait_until
from viewer.screen import layout_for

pytestmark = pytest.mark.browser

SIZES = {
    "phone-320": (320, 640, True),
    "phone": (390, 844, True),
    "phone-landscape": (844, 390, True),
    "tablet": (820, 1180, True),
    "desktop": (1366, 768, False),
    "projector": (1920, 1080, False),
}


def test_the_layout_follows_the_window():
    assert layout_for(390, 844) == "phone" and layout_for(320, 568) == "phone"
    assert layout_for(844, 390) == "tablet" and layout_for(667, 375) == "tablet"  # a phone on its side: two columns
    assert layout_for(568, 320) == "phone"  # too narrow for two columns
    assert layout_for(820, 1180) == "tablet" and layout_for(1024, 768) == "tablet"
    assert layout_for(1366, 768) == "desktop" and layout_for(1920, 1080) == "desktop"


#: What a phone's and a tablet's browser say they are.
MOBILE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/126.0.0.0 Mobile Safari/537.36")


def open_at(browser, page_guard, url: str, size: str):
    width, height, touch = SIZES[size]
    extra = {"is_mobile": True, "has_touch": True, "user_agent": MOBILE_AGENT} if touch else {}
    page = new_guarded_page(browser, page_guard, viewport={"width": width, "height": height}, **extra)
    page.goto(url, wait_until="load")
    wait_for_scene(page)
    return page


def scroll_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def canvas_box(page) -> dict:
    return page.locator(".hip-sceneview canvas, canvas").first.bounding_box()


@pytest.mark.parametrize("size", list(SIZES))
def test_no_horizontal_scroll_and_the_3d_view_has_room(browser, page_guard, viewer_url, size):
    width, height, _ = SIZES[size]
    page = open_at(browser, page_guard, viewer_url + "?sel=gmed_middle", size)
    try:
        assert scroll_width(page) <= width, f"the page scrolls sideways at {width}x{height}"
        box = canvas_box(page)
        assert box["x"] >= -1 and box["x"] + box["width"] <= width + 1
        share = box["width"] * box["height"] / (width * height)
        least = {"phone": 0.45, "phone-320": 0.4, "phone-landscape": 0.3, "tablet": 0.35}.get(size, 0.3)
        assert share >= least, f"the 3D view takes {share:.0%} of the screen"
        save_shot(page, f"layout-{size}")
    finally:
        page.context.close()


def test_phone_card_sheet_and_menu(browser, page_guard, viewer_url):
    page = open_at(browser, page_guard, viewer_url, "phone")
    try:
        handle = page.locator(".sheet-handle button").first
        sheet = page.locator(".bottom-sheet").first
        heights = [sheet.bounding_box()["height"]]
        for _ in range(2):
            handle.tap()
            wait_until(lambda: sheet.bounding_box()["height"] > heights[-1] + 50, what="the sheet to open")
            heights.append(sheet.bounding_box()["height"])
        assert heights[-1] > 0.8 * 844, "full: the sheet covers most of the screen"
        save_shot(page, "layout-phone-sheet-full")
        handle.tap()  # back to peek
        wait_until(lambda: sheet.bounding_box()["height"] < heights[0] + 20, what="the sheet to close")

        page.locator(".phone-menu button").first.tap()
        structures = page.locator(".structure-list select").first
        structures.wait_for(state="visible")
        save_shot(page, "layout-phone-menu")
        page.wait_for_timeout(500)  # the menu's controls are laid out

        def chosen():
            if "sel=superior_gluteal_nerve" in page.url:
                return True
            structures.select_option("superior_gluteal_nerve")
            page.wait_for_timeout(1000)
            return "sel=superior_gluteal_nerve" in page.url

        wait_until(chosen, timeout=30, what="the link to follow the choice")
        page.locator(".phone-menu button").first.tap()  # close the menu: the card is in the sheet
        page.locator(".card-region").first.wait_for(state="visible")
        assert "Superior gluteal nerve" in page.locator(".card-region").first.inner_text()
    finally:
        page.context.close()


@pytest.mark.parametrize("size", ["phone-320", "phone", "tablet"])
def test_the_handout_fits_a_phone_and_a_tablet(browser, tmp_path, size):
    from urllib.parse import urlsplit

    from viewer.serve.handout import write_handout

    out = tmp_path / "handout.html"
    write_handout(out)
    width, height, _ = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  is_mobile=True, has_touch=True, user_agent=MOBILE_AGENT)
    leaving = []

    def route(route):  # the hand-out reads nothing but itself
        if urlsplit(route.request.url).scheme in ("file", "data", "blob"):
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    try:
        page.goto(out.as_uri(), wait_until="load")
        page.wait_for_function("window.__handout && window.__handout.ready()", timeout=90_000)
        assert scroll_width(page) <= width, f"the hand-out scrolls sideways at {width}x{height}"
        box = page.locator("#scene canvas").first.bounding_box()
        if size == "tablet":  # two columns: the model beside the card
            assert box["width"] >= 0.35 * width and box["height"] >= 0.35 * height
        else:  # one column: the model across the screen, the card under it
            assert box["width"] >= 0.85 * width and box["height"] >= 0.5 * height
        assert not leaving
        save_shot(page, f"handout-{size}")
    finally:
        context.close()
