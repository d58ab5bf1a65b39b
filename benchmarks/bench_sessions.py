"""Starting the viewer and serving a classroom from one server.

1. Command to drawn model: ``python -m viewer --port 0 --no-browser`` in a subprocess, a
   Chromium page opened as soon as it prints its URL, timed until the 3D view has drawn.
2. Concurrent sessions: websocket clients that pull the whole Bokeh document as a browser
   does (page, token, ``/ws``, PULL-DOC, the ``document_ready`` event, PATCH-DOC until the
   meshes arrive) and real Chromium pages, all started together against one server.

Everything runs on this machine (Debian's Chromium, software WebGL); nothing is downloaded.

    python -m benchmarks.bench_sessions
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import threading
import time

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, ViewerServer, wait_for_scene

WS_CLIENTS = 35
BROWSER_PAGES = 5
SESSION_GOAL_S = 10.0
STARTUP_GOAL_S = 3.0
SESSIONS_TIMEOUT_S = 60.0
MB = 1024 * 1024

READY_JS = "() => !!(window.__hipScene && window.__hipScene.model && window.__hipScene.model.ready)"


def _launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def _new_page(browser):
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def _chromium_cpu_s() -> float:
    """CPU seconds (user + system) used so far by the Chromium processes this one started."""
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" in child.name().lower():
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _process_cpu_s(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _wait_drawn(page, timeout_s: float) -> None:
    """The scene component reports it has drawn; then the canvas shows the model."""
    page.wait_for_function(READY_JS, timeout=timeout_s * 1000, polling=20)
    wait_for_scene(page, timeout=timeout_s)


# --------------------------------------------------------------------------- 1. startup

def _startup_rows(playwright) -> list[dict]:
    browser = _launch_browser(playwright)  # the reader's browser is already open
    server = None
    try:
        page = _new_page(browser)
        page.goto("about:blank")
        t0 = time.perf_counter()
        epoch0 = time.time()
        cpu0 = _chromium_cpu_s()
        server = ViewerServer(timeout=60)
        t_url = time.perf_counter() - t0
        page.goto(server.url, wait_until="commit")
        page.wait_for_load_state("load", timeout=60_000)
        t_load = time.perf_counter() - t0
        _wait_drawn(page, 60)
        t_drawn = time.perf_counter() - t0
        page_cpu = _chromium_cpu_s() - cpu0
        server_cpu = _process_cpu_s(server.proc.pid)
        # The component's own marks (ms since the page's time origin), as seconds since the command.
        marks = page.evaluate("() => { const t = window.__hipScene.state.timings || {};"
                              " const out = {}; for (const k in t) out[k] = performance.timeOrigin + t[k];"
                              " return out; }")
        marks = {k: v / 1000 - epoch0 for k, v in marks.items()}
        page.context.close()
    finally:
        if server is not None:
            server.stop()
        browser.close()
    return [
        {"benchmark": "Startup: command to URL printed (server listening)", "value": t_url, "unit": "s",
         "goal": "(informative)"},
        {"benchmark": "Startup: command to page loaded (HTML and scripts, before the 3D view)", "value": t_load,
         "unit": "s", "goal": "(informative)"},
        *[{"benchmark": f"Startup: command to {what}", "value": marks[key], "unit": "s",
           "goal": "(informative)"}
          for key, what in (("start", "3D view created in the page (scene built on the server)"),
                            ("vtk", "vtk.js ready in the page"),
                            ("meshes", "meshes decoded in the page"),
                            ("ready", "first frame rendered (component ready)"))
          if key in marks],
        {"benchmark": "Startup: command to drawn model (Chromium opened at the URL; no loading overlay, "
                      "pixels on the canvas)", "value": t_drawn,
         "unit": "s", "goal": f"<= {STARTUP_GOAL_S:g}"},
        {"benchmark": "Startup: CPU time of the server until the model is drawn (imports, model, scene, page)",
         "value": server_cpu, "unit": "s", "goal": "(informative)"},
        {"benchmark": "Startup: CPU time of Chromium to load and draw the page (5.5 MB of scripts, "
                      "software WebGL)", "value": page_cpu, "unit": "s", "goal": "(informative)"},
    ]


# --------------------------------------------------------------------------- 2. sessions

TOKEN_PATTERN = re.compile(r'"token"\s*:\s*"([^"]+)"')


def _document_ready_patch():
    """PATCH-DOC carrying the ``document_ready`` event BokehJS sends once the page has rendered."""
    from bokeh.core.serialization import Serializer
    from bokeh.events import DocumentReady
    from bokeh.protocol.messages.patch_doc import patch_doc

    event = Serializer().encode(DocumentReady())
    content = {"events": [{"kind": "MessageSent", "msg_type": "bokeh_event", "msg_data": event}]}
    return patch_doc(patch_doc.create_header(), {}, content)


def _scene_arrived(content, buffers) -> bool:
    """True if ``content`` sets a non-empty ``scene_data`` (inline or as a received buffer)."""
    buffers = {buffer.id: buffer.data for buffer in buffers}
    stack = [content]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("scene_data")
            if value is not None and _bytes_present(value, buffers):
                return True
            if item.get("attr") == "scene_data" and _bytes_present(item.get("new"), buffers):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _bytes_present(value, buffers: dict) -> bool:
    if isinstance(value, dict) and value.get("type") == "bytes":
        data = value.get("data")
        if isinstance(data, dict):
            buf = buffers.get(data.get("id"))
            return buf is not None and len(buf) > 0
        return bool(data)
    if isinstance(value, (bytes, str)):
        return len(value) > 0
    return False


async def _ws_session(url: str, start: float, deadline: float, release: threading.Event, out: list) -> dict:
    """One websocket reader: page, token, websocket, PULL-DOC, document_ready, wait for meshes;
    the result goes to ``out`` at once; the connection (and so the server's session) stays open
    until ``release`` is set."""
    from bokeh.protocol import Protocol
    from bokeh.protocol.receiver import Receiver
    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    result = {"kind": "websocket", "ok": False, "seconds": None, "pulled": None, "bytes": 0, "error": None}
    conn = None
    try:
        response = await AsyncHTTPClient().fetch(url, request_timeout=deadline - time.perf_counter())
        html = response.body.decode("utf-8", "replace")
        match = TOKEN_PATTERN.search(html)
        if not match:
            raise RuntimeError("no session token in the page")
        ws_url = url.replace("http://", "ws://").rstrip("/") + "/ws"
        conn = await websocket_connect(ws_url, subprotocols=["bokeh", match.group(1)],
                                       connect_timeout=deadline - time.perf_counter(),
                                       max_message_size=512 * MB)
        protocol = Protocol()
        receiver = Receiver(protocol)

        async def next_message():
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TimeoutError("no full scene in time")
                fragment = await asyncio.wait_for(conn.read_message(), remaining)
                if fragment is None:
                    raise RuntimeError("the server closed the websocket")
                result["bytes"] += len(fragment)
                message = await receiver.consume(fragment)
                if message is not None:
                    return message

        async def send(message):
            await conn.write_message(message.header_json)
            await conn.write_message(message.metadata_json)
            await conn.write_message(message.content_json)

        ack = await next_message()
        if ack.msgtype != "ACK":
            raise RuntimeError(f"expected ACK, got {ack.msgtype}")
        await send(protocol.create("PULL-DOC-REQ"))
        while True:
            reply = await next_message()
            if reply.msgtype == "PULL-DOC-REPLY":
                break
        result["pulled"] = time.perf_counter() - start
        if _scene_arrived(reply.content, reply.buffers):
            result.update(ok=True, seconds=time.perf_counter() - start)
            return result
        await send(_document_ready_patch())
        while True:
            message = await next_message()
            if message.msgtype == "PATCH-DOC" and _scene_arrived(message.content, message.buffers):
                result.update(ok=True, seconds=time.perf_counter() - start)
                return result
            if message.msgtype == "ERROR":
                raise RuntimeError(f"server error: {message.content}")
    except Exception as exc:  # reported in the table as a session without its scene
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result
    finally:
        out.append(result)
        if conn is not None:
            hold_until = deadline + 60
            while not release.is_set() and time.perf_counter() < hold_until:
                await asyncio.sleep(0.2)
            conn.close()


def _run_ws_clients(url: str, count: int, start: float, deadline: float, out: list, go: threading.Event,
                    release: threading.Event):
    async def main():
        go.wait()
        await asyncio.gather(*[_ws_session(url, start, deadline, release, out) for _ in range(count)])

    asyncio.run(main())


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def _sessions_rows(playwright) -> list[dict]:
    import psutil

    browser = _launch_browser(playwright)
    server = None
    try:
        server = ViewerServer(timeout=60)
        process = psutil.Process(server.proc.pid)
        # One reader first, so the process has built the shared geometry (as in a lesson,
        # where the teacher opens the page before the class does); then the baseline.
        warm = _new_page(browser)
        warm.goto(server.url, wait_until="load")
        _wait_drawn(warm, 60)
        warm.context.close()
        alone: list[dict] = []
        t_alone = time.perf_counter()
        solo = threading.Thread(target=_run_ws_clients,
                                args=(server.url, 1, t_alone, t_alone + 30, alone, _set_event(), _set_event()),
                                daemon=True)
        solo.start()
        solo.join(40)
        time.sleep(2.0)
        rss_before = process.memory_info().rss

        pages = [_new_page(browser) for _ in range(BROWSER_PAGES)]
        chromium_cpu0, server_cpu0 = _chromium_cpu_s(), _process_cpu_s(server.proc.pid)
        ws_results: list[dict] = []
        go = threading.Event()
        release = threading.Event()
        start = time.perf_counter()
        deadline = start + SESSIONS_TIMEOUT_S
        thread = threading.Thread(target=_run_ws_clients,
                                  args=(server.url, WS_CLIENTS, start, deadline, ws_results, go, release),
                                  daemon=True)
        thread.start()
        go.set()
        for page in pages:
            page.goto(server.url, wait_until="commit")
        page_results = []
        for page in pages:
            result = {"kind": "browser", "ok": False, "seconds": None, "error": None}
            try:
                _wait_drawn(page, max(deadline - time.perf_counter(), 1.0))
                result.update(ok=True, seconds=time.perf_counter() - start)
            except Exception as exc:
                result["error"] = f"{type(exc).__name__}: {exc}"
            page_results.append(result)
        while thread.is_alive() and len(ws_results) < WS_CLIENTS and time.perf_counter() < deadline + 5:
            time.sleep(0.1)
        time.sleep(1.0)
        rss_after = process.memory_info().rss  # every session still open
        chromium_cpu = _chromium_cpu_s() - chromium_cpu0
        server_cpu = _process_cpu_s(server.proc.pid) - server_cpu0
        release.set()
        thread.join(15)
        server_errors = server.errors_since(0)
        for page in pages:
            page.context.close()
    finally:
        if server is not None:
            server.stop()
        browser.close()

    results = ws_results + page_results
    total = WS_CLIENTS + BROWSER_PAGES
    times = [r["seconds"] for r in results if r["ok"]]
    in_goal = sum(1 for t in times if t <= SESSION_GOAL_S)
    page_times = [r["seconds"] for r in page_results if r["ok"]]
    ws_times = [r["seconds"] for r in ws_results if r["ok"]]
    pulled = [r["pulled"] for r in ws_results if r["pulled"] is not None]
    ws_bytes = [r["bytes"] for r in ws_results if r["ok"]]
    errors = sorted({r["error"] for r in results if r["error"]})
    per_session = (rss_after - rss_before) / MB / total
    rows = [
        {"benchmark": "One websocket session alone: time to full scene (server already warm)",
         "value": alone[0]["seconds"] if alone and alone[0]["ok"] else None, "unit": "s",
         "goal": "(informative)"},
        {"benchmark": f"{total} sessions at once ({WS_CLIENTS} websocket + {BROWSER_PAGES} Chromium): "
                      f"full scene within {SESSION_GOAL_S:g} s",
         "value": in_goal, "unit": f"of {total}", "goal": f"{total}"},
        {"benchmark": f"{total} sessions at once: time to full scene (max)",
         "value": max(times) if times else None, "unit": "s", "goal": f"<= {SESSION_GOAL_S:g}"},
        {"benchmark": f"{total} sessions at once: time to full scene (median)",
         "value": statistics.median(times) if times else None, "unit": "s", "goal": "(informative)"},
        {"benchmark": f"{total} sessions at once: Chromium pages drawn (max)",
         "value": max(page_times) if page_times else None, "unit": "s", "goal": f"<= {SESSION_GOAL_S:g}"},
        {"benchmark": f"{total} sessions at once: websocket meshes received (max)",
         "value": max(ws_times) if ws_times else None, "unit": "s", "goal": f"<= {SESSION_GOAL_S:g}"},
        {"benchmark": f"{total} sessions at once: websocket document pulled, before the meshes (median)",
         "value": statistics.median(pulled) if pulled else None, "unit": "s", "goal": "(informative)"},
        {"benchmark": f"{total} sessions at once: bytes one websocket reader received (median)",
         "value": statistics.median(ws_bytes) / 1000 if ws_bytes else None, "unit": "kB",
         "goal": "(informative)"},
        {"benchmark": f"{total} sessions at once: CPU time of the server", "value": server_cpu, "unit": "s",
         "goal": "(informative)"},
        {"benchmark": f"{total} sessions at once: CPU time of the {BROWSER_PAGES} Chromium pages (two cores in all)",
         "value": chromium_cpu, "unit": "s", "goal": "(informative)"},
        {"benchmark": "Server memory (RSS) with one reader", "value": rss_before / MB, "unit": "MB",
         "goal": "(informative)"},
        {"benchmark": f"Server memory (RSS) after {total} more sessions", "value": rss_after / MB, "unit": "MB",
         "goal": "(informative)"},
        {"benchmark": "Server memory per extra session", "value": per_session, "unit": "MB",
         "goal": "<= 15"},
    ]
    if server_errors:
        rows.append({"benchmark": "Server errors printed during the sessions", "value": len(server_errors),
                     "unit": "lines", "goal": "0; " + server_errors[0][:200]})
    if errors:
        rows.append({"benchmark": "Sessions without their scene: reasons", "value": len(results) - len(times),
                     "unit": "sessions", "goal": "; ".join(errors)[:300]})
    return rows


def rows() -> list[dict]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        out = _startup_rows(playwright)
        out += _sessions_rows(playwright)
    return out


if __name__ == "__main__":
    from benchmarks.run import markdown_table

    print(markdown_table(rows()))
