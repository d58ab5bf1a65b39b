"""Touch in the 3D view, in real Chromium emulating phones and a tablet, against a real server.

Playwright's device descriptors (a touch screen, a mobile viewport, the device's pixel
ratio) and real touch input: ``page.touchscreen.tap`` for taps, the DevTools protocol's
``Input.dispatchTouchEvent`` for a one-finger drag and a two-finger pinch.  On each device a
tap on a gluteus medius fibre group selects it (the address bar's ``sel``), a tap just beside
a landmark marker still takes the marker, a one-finger drag turns the camera (the address
bar's ``cam``) and selects nothing, a pinch changes the camera's distance and selects nothing,
and a double tap frames what it was on.  Selectors are about the 3D view only.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import save_shot, wait_for_scene, wait_until

pytestmark = pytest.mark.browser

DEVICES = ("iPhone 13", "iPhone 13 landscape", "Pixel 7", "iPad (gen 7)")
GROUPS = ("gmed_middle", "gmed_anterior", "gmed_posterior")

CAMERA_JS = "() => JSON.parse(JSON.stringify(window.__hipScene.model.camera))"
DISTANCE_JS = """() => { const c = window.__hipScene.state.renderer.getActiveCamera();
  const p = c.getPosition(), f = c.getFocalPoint(); return Math.hypot(p[0]-f[0], p[1]-f[1], p[2]-f[2]); }"""


@pytest.fixture(params=DEVICES)
def device_page(request, playwright_session, browser, page_guard, viewer_url):
    """A page of the viewer in a context emulating ``request.param``, guarded like ``page``."""
    from tests.conftest import PAGE_KEY

    descriptor = {k: v for k, v in playwright_session.devices[request.param].items() if k != "default_browser_type"}
    context = browser.new_context(**descriptor)
    context.route("**/*", page_guard.route)
    page = context.new_page()
    page.on("console", page_guard.on_console)
    page.on("pageerror", page_guard.on_page_error)
    page.set_default_timeout(60_000)
    request.node.stash[PAGE_KEY] = page
    page.goto(viewer_url, wait_until="load")
    wait_for_scene(page, timeout=120)
    page.wait_for_function("() => window.__hipScene && window.__hipScene.model.ready")
    page.device_name = request.param
    yield page
    context.close()


#: A tap takes a landmark marker within 20 px (sceneview.js TOUCH_MARKER_SNAP): a structure is
#: aimed at farther from every marker than that.
CLEAR_OF_MARKERS_PX = 24


def aims(page, drawn) -> dict:
    from tests.click_targets import targets

    camera = page.evaluate(CAMERA_JS)
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    markers = [(m["x"], m["y"]) for m in page.evaluate("() => window.__hipScene.projectMarkers()")]
    found = targets(drawn, camera, rect, clear_px=CLEAR_OF_MARKERS_PX + 2, avoid=markers)
    for sid in GROUPS:
        if sid in found and any(math.hypot(found[sid][0] - x, found[sid][1] - y) < CLEAR_OF_MARKERS_PX
                                for x, y in markers):
            del found[sid]
    return found, rect


def touch(cdp, kind: str, points, timestamp: float | None = None) -> None:
    event = {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i, "radiusX": 6, "radiusY": 6}
                                           for i, (x, y) in enumerate(points)]}
    if timestamp is not None:
        event["timestamp"] = timestamp
    cdp.send("Input.dispatchTouchEvent", event)


def gesture(page, starts, ends, steps: int = 12, pause_ms: int = 16) -> None:
    """Put fingers down at ``starts``, move them together to ``ends`` in ``steps``, lift."""
    cdp = page.context.new_cdp_session(page)
    try:
        touch(cdp, "touchStart", starts)
        for k in range(1, steps + 1):
            t = k / steps
            touch(cdp, "touchMove", [(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
                                     for a, b in zip(starts, ends)])
            page.wait_for_timeout(pause_ms)
        touch(cdp, "touchEnd", [])
    finally:
        cdp.detach()


def query_of(page) -> dict[str, str]:
    """The page's address bar query, read in the page (the address follows the view)."""
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(page.evaluate("() => location.search").lstrip("?")).items()}


def picks(page) -> int:
    return page.evaluate("() => (window.__hipScene.model.picked || {}).seq || 0")


def wait_for_selection(page, sid: str, timeout: float = 60.0) -> None:
    """The 3D view comes to highlight ``sid`` (its meshes or its marker), and then the address
    bar comes to name it."""
    from viewer.scene import picking

    wanted = set(picking.highlight_for(sid))
    wait_until(lambda: wanted <= set(page.evaluate("() => window.__hipScene.model.highlight || []")),
               timeout=timeout, what=f"the view to highlight {sid}", poll=0.1)
    wait_for_query(page, "sel", sid)


