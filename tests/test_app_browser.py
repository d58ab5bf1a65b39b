"""The viewer page in real Chromium against a real Panel server.

Each test does what a reader does (keyboard, clicks, sliders, links) and checks what the
reader would see.  Screenshots of each state go to ``test-artifacts/``.  The ``page``
fixture (``tests/conftest.py``) fails any test whose page logs an error or asks for anything
off this machine.
"""

from __future__ import annotations

import html
import re
import textwrap
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.conftest import (canvas_nonblank_fraction, decode_png, drag, posture_thumb, save_shot, scene_png,
                            wait_for_scene)

pytestmark = pytest.mark.browser

DEEP_ACTIVE = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? a.tagName : null;
}"""


def plain(html_text: str) -> str:
    """Visible characters of an HTML fragment, whitespace dropped."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", html_text)).split())


def words(text: str) -> str:
    """Visible characters of a page text, whitespace dropped."""
    return "".join(text.split())


def card_title(page):
    return page.locator(".card-region h2")


def open_view(page, base_url: str, query: str = "") -> bytes:
    """Open the viewer and wait until its 3D view is drawn and takes the mouse (the loading
    indicator gone)."""
    page.goto(base_url.rstrip("/") + "/" + query, wait_until="load")
    png = wait_for_scene(page)
    expect(page.locator(".pn-loading")).to_have_count(0, timeout=30_000)
    return png


def changed_fraction(png_a: bytes, png_b: bytes, tolerance: int = 24) -> float:
    a, b = decode_png(png_a).astype(int), decode_png(png_b).astype(int)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float((np.abs(a[:h, :w] - b[:h, :w]).max(axis=2) > tolerance).mean())


def same_view(png_a: bytes, png_b: bytes) -> float:
    """Fraction of 4x4-pixel blocks that differ between two views; anti-aliased edges a
    pixel apart do not count."""
    a, b = decode_png(png_a).astype(float), decode_png(png_b).astype(float)
    h, w = (min(a.shape[0], b.shape[0]) // 4) * 4, (min(a.shape[1], b.shape[1]) // 4) * 4

    def blocks(x):
        return x[:h, :w].reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3))

    return float((np.abs(blocks(a) - blocks(b)).max(axis=2) > 40).mean())


