"""SceneView in a real Panel server and real Chromium: drawing, clicking, dragging, updates.

A minimal page serves one SceneView of the real hip model; the test talks to the same
Python object the page is synced with.  Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest

from tests.conftest import canvas_nonblank_fraction, decode_png, free_port, save_shot, scene_png, wait_for_scene, wait_until
from viewer import scene

CLICK_PRESETS = ("lateral", "posterior", "anterior")
MIN_SEPARATION_PX = 16.0  # landmarks closer than this on screen are ambiguous to click
# Software WebGL draws this scene in about 0.2 s at this size (0.6 s at 1280 x 800).
VIEWPORT = {"width": 960, "height": 640}


def hip_model():
    from meshes.model import HipModel

    return HipModel()






class SceneServer:
    """A Panel server (in a thread of this process) serving one SceneView per session."""

    def __init__(self, model):
        import panel as pn

        from viewer.scene.view import SceneView

        self.model = model
        self.plotter = scene.build_plotter(model)
        self.views: list[SceneView] = []
        self.port = free_port()

        def page():
            view = SceneView(self.plotter)
            self.views.append(view)
            return pn.Column(view, sizing_mode="stretch_both", min_height=600, margin=0)

        self.server = pn.serve(
            {"scene": page}, port=self.port, address="127.0.0.1", show=False, threaded=True,
            websocket_origin=[f"127.0.0.1:{self.port}"], start=True,
        )
        self.url = f"http://127.0.0.1:{self.port}/scene"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)

    def stop(self):
        self.server.stop()
        self.plotter.close()


@pytest.fixture(scope="module")
def model():
    return hip_model()


@pytest.fixture(scope="module")
def scene_server(model):
    server = SceneServer(model)
    yield server
    server.stop()


def open_view(page, scene_server):
    """Load the page, wait for the drawing; returns the SceneView synced with this page."""
    before = len(scene_server.views)
    page.set_viewport_size(VIEWPORT)
    page.goto(scene_server.url, wait_until="load")
    wait_until(lambda: len(scene_server.views) > before, what="a session")
    view = scene_server.views[-1]
    wait_until(lambda: view.ready, what="the view to report ready")
    wait_for_scene(page)
    return view


def canvas_rect(page) -> dict:
    return page.evaluate("window.__hipScene.canvasRect()")


def set_preset(page, view, preset):
    """Move to a preset camera and wait until the page has applied and reported it back."""
    view.set_camera_preset(preset)
    wait_until(lambda: "preset" not in view.camera, what=f"{preset} camera")
    page.wait_for_timeout(150)


def clickable_landmarks(view, model, rect) -> dict[str, tuple[float, float]]:
    """Landmarks to click from the current camera: projected in Python, on screen, not behind
    an opaque structure (bone, nerve, artery), and not crowded by another landmark.  Page
    coordinates."""
    import pyvista as pv

    positions = view.landmark_positions()
    ids = list(positions)
    pts = np.array([positions[i] for i in ids])
    xy = scene.project(view.camera, pts, rect["width"], rect["height"])
    eye = np.asarray(view.camera["position"], dtype=float)
    opaque = [pv.wrap(m) for n, m in model.meshes().items() if scene.style_for(n)[1] >= 0.99]
    out = {}
    for i, lm in enumerate(ids):
        x, y = xy[i]
        if not (8 <= x <= rect["width"] - 8 and 8 <= y <= rect["height"] - 8):
            continue
        others = np.delete(xy, i, axis=0)
        if len(others) and np.min(np.linalg.norm(others - xy[i], axis=1)) < MIN_SEPARATION_PX:
            continue
        target = pts[i]
        direction = (target - eye) / np.linalg.norm(target - eye)
        stop = target - direction * 10.0  # just in front of the marker
        if any(len(m.ray_trace(eye, stop)[0]) for m in opaque):
            continue
        out[lm] = (rect["left"] + x, rect["top"] + y)
    return out


def test_view_draws_the_scene(page, scene_server):
    view = open_view(page, scene_server)
    png = scene_png(page)
    path = save_shot(page, "sceneview_first_draw")
    assert path.exists()
    fraction = canvas_nonblank_fraction(png)
    assert fraction > 0.05, f"only {fraction:.3f} of the 3D view is drawn"
    rgb = decode_png(png).astype(int)
    # Ivory bone and the warm gluteus medius colours are on screen, not just grey.
    bone = np.array([int(scene.BONE[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(rgb - bone).max(axis=2) < 40).sum() > 500
    assert view.camera["position"], "the page did not report its camera"


@pytest.mark.parametrize("preset", CLICK_PRESETS)
def test_clicking_a_landmark_picks_it(page, scene_server, model, preset):
    view = open_view(page, scene_server)
    set_preset(page, view, preset)
    rect = canvas_rect(page)
    targets = clickable_landmarks(view, model, rect)
    save_shot(page, f"sceneview_click_{preset}")
    assert len(targets) >= 4, f"too few landmarks clickable from {preset}: {sorted(targets)}"
    misses = []
    for lm, (x, y) in targets.items():
        seq = view.picked.get("seq", 0)
        page.mouse.click(x, y)
        wait_until(lambda: view.picked.get("seq", 0) > seq, what=f"a pick for {lm}")
        if view.picked["actor"] != scene.marker_name(lm):
            misses.append((lm, view.picked["actor"]))
    assert not misses, f"{preset}: clicked landmark -> picked actor: {misses}"


def test_a_tap_on_a_touch_screen_picks_a_landmark(browser, page_guard, scene_server, model):
    context = browser.new_context(viewport=VIEWPORT, has_touch=True, device_scale_factor=1)
    context.route("**/*", page_guard.route)
    touch_page = context.new_page()
    touch_page.on("console", page_guard.on_console)
    touch_page.on("pageerror", page_guard.on_page_error)
    try:
        view = open_view(touch_page, scene_server)
        set_preset(touch_page, view, "lateral")
        targets = clickable_landmarks(view, model, canvas_rect(touch_page))
        assert targets
        lm, (x, y) = next(iter(targets.items()))
        seq = view.picked.get("seq", 0)
        touch_page.touchscreen.tap(x, y)
        wait_until(lambda: view.picked.get("seq", 0) > seq, what="a pick from a tap")
        assert view.picked["actor"] == scene.marker_name(lm)
    finally:
        context.close()


def test_drag_turns_the_camera_and_picks_nothing(page, scene_server):
    view = open_view(page, scene_server)
    rect = canvas_rect(page)
    cx, cy = rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2
    page.mouse.click(cx, cy)
    wait_until(lambda: view.picked.get("seq", 0) > 0, what="a first pick")
    seq, camera = view.picked["seq"], dict(view.camera)
    before = scene_png(page)
    page.mouse.move(cx - 120, cy)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(cx - 120 + 24 * step, cy + 4 * step)
        page.wait_for_timeout(30)
    page.mouse.up()
    try:
        wait_until(lambda: view.camera != camera, what="the camera to change after a drag")
    except AssertionError:
        js = page.evaluate("JSON.stringify(window.__hipScene.state.renderer.getActiveCamera().getPosition())")
        raise AssertionError(f"camera in Python {view.camera}; camera position in the page {js}")
    page.wait_for_timeout(300)
    after = scene_png(page)
    save_shot(page, "sceneview_after_drag")
    assert view.picked["seq"] == seq, "a drag must not pick"
    moved = np.abs(decode_png(before).astype(int) - decode_png(after).astype(int)).max(axis=2) > 30
    assert moved.mean() > 0.01, "the drawing did not turn"


def test_update_meshes_changes_the_drawing(page, scene_server, model):
    view = open_view(page, scene_server)
    set_preset(page, view, "lateral")
    before = scene_png(page)
    name = "gmed_middle_right"
    pts = np.asarray(model.meshes()[name].vertices, dtype=np.float32)
    sent = view.update_meshes({name: pts + np.float32([0.0, 60.0, 0.0])})
    assert 0 < sent < 100_000
    wait_until(lambda: page.evaluate("window.__hipScene.state.patchSeq") >= view.patch_meta["seq"],
               what="the patch to arrive")
    page.wait_for_timeout(200)
    after = scene_png(page)
    save_shot(page, "sceneview_after_update")
    changed = np.abs(decode_png(before).astype(int) - decode_png(after).astype(int)).max(axis=2) > 30
    assert changed.mean() > 0.002, "moving a muscle did not change the drawing"
    # Moving it back restores the first drawing.
    view.update_meshes({name: pts})
    wait_until(lambda: page.evaluate("window.__hipScene.state.patchSeq") >= view.patch_meta["seq"],
               what="the second patch")
    page.wait_for_timeout(200)
    back = decode_png(scene_png(page)).astype(int)
    assert (np.abs(back - decode_png(before).astype(int)).max(axis=2) > 30).mean() < 0.002


def test_footprints_draw_thick_lines(page, scene_server, model):
    view = open_view(page, scene_server)
    set_preset(page, view, "lateral")
    view.visibility = {**view.visibility, **{n: False for n in view.actor_names if not n.startswith("femur")}}
    page.wait_for_timeout(400)
    before = decode_png(scene_png(page)).astype(int)
    # A ring around the greater trochanter, on the bone's lateral side.
    tip = view.landmark_positions()["greater_trochanter_tip"]
    angles = np.linspace(0, 2 * np.pi, 40)
    ring = tip + np.column_stack([12 * np.cos(angles), 12 * np.sin(angles) - 15, np.full_like(angles, 12.0)])
    view.footprints = {"gmed_middle_right": ring.tolist()}
    page.wait_for_timeout(400)
    after = decode_png(scene_png(page)).astype(int)
    save_shot(page, "sceneview_footprint")
    changed = np.abs(after - before).max(axis=2) > 40
    assert changed.sum() > 150, f"the footprint line is not visible ({changed.sum()} px changed)"


def test_view_follows_the_size_of_its_container(page, scene_server):
    view = open_view(page, scene_server)
    first = canvas_rect(page)
    page.set_viewport_size({"width": 700, "height": 520})
    wait_until(lambda: canvas_rect(page)["width"] < first["width"] - 100, what="the view to shrink")
    page.wait_for_timeout(500)
    small = canvas_rect(page)
    size = page.evaluate("window.__hipScene.state.api.getSize()")
    assert abs(size[0] - small["width"]) <= 2 and abs(size[1] - small["height"]) <= 2
    png = wait_for_scene(page)
    save_shot(page, "sceneview_resized")
    assert canvas_nonblank_fraction(png) > 0.05
    assert view.ready


def test_screenshot_downloads_a_png(page, scene_server, tmp_path):
    view = open_view(page, scene_server)
    with page.expect_download(timeout=30_000) as info:
        view.screenshot("hip-test.png")
    download = info.value
    assert download.suggested_filename == "hip-test.png"
    path = tmp_path / "hip-test.png"
    download.save_as(path)
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert canvas_nonblank_fraction(png) > 0.05, "the downloaded picture is blank"


def test_highlight_and_visibility_change_the_drawing(page, scene_server):
    view = open_view(page, scene_server)
    set_preset(page, view, "lateral")
    before = decode_png(scene_png(page)).astype(int)
    view.highlight = ["gmed_middle_right"]
    page.wait_for_timeout(400)
    lit = decode_png(scene_png(page)).astype(int)
    save_shot(page, "sceneview_highlight")
    assert (np.abs(lit - before).max(axis=2) > 20).mean() > 0.002, "highlight not visible"
    view.highlight = []
    view.visibility = {**view.visibility, **{n: False for n in scene.LAYERS["bones"]}}
    page.wait_for_timeout(400)
    hidden = decode_png(scene_png(page)).astype(int)
    save_shot(page, "sceneview_bones_hidden")
    assert (np.abs(hidden - before).max(axis=2) > 30).mean() > 0.02, "hiding the bones changed nothing"
