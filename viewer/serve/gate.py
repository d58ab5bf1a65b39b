"""The door of the viewer's page: a full class and wrong presenter keys.

Before a page (and so a session) is made, :class:`Gate` looks at the request:

* a ``?presenter=`` key is compared with the server's key in constant time
  (:func:`hmac.compare_digest`, through the hub's ``key_matches``); a wrong key is logged at
  warning level with the client's address and never the key; after
  :data:`KEY_TRIES_PER_MINUTE` wrong keys in a minute from one address, that address gets
  HTTP 429 (a short page saying to wait) for any presenter key until the minute has passed;
* a right key is swapped, in the request the page is made from, for a short-lived grant
  (:func:`viewer.follow.presenter_grant`): the session claims the presenter role with it as
  with the key, and the page's HTML (its session token) never carries the key;
* past ``max_sessions`` live sessions (:func:`live_sessions`; with several workers, all of
  theirs, :class:`SessionCounts`), a reader gets HTTP 503 with a page saying *The class is
  full* (the presenter, holding the key, still gets in).

:func:`install` puts the gate in front of a bokeh server's page handler.
"""

from __future__ import annotations

import html
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

KEY_TRIES_PER_MINUTE = 5
KEY_WINDOW_S = 60.0

#: Rule of the default ``--max-sessions``: this many readers per processor core ...
SESSIONS_PER_CPU = 75
#: ... and no more than the memory allows at this much per reader (MB, measured about 13) ...
SESSION_MB = 20
#: ... after this much for the system and the server itself (MB) ...
RESERVED_MB = 1024
#: ... and never fewer than this.
MIN_SESSIONS = 10


#: A session with no websocket is counted this long after it was made (its page's socket is on
#: the way).  With ``--workers`` on one port the socket often reaches the other worker, which
#: opens the session there: this one is never connected, holds no reader, and the server drops it.
CONNECT_GRACE_S = 5.0


def live_sessions(sessions, grace_s: float = CONNECT_GRACE_S) -> int:
    """The sessions that hold a reader: connected now, or made (or left) under ``grace_s``
    seconds ago.  ``sessions`` are bokeh ``ServerSession``s."""
    grace_ms = grace_s * 1000.0
    return sum(1 for s in sessions if s.connection_count > 0 or s.milliseconds_since_last_unsubscribe < grace_ms)


