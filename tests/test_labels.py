"""Names in the 3D view: labels with leader lines that never overlap one another, the
selected structure always named, readable on a projector and on a phone."""

from __future__ import annotations

import pytest

from tests.conftest import new_guarded_page, save_shot, wait_for_scene, wait_until
from tests.test_layouts import MOBILE_AGENT

pytestmark = pytest.mark.browser

LABEL_BOXES_JS = """() => {
  const out = []
  const walk = (node) => {
    if (!node) return
    if (node.classList && node.classList.contains('hip-label') && node.offsetParent !== null) {
      const r = node.getBoundingClientRect()
      out.push({text: node.textContent, x: r.left, y: r.top, w: r.width, h: r.height,
                selected: node.classList.contains('selected'),
                size: parseFloat(getComputedStyle(node).fontSize)})
    }
    for (const child of node.children || []) walk(child)
    if (node.shadowRoot) walk(node.shadowRoot)
  }
  walk(document.body)
  return out
}"""


def label_boxes(page) -> list[dict]:
    return page.evaluate(LABEL_BOXES_JS)


def assert_apart(boxes):
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                     or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])
            assert apart, f"labels overlap: {a['text']!r} and {b['text']!r}"


def test_labels_name_the_markers_without_overlapping_on_a_projector(page, viewer_url):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(viewer_url + "?sel=gmed_insertion", wait_until="load")
    wait_for_scene(page)
    # Off by default: only the selection is named.
    wait_until(lambda: [b["text"] for b in label_boxes(page)] == ["Gluteus medius insertion"],
               what="the selection's label alone")
    page.locator(".show-labels input").check()
    wait_until(lambda: len(label_boxes(page)) >= 8, what="the labels to show")
    boxes = label_boxes(page)
    assert_apart(boxes)
    assert [b["text"] for b in boxes if b["selected"]] == ["Gluteus medius insertion"]
    assert min(b["size"] for b in boxes) >= 14
    save_shot(page, "labels-1920x1080")
    # Presentation mode: larger, still apart.
    page.locator(".present-entry button").first.click()
    wait_until(lambda: label_boxes(page) and min(b["size"] for b in label_boxes(page)) >= 20,
               what="larger labels in presentation mode")
    page.wait_for_timeout(800)
    assert_apart(label_boxes(page))
    save_shot(page, "labels-presentation-1920x1080")


def test_labels_on_a_phone(browser, page_guard, viewer_url):
    page = new_guarded_page(browser, page_guard, viewport={"width": 390, "height": 844},
                            is_mobile=True, has_touch=True, user_agent=MOBILE_AGENT)
    try:
        page.goto(viewer_url + "?sel=lateral_facet", wait_until="load")
        wait_for_scene(page)
        page.locator(".phone-menu button").first.tap()
        box = page.locator(".show-labels input").first
        box.wait_for(state="visible")
        page.wait_for_timeout(500)
        box.check()
        page.locator(".phone-menu button").first.tap()
        wait_until(lambda: len(label_boxes(page)) >= 3, what="labels on the phone")
        boxes = label_boxes(page)
        assert_apart(boxes)
        assert any(b["selected"] and b["text"].startswith("Greater trochanter, lateral") for b in boxes)
        assert all(b["x"] >= 0 and b["x"] + b["w"] <= 390 for b in boxes), "labels stay on the screen"
        save_shot(page, "labels-390x844")
    finally:
        page.context.close()
