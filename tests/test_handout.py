"""The offline hand-out: one HTML file that draws the hip and opens the cards from disk."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import (
    GUARD_KEY,
    PAGE_KEY,
    VIEWPORT,
    PageGuard,
    canvas_nonblank_fraction,
    save_shot,
    scene_png,
)
from viewer.serve import handout

#: A landmark on the outside of the right hip, in front in the lateral view.
CLICK_LANDMARK = "greater_trochanter_tip"

DATA_TAG = re.compile(r'<script type="application/json" id="handout-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def handout_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("handout") / "hip.html"
    size = handout.write_handout(path)
    return path, size


def test_written_small_and_self_contained(handout_file):
    path, size = handout_file
    text = path.read_text(encoding="utf-8")
    assert size == path.stat().st_size
    assert 0 < size <= 8 * 1024 * 1024

    # Nothing loads from elsewhere: no script or style references at all, no remote src.
    assert not re.search(r"<script[^>]*\ssrc\s*=", text, re.I)
    assert not re.search(r"<link\b", text, re.I)
    assert not re.search(r"""\bsrc\s*=\s*\\?["']?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"@import", text, re.I)

    # Remote links only as plain anchors in the card text (the citations), inside the JSON.
    match = DATA_TAG.search(text)
    assert match, "the content JSON is missing"
    outside = text[: match.start()] + text[match.end():]
    assert not re.search(r"""\bhref\s*=\s*["']?\s*(https?:)?//""", outside, re.I)
    data = json.loads(match.group(1))
    for entry in data["entries"].values():
        for card in entry["card"].values():
            for tag in re.findall(r"<(\w+)[^>]*https?://", card):
                assert tag == "a", f"a remote URL in a <{tag}> of a card"

    # The content: every level of every entry, the click rules, landmarks, the disclaimer.
    assert set(data["rules"]) >= {"actor_structure", "actor_layer", "landmark_layer", "snap_mm", "see_through"}
    assert CLICK_LANDMARK in data["landmarks"]
    for entry in data["entries"].values():
        assert set(entry["text"]) == set(entry["card"]) == {"lay", "student", "clinician"}
        assert entry["name"] and entry["card"]["lay"] != entry["card"]["clinician"]
    assert data["disclaimer"] and html.escape(data["disclaimer"])[:40] in outside
    assert '<select id="structures"' in text


def test_content_cannot_close_its_script_tag():
    hostile = {"text": "</script><script>alert(1)</script><!-- x"}
    out = handout._json_for_script(hostile)
    assert "</" not in out and "<!--" not in out
    assert json.loads(out) == hostile


def test_export_html_cli_entry(tmp_path, monkeypatch, capsys):
    def fake(out, model=None, pack=None):
        (tmp_path / "x.html").write_text("x")
        return 1

    monkeypatch.setattr(handout, "write_handout", fake)
    assert handout.main_export_html(str(tmp_path / "x.html")) == 0
    assert "x.html" in capsys.readouterr().out

    def failing(out, model=None, pack=None):
        raise OSError("read-only")

    monkeypatch.setattr(handout, "write_handout", failing)
    assert handout.main_export_html("/nonexistent/x.html") == 1
    assert "read-only" in capsys.readouterr().err


@pytest.fixture
def offline_page(browser, request):
    """A page that may read file: and data: URLs only; anything else is aborted and fails
    the test (with console errors and page errors, via the shared guard)."""
    guard = PageGuard()
    request.node.stash[GUARD_KEY] = guard
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)

    def route(route):
        url = route.request.url
        guard.requests.append(url)
        if urlsplit(url).scheme in ("file", "data", "blob"):
            route.continue_()
        else:
            guard.offhost_requests.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", guard.on_console)
    page.on("pageerror", guard.on_page_error)
    page.on("websocket", guard.on_websocket)
    page.set_default_timeout(60_000)
    request.node.stash[PAGE_KEY] = page
    yield page
    context.close()


