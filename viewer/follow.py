"""Follow the presenter: student sessions mirror the presenter's view on one server.

One :class:`PresenterHub` per server process.  The teacher opens the presenter link
(``#presenter=KEY``, printed when the server starts); that session *drives*: each change of
its camera, posture, layers or selection is published to the hub.  Sessions that opt in
(``?follow=1`` or the "Follow the presenter" switch) are told of each change and show it;
they keep their own reading level.  A student can leave (switch off, or change the view
themselves) and rejoin at any time, and on rejoining jumps to the presenter's current view.

Only a session that presented the key can publish; a newer presenter session (the teacher
reloaded the page, or moved to another machine) replaces the older one.  The hub is plain
Python: it knows nothing of Panel, and it hands each follower the latest view through the
callback the follower registered (the viewer schedules it on that session's own document).

Several server processes (``hip-viewer --workers N``, or servers on several machines behind
one proxy) share the presenter through Redis instead: :func:`configure` with a
``state_url`` makes a :class:`viewer.follow_redis.RedisPresenterHub`, which has the same
interface.  Either hub's :attr:`paused` is true while following cannot work (the state
server is unreachable); the in-process hub is never paused.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import itertools
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

#: Environment variable that fixes the presenter key (otherwise a random one per server).
KEY_ENV = "HIP_VIEWER_PRESENTER_KEY"
#: Environment variable naming the state server (Redis URL) when no ``configure`` call did.
STATE_URL_ENV = "HIP_VIEWER_STATE_URL"


def new_key() -> str:
    """A presenter key that is hard to guess and easy to copy (10 URL-safe characters)."""
    return secrets.token_urlsafe(8)[:10]


#: Wrong presenter keys a client may try in :data:`TRIES_WINDOW_S` seconds before its tries
#: are refused without being compared.
TRIES_PER_WINDOW = 5
TRIES_WINDOW_S = 60.0

log = logging.getLogger(__name__)


class TryLimiter:
    """At most ``tries`` failed tries per client in a sliding window of ``window`` seconds."""

    def __init__(self, tries: int = TRIES_PER_WINDOW, window: float = TRIES_WINDOW_S, clock=time.monotonic):
        self.tries, self.window, self.clock = tries, window, clock
        self._failed: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def allowed(self, client: str) -> bool:
        with self._lock:
            times = self._failed.get(client)
            if times is None:
                return True
            now = self.clock()
            while times and now - times[0] > self.window:
                times.popleft()
            return len(times) < self.tries

    def failed(self, client: str) -> None:
        with self._lock:
            self._failed.setdefault(client, collections.deque()).append(self.clock())
            if len(self._failed) > 10_000:  # a flood of addresses: forget the oldest
                self._failed.pop(next(iter(self._failed)))
#: A presenter grant (:func:`presenter_grant`) holds this long (seconds).
GRANT_TTL_S = 600


def _grant_mac(key: str, body: str) -> str:
    return hmac.new(key.encode(), f"hip-viewer presenter grant {body}".encode(), hashlib.sha256).hexdigest()[:32]


def presenter_grant(key: str, now: float | None = None) -> str:
    """A stand-in for ``key`` that any process knowing the key accepts for
    :data:`GRANT_TTL_S` seconds: the server hands it to the page in place of the key, so the
    page's HTML and session token never carry the key itself."""
    body = f"{int(now if now is not None else time.time()) + GRANT_TTL_S}.{secrets.token_urlsafe(9)}"
    return f"g.{body}.{_grant_mac(key, body)}"


def key_matches(server_key: str, given) -> bool:
    """Whether ``given`` is ``server_key`` or an unexpired grant of it (constant-time compare)."""
    if not given:
        return False
    given = str(given)
    if hmac.compare_digest(given.encode(), server_key.encode()):
        return True
    parts = given.split(".")
    if len(parts) != 4 or parts[0] != "g" or not parts[1].isdigit():
        return False
    body = f"{parts[1]}.{parts[2]}"
    return hmac.compare_digest(parts[3].encode(), _grant_mac(server_key, body).encode()) \
        and int(parts[1]) >= time.time()


