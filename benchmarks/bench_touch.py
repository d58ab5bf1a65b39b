"""Touch in the whole viewer page on an emulated phone, beside the same with a mouse on a desktop
window: tap (or click) to card, and the frame time while a gesture turns or zooms the view.

Starts ``python -m viewer``, opens it in headless Chromium (Debian's, software WebGL) once
emulating a phone (Playwright's "Pixel 7" descriptor: touch screen, 412x839 CSS px, pixel
ratio 2.625) and once as a 1280x800 desktop window.

- Tap to card: the places a reader can tap are found from the page's camera
  (:mod:`tests.click_targets`), those a tap takes as different things (the page's own
  ``pickAt``) are tapped once each, and those found to open different cards are then tapped
  in turn, always one whose card is not the one shown (a tap on the structure already shown
  changes nothing), at a reader's pace (600 ms after each card).  The page records the
  release (a capturing ``pointerup`` listener) and the first change of the card region
  after it (a ``MutationObserver``).  A tap (``page.touchscreen.tap``; the mouse on the
  desktop) that shows no new card within ``TAP_TIMEOUT_S`` stops the benchmark with what
  was tapped and what the card showed.
- Frame time: the intervals between ``requestAnimationFrame`` callbacks while a gesture runs
  (from the first finger down to the last finger up): a one-finger turn and a two-finger
  pinch (the DevTools protocol's touch events, one move every 16 ms) on the phone, a mouse
  drag on the desktop.  A gesture that did not move the camera is reported as a failure.

    python -m benchmarks.bench_touch
"""

from __future__ import annotations

import itertools
import math
import statistics
import sys
import time

from benchmarks.bench_card import INSTRUMENT
from tests.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    ViewerServer,
    wait_for_scene,
)

TAPS = 20
SETTLE_MS = 600
#: A tap (or click) that shows no new card within this long is a failure, not a wait.
TAP_TIMEOUT_S = 20
#: Taps tried at most while looking for targets that open different cards.
PROBES = 8
#: Targets with different cards the timed taps take turns on (two at the least).
WANTED = 3
PHONE = "Pixel 7"
MOVES = 60
MOVE_MS = 16

RAF_START = """() => { window.__raf = []; window.__rafOn = true;
  const tick = (t) => { window.__raf.push(t); if (window.__rafOn) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""
RAF_STOP = "() => { window.__rafOn = false; return window.__raf; }"
NOW = "() => performance.now()"
CAMERA_JS = """() => { const c = window.__hipScene.state.renderer.getActiveCamera();
  return { position: Array.from(c.getPosition()), focal: Array.from(c.getFocalPoint()) }; }"""
#: What the card region shows: its first heading (the structure's name), else its first words.
CARD_JS = """(region) => { const h = region.querySelector('h1, h2, h3');
  return ((h ? h.textContent : region.textContent) || '').trim().replace(/\\s+/g, ' ').slice(0, 100); }"""
#: True once a card change followed the latest release, which came after ``n`` releases.
CHANGED_JS = """(n) => { const c = window.__clicks, t = c[c.length - 1];
  return c.length > n && window.__cards.some((m) => m >= t); }"""
WAIT_JS = """() => { const t = window.__clicks[window.__clicks.length - 1];
  return window.__cards.find((m) => m >= t) - t; }"""


def _log(text: str) -> None:
    print(f"bench_touch: {text}", file=sys.stderr, flush=True)


class TapFailed(RuntimeError):
    """A timed tap showed no new card in time."""


def _open(page, url: str) -> None:
    page.set_default_timeout(120_000)
    page.goto(url, wait_until="load")
    wait_for_scene(page, timeout=120)
    page.wait_for_function("() => window.__hipScene && window.__hipScene.model.ready")
    page.wait_for_timeout(1000)


def _drawn():
    from meshes.model import HipModel
    from tests.click_targets import DrawnScene
    from viewer.scene import build_plotter

    plotter = build_plotter(HipModel())
    try:
        return DrawnScene(plotter)
    finally:
        plotter.close()


def _view(page) -> tuple[dict, dict]:
    camera = page.evaluate("() => JSON.parse(JSON.stringify(window.__hipScene.model.camera))")
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    return camera, rect


def _candidates(page, drawn) -> list[tuple[str, float, float]]:
    """(landmark id, x, y) a reader can tap in this view, each taken by the page as a different
    actor, those farthest from other landmarks' markers first."""
    from tests.click_targets import targets

    camera, rect = _view(page)
    found = targets(drawn, camera, rect)
    markers = {m["name"][3:]: (m["x"], m["y"]) for m in page.evaluate("() => window.__hipScene.projectMarkers()")}

    def clearance(item):
        lid, (x, y) = item
        return min((math.hypot(x - a, y - b) for k, (a, b) in markers.items() if k != lid), default=1e9)

    out, taken = [], set()
    for lid, (x, y) in sorted(found.items(), key=clearance, reverse=True):
        hit = page.evaluate("([x, y]) => window.__hipScene.pickAt(x, y, true)", [x, y])
        actor = hit and hit.get("actor")
        if not actor or actor in taken:
            continue
        taken.add(actor)
        out.append((lid, float(x), float(y)))
    return out


