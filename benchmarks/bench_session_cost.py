"""What one new session costs the server.

1. Built in this process: the CPU time to build its views and its Bokeh models, the number of
   models and the size of the document a browser pulls.  The shared scene is built first, as
   a running server has it.
2. Served, end to end: readers opened one after another on a running ``hip-viewer`` (page
   request, session, websocket, document, the layout its window gets, the 3D view's scene)
   as websocket clients that pull the whole document; the server process's CPU time per
   reader.  This is what the classroom benchmark's "server CPU per session" measured.
3. Panel's own floor, served the same way: a page with one text pane, and one with as many
   small browser components as the viewer's page has (``benchmarks/floor_app.py``).  What a
   session of any Panel page costs on this machine, before the viewer adds its own work.

    python -m benchmarks.bench_session_cost
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

SESSIONS = 12
SERVED = 12


def one_session() -> tuple[float, int, int, int]:
    """(CPU seconds, models, document bytes, browser components) for one session's page."""
    import panel as pn
    from bokeh.document import Document
    from bokeh.model import Model
    from panel.models.esm import ReactiveESM

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
        components = len(list(doc.select({"type": ReactiveESM})))
        rep = doc.to_json()
        content = getattr(rep, "content", rep)
        buffers = getattr(rep, "buffers", None) or []
        size = len(json.dumps(content, default=str)) + sum(len(getattr(b, "data", b"")) for b in buffers)
    finally:
        pn.state.curdoc = None
    return cpu, models, size, components


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


async def _pull_page(url: str) -> None:
    """One reader of a plain Panel page: page request, websocket, the whole document, close."""
    from bokeh.protocol import Protocol
    from bokeh.protocol.receiver import Receiver
    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    from benchmarks.bench_sessions import TOKEN_PATTERN

    html = (await AsyncHTTPClient().fetch(url, request_timeout=30)).body.decode("utf-8", "replace")
    token = TOKEN_PATTERN.search(html).group(1)
    base = url.split("?")[0].replace("http://", "ws://")
    conn = await websocket_connect(f"{base}/ws", subprotocols=["bokeh", token], connect_timeout=30)
    protocol = Protocol()
    receiver = Receiver(protocol)

    async def next_message():
        while True:
            message = await receiver.consume(await asyncio.wait_for(conn.read_message(), 30))
            if message is not None:
                return message

    await next_message()  # ACK
    request = protocol.create("PULL-DOC-REQ")
    for part in (request.header_json, request.metadata_json, request.content_json):
        await conn.write_message(part)
    while (await next_message()).msgtype != "PULL-DOC-REPLY":
        pass
    conn.close()


def floor_cpu_per_session(components: tuple[int, ...]) -> dict[int, float]:
    """Server CPU seconds per reader of ``benchmarks/floor_app.py`` with each number of
    components, readers opened one after another on one ``panel serve`` process."""
    import psutil

    from tests.services import free_port, stop_process, wait_port

    port = free_port()
    app = Path(__file__).with_name("floor_app.py")
    proc = subprocess.Popen([sys.executable, "-m", "panel", "serve", str(app), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        wait_port(port, timeout=60)
        process = psutil.Process(proc.pid)
        result = {}
        for n in components:
            url = f"http://127.0.0.1:{port}/floor_app?n={n}"

            async def readers(count: int, url: str = url) -> None:
                for _ in range(count):
                    await _pull_page(url)

            asyncio.run(readers(3))  # warm
            time.sleep(2)
            cpu0 = sum(process.cpu_times()[:2])
            asyncio.run(readers(SERVED))
            time.sleep(3)
            result[n] = (sum(process.cpu_times()[:2]) - cpu0) / SERVED
        return result
    finally:
        stop_process(proc)


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
    ] + floor_rows(samples[-1][3])


def floor_rows(components: int) -> list[dict]:
    floor = floor_cpu_per_session((0, components))
    return [
        {"benchmark": "Panel's floor: a page with one text pane, served end to end: server CPU",
         "value": round(floor[0] * 1000), "unit": "ms", "goal": "(informative)"},
        {"benchmark": f"Panel's floor: a page with {components} small browser components (as many as "
                      "the viewer's page has), served end to end: server CPU",
         "value": round(floor[components] * 1000), "unit": "ms", "goal": "(informative)"},
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
