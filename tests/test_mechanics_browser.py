"""The mechanics panel in a real Panel server and real Chromium, beside the 3D view.

A small page serves one viewer session's 3D view and the mechanics panel; the view follows
the session's model as the app's does.  The tests move the panel's controls with the
mouse, as a teacher would, and compare the 3D view's pixels before and after.  Screenshots
land in test-artifacts/.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

from tests.conftest import decode_png, free_port, save_shot, scene_png, wait_for_scene, wait_until

VIEWPORT = {"width": 1200, "height": 760}
#: Share of the 3D view's pixels that must change for a movement to count as seen.
MIN_CHANGED = 0.003






def changed_fraction(png_a: bytes, png_b: bytes, tolerance: int = 24) -> float:
    a = decode_png(png_a).astype(np.int64)
    b = decode_png(png_b).astype(np.int64)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float((np.abs(a[:h, :w] - b[:h, :w]).max(axis=2) > tolerance).mean())


class MechanicsServer:
    """A Panel server (thread of this process): per session a viewer session, its 3D view
    (which follows the session's model and state) and the mechanics panel."""

    def __init__(self):
        import panel as pn

        from viewer.panels.mechanics import mechanics_panel
        from viewer.scene import shared
        from viewer.scene.panel import ScenePanel
        from viewer.session import Session

        shared.shared_plotter()
        self.sessions: list[dict] = []
        self.port = free_port()

        def page():
            session = Session()
            scene = ScenePanel(session)
            scene.build()
            scene.view.min_height = 560
            panel = mechanics_panel(session.model, session.state)
            self.sessions.append({"model": session.model, "view": scene.view, "panel": panel})
            side = pn.Column(panel, width=470, scroll=True, sizing_mode="stretch_height")
            return pn.Row(side, scene, sizing_mode="stretch_both", min_height=700, margin=0)

        self.server = pn.serve({"mechanics": page}, port=self.port, address="127.0.0.1", show=False,
                               threaded=True, websocket_origin=[f"127.0.0.1:{self.port}"], start=True)
        self.url = f"http://127.0.0.1:{self.port}/mechanics"
        wait_until(lambda: _listening(self.port), timeout=30, what="the server to listen")

    def stop(self):
        self.server.stop()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def mechanics_server():
    server = MechanicsServer()
    yield server
    server.stop()


def open_page(page, server) -> dict:
    """Load the page; returns the session (model, view, panel) once the scene is drawn from
    behind and the panel has computed its curves."""
    before = len(server.sessions)
    page.set_viewport_size(VIEWPORT)
    page.goto(server.url, wait_until="load")
    session = wait_until(lambda: server.sessions[before] if len(server.sessions) > before else None,
                         what="a session")
    view, panel = session["view"], session["panel"]
    wait_until(lambda: view.ready, what="the view to report ready")
    wait_until(lambda: panel.arm_src.data["flexion"], what="the curves")
    view.set_camera_preset("posterior")
    wait_until(lambda: "preset" not in view.camera, what="the posterior camera")
    wait_for_scene(page)
    page.wait_for_timeout(400)
    return session


def drag_slider_to_start(page, css_class: str):
    """Drag a slider's handle to the left end of its track with the mouse."""
    handle = page.locator(f".{css_class} .noUi-handle").first
    track = page.locator(f".{css_class} .noUi-base").first
    handle.scroll_into_view_if_needed()
    hb, tb = handle.bounding_box(), track.bounding_box()
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + tb["width"] * 0.3, hb["y"] + hb["height"] / 2, steps=6)
    page.mouse.move(tb["x"] - 10, hb["y"] + hb["height"] / 2, steps=6)
    page.mouse.up()


def press_until(locator, predicate, what: str, attempts: int = 3, wait_s: float = 10.0):
    """Click ``locator`` until ``predicate()`` holds on the server (a click can be lost while a
    loaded machine is still laying the page out)."""
    for _ in range(attempts):
        locator.click(no_wait_after=True)  # the page is busy drawing frames; do not wait on it
        try:
            return wait_until(predicate, timeout=wait_s, what=what)
        except AssertionError:
            continue
    raise AssertionError(f"pressing {what} had no effect after {attempts} clicks")


def test_weak_abductors_tilt_the_pelvis_in_the_view(page, mechanics_server):
    session = open_page(page, mechanics_server)
    model = session["model"]
    level = scene_png(page)
    save_shot(page, "mechanics-stance-level")

    drag_slider_to_start(page, "stance-strength")
    wait_until(lambda: model.pelvic_drop > 5.0, what="the pelvis to drop")
    page.wait_for_timeout(800)
    dropped = scene_png(page)
    save_shot(page, "mechanics-stance-weak-abductors")

    tilt = np.array(session["view"].transforms["pelvis"]).reshape(4, 4)
    assert np.degrees(np.arccos(np.clip(tilt[1, 1], -1, 1))) == pytest.approx(model.pelvic_drop, abs=0.1)
    assert session["panel"].stance.strength.value < 20
    assert "drops" in session["panel"].stance.pane.object
    assert changed_fraction(level, dropped) > MIN_CHANGED


def test_play_moves_the_femur_through_the_action(page, mechanics_server):
    session = open_page(page, mechanics_server)
    model, view = session["model"], session["view"]
    page.locator(".mech-arrows input").first.click()
    wait_until(lambda: any(k.startswith("pull_") for k in view.footprints), what="the lines of pull")
    view.set_camera_preset("anterior")
    wait_until(lambda: "preset" not in view.camera, what="the anterior camera")
    page.wait_for_timeout(600)
    start = scene_png(page)
    save_shot(page, "mechanics-animation-start")
    femur_start = np.array(view.transforms.get("femur_right", np.eye(4).ravel().tolist()))

    press_until(page.locator(".mech-play button").first, lambda: session["panel"].animation.play.value, "play")
    wait_until(lambda: abs(model.adduction) > 20.0, what="the femur to abduct")
    press_until(page.locator(".mech-play button").first, lambda: not session["panel"].animation.play.value, "pause")
    page.wait_for_timeout(800)
    moved = scene_png(page)
    save_shot(page, "mechanics-animation-abduction")

    assert not np.allclose(np.array(view.transforms["femur_right"]), femur_start)
    assert changed_fraction(start, moved) > MIN_CHANGED