def _card(page) -> str:
    return page.locator(".card-region").evaluate(CARD_JS)


def _press(page, press, x: float, y: float, timeout_s: float) -> float | None:
    """Press at (x, y); the ms from the release to the new card, or None if none came in time."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    before = page.evaluate("() => window.__clicks.length")
    press(x, y)
    try:
        page.wait_for_function(CHANGED_JS, arg=before, timeout=timeout_s * 1000, polling=10)
    except PlaywrightTimeout:
        return None
    return page.evaluate(WAIT_JS)


def _distinct_targets(page, press, drawn) -> list[tuple[str, float, float, str]]:
    """(landmark id, x, y, card) for up to ``WANTED`` targets, each tapped once and seen to open
    a card of its own."""
    welcome = _card(page)
    chosen: list[tuple[str, float, float, str]] = []
    tried = []
    for lid, x, y in _candidates(page, drawn)[:PROBES]:
        if len(chosen) >= WANTED:
            break
        shown = _card(page)
        wait = _press(page, press, x, y, TAP_TIMEOUT_S / 2)
        card = _card(page)
        tried.append(f"{lid} at ({x:.0f}, {y:.0f}) -> {card!r}" + ("" if wait is not None else " (no change)"))
        if wait is not None:
            page.wait_for_timeout(SETTLE_MS)
        if wait is None or card in (welcome, shown) or card in {c[3] for c in chosen}:
            continue
        chosen.append((lid, x, y, card))
    if len(chosen) < 2:
        raise TapFailed("fewer than two tap targets open cards of their own: " + "; ".join(tried))
    return chosen


def _tap_to_card(page, press, drawn, taps: int = TAPS) -> tuple[list[float], list[str]]:
    """The ms from each of ``taps`` releases to its new card, and the targets tapped."""
    page.locator(".card-region").evaluate(INSTRUMENT)
    aims = _distinct_targets(page, press, drawn)
    view = _view(page)
    waits, names, k = [], [], 0
    for i in range(taps):
        if _view(page) != view:  # the view moved (a layout change): find the targets anew
            _log(f"the view changed before tap {i + 1}: finding the tap targets anew")
            aims, view = _distinct_targets(page, press, drawn), _view(page)
        shown = _card(page)
        # The next target in turn whose card is not the one shown.
        for step in range(len(aims)):
            lid, x, y, card = aims[(k + step) % len(aims)]
            if card != shown:
                k = (k + step + 1) % len(aims)
                break
        wait = _press(page, press, x, y, TAP_TIMEOUT_S)
        if wait is None:
            raise TapFailed(f"tap {i + 1} of {taps} on {lid} at ({x:.0f}, {y:.0f}) showed no new card within "
                            f"{TAP_TIMEOUT_S} s (the card shows {_card(page)!r}; expected {card!r})")
        waits.append(wait)
        names.append(lid)
        page.wait_for_timeout(SETTLE_MS)  # a reader reads the card before the next tap
    _log("tapped in turn: " + ", ".join(f"{lid} ({card})" for lid, _, _, card in aims))
    return waits, names


def _touch(cdp, kind: str, points) -> None:
    cdp.send("Input.dispatchTouchEvent", {
        "type": kind,
        "touchPoints": [{"x": x, "y": y, "id": i, "radiusX": 6, "radiusY": 6} for i, (x, y) in enumerate(points)]})


def _frames(page, run) -> list[float]:
    """rAF intervals (ms) from the first frame after ``run`` starts to its end."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.evaluate(RAF_START)
    start = page.evaluate(NOW)
    run()
    end = page.evaluate(NOW)
    stamps = [t for t in page.evaluate(RAF_STOP) if start <= t <= end]
    if len(stamps) < 3:
        raise RuntimeError(f"only {len(stamps)} frames drawn during the gesture")
    _log(f"gesture of {MOVES} moves: {(end - start) / 1000:.1f} s, {len(stamps)} frames")
    return [b - a for a, b in itertools.pairwise(stamps)]