class HubBase:
    """What both hubs do alike: the key check, the followers' callbacks and the status lines.
    A hub sets ``key``, ``limiter``, ``_lock``, ``_view``, ``_followers`` and ``_watchers``, and
    says who presents here (:meth:`_local_presenter`)."""

    key: str
    limiter: TryLimiter

    def key_matches(self, key: str | None) -> bool:
        """Whether ``key`` is this server's presenter key, or a grant of it (:func:`presenter_grant`),
        compared in constant time."""
        return key_matches(self.key, key)

    def _key_accepted(self, key: str | None, client: str) -> bool:
        """Whether a claim with ``key`` may stand.  A client (network address) that gave a wrong
        key :data:`TRIES_PER_WINDOW` times in a minute is refused without its key being
        compared; each wrong key is logged, never the key."""
        if not key:
            return False
        if not self.limiter.allowed(client):
            log.warning("presenter key refused: too many wrong keys from %s", client or "this process")
            return False
        if not self.key_matches(key):
            self.limiter.failed(client)
            log.warning("wrong presenter key from %s", client or "this process")
            return False
        return True

    @property
    def view(self) -> Any:
        """The presenter's latest published view (None before the first)."""
        return self._view

    def follow(self, session: int, tell: Callable[[Any], None]) -> Any:
        """``session`` follows from now on: ``tell(view)`` is called with each new view.
        Returns the presenter's current view (None if there is none yet) to show at once."""
        with self._lock:
            self._followers[session] = tell
            self._followers_changed()
            view = self._view
        self._tell_presenter()
        return view

    def unfollow(self, session: int) -> None:
        with self._lock:
            if self._followers.pop(session, None) is not None:
                self._followers_changed()
        self._tell_presenter()

    def is_following(self, session: int) -> bool:
        return session in self._followers

    def _followers_changed(self) -> None:
        """Called under the lock when this process's followers changed."""

    # ------------------------------------------------------------------ status lines

    def watch(self, session: int, changed: Callable[[], None]) -> None:
        """``changed()`` is called whenever the presenter or the number of followers changes
        (and, with a state server, whether following is paused)."""
        with self._lock:
            self._watchers[session] = changed

    def _tell_watchers(self) -> None:
        with self._lock:
            watchers = list(self._watchers.values())
        for changed in watchers:
            self._notify(changed)

    def _tell_presenter(self) -> None:
        """The number of followers changed: only the presenter's page shows it.  (Telling every
        page made each arrival cost every session an update: 300 arrivals, 45,000 updates.)"""
        with self._lock:
            presenter = self._local_presenter()
            changed = self._watchers.get(presenter) if presenter is not None else None
        if changed is not None:
            self._notify(changed)

    def _local_presenter(self) -> int | None:
        """The presenter's session id if it is a session of this process."""
        raise NotImplementedError

    def _notify(self, changed: Callable[[], None]) -> None:
        changed()


class PresenterHub(HubBase):
    """The presenter's latest view and the sessions following it (thread-safe)."""

    def __init__(self, key: str | None = None, limiter: TryLimiter | None = None):
        self.key = key or new_key()
        self.limiter = limiter or TryLimiter()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._presenter: int | None = None
        self._view: Any = None
        self._followers: dict[int, Callable[[Any], None]] = {}
        self._watchers: dict[int, Callable[[], None]] = {}

    # ------------------------------------------------------------------ sessions

    def new_session(self) -> int:
        """An id for one browser session (used to tell the presenter apart)."""
        return next(self._ids)

    def claim(self, session: int, key: str | None, client: str = "") -> bool:
        """Make ``session`` the presenter if it holds the key (a newer claim wins)."""
        if not self._key_accepted(key, client):
            return False
        with self._lock:
            self._presenter = session
        self._tell_watchers()
        return True

    def is_presenter(self, session: int) -> bool:
        return self._presenter is not None and self._presenter == session

    def _local_presenter(self) -> int | None:
        return self._presenter

    @property
    def presenter_connected(self) -> bool:
        return self._presenter is not None

    @property
    def follower_count(self) -> int:
        return len(self._followers)

    @property
    def paused(self) -> bool:
        """Always False: one process needs no state server (see the Redis hub)."""
        return False

    def leave(self, session: int) -> None:
        """A session closed: it stops following, and stops presenting if it was the presenter."""
        with self._lock:
            was_following = self._followers.pop(session, None) is not None
            self._watchers.pop(session, None)
            was_presenter = self._presenter == session
            if was_presenter:
                self._presenter = None
        if was_presenter:
            self._tell_watchers()
        elif was_following:
            self._tell_presenter()

    # ------------------------------------------------------------------ the view

    def publish(self, session: int, view: Any) -> bool:
        """The presenter's view changed: keep it and tell every follower.  Ignored (False)
        from any session but the presenter's."""
        with self._lock:
            if self._presenter != session:
                return False
            self._view = view
            followers = list(self._followers.values())
        for tell in followers:
            tell(view)
        return True


_HUB: list = []
_HUB_LOCK = threading.Lock()


def hub():
    """This process's hub (its key from ``HIP_VIEWER_PRESENTER_KEY`` and its state server
    from ``HIP_VIEWER_STATE_URL`` if set)."""
    with _HUB_LOCK:
        if not _HUB:
            _HUB.append(_make_hub(os.environ.get(KEY_ENV) or None, os.environ.get(STATE_URL_ENV) or None, 1))
        return _HUB[0]


def _make_hub(key: str | None, state_url: str | None, workers: int):
    if state_url is None and workers <= 1:
        return PresenterHub(key)
    if state_url is None:
        raise ValueError(f"{workers} worker processes share the presenter's view through Redis: "
                         "give a state server with --state-url redis://HOST:PORT/DB")
    from viewer.follow_redis import RedisPresenterHub

    return RedisPresenterHub(key, state_url)


def configure(key: str | None = None, state_url: str | None = None, workers: int = 1):
    """Start this process's hub afresh with ``key`` (a random key if None): in-process with
    no ``state_url`` and one worker (:class:`PresenterHub`), through the Redis server at
    ``state_url`` otherwise (:class:`viewer.follow_redis.RedisPresenterHub`; ValueError if
    several workers have no ``state_url``)."""
    made = _make_hub(key, state_url, workers)
    with _HUB_LOCK:
        old, _HUB[:] = list(_HUB), [made]
    for previous in old:
        close = getattr(previous, "close", None)
        if close is not None:
            close()
    return made


def presenter_url(base_url: str, key: str) -> str:
    """The link the presenter opens (``base_url`` ends with ``/``).  The key rides in the
    fragment, which the browser never sends to the server: it stays out of the page's HTML
    and the server's access log, and the page removes it from the address bar at once."""
    return f"{base_url}#presenter={key}"


def follower_url(base_url: str) -> str:
    """The link students open to follow the presenter."""
    return f"{base_url}?follow=1"
