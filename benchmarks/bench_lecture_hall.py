"""The lecture hall: how fast a presenter's step reaches every follower, and how many
sessions one process holds.

1. Presenter step to last follower: a presenter in Chromium clicks a camera button; N
   followers are websocket clients that opened ``?follow=1`` as a browser does (page, token,
   ``/ws``, PULL-DOC, ``document_ready``) and then read every message.  The time from the
   click to the first document patch at the *last* follower, p50 and p95 over the steps:
   with one process and the in-process hub (its followers arriving over two minutes), and
   with ``--workers 2`` (two processes on one port) sharing a Redis started for the run.
   The server's CPU time per step is reported beside it: it is the floor under the latency
   on two cores.
2. Sessions held at once by ``--workers 2``: websocket sessions opened in batches and kept
   open; how many got their scene, how long all took, and the servers' memory per extra
   session.

``HIP_BENCH_HALL_FOLLOWERS`` (default 300), ``HIP_BENCH_HALL_STEPS`` (16),
``HIP_BENCH_HALL_SESSIONS`` (300) and ``HIP_BENCH_HALL_ARRIVAL_S`` (120: how long the one
process's followers take to arrive) change the sizes.

Everything runs on this machine (Debian's Chromium, software WebGL, redis-server).

    python -m benchmarks.bench_lecture_hall
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.bench_sessions import (
    MB,
    TOKEN_PATTERN,
    _chromium_cpu_s,
    _document_ready_patch,
    _launch_browser,
    _new_page,
    _run_ws_clients,
    _wait_drawn,
)
from tests.conftest import ViewerServer
from tests.services import RedisServer

KEY = "bench-hall-key"
FOLLOWERS = int(os.environ.get("HIP_BENCH_HALL_FOLLOWERS", "300"))
STEPS = int(os.environ.get("HIP_BENCH_HALL_STEPS", "16"))
HELD = int(os.environ.get("HIP_BENCH_HALL_SESSIONS", "300"))
#: One process cannot answer a whole hall's page requests in the same second (its followers
#: arrive over this many seconds, as students walk in); the two workers take them all at once.
ARRIVAL_S = float(os.environ.get("HIP_BENCH_HALL_ARRIVAL_S", "120"))
WORKERS = 2
STEP_GOAL_S = 1.0


async def _follower(index: int, url: str, received: list, ready: list, stop: threading.Event,
                    errors: dict, delay: float = 0.0) -> None:
    """One following reader: open the page's session (after ``delay`` seconds) and record when
    each patch arrives."""
    try:
        await asyncio.sleep(delay)
        await _follow(index, url, received, ready, stop)
    except Exception as exc:  # counted: a follower that never joined is not waited for
        errors[index] = f"{type(exc).__name__}: {exc}"


async def _follow(index: int, url: str, received: list, ready: list, stop: threading.Event) -> None:
    from bokeh.protocol import Protocol
    from bokeh.protocol.receiver import Receiver
    from tornado.httpclient import AsyncHTTPClient
    from tornado.websocket import websocket_connect

    response = await AsyncHTTPClient().fetch(url, connect_timeout=60, request_timeout=600)
    token = TOKEN_PATTERN.search(response.body.decode("utf-8", "replace")).group(1)
    conn = await websocket_connect(url.split("?")[0].replace("http://", "ws://").rstrip("/") + "/ws",
                                   subprotocols=["bokeh", token], max_message_size=512 * MB)
    protocol = Protocol()
    receiver = Receiver(protocol)

    async def send(message):
        for part in (message.header_json, message.metadata_json, message.content_json):
            await conn.write_message(part)

    try:
        sent_ready = False
        while not stop.is_set():
            try:
                fragment = await asyncio.wait_for(conn.read_message(), 0.5)
            except TimeoutError:
                continue
            if fragment is None:
                raise RuntimeError("the server closed the websocket")
            message = await receiver.consume(fragment)
            if message is None:
                continue
            if message.msgtype == "ACK":  # the session is ready on the server: ask for the document
                await send(protocol.create("PULL-DOC-REQ"))
            elif message.msgtype == "PULL-DOC-REPLY" and not sent_ready:
                await send(_document_ready_patch())
                sent_ready = True
                ready.append(index)
            elif message.msgtype == "PATCH-DOC":
                received.append(time.perf_counter())
    finally:
        conn.close()


def _run_followers(urls: list[str], logs: list[list], ready: list, stop: threading.Event,
                   errors: dict, arrive_over: float = 0.0) -> threading.Thread:
    """Open every follower, all at once or arriving evenly over ``arrive_over`` seconds."""
    async def main():
        from tornado.httpclient import AsyncHTTPClient

        # Every follower's page request at once, as a hall's browsers make them (Tornado's
        # client otherwise queues all but 10 and times the queue out).
        AsyncHTTPClient.configure(None, max_clients=max(10, len(urls)))
        await asyncio.gather(*[_follower(i, url, log, ready, stop, errors, i * arrive_over / len(urls))
                               for i, (url, log) in enumerate(zip(urls, logs))])

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    return thread


def _quiet(logs: list[list], seconds: float, limit: float = 60.0) -> None:
    """Wait until no follower has received anything for ``seconds``."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        last = max((log[-1] for log in logs if log), default=0.0)
        if time.perf_counter() - last >= seconds:
            return
        time.sleep(0.1)


