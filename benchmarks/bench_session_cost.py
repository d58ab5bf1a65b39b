"""What one new session costs the server, in this process: the CPU time to build its views
and its Bokeh models (what the server does when a browser opens the page), the number of
models and the size of the document a browser pulls.  The shared scene is built first, as a
running server has it.

    python -m benchmarks.bench_session_cost
"""

from __future__ import annotations

import gc
import json
import statistics
import time

SESSIONS = 12


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
        {"benchmark": "One session: Bokeh models in its page", "value": samples[-1][1], "unit": "models",
         "goal": "as few as possible"},
        {"benchmark": "One session: its document's models as JSON (meshes included)",
         "value": round(samples[-1][2] / 1024), "unit": "kB", "goal": "(informative)"},
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