def idle(page) -> None:
    """Wait until the page has drawn two frames in a row (a busy page delays input)."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def double_tap(page, x: float, y: float) -> None:
    """Two taps 200 ms apart, as a finger makes them.  The events carry the times they happen
    at: this emulation sends the second only once the page has handled the first, which a busy
    machine (software drawing) makes late."""
    import time

    start = time.time()
    cdp = page.context.new_cdp_session(page)
    try:
        for t in (0.0, 0.2):
            touch(cdp, "touchStart", [(x, y)], start + t)
            touch(cdp, "touchEnd", [], start + t + 0.06)
    finally:
        cdp.detach()


def wait_for_query(page, key: str, value=None, timeout: float = 30.0):
    def check():
        q = query_of(page)
        if value is None:
            return key in q and q
        return q.get(key) == value and q
    return wait_until(check, timeout=timeout, what=f"{key}={value} in the address bar", poll=0.1)




def zoom_in_on(page, x: float, y: float, factor: float = 1.8) -> None:
    """As a reader does on a small screen: two fingers bring (x, y) to the middle of the view,
    then spread to zoom in."""
    idle(page)
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    cx, cy = rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2
    gesture(page, [(x - 20, y), (x + 20, y)], [(cx - 20, cy), (cx + 20, cy)])
    idle(page)
    gesture(page, [(cx - 25, cy), (cx + 25, cy)], [(cx - 25 * factor, cy), (cx + 25 * factor, cy)])
    page.wait_for_timeout(500)


def tap_a_fibre_group(page, drawn) -> str:
    found, _ = aims(page, drawn)
    groups = [g for g in GROUPS if g in found]
    if not groups:  # a small view, crowded with markers: zoom in on the muscle first
        from tests.click_targets import targets

        camera, rect = page.evaluate(CAMERA_JS), page.evaluate("() => window.__hipScene.canvasRect()")
        anywhere = targets(drawn, camera, rect, clear_px=0)
        zoom_in_on(page, *anywhere["gmed_middle"])
        found, _ = aims(page, drawn)
        groups = [g for g in GROUPS if g in found]
    assert groups, f"no fibre group to tap on {page.device_name}: {sorted(found)}"
    page.touchscreen.tap(*found[groups[0]])
    wait_for_selection(page, groups[0])
    return groups[0]


def tap_beside_a_marker(page, drawn) -> str | None:
    """Tap 15 px beside a landmark marker that stands clear of the others (a finger's aim; a
    mouse click takes a marker within 12 px)."""
    found, _ = aims(page, drawn)
    markers = page.evaluate("() => window.__hipScene.projectMarkers()")
    xy = {m["name"][3:]: (m["x"], m["y"]) for m in markers}
    for lid, (x, y) in xy.items():
        if lid not in found or min((math.hypot(x - a, y - b) for k, (a, b) in xy.items() if k != lid), default=99) < 34:
            continue
        idle(page)
        page.touchscreen.tap(x + 15, y)
        wait_for_selection(page, lid)
        return lid
    return None


def double_tap_frames(page, drawn) -> None:
    found, _ = aims(page, drawn)
    group = next(g for g in GROUPS if g in found)
    before = page.evaluate(DISTANCE_JS)
    x, y = found[group]
    idle(page)
    double_tap(page, x, y)
    wait_for_selection(page, group)
    try:
        wait_until(lambda: page.evaluate(DISTANCE_JS) < 0.8 * before, timeout=20, what="the double tap to frame")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: picked {page.evaluate('() => window.__hipScene.model.picked')}, "
                             f"distance {page.evaluate(DISTANCE_JS):.0f} (was {before:.0f})") from None
    focal = np.asarray(page.evaluate(
        "() => Array.from(window.__hipScene.state.renderer.getActiveCamera().getFocalPoint())"))
    mesh = drawn.meshes[f"{group}_right"]
    lo, hi = np.asarray(mesh.bounds[::2]) - 40, np.asarray(mesh.bounds[1::2]) + 40
    assert np.all(focal >= lo) and np.all(focal <= hi), f"the view looks at {focal}, not at {group}"


def drag_turns(page) -> None:
    idle(page)
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    x, y = rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2
    seq, before = picks(page), query_of(page)
    gesture(page, [(x, y)], [(x + min(120, rect["width"] / 3), y + 10)])
    def turned():
        q = query_of(page)
        return "cam" in q and q.get("cam") != before.get("cam") and q

    q = wait_until(turned, timeout=20, what="the camera in the address bar to change", poll=0.1)
    assert q.get("sel") == before.get("sel"), f"a drag changed the selection: {before} -> {q}"
    assert picks(page) == seq, "a drag was taken as a tap"


def pinch_zooms(page) -> None:
    idle(page)
    rect = page.evaluate("() => window.__hipScene.canvasRect()")
    x, y = rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2
    spread = min(rect["width"], rect["height"]) / 4
    seq, sel, before = picks(page), query_of(page).get("sel"), page.evaluate(DISTANCE_JS)
    gesture(page, [(x - 20, y), (x + 20, y)], [(x - spread, y), (x + spread, y)])
    wait_until(lambda: page.evaluate(DISTANCE_JS) < 0.9 * before, timeout=10, what="the pinch to zoom in")
    page.wait_for_timeout(300)
    assert picks(page) == seq, "a pinch was taken as a tap"
    assert query_of(page).get("sel") == sel, "a pinch changed the selection"


def test_touch_taps_pick_drags_turn_pinches_zoom_double_taps_frame(device_page, drawn):
    page = device_page
    tap_a_fibre_group(page, drawn)
    save_shot(page, f"touch-tap-{page.device_name}")
    assert tap_beside_a_marker(page, drawn), f"no landmark marker stands clear on {page.device_name}"
    double_tap_frames(page, drawn)
    save_shot(page, f"touch-double-tap-{page.device_name}")
    drag_turns(page)
    pinch_zooms(page)