def _server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a server process and its workers so far."""
    import psutil

    total = 0.0
    parent = psutil.Process(pid)
    for proc in [parent, *parent.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _own_cpu_s() -> float:
    """CPU seconds of this process: the followers' websocket clients reading every patch (in a
    hall, each reader's own device does that), the Playwright driver and the step loop."""
    times = os.times()
    return times.user + times.system


def _server_idle(pid: int, limit: float = 600.0) -> None:
    """Wait until the server's processes use under a tenth of a core over two seconds: a
    session that sent ``document_ready`` still builds its 3D view and sends its meshes."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        before = _server_cpu_s(pid)
        time.sleep(2.0)
        if _server_cpu_s(pid) - before < 0.2:
            return


def _server_rss(pid: int) -> int:
    """Resident memory (bytes) of a server process and its workers."""
    import psutil

    parent = psutil.Process(pid)
    total = 0
    for proc in [parent, *parent.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def _steps(playwright, presenter_url: str, follower_urls: list[str], server_pid: int,
           arrive_over: float = 0.0) -> dict:
    """Latencies (s) from each presenter click to the last follower's first patch after it,
    and the server's CPU time over the steps."""
    browser = _launch_browser(playwright)
    logs: list[list] = [[] for _ in follower_urls]
    ready: list = []
    errors: dict = {}
    stop = threading.Event()
    thread = None
    try:
        page = _new_page(browser)
        page.goto(presenter_url, wait_until="load")
        _wait_drawn(page, 90)
        joining = time.perf_counter()
        thread = _run_followers(follower_urls, logs, ready, stop, errors, arrive_over)
        deadline = time.perf_counter() + 600 + arrive_over
        while len(ready) + len(errors) < len(follower_urls) and time.perf_counter() < deadline:
            time.sleep(0.2)
        joined_in = time.perf_counter() - joining
        _quiet(logs, 3.0)
        _server_idle(server_pid)  # every follower's page built and sent (its 3D view included)
        live = [log for i, log in enumerate(logs) if i in ready and i not in errors]  # sessions that opened
        if len(live) < len(logs):
            print(f"{len(logs) - len(live)} follower(s) never joined: {sorted(set(errors.values()))[:3]}",
                  file=sys.stderr)
        logs = live
        latencies, missed = [], 0
        cpu0, clients0, chromium0 = _server_cpu_s(server_pid), _own_cpu_s(), _chromium_cpu_s()
        for step in range(STEPS):
            button = page.locator(f".cam-{('posterior', 'anterior')[step % 2]} button")
            t0 = time.perf_counter()
            button.click()
            end = time.perf_counter() + 10
            firsts: list[float | None] = [None] * len(logs)
            while time.perf_counter() < end:
                firsts = [next((t for t in log if t > t0), None) for log in logs]
                if all(f is not None for f in firsts):
                    break
                time.sleep(0.01)
            if logs and all(f is not None for f in firsts):
                latencies.append(max(firsts) - t0)
            else:
                missed += 1
                print(f"step {step}: {sum(f is not None for f in firsts)} of {len(firsts)} followers moved",
                      file=sys.stderr)
            _quiet(logs, 1.0, 15)
        cpu = _server_cpu_s(server_pid) - cpu0
        clients, chromium = _own_cpu_s() - clients0, _chromium_cpu_s() - chromium0
        page.context.close()
        return {"latencies": latencies, "missed": missed, "joined": len(live), "joined_in": joined_in,
                "cpu_per_step": cpu / STEPS, "clients_per_step": clients / STEPS,
                "chromium_per_step": chromium / STEPS}
    finally:
        stop.set()
        if thread is not None:
            thread.join(10)
        browser.close()


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _step_rows(label: str, run: dict) -> list[dict]:
    latencies, joined = run["latencies"], run["joined"]
    return [
        {"benchmark": f"Followers whose session opened, {label}", "value": joined, "unit": f"of {FOLLOWERS}",
         "goal": f"{FOLLOWERS}"},
        {"benchmark": f"Time for the {FOLLOWERS} followers to join, {label}", "value": run["joined_in"],
         "unit": "s", "goal": "(informative)"},
        {"benchmark": f"Presenter step to last of {FOLLOWERS} followers, {label} (p50)",
         "value": statistics.median(latencies) if latencies else None, "unit": "s", "goal": "(informative)"},
        {"benchmark": f"Presenter step to last of {FOLLOWERS} followers, {label} (p95)",
         "value": _percentile(latencies, 0.95), "unit": "s", "goal": f"<= {STEP_GOAL_S:g}"},
        {"benchmark": f"Server CPU time per presenter step, {label} (all processes)",
         "value": run["cpu_per_step"], "unit": "s", "goal": "(informative)"},
        {"benchmark": f"Follower clients' CPU time per step (this benchmark's process, same two cores), {label}",
         "value": run["clients_per_step"], "unit": "s", "goal": "(informative)"},
        {"benchmark": f"Presenter's Chromium CPU time per step (same two cores), {label}",
         "value": run["chromium_per_step"], "unit": "s", "goal": "(informative)"},
        {"benchmark": f"Server CPU time per step per follower, {label}",
         "value": 1000 * run["cpu_per_step"] / max(joined, 1), "unit": "ms", "goal": "(informative)"},
        {"benchmark": f"Presenter steps not seen by every follower within 10 s, {label}",
         "value": run["missed"], "unit": f"of {STEPS}", "goal": "0"},
    ]