def _touch_gesture(page, starts, ends) -> tuple[list[float], dict, dict]:
    cdp = page.context.new_cdp_session(page)

    def run():
        _touch(cdp, "touchStart", starts)
        for k in range(1, MOVES + 1):
            t = k / MOVES
            _touch(cdp, "touchMove", [(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
                                      for a, b in zip(starts, ends)])
            time.sleep(MOVE_MS / 1000)
        _touch(cdp, "touchEnd", [])

    before = page.evaluate(CAMERA_JS)
    try:
        gaps = _frames(page, run)
    finally:
        cdp.detach()
    return gaps, before, page.evaluate(CAMERA_JS)


def _mouse_drag(page, x, y, dx, dy) -> tuple[list[float], dict, dict]:
    def run():
        page.mouse.move(x, y)
        page.mouse.down()
        for k in range(1, MOVES + 1):
            page.mouse.move(x + dx * k / MOVES, y + dy * k / MOVES)
            time.sleep(MOVE_MS / 1000)
        page.mouse.up()

    before = page.evaluate(CAMERA_JS)
    return _frames(page, run), before, page.evaluate(CAMERA_JS)


def _distance(camera: dict) -> float:
    return math.dist(camera["position"], camera["focal"])


def _turned(what: str, result) -> list[float]:
    gaps, before, after = result
    if math.dist(before["position"], after["position"]) < 1e-3:
        raise RuntimeError(f"{what} did not turn the view")
    return gaps


def _zoomed(what: str, result) -> list[float]:
    gaps, before, after = result
    if _distance(after) > 0.95 * _distance(before):
        raise RuntimeError(f"{what} did not zoom in (distance {_distance(before):.0f} -> {_distance(after):.0f})")
    return gaps


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _centre(page):
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    return rect, rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2


def measure() -> dict:
    """Every figure of this benchmark, with the targets tapped."""
    from playwright.sync_api import sync_playwright

    drawn = _drawn()
    out = {}
    server = ViewerServer()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                device = {k: v for k, v in playwright.devices[PHONE].items() if k != "default_browser_type"}
                phone = browser.new_context(**device).new_page()
                _open(phone, server.url)
                out["phone_taps"], out["phone_targets"] = _tap_to_card(phone, phone.touchscreen.tap, drawn)
                rect, x, y = _centre(phone)
                out["turn"] = _turned("the one-finger turn", _touch_gesture(
                    phone, [(x, y)], [(x + rect["width"] / 3, y + 20)]))
                spread = min(rect["width"], rect["height"]) / 4
                out["pinch"] = _zoomed("the two-finger pinch", _touch_gesture(
                    phone, [(x - 20, y), (x + 20, y)], [(x - spread, y), (x + spread, y)]))
                phone.context.close()

                desk = browser.new_context(viewport=VIEWPORT, device_scale_factor=1).new_page()
                _open(desk, server.url)
                out["desk_clicks"], out["desk_targets"] = _tap_to_card(desk, desk.mouse.click, drawn)
                rect, x, y = _centre(desk)
                out["drag"] = _turned("the mouse drag", _mouse_drag(desk, x, y, rect["width"] / 3, 20))
                desk.context.close()
            finally:
                browser.close()
    finally:
        server.stop()
    return out


def rows() -> list[dict]:
    m = measure()
    out = []
    for where, waits in ((f"Phone ({PHONE} emulated): tap", m["phone_taps"]),
                         ("Desktop 1280x800: click", m["desk_clicks"])):
        out += [
            {"benchmark": f"{where} to new card shown, in the page (median of {TAPS}, {SETTLE_MS} ms apart)",
             "value": statistics.median(waits), "unit": "ms", "goal": "<= 100"},
            {"benchmark": f"{where} to new card shown, in the page (slowest of {TAPS})",
             "value": max(waits), "unit": "ms", "goal": "(informative)"},
        ]
    for what, gaps in ((f"Phone ({PHONE} emulated): one-finger turn", m["turn"]),
                       (f"Phone ({PHONE} emulated): two-finger pinch", m["pinch"]),
                       ("Desktop 1280x800: mouse drag turn", m["drag"])):
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