def query_of(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


@pytest.fixture(scope="module")
def pack():
    from annotations import load_pack

    return load_pack()


def test_keyboard_list_selects_a_structure_and_opens_its_card(page, viewer_url):
    png = open_view(page, viewer_url)
    assert canvas_nonblank_fraction(png) > 0.05
    expect(card_title(page)).to_have_text("Choose a structure")

    # Tab from the top of the page reaches the structure list within a few presses.
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate(DEEP_ACTIVE) == "SELECT":
            break
    assert page.evaluate(DEEP_ACTIVE) == "SELECT"

    # Arrow keys move through the list; the card follows.
    # (nothing) -> origin -> insertion -> anterior fibres -> middle fibres
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    expect(card_title(page)).to_have_text("Gluteus medius, middle fibres")
    expect(page.locator(".card-region .level-tag")).to_contain_text("Student")
    expect(page.locator(".card-region")).to_have_attribute("aria-live", "polite")
    expect(page.locator(".card-region h3", has_text="Sources")).to_be_visible()
    expect(page.locator(".card-region .posture-action")).to_contain_text("neutral posture")
    expect(page.locator(".card-region .disclaimer")).to_contain_text("education")
    page.wait_for_timeout(500)
    assert query_of(page).get("sel") == "gmed_middle"
    save_shot(page, "keyboard-selects-gmed-middle")


def test_reading_level_changes_the_card_text_at_once(page, viewer_url, pack):
    open_view(page, viewer_url, "?sel=gmed_posterior")
    entry = pack.entries["gmed_posterior"]
    from annotations import render_markdown

    text = page.locator(".card-region .card-text")
    expect(card_title(page)).to_have_text(entry.name)
    assert words(text.inner_text()) == plain(render_markdown(entry.text.student))

    page.locator("button", has_text="Everyday words").click()
    expect(page.locator(".card-region .level-tag")).to_contain_text("Everyday words")
    assert words(text.inner_text()) == plain(render_markdown(entry.text.lay))
    save_shot(page, "level-lay-gmed-posterior")

    page.locator("button", has_text="Clinician").click()
    expect(page.locator(".card-region .level-tag")).to_contain_text("Clinician")
    assert words(text.inner_text()) == plain(render_markdown(entry.text.clinician))
    save_shot(page, "level-clinician-gmed-posterior")


def test_share_link_restores_posture_selection_and_level(page, viewer_url, browser):
    query = "?sel=gmed_posterior&level=clinician&flex=40&add=-10&rot=15&view=posterior&hide=gmax&iso=1"
    open_view(page, viewer_url, query)
    expect(card_title(page)).to_have_text("Gluteus medius, posterior fibres")
    expect(page.locator(".card-region .level-tag")).to_contain_text("Clinician")
    expect(page.locator(".card-region .posture-action")).to_contain_text(
        "At 40° flexion, 10° abduction and 15° internal rotation the posterior fibres"
    )
    expect(page.locator(".posture-flexion")).to_contain_text("40")
    expect(page.locator(".posture-adduction")).to_contain_text("-10")
    expect(page.locator(".posture-rotation")).to_contain_text("15")
    expect(page.locator(".layer-gmax input")).not_to_be_checked()
    expect(page.locator(".alert")).to_be_hidden()
    page.wait_for_timeout(800)
    restored = query_of(page)
    for key, value in parse_qs(query[1:]).items():
        assert restored.get(key) == value[0], key
    save_shot(page, "share-link-restored")

    # Change the view in the page, then open the page's own link in a fresh window.
    page.locator("button", has_text="Everyday words").click()
    page.locator(".cam-lateral button").click()
    expect(page.locator(".card-region .level-tag")).to_contain_text("Everyday words")
    page.wait_for_function("() => window.location.search.includes('level=lay')")
    link = page.url
    assert "view=" not in link and "level=lay" in link

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = context.new_page()
        other.goto(link, wait_until="load")
        wait_for_scene(other)
        expect(card_title(other)).to_have_text("Gluteus medius, posterior fibres")
        expect(other.locator(".card-region .level-tag")).to_contain_text("Everyday words")
        expect(other.locator(".posture-flexion")).to_contain_text("40")
        expect(other.locator(".card-region .posture-action")).to_have_text(
            page.locator(".card-region .posture-action").inner_text()
        )
        save_shot(other, "share-link-reopened")
    finally:
        context.close()


def test_malformed_link_values_show_a_notice_not_an_error(page, viewer_url):
    png = open_view(page, viewer_url, "?flex=abc&sel=spleen&level=expert&cam=1,2&rot=999&hide=gmax,heart")
    assert canvas_nonblank_fraction(png) > 0.05
    notice = page.locator(".alert")
    expect(notice).to_be_visible()
    for fragment in ("flexion", "spleen", "expert", "camera", "Rotation 999", "heart"):
        expect(notice).to_contain_text(fragment)
    expect(card_title(page)).to_have_text("Choose a structure")
    expect(page.locator(".posture-rotation")).to_contain_text("45")
    expect(page.locator(".layer-gmax input")).not_to_be_checked()
    save_shot(page, "malformed-link-notice")


@pytest.mark.parametrize("query,where,fragment", [
    ("?sel=%", ".alert", "Ignored selection '%': no such structure."),
    ("?cam=%%%", ".alert", "Ignored the camera in the link"),
    ("?quiz_seed=%E0%A4%A", ".quiz-intro", "Ignored quiz_seed '\ufffd%A': use a whole number."),
])
def test_a_broken_percent_escape_gives_the_usual_notice_and_no_page_error(page, viewer_url, query, where,
                                                                           fragment):
    """A link with a stray ``%`` or escapes that are not UTF-8 opens like a link with any other
    bad value: the page draws and the value is named where such notices go; no "URI malformed"
    (the page fixture fails the test on any page error)."""
    png = open_view(page, viewer_url, query)
    assert canvas_nonblank_fraction(png) > 0.05
    expect(card_title(page)).to_have_text("Choose a structure")
    if where == ".quiz-intro":
        page.locator(".bk-tab", has_text="Quiz").click()
    notice = page.locator(where)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(fragment)
    save_shot(page, f"broken-escape-{query[1:].split('=')[0]}")


def test_script_in_content_renders_as_visible_text(page, start_viewer, tmp_path):
    pack_dir = tmp_path / "pack"
    pack_dir.mkdir()
    (pack_dir / "override.yaml").write_text(
        textwrap.dedent(
            """\
            entries:
              - id: gmed_middle
                name: "Middle fibres <script>window.__pwned = 1</script>"
                text:
                  lay: "Plain words <script>window.__pwned = 2</script> here."
                  student: "Student words <img src=x onerror='window.__pwned=3'> here."
                  clinician: "Clinician words."
                sources: [grays1918]
                review_status: submitted
                last_updated: 2026-11-24
            """
        )
    )
    server = start_viewer("--content", str(pack_dir))
    open_view(page, server.url, "?sel=gmed_middle&level=lay")
    expect(card_title(page)).to_contain_text("<script>window.__pwned = 1</script>")
    expect(page.locator(".card-region .card-text")).to_contain_text("<script>window.__pwned = 2</script>")
    page.locator("button", has_text="Student").click()
    expect(page.locator(".card-region .card-text")).to_contain_text("onerror=")
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator(".card-region script").count() == 0
    assert page.locator(".card-region img").count() == 0
    save_shot(page, "script-shown-as-text")


def test_dragging_the_flexion_slider_moves_the_muscles_live(page, viewer_url):
    open_view(page, viewer_url, "?sel=gmed_posterior")
    page.wait_for_timeout(500)
    before = scene_png(page)
    action = page.locator(".card-region .posture-action")
    expect(action).to_contain_text("neutral posture")

    x, y = posture_thumb(page, "flexion")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 90, y, steps=12)
    # Still holding the handle: the view has already moved.
    page.wait_for_timeout(1200)
    during = scene_png(page)
    save_shot(page, "flexion-while-dragging")
    page.mouse.up()
    assert changed_fraction(before, during) > 0.01
    expect(action).not_to_contain_text("neutral posture")
    expect(action).to_contain_text("flexion the posterior fibres")
    page.wait_for_timeout(600)
    flex = float(query_of(page)["flex"])
    assert flex > 20
    expect(action).to_contain_text(f"At {round(flex)}° flexion")
    after = scene_png(page)
    assert canvas_nonblank_fraction(after) > 0.05
    save_shot(page, "flexion-after-drag")