def _one_process(playwright) -> list[dict]:
    server = ViewerServer("--presenter-key", KEY, "--max-sessions", str(FOLLOWERS + 20), timeout=90)
    try:
        run = _steps(playwright, server.url + f"?presenter={KEY}", [server.url + "?follow=1"] * FOLLOWERS,
                     server.proc.pid, ARRIVAL_S)
    finally:
        server.stop()
    return _step_rows(f"1 process, in-process hub (arriving over {ARRIVAL_S:.0f} s)", run)


def _two_workers(playwright, workdir: Path) -> list[dict]:
    redis = RedisServer(workdir / "redis")
    server = None
    try:
        server = ViewerServer("--workers", str(WORKERS), "--presenter-key", KEY, "--state-url", redis.url,
                              "--max-sessions", str(FOLLOWERS + 20), timeout=120)
        run = _steps(playwright, server.url + f"?presenter={KEY}", [server.url + "?follow=1"] * FOLLOWERS,
                     server.proc.pid)
    finally:
        if server is not None:
            server.stop()
        redis.stop()
    return _step_rows(f"--workers {WORKERS} + Redis", run)


def _held_rows(workdir: Path) -> list[dict]:
    redis = RedisServer(workdir / "redis-held")
    server = ViewerServer("--workers", str(WORKERS), "--state-url", redis.url, "--max-sessions", str(HELD + 20),
                          timeout=120)
    release = threading.Event()
    results: list[dict] = []
    threads = []
    try:
        pid = server.proc.pid
        warm: list[dict] = []
        for _ in range(WORKERS * 2):  # every worker has served a reader
            t = time.perf_counter()
            solo = threading.Thread(target=_run_ws_clients, args=(server.url, 1, t, t + 60, warm, _set(), _set()),
                                    daemon=True)
            solo.start()
            solo.join(70)
        time.sleep(2)
        rss_before = _server_rss(pid)
        cpu0 = _server_cpu_s(pid)
        start = time.perf_counter()
        batch = 10
        for first in range(0, HELD, batch):
            out: list[dict] = []
            t = time.perf_counter()
            thread = threading.Thread(target=_run_ws_clients,
                                      args=(server.url, min(batch, HELD - first), t, t + 120, out, _set(), release),
                                      daemon=True)
            thread.start()
            threads.append(thread)
            while len(out) < min(batch, HELD - first) and time.perf_counter() < t + 130:
                time.sleep(0.1)
            results += out
        took = time.perf_counter() - start
        cpu = _server_cpu_s(pid) - cpu0
        time.sleep(2)
        exited = server.proc.poll()
        rss_after = _server_rss(pid) if exited is None else 0
    finally:
        release.set()
        for thread in threads:
            thread.join(15)
        server.stop()
        redis.stop()
    held = sum(1 for r in results if r["ok"])
    failed = sorted({r["error"] for r in results if not r["ok"]})
    if failed:
        print(f"{len(results) - held} session(s) without their scene: {failed[:3]}", file=sys.stderr)
    label = f"--workers {WORKERS}"
    if exited is not None:
        return [{"benchmark": f"Sessions held at once by {label}: the server exited during the run",
                 "value": held, "unit": f"of {HELD}", "goal": f"exit code {exited}"}]
    return [
        {"benchmark": f"Sessions held at once by {label} ({HELD} opened in batches of 10, all kept open)",
         "value": held, "unit": f"of {HELD}", "goal": f"{HELD}"},
        {"benchmark": f"Time for all {HELD} sessions to receive their full scene", "value": took, "unit": "s",
         "goal": "(informative)"},
        {"benchmark": f"Server CPU time per session opened ({label}, all processes)",
         "value": 1000 * cpu / max(len(results), 1), "unit": "ms", "goal": "(informative)"},
        {"benchmark": f"Server memory (RSS, all processes) with {held} sessions", "value": rss_after / MB,
         "unit": "MB", "goal": "(informative)"},
        {"benchmark": "Server memory per extra session (held sessions)",
         "value": (rss_after - rss_before) / MB / max(held, 1), "unit": "MB", "goal": "<= 20 (the --max-sessions rule)"},
    ]


def _set() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def rows() -> list[dict]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="hip-bench-hall-") as workdir, sync_playwright() as playwright:
        out = _one_process(playwright)
        out += _two_workers(playwright, Path(workdir))
        out += _held_rows(Path(workdir))
    return out


if __name__ == "__main__":
    from benchmarks.run import markdown_table

    print(markdown_table(rows()))
