"""The 3D view on the wire and in the page, beside Panel's own VTK pane showing the same scene.

Serves both views of the real hip model from a Panel server in this process, loads each in
headless Chromium (Debian's, software WebGL) and counts the bytes that reach the page over
the websocket.  Everything runs on this machine; nothing is downloaded.

    python -m benchmarks.bench_viewer
"""

from __future__ import annotations

import os
import socket
import statistics
import time

import numpy as np

CHROMIUM = os.environ.get("HIP_VIEWER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]
VIEWPORT = {"width": 960, "height": 640}
CLICKS = 24
POSTURES = ((30.0, 0.0, 0.0), (60.0, -10.0, 10.0), (90.0, 0.0, 20.0), (10.0, 15.0, -10.0), (0.0, 0.0, 0.0))
STATIC_MESHES = ("pelvis", "sacrum", "femur_right", "femur_left")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    raise TimeoutError("condition not met")


class _Frames:
    """Bytes of websocket frames the page received (server -> browser)."""

    def __init__(self, page):
        self.sizes: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload):
        self.sizes.append(len(payload) if isinstance(payload, (bytes, str)) else 0)

    def total(self) -> int:
        return int(sum(self.sizes))

    def mark(self) -> int:
        return len(self.sizes)

    def since(self, mark: int) -> int:
        return int(sum(self.sizes[mark:]))


def _set_posture(model, flexion, adduction, rotation):
    model.param.update(flexion=flexion, adduction=adduction, rotation=rotation)


def _posture_step_sceneview(view, model) -> tuple[float, int]:
    """Seconds in Python and bytes of the patch for one posture change, as the app does it."""
    meshes = model.meshes()
    moving = {k: v for k, v in meshes.items() if k not in STATIC_MESHES}
    landmarks = model.landmarks()
    transform = model.femur_transform("right")
    t0 = time.perf_counter()
    view.set_transform("femur_right", transform)
    sent = view.update_meshes(moving)
    view.update_landmarks(landmarks)
    return time.perf_counter() - t0, sent


def _posture_step_vtk_pane(pane, plotter, model) -> float:
    """Seconds in Python for the same posture change through Panel's VTK pane."""
    import pyvista as pv

    from viewer.scene import marker_name

    meshes = model.meshes()
    landmarks = model.landmarks()
    t0 = time.perf_counter()
    for name, mesh in meshes.items():
        if name in STATIC_MESHES or name not in plotter.actors:
            continue
        data = pv.wrap(plotter.actors[name].GetMapper().GetInput())
        if data.n_points == len(mesh.vertices):
            data.points = np.asarray(mesh.vertices)
    femur = plotter.actors.get("femur_right")
    if femur is not None:
        femur.user_matrix = model.femur_transform("right")
    for lm_id, xyz in landmarks.items():
        actor = plotter.actors.get(marker_name(lm_id))
        if actor is not None:
            actor.position = tuple(np.asarray(xyz) - np.asarray(actor.GetMapper().GetInput().GetCenter()))
    pane.synchronize()
    return time.perf_counter() - t0


def rows() -> list[dict]:
    import panel as pn
    from playwright.sync_api import sync_playwright

    from meshes.model import HipModel
    from viewer import scene
    from viewer.scene.view import SceneView

    model = HipModel()
    plotter = scene.build_plotter(model)
    plotter_vtk = scene.build_plotter(model)
    views: list = []
    panes: list = []

    def scene_page():
        view = SceneView(plotter)
        views.append(view)
        return pn.Column(view, sizing_mode="stretch_both", min_height=600, margin=0)

    def vtk_page():
        pn.extension("vtk")
        pane = pn.pane.VTK(plotter_vtk.ren_win, sizing_mode="stretch_both", min_height=600)
        panes.append(pane)
        return pn.Column(pane, sizing_mode="stretch_both", min_height=600, margin=0)

    port = _free_port()
    server = pn.serve(
        {"scene": scene_page, "vtk": vtk_page}, port=port, address="127.0.0.1", show=False,
        threaded=True, websocket_origin=[f"127.0.0.1:{port}"], start=True,
    )
    out: list[dict] = []
    try:
        _wait(lambda: _port_open(port))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                out += _measure_sceneview(browser, port, views, model)
                out += _measure_vtk_pane(browser, port, panes, plotter_vtk, model)
            finally:
                browser.close()
    finally:
        server.stop()
        _set_posture(model, 0.0, 0.0, 0.0)
        plotter.close()
        plotter_vtk.close()
    return out