def test_layers_and_camera_buttons_change_the_view(page, viewer_url):
    before = open_view(page, viewer_url)
    page.locator(".layer-bones input").uncheck()
    page.wait_for_timeout(800)
    no_bones = scene_png(page)
    assert changed_fraction(before, no_bones) > 0.02
    assert query_of(page).get("hide") == "bones"
    page.locator(".layer-bones input").check()
    page.locator(".cam-posterior button").click()
    page.wait_for_timeout(800)
    posterior = scene_png(page)
    assert changed_fraction(before, posterior) > 0.02
    assert query_of(page).get("view") == "posterior"
    save_shot(page, "posterior-view")


def test_a_turned_camera_is_in_the_link_and_reopens_identically(page, viewer_url, browser):
    open_view(page, viewer_url, "?sel=gmed_anterior&flex=30")
    page.wait_for_timeout(500)
    from tests.conftest import scene_box

    box = scene_box(page)
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.75
    drag(page, x, y, 120, -40)
    page.wait_for_function("() => window.location.search.includes('cam=')")
    # The link follows the view after a short pause; read it once it has settled.
    link, settled = page.url, 0
    while settled < 3:
        page.wait_for_timeout(500)
        settled = settled + 1 if page.url == link else 0
        link = page.url
    here = scene_png(page)
    save_shot(page, "camera-turned")

    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
    try:
        other = context.new_page()
        open_view(other, link.split("?")[0], "?" + link.split("?")[1])
        other.wait_for_timeout(800)
        there = scene_png(other)
        save_shot(other, "camera-turned-reopened")
        expect(card_title(other)).to_have_text("Gluteus medius, anterior fibres")
    finally:
        context.close()
    assert same_view(here, there) < 0.005


