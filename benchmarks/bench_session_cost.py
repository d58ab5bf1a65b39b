"""What one new session costs the server.

1. Built in this process: the CPU time to build its views and its Bokeh models, the number of
   models and the size of the document a browser pulls.  The shared scene is built first, as
   a running server has it.
2. Served, end to end: readers opened one after another on a running ``hip-viewer`` (page
   request, session, websocket, document, the layout its window gets, the 3D view's scene)
   as websocket clients that pull the whole document; the server process's CPU time per
   reader.  This is what the classroom benchmark's "server CPU per session" measured.

    python -m benchmarks.bench_session_cost
"""

from __future__ import annotations

import gc
import json
import statistics
import time

SESSIONS = 12
SERVED = 12


def one_session() -> tuple[float, int, int]:
    """(CPU seconds, models, document bytes) for one session's page."""
    import panel as pn
    from bokeh.document import Document
    from bokeh.model import Model

    from viewer.app import HipViewerApp

    doc = Document()
    pn.state.curdoc = doc
    try:
        t0 = time.process_time()
        app = HipViewerApp(query={"sel": "gmed_middle"})
        root = pn.panel(app).get_root(doc)
        doc.add_root(root)
        cpu = time.process_time() - t0
        models = len(list(doc.select({"type": Model})))
        rep = doc.to_json()
        content = getattr(rep, "content", rep)
        buffers = getattr(rep, "buffers", None) or []
        size = len(json.dumps(content, default=str)) + sum(len(getattr(b, "data", b"")) for b in buffers)
    finally:
        pn.state.curdoc = None
    return cpu, models, size


def served_cpu_per_session() -> float:
    """Server CPU seconds per reader, readers opened one after another on a served viewer."""
    import psutil

    from benchmarks.bench_sessions import _run_ws_clients, _set_event
    from tests.conftest import ViewerServer

    server = ViewerServer(timeout=90)
    try:
        def one() -> dict:
            out: list[dict] = []
            t = time.perf_counter()
            _run_ws_clients(server.url, 1, t, t + 60, out, _set_event(), _set_event())
            return out[0]

        for _ in range(2):  # the shared scene built and sent once, as when the teacher opened it
            one()
        time.sleep(3)
        process = psutil.Process(server.proc.pid)
        cpu0 = sum(process.cpu_times()[:2])
        results = [one() for _ in range(SERVED)]
        time.sleep(3)  # what the last reader started (its closing included)
        cpu = sum(process.cpu_times()[:2]) - cpu0
        if not all(r["ok"] for r in results):
            raise RuntimeError(f"a reader got no scene: {[r['error'] for r in results if not r['ok']][:2]}")
        return cpu / SERVED
    finally:
        server.stop()


def rows() -> list[dict]:
    from viewer.app import HipViewerApp  # noqa: F401  (imports first, as a running server has them)

    try:
        from viewer.scene.shared import shared_plotter
    except ImportError:  # an older layout of the package
        from viewer.app import shared_plotter
    shared_plotter()
    one_session()  # warm: the first session fills caches every later one shares
    gc.collect()
    samples = [one_session() for _ in range(SESSIONS)]
    cpu = statistics.median(s[0] for s in samples)
    return [
        {"benchmark": f"One session built in the server process: CPU (median of {SESSIONS})",
         "value": round(cpu * 1000, 1), "unit": "ms", "goal": "<= 50"},
        {"benchmark": f"One reader served end to end: server CPU (page, session, document, scene; mean of {SERVED})",
         "value": round(served_cpu_per_session() * 1000), "unit": "ms", "goal": "<= 50"},
        {"benchmark": "One session: Bokeh models in its page", "value": samples[-1][1], "unit": "models",
         "goal": "as few as possible"},
        {"benchmark": "One session: its document's models as JSON (meshes included)",
         "value": round(samples[-1][2] / 1024), "unit": "kB", "goal": "(informative)"},
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