def default_max_sessions(cpus: int | None = None, memory_mb: int | None = None) -> int:
    """The default ``--max-sessions`` for this machine: 75 readers per core, within the
    memory at 20 MB a reader after 1 GB for the rest, at least 10."""
    cpus = cpus or os.cpu_count() or 1
    if memory_mb is None:
        try:
            memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
        except (ValueError, OSError, AttributeError):
            memory_mb = 4096
    return max(MIN_SESSIONS, min(SESSIONS_PER_CPU * cpus, (memory_mb - RESERVED_MB) // SESSION_MB))


#: How often a worker records its live sessions for the others (ms).
COUNT_REFRESH_MS = 2000


class SessionCounts:
    """The live sessions of each worker of one server, in memory the workers share (made before
    they fork), so that ``--max-sessions`` holds for the server as a whole.

    The workers share one listening socket and a new connection goes to whichever is first to
    accept it, often the least busy: the split between workers is uneven and changes with the
    load, so no fixed share per worker fits (an even split turned readers away from one worker
    while the other had room)."""

    def __init__(self, workers: int):
        import multiprocessing

        self._slots = multiprocessing.Array("i", workers, lock=False)  # one writer per slot

    def update(self, worker: int, live: int) -> int:
        """Record ``worker``'s own count and return the server's."""
        self._slots[worker] = live
        return sum(self._slots)


def _page(title: str, text: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}: hip anatomy viewer</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;"
        "line-height:1.5;color:#222}h1{font-size:1.6rem}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{text}</p></body></html>"
    )


FULL_PAGE = _page(
    "The class is full",
    "This viewer already serves as many readers as it can. Try again in a minute, when "
    "someone has left, or ask the teacher for the offline hand-out (one HTML file that "
    "opens without a server).",
)
TOO_MANY_KEYS_PAGE = _page(
    "Too many wrong presenter keys",
    "This address gave a wrong presenter key too often. Wait a minute, then open the "
    "presenter link again exactly as it was printed.",
)


class KeyAttempts:
    """Wrong presenter keys per client address in a sliding window (thread-safe)."""

    def __init__(self, limit: int = KEY_TRIES_PER_MINUTE, window_s: float = KEY_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._tries: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque:
        tries = self._tries.setdefault(client, deque())
        cutoff = self.clock() - self.window_s
        while tries and tries[0] <= cutoff:
            tries.popleft()
        return tries

    def blocked(self, client: str) -> bool:
        """True once ``client`` has used up its wrong tries of the last minute."""
        with self._lock:
            tries = self._recent(client)
            if not tries:
                self._tries.pop(client, None)
            return len(tries) >= self.limit

    def failed(self, client: str) -> int:
        """Count one wrong key from ``client``; returns its wrong tries in the window."""
        with self._lock:
            if len(self._tries) > 10_000:  # forget idle addresses rather than grow without end
                for name in [c for c, t in self._tries.items() if not t or t[-1] <= self.clock() - self.window_s]:
                    del self._tries[name]
            tries = self._recent(client)
            tries.append(self.clock())
            return len(tries)


class Gate:
    """Decides, per page request, whether a session may be made."""

    def __init__(self, key_matches: Callable[[str | None], bool], max_sessions: int | None = None,
                 attempts: KeyAttempts | None = None, grant: Callable[[], str] | None = None,
                 counts: SessionCounts | None = None, worker: int = 0):
        self.key_matches = key_matches
        self.grant = grant
        self.max_sessions = max_sessions
        self.attempts = attempts or KeyAttempts()
        self.counts, self.worker = counts, worker

    def server_sessions(self, own: int) -> int:
        """The server's live sessions, given this process's own (``own``)."""
        return own if self.counts is None else self.counts.update(self.worker, own)

    def check(self, client: str, presenter_key: str | None, live_sessions: int) -> tuple[int, str] | None:
        """None to let the page be made, else ``(HTTP status, HTML page)``."""
        presenter = False
        if presenter_key is not None:
            if self.attempts.blocked(client):
                log.warning("Refused a presenter key from %s: too many wrong keys in the last minute.", client)
                return 429, TOO_MANY_KEYS_PAGE
            if self.key_matches(presenter_key):
                presenter = True
            else:
                tries = self.attempts.failed(client)
                log.warning("A wrong presenter key from %s (%d of %d tries a minute).",
                            client, tries, self.attempts.limit)
        if not presenter and self.max_sessions is not None and live_sessions >= self.max_sessions:
            return 503, FULL_PAGE
        return None


def _first_argument(arguments: dict, name: str) -> str | None:
    values = arguments.get(name)
    if not values:
        return None
    value = values[0]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


_KEY_IN_URI = re.compile(r"([?&]presenter=)[^&#]*")


def redact_uri(uri: str) -> str:
    """``uri`` with the value of any ``presenter`` parameter replaced by ``***``."""
    return _KEY_IN_URI.sub(r"\1***", uri)


def log_request(handler) -> None:
    """Tornado's access log line, without the presenter key; a page the gate refused (429,
    503) is a warning, not an error."""
    from tornado.log import access_log

    status = handler.get_status()
    if status < 400:
        level = logging.INFO
    elif status < 500 or getattr(handler, "_gate_refused", False):
        level = logging.WARNING
    else:
        level = logging.ERROR
    request = handler.request
    access_log.log(level, "%d %s %s (%s) %.2fms", status, request.method, redact_uri(request.uri or ""),
                   request.remote_ip, 1000.0 * request.request_time())


def install(server, gate: Gate) -> None:
    """Put ``gate`` in front of the page handler(s) of a bokeh ``server`` (before it starts),
    and keep the presenter key out of its access log."""
    from bokeh.server.views.doc_handler import DocHandler

    server._tornado.settings["log_function"] = log_request
    replaced = 0
    for rule in _rules(server._tornado):
        target = rule.target
        if isinstance(target, type) and issubclass(target, DocHandler):
            rule.target = _gated(target, gate)
            replaced += 1
    if not replaced:
        raise RuntimeError("no page handler found to guard")
    if gate.counts is not None:
        # Readers leave without a page request here: keep this worker's count fresh for the others.
        from tornado.ioloop import PeriodicCallback

        contexts = server._tornado._applications.values()
        PeriodicCallback(lambda: gate.server_sessions(sum(live_sessions(c.sessions) for c in contexts)),
                         COUNT_REFRESH_MS).start()


def _rules(app):
    stack = [app.wildcard_router]
    while stack:
        router = stack.pop()
        for rule in getattr(router, "rules", []):
            if hasattr(rule.target, "rules"):
                stack.append(rule.target)
            else:
                yield rule


def _gated(handler_class, gate: Gate):
    class GatedDocHandler(handler_class):
        async def prepare(self):
            key = _first_argument(self.request.arguments, "presenter")
            verdict = gate.check(self.request.remote_ip or "unknown", key,
                                 gate.server_sessions(live_sessions(self.application_context.sessions)))
            if verdict is None and key is not None and gate.grant is not None and gate.key_matches(key):
                self.request.arguments["presenter"] = [gate.grant().encode()]
            if verdict is not None:
                status, page = verdict
                self._gate_refused = True
                self.set_status(status)
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.set_header("Cache-Control", "no-store")
                if status in (429, 503):
                    self.set_header("Retry-After", "60" if status == 429 else "30")
                self.finish(page)
                return
            await super().prepare()

    GatedDocHandler.__name__ = GatedDocHandler.__qualname__ = f"Gated{handler_class.__name__}"
    return GatedDocHandler
