"""Touch in the whole viewer page on an emulated phone, beside the same with a mouse on a desktop
window: tap (or click) to card, and the frame time while a gesture turns or zooms the view.

Starts ``python -m viewer``, opens it in headless Chromium (Debian's, software WebGL) once
emulating a phone (Playwright's "Pixel 7" descriptor: touch screen, 412x839 CSS px, pixel
ratio 2.625) and once as a 1280x800 desktop window.

- Tap to card: two landmarks tapped in turn (``page.touchscreen.tap``; the mouse on the
  desktop), at a reader's pace (600 ms after each card); the page records the release
  (a capturing ``pointerup`` listener) and the first change of the card region (a
  ``MutationObserver``).
- Frame time: the intervals between ``requestAnimationFrame`` callbacks while a gesture
  runs: a one-finger turn and a two-finger pinch (the DevTools protocol's touch events, one
  move every 16 ms) on the phone, a mouse drag on the desktop.

    python -m benchmarks.bench_touch
"""

from __future__ import annotations

import itertools
import statistics
import time

from benchmarks.bench_card import INSTRUMENT, PREFERRED
from tests.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    ViewerServer,
    wait_for_scene,
)

TAPS = 20
SETTLE_MS = 600
PHONE = "Pixel 7"
MOVES = 60
MOVE_MS = 16

RAF_START = """() => { window.__raf = []; window.__rafOn = true;
  const tick = (t) => { window.__raf.push(t); if (window.__rafOn) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""
RAF_STOP = "() => { window.__rafOn = false; return window.__raf; }"


def _aims(page) -> list[tuple[float, float]]:
    from meshes.model import HipModel
    from tests.click_targets import DrawnScene, targets
    from viewer.scene import build_plotter

    plotter = build_plotter(HipModel())
    try:
        drawn = DrawnScene(plotter)
    finally:
        plotter.close()
    camera = page.evaluate("() => JSON.parse(JSON.stringify(window.__hipScene.model.camera))")
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    found = targets(drawn, camera, rect)
    chosen = [lid for lid in PREFERRED if lid in found][:2]
    if len(chosen) < 2:
        raise RuntimeError(f"too few landmarks to tap from the lateral preset: {sorted(found)}")
    return [found[lid] for lid in chosen]


def _open(page, url: str) -> None:
    page.set_default_timeout(120_000)
    page.goto(url, wait_until="load")
    wait_for_scene(page, timeout=120)
    page.wait_for_function("() => window.__hipScene && window.__hipScene.model.ready")
    page.wait_for_timeout(1000)


def _tap_to_card(page, press) -> list[float]:
    aims = _aims(page)
    page.locator(".card-region").evaluate(INSTRUMENT)
    waits = []
    for i in range(TAPS):
        x, y = aims[i % 2]
        before = page.evaluate("() => window.__cards.length")
        press(x, y)
        page.wait_for_function(f"() => window.__cards.length > {before}")
        page.wait_for_timeout(SETTLE_MS)
        waits.append(page.evaluate(
            "() => { const t = window.__clicks[window.__clicks.length - 1];"
            " return window.__cards.find((c) => c >= t) - t; }"))
    return waits


def _touch(cdp, kind: str, points) -> None:
    cdp.send("Input.dispatchTouchEvent", {
        "type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})


def _touch_gesture(page, starts, ends) -> list[float]:
    cdp = page.context.new_cdp_session(page)
    page.evaluate(RAF_START)
    try:
        _touch(cdp, "touchStart", starts)
        for k in range(1, MOVES + 1):
            t = k / MOVES
            _touch(cdp, "touchMove", [(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])) for a, b in zip(starts, ends)])
            time.sleep(MOVE_MS / 1000)
        _touch(cdp, "touchEnd", [])
    finally:
        cdp.detach()
    return _intervals(page.evaluate(RAF_STOP))


def _mouse_drag(page, x, y, dx, dy) -> list[float]:
    page.evaluate(RAF_START)
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, MOVES + 1):
        page.mouse.move(x + dx * k / MOVES, y + dy * k / MOVES)
        time.sleep(MOVE_MS / 1000)
    page.mouse.up()
    return _intervals(page.evaluate(RAF_STOP))


def _intervals(stamps: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(stamps)]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _centre(page):
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    return rect, rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2


def rows() -> list[dict]:
    from playwright.sync_api import sync_playwright

    server = ViewerServer()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                device = {k: v for k, v in playwright.devices[PHONE].items() if k != "default_browser_type"}
                phone = browser.new_context(**device).new_page()
                _open(phone, server.url)
                phone_taps = _tap_to_card(phone, phone.touchscreen.tap)
                rect, x, y = _centre(phone)
                turn = _touch_gesture(phone, [(x, y)], [(x + rect["width"] / 3, y + 20)])
                spread = min(rect["width"], rect["height"]) / 4
                pinch = _touch_gesture(phone, [(x - 20, y), (x + 20, y)], [(x - spread, y), (x + spread, y)])
                phone.context.close()

                desk = browser.new_context(viewport=VIEWPORT, device_scale_factor=1).new_page()
                _open(desk, server.url)
                desk_clicks = _tap_to_card(desk, desk.mouse.click)
                rect, x, y = _centre(desk)
                drag = _mouse_drag(desk, x, y, rect["width"] / 3, 20)
                desk.context.close()
            finally:
                browser.close()
    finally:
        server.stop()
    out = []
    for where, waits in ((f"Phone ({PHONE} emulated): tap", phone_taps), ("Desktop 1280x800: click", desk_clicks)):
        out += [
            {"benchmark": f"{where} to new card shown, in the page (median of {TAPS}, {SETTLE_MS} ms apart)",
             "value": statistics.median(waits), "unit": "ms", "goal": "<= 100"},
            {"benchmark": f"{where} to new card shown, in the page (slowest of {TAPS})",
             "value": max(waits), "unit": "ms", "goal": "(informative)"},
        ]
    for what, gaps in ((f"Phone ({PHONE} emulated): one-finger turn", turn),
                       (f"Phone ({PHONE} emulated): two-finger pinch", pinch),
                       ("Desktop 1280x800: mouse drag turn", drag)):
        out += [
            {"benchmark": f"{what}, frame interval during the gesture (median of {len(gaps)})",
             "value": statistics.median(gaps), "unit": "ms", "goal": "<= 33 (software WebGL here)"},
            {"benchmark": f"{what}, frame interval during the gesture (95th percentile)",
             "value": _p95(gaps), "unit": "ms", "goal": "(informative)"},
        ]
    return out


if __name__ == "__main__":
    from benchmarks.run import markdown_table

    print(markdown_table(rows()))