def _port_open(port) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _measure_sceneview(browser, port, views, model) -> list[dict]:
    page = browser.new_page(viewport=VIEWPORT)
    frames = _Frames(page)
    t0 = time.perf_counter()
    page.goto(f"http://127.0.0.1:{port}/scene", wait_until="load")
    page.wait_for_function("window.__hipScene && window.__hipScene.model.ready", timeout=120_000)
    load_s = time.perf_counter() - t0
    page.wait_for_timeout(500)
    view = views[-1]
    first_load = frames.total()

    # Posture steps.
    times, sizes = [], []
    for flexion, adduction, rotation in POSTURES:
        _set_posture(model, flexion, adduction, rotation)
        mark = frames.mark()
        dt, _ = _posture_step_sceneview(view, model)
        seq = view.patch_meta.get("seq", 0)
        page.wait_for_function(f"window.__hipScene.state.patchSeq >= {seq}", timeout=60_000)
        page.wait_for_timeout(100)
        times.append(dt)
        sizes.append(frames.since(mark))

    # Clicks: in-page time from release to `picked` written, and to Python seeing it.
    rect = page.evaluate("window.__hipScene.canvasRect()")
    markers = page.evaluate("window.__hipScene.projectMarkers()")
    inside = [m for m in markers if rect["left"] < m["x"] < rect["left"] + rect["width"]
              and rect["top"] < m["y"] < rect["top"] + rect["height"]]
    page_ms, python_ms = [], []
    for i in range(CLICKS):
        target = inside[i % len(inside)] if inside else {"x": rect["left"] + rect["width"] / 2,
                                                         "y": rect["top"] + rect["height"] / 2}
        seq = view.picked.get("seq", 0)
        t = time.perf_counter()
        page.mouse.click(target["x"], target["y"])
        _wait(lambda: view.picked.get("seq", 0) > seq, timeout=30)
        python_ms.append((time.perf_counter() - t) * 1000)
        page_ms.append(page.evaluate("window.__hipScene.state.lastPickMs"))
    page.close()
    return [
        {"benchmark": "SceneView: first load over the websocket (document + meshes)", "value": first_load / 1000,
         "unit": "kB", "goal": "<= 600"},
        {"benchmark": "SceneView: meshes alone (compressed)", "value": len(view.scene_data) / 1000, "unit": "kB",
         "goal": "<= 600"},
        {"benchmark": "SceneView: page load to first drawing (software WebGL, vtk.js 2.5 MB from the server)",
         "value": load_s, "unit": "s", "goal": "(informative)"},
        {"benchmark": "SceneView: posture step on the wire (median)", "value": statistics.median(sizes) / 1000,
         "unit": "kB", "goal": "<= 100"},
        {"benchmark": "SceneView: posture step in Python (median)", "value": statistics.median(times) * 1000,
         "unit": "ms", "goal": "<= 50"},
        {"benchmark": f"SceneView: click to picked in the page (median of {CLICKS})",
         "value": statistics.median(page_ms), "unit": "ms", "goal": "<= 50"},
        {"benchmark": f"SceneView: click to picked in Python (median of {CLICKS}, incl. browser automation)",
         "value": statistics.median(python_ms), "unit": "ms", "goal": "< 300"},
    ]


def _measure_vtk_pane(browser, port, panes, plotter, model) -> list[dict]:
    page = browser.new_page(viewport=VIEWPORT)
    frames = _Frames(page)
    page.goto(f"http://127.0.0.1:{port}/vtk", wait_until="load")
    _wait(lambda: bool(panes), timeout=120)
    page.wait_for_selector("canvas", timeout=120_000)
    page.wait_for_timeout(3000)
    first_load = frames.total()
    pane = panes[-1]
    times, sizes = [], []
    for flexion, adduction, rotation in POSTURES[:3]:
        _set_posture(model, flexion, adduction, rotation)
        mark = frames.mark()
        times.append(_posture_step_vtk_pane(pane, plotter, model))
        page.wait_for_timeout(2500)
        sizes.append(frames.since(mark))
    page.close()
    return [
        {"benchmark": "Panel VTK pane: first load over the websocket", "value": first_load / 1000, "unit": "kB",
         "goal": "(comparison)"},
        {"benchmark": "Panel VTK pane: posture step on the wire (median)", "value": statistics.median(sizes) / 1000,
         "unit": "kB", "goal": "(comparison)"},
        {"benchmark": "Panel VTK pane: posture step in Python (median)", "value": statistics.median(times) * 1000,
         "unit": "ms", "goal": "(comparison)"},
        {"benchmark": "Panel VTK pane: click to picked", "value": "none", "unit": "",
         "goal": "the pane reports no clicks"},
    ]


if __name__ == "__main__":
    from benchmarks.run import markdown_table

    print(markdown_table(rows()))
