"""Follow the presenter across server processes and machines, through Redis.

:class:`RedisPresenterHub` has the public interface of :class:`viewer.follow.PresenterHub`,
so a session uses either unchanged.  What one process knows, the others learn through one
Redis pub/sub channel per presenter key:

* the presenter's view, as the query of its share link (:func:`viewer.state.to_query`, tour
  step included), is published on the channel and kept as the latest view, so a follower
  joining later (on any process) starts from it;
* who presents: the session id and the time of its claim, kept under a key with a time to
  live that the presenter's process renews every :data:`HEARTBEAT_S` seconds (a heartbeat
  also published on the channel), so ``presenter_connected`` is true on every process while
  the presenter's process lives; a newer claim replaces an older one wherever it was made;
* how many sessions follow, one count per process, renewed with the same heartbeat.

Each process keeps its own followers' callbacks and calls them itself: one subscriber thread
per process reads the channel, one writer thread sends this process's changes.  Callbacks
that a message from another process triggers run on the process's Tornado loop when one was
running where sessions were made (``IOLoop.add_callback``), as they do with the in-process
hub; otherwise on the subscriber thread.

A lost connection is retried with a growing pause (0.1 s doubling up to 2 s).  While Redis is
unreachable :attr:`~RedisPresenterHub.paused` is true and every watcher is told (the page can
say that following is paused); the presenter's latest view is sent again once Redis is back.
Outages are logged as one warning each way, without a traceback.

The threads start on first use in each process, so a server may fork its workers after making
the hub.  Nothing of the presenter key is stored in Redis: the key names are derived from a
hash of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any


from viewer.follow import HubBase, TryLimiter, new_key

log = logging.getLogger(__name__)

from viewer.follow_redis_link import RedisLink
from viewer.follow_wire import (  # noqa: F401  (the hub's public names)
    HEARTBEAT_S,
    PRESENTER_TTL_S,
    StateServerError,
    check_state_url,
    decode_view,
    encode_view,
    redacted,
)


class RedisPresenterHub(HubBase, RedisLink):
    """The presenter's latest view and the sessions following it, shared through Redis
    (thread-safe; one per server process, as :class:`viewer.follow.PresenterHub`)."""

    def __init__(self, key: str | None = None, url: str = "redis://127.0.0.1:6379/0"):
        self.key = key or new_key()
        self.limiter = TryLimiter()
        self.url = url
        space = hashlib.sha256(f"hip-viewer presenter {self.key}".encode()).hexdigest()[:16]
        self._presenter_key = f"hip-viewer:{space}:presenter"
        self._view_key = f"hip-viewer:{space}:view"
        self._channel = f"hip-viewer:{space}:events"
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._pid: int | None = None
        self._stop = threading.Event()
        self._loop = None
        self._reset()

    def new_session(self) -> int:
        """An id for one browser session (unique across the server's processes)."""
        self.start()
        if self._loop is None:
            try:
                import asyncio

                asyncio.get_running_loop()
                from tornado.ioloop import IOLoop

                self._loop = IOLoop.current()
            except RuntimeError:
                pass  # not on a running loop (a test, a script): callbacks run on the thread
        return self._id_base + next(self._ids)

    def claim(self, session: int, key: str | None, client: str = "") -> bool:
        """Make ``session`` the presenter if it holds the key (a newer claim wins, on any
        process); wrong keys are limited per client as in :class:`viewer.follow.PresenterHub`."""
        if not self._key_accepted(key, client):
            return False
        self.start()
        with self._lock:
            self._presenter, self._presenter_local = session, True
            self._presenter_epoch = max(time.time(), self._presenter_epoch + 1e-6)
            self._pending_claim = True
            self._wake.notify_all()
        self._tell_watchers()
        return True

    def is_presenter(self, session: int) -> bool:
        return self._presenter_local and self._presenter is not None and self._presenter == session

    @property
    def presenter_connected(self) -> bool:
        with self._lock:
            if self._presenter is None:
                return False
            return self._presenter_local or self.paused or time.monotonic() <= self._presenter_expiry

    @property
    def follower_count(self) -> int:
        """Sessions following, on every process of the server."""
        with self._lock:
            now = time.monotonic()
            return len(self._followers) + sum(n for n, expiry in self._remote_followers.values()
                                              if expiry >= now)

    @property
    def paused(self) -> bool:
        """True while the state server cannot be reached: views wait until it is back."""
        return not (self._sub_up and self._write_up)

    def leave(self, session: int) -> None:
        """A session closed: it stops following, and stops presenting if it was the presenter."""
        with self._lock:
            had_follower = self._followers.pop(session, None) is not None
            self._watchers.pop(session, None)
            was_presenter = self.is_presenter(session)
            if was_presenter:
                self._pending_leaves.append(json.dumps({"sid": session, "epoch": self._presenter_epoch}))
                self._presenter, self._presenter_local = None, False
            self._followers_dirty = self._followers_dirty or had_follower
            self._wake.notify_all()
        if was_presenter:
            self._tell_watchers()
        elif had_follower:
            self._tell_presenter()

    # ------------------------------------------------------------------ the view

    def publish(self, session: int, view: Any) -> bool:
        """The presenter's view changed: keep it, tell this process's followers, send it to
        the others.  Ignored (False) from any session but the presenter's."""
        with self._lock:
            if not self.is_presenter(session):
                return False
            wire = encode_view(view)
            self._view = view
            self._view_text = json.dumps(wire, sort_keys=True)
            self._pending_view = wire
            followers = list(self._followers.values())
            self._wake.notify_all()
        for tell in followers:
            tell(view)
        return True

    def follow(self, session: int, tell: Callable[[Any], None]) -> Any:
        self.start()
        return super().follow(session, tell)

    def _followers_changed(self) -> None:
        self._followers_dirty = True
        self._wake.notify_all()

    def _local_presenter(self) -> int | None:
        return self._presenter if self._presenter_local else None

    def _notify(self, changed: Callable[[], None]) -> None:
        self._safely(changed)
