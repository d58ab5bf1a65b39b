"""The 3D view frames the model in every preset, at phone, tablet, laptop and projector
sizes, in real Chromium against a real server.

The page's own camera (the one it draws with) and the canvas's size are read from the page;
the bones' vertices are projected in Python (:func:`viewer.scene.project`) and must all lie
inside the canvas: the pelvis and both ends of the femur, its head and its knee end.  The
view is resized under the page (a phone turning, a projector) and must fit again; a camera the
reader turned is left alone.  A selected structure is framed on request, and a tour step
frames what it shows.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import drag, new_guarded_page, save_shot, wait_for_scene, wait_until

pytestmark = pytest.mark.browser

PRESETS = ("lateral", "anterior", "posterior", "superior", "reset")
#: Phone portrait and landscape, tablet portrait, laptop, projector (CSS px).
SIZES = ((390, 844), (844, 390), (820, 1180), (1366, 768), (1920, 1080))

CAMERA_JS = """() => {
  // (a window resized into another layout draws a new view: wait for it)
  const s = window.__hipScene
  if (!s || !s.state.renderer || !s.state.api || !s.state.loaded) return null
  const size = s.state.api.getSize(), r = s.canvasRect()
  if (!size || !r || !r.width || !r.height) return null
  const cam = s.state.renderer.getActiveCamera();
  return { camera: { position: Array.from(cam.getPosition()), focal_point: Array.from(cam.getFocalPoint()),
                     view_up: Array.from(cam.getViewUp()), view_angle: cam.getViewAngle() },
           rect: r, size: Array.from(size) };
}"""


@pytest.fixture(scope="module")
def bones():
    """Vertices of the pelvis and of each femur at the neutral posture, as the page draws them."""
    from meshes.model import HipModel
    from viewer.scene import build_plotter

    plotter = build_plotter(HipModel())
    try:
        return {name: np.asarray(plotter.actors[name].mapper.dataset.points, dtype=float)
                for name in ("pelvis", "sacrum", "femur_right", "femur_left")}
    finally:
        plotter.close()


def settled_view(page, timeout_s: float = 20.0) -> dict:
    """The page's camera and canvas once the camera has stayed still for half a second and
    the renderer's size has the canvas's shape."""
    last, since = None, 0
    for _ in range(int(timeout_s / 0.1)):
        now = page.evaluate(CAMERA_JS)
        if now is None:
            page.wait_for_timeout(100)
            continue
        rect, size = now["rect"], now["size"]
        same_shape = abs(rect["width"] / rect["height"] - size[0] / size[1]) < 0.02
        key = json.dumps(now["camera"])
        if key == last and same_shape:
            since += 1
            if since >= 5:
                return now
        else:
            last, since = key, 0
        page.wait_for_timeout(100)
    raise AssertionError(f"the view did not settle: {now}")


def fit_of(view: dict, points: np.ndarray) -> dict:
    """Where ``points`` land in the canvas: their projected box and the share of the canvas
    they span."""
    from viewer.scene import project

    w, h = view["rect"]["width"], view["rect"]["height"]
    xy = project(view["camera"], points, w, h)
    return {"left": xy[:, 0].min(), "right": xy[:, 0].max(), "top": xy[:, 1].min(), "bottom": xy[:, 1].max(),
            "width": np.ptp(xy[:, 0]) / w, "height": np.ptp(xy[:, 1]) / h, "w": w, "h": h}


def assert_inside(fit: dict, what: str, slack: float = 1.0) -> None:
    assert fit["left"] >= -slack and fit["top"] >= -slack, f"{what} runs off the left or top: {fit}"
    assert fit["right"] <= fit["w"] + slack and fit["bottom"] <= fit["h"] + slack, \
        f"{what} runs off the right or bottom: {fit}"


def assert_bones_fit(view: dict, bones: dict, what: str) -> dict:
    femur = bones["femur_right"]
    head = femur[femur[:, 1] > femur[:, 1].max() - 60]   # the top 6 cm: head, neck, trochanter
    knee = femur[femur[:, 1] < femur[:, 1].min() + 60]   # the bottom 6 cm: the condyles
    for name, pts in (("the pelvis", np.vstack([bones["pelvis"], bones["sacrum"]])),
                      ("the femoral head", head), ("the knee end of the femur", knee),
                      ("the left femur", bones["femur_left"])):
        assert_inside(fit_of(view, pts), f"{what}: {name}")
    whole = fit_of(view, np.vstack(list(bones.values())))
    assert max(whole["width"], whole["height"]) >= 0.7, f"{what}: the bones fill too little of the view: {whole}"
    return whole


def open_page(browser, page_guard, url: str, size) -> object:
    page = new_guarded_page(browser, page_guard, viewport={"width": size[0], "height": size[1]})
    page.goto(url, wait_until="load")
    wait_for_scene(page)
    return page


def test_every_preset_fits_the_bones_at_every_size_and_refits_on_resize(browser, page_guard, viewer_url, bones):
    fills = {}
    for preset in PRESETS:
        page = open_page(browser, page_guard, viewer_url.rstrip("/") + f"/?view={preset}", SIZES[3])
        try:
            for size in SIZES:
                page.set_viewport_size({"width": size[0], "height": size[1]})
                view = settled_view(page)
                whole = assert_bones_fit(view, bones, f"{preset} at {size[0]}x{size[1]}")
                fills[(preset, size)] = (round(float(whole["width"]), 2), round(float(whole["height"]), 2))
            save_shot(page, f"framing-{preset}-1920x1080")
        finally:
            page.context.close()
    print("\nbones' share of the canvas (width, height):")
    for size in SIZES:
        print(f"  {size[0]}x{size[1]}: " + ", ".join(f"{p} {fills[(p, size)]}" for p in PRESETS))


def test_a_turned_camera_is_not_refitted_when_the_view_resizes(browser, page_guard, viewer_url):
    page = open_page(browser, page_guard, viewer_url, SIZES[3])
    try:
        rect = page.evaluate("() => window.__hipScene.canvasRect()")
        drag(page, rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2, 60, 0)
        turned = settled_view(page)["camera"]
        page.set_viewport_size({"width": SIZES[4][0], "height": SIZES[4][1]})
        after = settled_view(page)["camera"]
        assert np.allclose(turned["position"], after["position"], atol=0.01), "a turned view was refitted"
    finally:
        page.context.close()


def insertion_points() -> np.ndarray:
    from meshes.model import HipModel
    from viewer.scene import picking

    chosen = picking.footprints_for("gmed_insertion", HipModel().footprints())
    return np.vstack([np.asarray(v, dtype=float).reshape(-1, 3) for v in chosen.values()])


@pytest.mark.parametrize("size", [SIZES[0], SIZES[3]], ids=lambda s: f"{s[0]}x{s[1]}")
def test_tour_step_three_frames_the_insertion(browser, page_guard, viewer_url, size):
    page = open_page(browser, page_guard, viewer_url.rstrip("/") + "/?step=3", size)
    try:
        view = settled_view(page)
        fit = fit_of(view, insertion_points())
        assert_inside(fit, "the insertion")
        smaller = min(fit["w"], fit["h"])
        span = max(fit["right"] - fit["left"], fit["bottom"] - fit["top"])
        assert span >= 0.3 * smaller, f"the insertion is small in the view: {fit}"
        save_shot(page, f"framing-step3-{size[0]}x{size[1]}")
    finally:
        page.context.close()


def test_the_frame_control_frames_the_selection(browser, page_guard, viewer_url):
    page = open_page(browser, page_guard, viewer_url.rstrip("/") + "/?sel=gmed_insertion", SIZES[3])
    try:
        control = page.locator(".hip-scene-frame")
        control.wait_for(state="visible")
        before = fit_of(settled_view(page), insertion_points())
        control.click()
        wait_until(lambda: fit_of(settled_view(page), insertion_points())["width"] > 1.5 * before["width"],
                   timeout=20, what="the insertion to be framed")
        framed = settled_view(page)
        assert_inside(fit_of(framed, insertion_points()), "the framed insertion")
        page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})  # framing holds on a resize
        assert_inside(fit_of(settled_view(page), insertion_points()), "the insertion after a resize")
    finally:
        page.context.close()
