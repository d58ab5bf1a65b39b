"""The lecture hall: one presenter, followers on several server processes behind nginx, one
Redis; worker processes on one port; the class-full page; wrong presenter keys; a soak.

Each test starts its own redis-server and nginx on free ports in a temporary directory.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.conftest import (
    ViewerServer,
    new_guarded_page,
    save_shot,
    wait_for_scene,
    wait_until,
)
from tests.services import NGINX, Nginx, free_port, require
from tests.test_app_browser import query_of

KEY = "hall-key-42"
PRIMARY = re.compile(r"bk-btn-primary")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


# --------------------------------------------------------------------------- several machines

def open_view(page, url):
    page.goto(url, wait_until="load")
    wait_for_scene(page)
    expect(page.locator(".pn-loading")).to_have_count(0, timeout=30_000)


def status(page):
    return page.locator(".follow-line")


@pytest.mark.browser
def test_followers_on_two_backends_behind_nginx_follow_through_a_redis_restart(
        browser, page, page_guard, start_viewer, redis_server, tmp_path):
    require(NGINX, "nginx")
    proxy_port, ports = free_port(), [free_port(), free_port()]
    proxy_url = f"http://127.0.0.1:{proxy_port}/"
    backends = [start_viewer("--port", str(port), "--presenter-key", KEY, "--state-url", redis_server.url,
                             "--public-url", proxy_url) for port in ports]
    nginx = Nginx(tmp_path / "nginx", proxy_port, [f"127.0.0.1:{port}" for port in ports])
    followers = []
    try:
        teacher = page
        open_view(teacher, proxy_url + f"?presenter={KEY}")  # through nginx, websocket included
        expect(status(teacher)).to_contain_text("You are presenting")
        for server in backends:  # one follower on each backend, whichever nginx chose for the teacher
            student = new_guarded_page(browser, page_guard)
            followers.append(student)
            open_view(student, server.url + "?follow=1")
            expect(status(student)).to_contain_text("follows the presenter")
        expect(status(teacher)).to_contain_text("2 sessions follow", timeout=15_000)

        teacher.locator(".cam-posterior button").click()
        teacher.locator(".structure-list select").select_option("gmed_posterior")
        for student in followers:
            expect(student.locator(".cam-posterior button")).to_have_class(PRIMARY, timeout=15_000)
            expect(student.locator(".card-region h2")).to_have_text("Gluteus medius, posterior fibres")
            # A follower's address stays the class's follow link: a reload rejoins the class.
            assert query_of(student) == {"follow": "1"}
        save_shot(followers[1], "hall-follower-second-backend")

        # Redis dies and comes back on the same port (empty: no persistence).
        marks = [len(server.lines) for server in backends]
        redis_server.stop()
        for server, mark in zip(backends, marks):
            wait_until(lambda s=server, m=mark: any("Following paused" in line for line in s.lines[m:]), 30,
                       "the backend to notice Redis is gone")
        redis_server.start()
        for server, mark in zip(backends, marks):
            wait_until(lambda s=server, m=mark: any("Following resumed" in line for line in s.lines[m:]), 30,
                       "the backend to reconnect")
        teacher.locator(".cam-anterior button").click()
        teacher.locator(".structure-list select").select_option("superior_gluteal_nerve")
        for student in followers:
            expect(student.locator(".cam-anterior button")).to_have_class(PRIMARY, timeout=20_000)
            expect(student.locator(".card-region h2")).to_contain_text("Superior gluteal nerve")
        expect(status(teacher)).to_contain_text("2 sessions follow", timeout=15_000)
        for server in backends:
            assert KEY not in "".join(line for line in server.lines if "Presenter link" not in line)
    finally:
        for student in followers:
            student.context.close()
        nginx.stop()


# --------------------------------------------------------------------------- workers on one port

def test_two_workers_share_one_port_print_once_and_stop_with_the_parent(redis_server):
    import psutil

    server = ViewerServer("--workers", "2", "--state-url", redis_server.url, "--presenter-key", KEY)
    try:
        wait_until(lambda: "Press Ctrl+C" in server.output, 30, "the start-up lines")
        parent = psutil.Process(server.proc.pid)
        workers = wait_until(lambda: len(parent.children()) == 2 and parent.children(), 30, "two workers")
        assert server.output.count("Hip anatomy viewer:") == 1
        assert "2 worker processes share the presenter through" in server.output
        assert all(fetch(server.url)[0] == 200 for _ in range(4))
    finally:
        server.stop()
    psutil.wait_procs(workers, timeout=10)
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


def test_followers_on_both_workers_of_one_port_follow_the_presenter(page, redis_server):
    """``--workers 2`` on one port: a page's websocket may land on the other worker than its
    first request (the session is then made there), so followers sit on both; every one of
    them moves when the presenter does."""
    from benchmarks.bench_lecture_hall import _quiet, _run_followers

    server = ViewerServer("--workers", "2", "--state-url", redis_server.url, "--presenter-key", KEY)
    count = 8
    logs, ready, errors, stop = [[] for _ in range(count)], [], {}, threading.Event()
    thread = None
    try:
        open_view(page, server.url + f"?presenter={KEY}")
        thread = _run_followers([server.url + "?follow=1"] * count, logs, ready, stop, errors)
        wait_until(lambda: len(ready) + len(errors) == count, 120, "the followers to join")
        assert not errors, errors
        _quiet(logs, 2.0)
        for camera in ("posterior", "anterior"):
            start = time.perf_counter()
            page.locator(f".cam-{camera} button").click()
            wait_until(lambda: all(any(t > start for t in log) for log in logs), 20,
                       f"every follower to move to the {camera} view")
            _quiet(logs, 1.0)
    finally:
        stop.set()
        if thread is not None:
            thread.join(10)
        server.stop()


def test_several_workers_need_a_reachable_state_server():
    import subprocess
    import sys

    from tests.conftest import ROOT

    def run(*args):
        return subprocess.run([sys.executable, "-m", "viewer", "--no-browser", "--port", "0", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    done = run("--workers", "2")
    assert done.returncode == 2 and "--state-url" in done.stderr and "Traceback" not in done.stderr
    done = run("--workers", "2", "--state-url", f"redis://127.0.0.1:{free_port()}/0")
    assert done.returncode == 2 and "cannot reach the state server" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- the door

def test_a_wrong_key_is_refused_rate_limited_and_never_logged(start_viewer):
    server = start_viewer("--presenter-key", KEY)
    for n in range(5):
        code, page = fetch(server.url + f"?presenter=wrong-{n}")
        assert code == 200  # the page opens; it says the key was ignored
    code, page = fetch(server.url + "?presenter=wrong-5")
    assert code == 429 and "Too many wrong presenter keys" in page
    assert fetch(server.url + f"?presenter={KEY}")[0] == 429  # even the right key, for a minute
    wait_until(lambda: server.output.count("wrong presenter key") >= 5, 10, "the warnings")
    log = "".join(line for line in server.lines if "Presenter link" not in line)
    assert "5 of 5 tries a minute" in log
    assert KEY not in log and "wrong-" not in log


def test_the_page_of_the_presenter_link_carries_a_grant_never_the_key(start_viewer):
    import json

    from bokeh.util.token import get_token_payload

    from benchmarks.bench_sessions import TOKEN_PATTERN

    server = start_viewer("--presenter-key", KEY)
    code, html = fetch(server.url + f"?presenter={KEY}&follow=0")
    assert code == 200 and KEY not in html
    payload = get_token_payload(TOKEN_PATTERN.search(html).group(1))
    arguments = {k: [v.decode() if isinstance(v, bytes) else v for v in vs]
                 for k, vs in payload["arguments"].items()}
    assert arguments["presenter"][0].startswith("g.") and arguments["follow"] == ["0"]
    assert KEY not in json.dumps(arguments) and KEY not in json.dumps(payload.get("headers", {}))


@pytest.mark.browser
def test_past_max_sessions_the_class_is_full(browser, page, page_guard, start_viewer):
    server = start_viewer("--max-sessions", "2", "--presenter-key", KEY)
    assert "Up to 2 readers at once" in server.output
    readers = [new_guarded_page(browser, page_guard) for _ in range(2)]
    try:
        for reader in readers:  # two readers take the two places
            open_view(reader, server.url)
        code, html = fetch(server.url)
        assert code == 503 and "The class is full" in html
        assert fetch(server.url + f"?presenter={KEY}")[0] == 200  # the teacher still gets in
        page_guard.allow_console(r"status of 503")
        response = page.goto(server.url, wait_until="load")
        assert response.status == 503
        expect(page.locator("h1")).to_have_text("The class is full")
        save_shot(page, "hall-class-full")
        # A reader leaves: after a moment, the next one gets in.
        readers.pop().context.close()
        wait_until(lambda: fetch(server.url)[0] == 200, 30, "a place to free up")
    finally:
        for reader in readers:
            reader.context.close()


# --------------------------------------------------------------------------- soak

def test_sixty_sessions_opened_and_closed_leave_the_memory_as_it_was(start_viewer):
    import psutil

    from benchmarks.bench_sessions import _ws_session

    server = start_viewer("--max-sessions", "500")
    process = psutil.Process(server.proc.pid)

    def sessions(count: int, at_once: int = 4) -> int:
        ok = 0
        for start in range(0, count, at_once):
            out: list = []
            release = threading.Event()
            release.set()
            t0 = time.perf_counter()

            async def batch():
                await asyncio.gather(*[_ws_session(server.url, t0, t0 + 60, release, out)
                                       for _ in range(min(at_once, count - start))])

            # in a thread of its own: the browser tests' driver keeps an event loop on this one
            runner = threading.Thread(target=lambda: asyncio.run(batch()))
            runner.start()
            runner.join()
            ok += sum(1 for r in out if r["ok"])
        return ok

    def settled_rss() -> float:
        time.sleep(60)  # bokeh discards a closed session within 15 s + 17 s; margin for a busy machine
        return process.memory_info().rss

    # Warm-up: the same 60 sessions once, so the shared scene, caches and the allocator's arenas
    # are in place (after the first 60 the server keeps about 10 % more, which it then reuses).
    assert sessions(60) == 60
    before = settled_rss()
    assert sessions(60) == 60
    after = settled_rss()
    print(f"server RSS {before / 2**20:.0f} MB -> {after / 2**20:.0f} MB after 60 sessions")
    assert after <= before * 1.10, f"RSS grew from {before / 2**20:.0f} to {after / 2**20:.0f} MB"
