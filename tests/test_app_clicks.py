"""Every landmark answers a real mouse click in the viewer page with its card.

For each camera preset the test asks the page for its camera, works out where each landmark
shows on the screen (:mod:`tests.click_targets`), clicks there with the real mouse and reads
the card that opens.  Every landmark must be opened this way from at least two presets; a
landmark hidden inside bone from every side (the hip joint centre) is clicked with the bones
layer switched off, as a reader would.
"""

from __future__ import annotations

import collections

import pytest
from playwright.sync_api import expect

from meshes.landmarks import BY_ID, LANDMARK_IDS
from tests.conftest import save_shot, wait_for_scene

pytestmark = pytest.mark.browser

PRESETS = ("lateral", "anterior", "posterior", "superior")
#: Layer set-ups tried in turn, as a reader would: as the page opens; without the bones.
LAYER_SETUPS = (("", ()), ("?hide=bones", ("bones",)))


def page_camera(page) -> tuple[dict, dict]:
    camera = page.evaluate("() => JSON.parse(JSON.stringify(window.__hipScene.model.camera))")
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    return camera, rect


def show_preset(page, preset: str) -> None:
    before = page.evaluate("() => JSON.stringify(window.__hipScene.model.camera)")
    page.locator(f".cam-{preset} button").click()
    if preset != "lateral":  # the page opens on the lateral preset
        page.wait_for_function(f"() => JSON.stringify(window.__hipScene.model.camera) !== {before!r}"
                               " && !window.__hipScene.model.camera.preset")
    page.wait_for_timeout(300)


def test_every_landmark_opens_its_card_from_a_click_in_two_presets(page, viewer_url, drawn):
    from tests.click_targets import targets

    opened = collections.defaultdict(list)
    wrong = []
    for query, hidden in LAYER_SETUPS:
        todo = [lid for lid in LANDMARK_IDS if len(opened[lid]) < 2]
        if not todo:
            break
        page.goto(viewer_url.rstrip("/") + "/" + query, wait_until="load")
        wait_for_scene(page)
        expect(page.locator(".pn-loading")).to_have_count(0, timeout=30_000)
        for preset in PRESETS:
            show_preset(page, preset)
            camera, rect = page_camera(page)
            aims = {k: v for k, v in targets(drawn, camera, rect, hidden=hidden).items()
                    if k in todo and len(opened[k]) < 2}
            for lid, (x, y) in aims.items():
                page.mouse.click(x, y)
                title = page.locator(".card-region h2")
                try:
                    expect(title).to_have_text(card_name(lid), timeout=5_000)
                except AssertionError:
                    wrong.append(f"{preset}{query}: clicked {lid} at ({x:.0f}, {y:.0f}), card says {title.inner_text()!r}")
                    continue
                opened[lid].append(preset + query)
            save_shot(page, f"clicks-{preset}{'-no-bones' if hidden else ''}")
    short = {lid: opened[lid] for lid in LANDMARK_IDS if len(opened[lid]) < 2}
    assert not wrong, "\n".join(wrong)
    assert not short, f"landmarks not opened by a click from two presets: {short}"


def card_name(lid: str) -> str:
    """The title of a landmark's card: its content-pack entry's name, else the model's name."""
    from annotations import builtin_pack

    entry = builtin_pack().entries.get(lid)
    return entry.name if entry is not None else BY_ID[lid].name