def test_clicking_a_landmark_in_the_view_opens_its_card(page, viewer_url):
    from meshes.model import HipModel
    from viewer.scene import project
    from tests.conftest import scene_box

    camera = {"position": [0.0, 40.0, 1000.0], "focal_point": [0.0, 40.0, 0.0], "view_up": [0.0, 1.0, 0.0],
              "view_angle": 30.0}
    cam = ",".join(f"{v:g}" for v in camera["position"] + camera["focal_point"] + camera["view_up"])
    open_view(page, viewer_url, f"?cam={cam}&hide=gmax")
    page.wait_for_timeout(800)
    box = scene_box(page)
    landmarks = HipModel().landmarks()
    (sx, sy), = project(camera, [landmarks["asis_right"]], int(box["width"]), int(box["height"]))
    page.mouse.click(box["x"] + sx, box["y"] + sy)
    expect(card_title(page)).to_have_text("Anterior superior iliac spine (right)")
    page.wait_for_timeout(500)
    assert query_of(page).get("sel") == "asis_right"
    save_shot(page, "clicked-asis")


def test_png_button_downloads_the_view(page, viewer_url, tmp_path):
    open_view(page, viewer_url, "?sel=gmed_middle")
    with page.expect_download() as info:
        page.locator("button", has_text="Save PNG").click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "downloaded-view.png"
    download.save_as(str(path))
    assert canvas_nonblank_fraction(path.read_bytes()) > 0.05


def test_mechanics_tab_follows_the_selection_and_draws_lines_of_pull(page, viewer_url):
    before = open_view(page, viewer_url, "?sel=gmed_middle")
    page.locator(".bk-tab", has_text="Mechanics").click()
    expect(page.get_by_text("What this part does here")).to_be_visible(timeout=30_000)
    expect(page.locator("button.bk-active", has_text="Middle")).to_be_visible()
    for _ in range(40):  # the lines of pull arrive once the panel has computed them
        page.wait_for_timeout(500)
        with_arrows = scene_png(page)
        if changed_fraction(before, with_arrows) > 0.005:
            break
    save_shot(page, "mechanics-tab")
    assert changed_fraction(before, with_arrows) > 0.005
    page.locator(".bk-tab", has_text="Card").click()
    expect(card_title(page)).to_have_text("Gluteus medius, middle fibres")


def test_a_drag_that_starts_on_the_muscle_turns_the_view_and_selects_nothing(page, viewer_url):
    from tests.conftest import scene_box

    before = open_view(page, viewer_url)
    box = scene_box(page)
    # Start on the middle of the view (muscle over the ilium), drag a little and let go.
    x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4
    drag(page, x, y, 80, 20, steps=8)
    page.wait_for_function("() => window.location.search.includes('cam=')")
    page.wait_for_timeout(600)
    after = scene_png(page)
    assert changed_fraction(before, after) > 0.02
    expect(card_title(page)).to_have_text("Choose a structure")
    assert "sel" not in query_of(page)
    save_shot(page, "drag-selects-nothing")


def test_view_changes_replace_the_address_not_add_to_the_history(page, viewer_url):
    open_view(page, viewer_url)
    page.wait_for_timeout(600)
    length = page.evaluate("() => window.history.length")
    for preset in ("posterior", "anterior", "superior"):
        page.locator(f".cam-{preset} button").click()
        page.wait_for_function(f"() => window.location.search.includes('view={preset}')")
    assert page.evaluate("() => window.history.length") == length