def test_handout_offline_draws_picks_and_switches_level(handout_file, offline_page):
    page = offline_page
    path, _ = handout_file
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("window.__handout && window.__handout.ready()", timeout=90_000)
    page.wait_for_timeout(300)

    png = scene_png(page)
    fraction = canvas_nonblank_fraction(png)
    save_shot(page, "handout-offline")
    assert fraction > 0.05, f"the 3D view is blank ({fraction:.3f} of pixels drawn)"

    # A click on a landmark marker opens its card.
    xy = page.evaluate(f"window.__handout.project({json.dumps(CLICK_LANDMARK)})")
    assert xy, "the landmark marker is not on screen"
    page.mouse.click(xy["x"], xy["y"])
    card = page.locator("#card")
    page.wait_for_function(
        f"document.getElementById('card').dataset.selection === {json.dumps(CLICK_LANDMARK)}", timeout=10_000
    )
    name = page.evaluate(
        f"(() => {{ const d = window.__handout.data, id = {json.dumps(CLICK_LANDMARK)};"
        " return d.entries[id] ? d.entries[id].name : null; })()"
    )
    if name:
        assert name in card.locator("h2").inner_text()
    save_shot(page, "handout-offline-card")

    # Switching the reading level changes the card's text.
    student = card.locator(".card-text").inner_text()
    page.get_by_label("Everyday words").check()
    page.wait_for_function("document.getElementById('card').dataset.level === 'lay'")
    lay = card.locator(".card-text").inner_text()
    assert lay and lay != student
    assert "Everyday words" in card.inner_text()

    # The keyboard list opens the same cards.
    page.focus("#structures")
    page.keyboard.press("Home")
    first = page.evaluate("document.getElementById('structures').value")
    page.wait_for_function(f"document.getElementById('card').dataset.selection === {json.dumps(first)}")
    save_shot(page, "handout-offline-keyboard")

    # Dragging turns the model; a camera button frames it again.
    before = page.evaluate("JSON.stringify(window.__handout.camera())")
    box = page.locator("#scene").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(cx + 25 * step, cy + 6 * step)
        page.wait_for_timeout(30)
    page.mouse.up()
    page.wait_for_function(f"JSON.stringify(window.__handout.camera()) !== {json.dumps(before)}", timeout=10_000)
    save_shot(page, "handout-offline-turned")
    page.get_by_role("button", name="Front").click()
    page.wait_for_timeout(300)
    assert canvas_nonblank_fraction(scene_png(page)) > 0.05
    save_shot(page, "handout-offline-front")


def _pick_cases(landmarks: dict) -> list[dict]:
    gt = landmarks[CLICK_LANDMARK]
    asis = landmarks["asis_right"]
    return [
        {"actor": "lm:gmin", "position": landmarks["gmin"]},
        {"actor": "lm:no_such_landmark", "position": [0, 0, 0]},
        {"actor": "gmed_middle_right", "position": [9999, 0, 0]},
        {"actor": "gmed_middle_right", "position": landmarks["gmed_origin"]},
        {"actor": "gmax_right", "position": gt},
        {"actor": "gmax_right", "position": [9999, 0, 0]},
        {"actor": "safe_zone_right", "position": [gt[0] + 3, gt[1], gt[2]]},
        {"actor": "pelvis", "position": [asis[0] + 2, asis[1], asis[2]]},
        {"actor": "pelvis", "position": [9999, 0, 0]},
        {"actor": "femur_right", "position": gt},
        {"actor": "pelvis", "position": None},
        {"actor": None, "position": gt},
    ]


def test_page_resolves_clicks_as_the_viewer_does(handout_file, offline_page):
    """The page's click rules give the same landmark as ``viewer.scene.picking.resolve_pick``."""
    import numpy as np

    from viewer.scene import picking as selection

    page = offline_page
    path, _ = handout_file
    page.goto(path.as_uri(), wait_until="domcontentloaded")
    page.wait_for_function("window.__handout !== undefined")
    data = page.evaluate("window.__handout.data.rules")
    landmarks = page.evaluate("window.__handout.data.landmarks")
    cases = _pick_cases(landmarks)
    got = page.evaluate("(cases) => cases.map((c) => window.__handout.resolvePick(c))", cases)
    expected = [
        selection.resolve_pick(
            case,
            {k: np.asarray(v, dtype=float) for k, v in landmarks.items()},
            data["visible_layers"],
            data["snap_mm"],
            see_through=data["see_through"],
        )
        for case in cases
    ]
    assert got == expected
    assert "gmax" in data["see_through"]
