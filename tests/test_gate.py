"""The page's door without a server: wrong-key limits, the full class, grants, the access log,
the default session limit, and the websocket origins against the printed addresses."""

from __future__ import annotations

import logging

from viewer import follow
from viewer.serve.gate import (FULL_PAGE, TOO_MANY_KEYS_PAGE, Gate, KeyAttempts, default_max_sessions,
                         SessionCounts, live_sessions, redact_uri)
from viewer.serve.server import display_urls, websocket_origins

KEY = "door-key-9"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_five_wrong_keys_a_minute_per_client_then_refused_until_the_minute_is_over(caplog):
    clock = Clock()
    gate = Gate(follow.PresenterHub(KEY).key_matches, attempts=KeyAttempts(clock=clock))
    with caplog.at_level(logging.WARNING, logger="viewer.serve.gate"):
        for n in range(5):
            assert gate.check("10.0.0.7", f"guess{n}", 0) is None  # the page opens, with a notice
        assert gate.check("10.0.0.7", "guess5", 0) == (429, TOO_MANY_KEYS_PAGE)
        assert gate.check("10.0.0.7", KEY, 0) == (429, TOO_MANY_KEYS_PAGE)
        assert gate.check("10.0.0.8", KEY, 0) is None  # another client is not held back
        clock.now += 61
        assert gate.check("10.0.0.7", KEY, 0) is None
    messages = [r.getMessage() for r in caplog.records]
    assert sum("wrong presenter key from 10.0.0.7" in m for m in messages) == 5
    assert not any("guess" in m or KEY in m for m in messages)
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_past_max_sessions_readers_get_the_full_page_and_the_presenter_gets_in():
    gate = Gate(follow.PresenterHub(KEY).key_matches, max_sessions=3)
    assert gate.check("a", None, 2) is None
    assert gate.check("a", None, 3) == (503, FULL_PAGE)
    assert "The class is full" in FULL_PAGE
    assert gate.check("a", KEY, 3) is None


def test_a_session_whose_socket_went_elsewhere_stops_counting_against_the_limit():
    """With ``--workers`` on one port a page's socket may reach the other worker; the session
    its page request made here then holds nobody and must not fill the class."""
    from bokeh.document import Document
    from bokeh.server.session import ServerSession

    orphan = ServerSession("orphan", Document(), io_loop=None)
    reader = ServerSession("reader", Document(), io_loop=None)
    reader.subscribe(object())  # a websocket connection
    assert live_sessions([orphan, reader]) == 2  # just made: its socket may be on the way
    assert live_sessions([orphan, reader], grace_s=0) == 1  # later: only the connected reader


def test_the_class_limit_holds_for_all_workers_together_however_unevenly_they_fill():
    """Workers share one listening socket: the least busy takes most new readers.  The limit is
    on the server's readers, counted in memory the forked workers share."""
    import os

    counts = SessionCounts(2)
    gates = [Gate(follow.PresenterHub(KEY).key_matches, max_sessions=3, counts=counts, worker=w) for w in (0, 1)]
    assert gates[0].check("a", None, gates[0].server_sessions(3)) == (503, FULL_PAGE)  # one worker has all 3
    assert gates[1].check("a", None, gates[1].server_sessions(0)) == (503, FULL_PAGE)  # ... the other sees it
    assert gates[0].check("a", None, gates[0].server_sessions(1)) is None  # two left: room again
    pid = os.fork()
    if pid == 0:  # a worker made by fork writes its own count
        counts.update(1, 2)
        os._exit(0)
    os.waitpid(pid, 0)
    assert gates[0].server_sessions(1) == 3


def test_a_grant_stands_in_for_the_key_for_a_while_on_any_hub():
    grant = follow.presenter_grant(KEY)
    assert KEY not in grant
    assert follow.PresenterHub(KEY).key_matches(grant)
    assert not follow.PresenterHub("other").key_matches(grant)
    assert not follow.key_matches(KEY, follow.presenter_grant(KEY, now=0))  # expired
    assert not follow.key_matches(KEY, grant[:-1] + ("0" if grant[-1] != "0" else "1"))
    hub = follow.PresenterHub(KEY)
    assert hub.claim(hub.new_session(), grant)


def test_the_access_log_never_shows_a_presenter_key():
    assert redact_uri(f"/?follow=1&presenter={KEY}&x=1") == "/?follow=1&presenter=***&x=1"
    assert redact_uri(f"/?presenter={KEY}") == "/?presenter=***"


def test_the_default_limit_follows_cores_and_memory():
    assert default_max_sessions(cpus=2, memory_mb=24_000) == 150
    assert default_max_sessions(cpus=4, memory_mb=24_000) == 300
    assert default_max_sessions(cpus=8, memory_mb=4096) == 153  # (4096 - 1024) / 20
    assert default_max_sessions(cpus=1, memory_mb=1024) == 10


def test_websocket_origins_are_exactly_the_printed_addresses(monkeypatch):
    import viewer.serve.server as server

    monkeypatch.setattr(server, "network_addresses", lambda: ["10.1.2.3", "192.168.0.9"])
    for host in ("127.0.0.1", "0.0.0.0", "::", "10.1.2.3"):
        printed = display_urls(host, 5006)
        expected = {u.split("//")[1].rstrip("/") for u in printed}
        assert set(websocket_origins(host, 5006)) == expected, host
    assert websocket_origins("0.0.0.0", 5006) == ["10.1.2.3:5006", "127.0.0.1:5006", "192.168.0.9:5006"]
    assert "lecture.example.org:80" in websocket_origins("0.0.0.0", 5006, ["http://lecture.example.org/"])
    assert "lecture.example.org:443" in websocket_origins("0.0.0.0", 5006, ["https://lecture.example.org/"])


def test_the_deploy_guide_shows_the_nginx_config_the_command_prints():
    import re
    import subprocess
    import sys

    from tests.conftest import ROOT
    from viewer.serve.deploy import nginx_site

    guide = (ROOT / "docs" / "deploy.md").read_text()
    block = re.search(r"```nginx\n(.*?)```", guide, re.S).group(1)
    assert block == nginx_site(["10.0.0.11:5006", "10.0.0.12:5006"], server_name="lecture.example.org")
    printed = subprocess.run([sys.executable, "-m", "viewer", "nginx-config", "--server-name", "lecture.example.org",
                              "10.0.0.11:5006", "10.0.0.12:5006"], capture_output=True, text=True, cwd=ROOT)
    assert printed.returncode == 0 and printed.stdout == block


def test_the_new_serving_options_are_in_the_help_and_bad_values_are_one_line():
    import subprocess
    import sys

    from tests.conftest import ROOT

    def run(*args):
        return subprocess.run([sys.executable, "-m", "viewer", *args], capture_output=True, text=True, cwd=ROOT,
                              timeout=60)

    help_text = run("--help").stdout
    for word in ("--workers", "--state-url", "--max-sessions", "--public-url", "nginx-config"):
        assert word in help_text
    for args, word in ((["--workers", "0"], "--workers"), (["--max-sessions", "many"], "--max-sessions"),
                       (["--public-url", "lecture"], "--public-url")):
        done = run(*args)
        assert done.returncode == 2 and word in done.stderr and len(done.stderr.strip().splitlines()) == 1
