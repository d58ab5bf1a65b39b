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
import itertools
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from viewer.follow import key_matches, new_key
from viewer.state import ViewState, parse_query, to_query

log = logging.getLogger(__name__)

#: The presenter's process renews its claim this often (seconds) ...
HEARTBEAT_S = 2.0
#: ... and the claim lapses this long after the last renewal (the presenter's process died).
PRESENTER_TTL_S = 8.0
#: The latest view is kept this long after it was last published (seconds).
VIEW_TTL_S = 24 * 3600
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 2.0
CONNECT_TIMEOUT_S = 2.0

# Renew the presenter key if it is ours or gone (Redis restarted); report the owner otherwise.
_RENEW = """
local v = redis.call('GET', KEYS[1])
if (not v) or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return v
"""
# Delete the presenter key only if it is still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class StateServerError(Exception):
    """The state server (Redis) cannot be reached or the URL is not one; a one-line reason."""


def redacted(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def check_state_url(url: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise :class:`StateServerError` unless ``url`` names a Redis server that answers."""
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise StateServerError(f"--state-url {redacted(url)!r} is not a Redis URL; "
                               "use redis://HOST:PORT/DB (for example redis://127.0.0.1:6379/0)")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise StateServerError(f"cannot reach the state server at {redacted(url)}: {_reason(exc)}; "
                               "start redis-server there or check --state-url") from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200].rstrip(".")


# --------------------------------------------------------------------------- views on the wire

def encode_view(view: Any) -> dict:
    """A view as it travels: a :class:`ViewState` as its share-link query (``q``); anything
    else JSON can carry as itself (``v``)."""
    if isinstance(view, ViewState):
        return {"q": urlencode(to_query(view), safe=",:")}
    return {"v": view}


def decode_view(data: dict) -> Any:
    """The inverse of :func:`encode_view` (a selection is trusted: a presenter's session
    checked it against its own content before it published)."""
    if "q" in data:
        query = dict(parse_qsl(data["q"], keep_blank_values=True))
        selection = query.get("sel")
        state, _ = parse_query(query, known_ids=[selection] if selection else [])
        return state
    return data.get("v")


class RedisPresenterHub:
    """The presenter's latest view and the sessions following it, shared through Redis
    (thread-safe; one per server process, as :class:`viewer.follow.PresenterHub`)."""

    def __init__(self, key: str | None = None, url: str = "redis://127.0.0.1:6379/0"):
        self.key = key or new_key()
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

    def _reset(self) -> None:
        """This process's own state (again in a forked child: nothing of the parent's)."""
        self._proc = secrets.token_hex(6)
        self._id_base = secrets.randbits(30) << 20  # ids unique across processes, JSON-safe
        self._ids = itertools.count(1)
        self._presenter: int | None = None
        self._presenter_epoch = 0.0  # time of the claim (a newer claim wins everywhere)
        self._presenter_local = False
        self._presenter_expiry = 0.0  # monotonic time a remote claim lapses
        self._view: Any = None
        self._view_text: str | None = None
        self._followers: dict[int, Callable[[Any], None]] = {}
        self._watchers: dict[int, Callable[[], None]] = {}
        self._remote_followers: dict[str, tuple[int, float]] = {}
        self._sub_up = False
        self._write_up = False
        self._outage_logged = False
        self._pending_claim = False
        self._pending_leaves: list[str] = []
        self._pending_view: dict | None = None
        self._followers_dirty = True
        self._resync = True
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ threads

    def start(self) -> RedisPresenterHub:
        """Start this process's subscriber and writer threads (done on first use anyway)."""
        if self._pid == os.getpid():
            return self
        with self._lock:
            if self._pid == os.getpid():
                return self
            if self._pid is not None:  # a forked child: the parent's threads are not here
                self._reset()
            self._pid = os.getpid()
            self._stop = threading.Event()
            self._threads = [
                threading.Thread(target=self._listen, name="hip-viewer-follow-listen", daemon=True),
                threading.Thread(target=self._write, name="hip-viewer-follow-write", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def close(self) -> None:
        """Stop the threads (a test's end; servers just exit)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(5)
        self._pid = None

    def _client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=CONNECT_TIMEOUT_S,
                                    socket_timeout=5.0, health_check_interval=5)

    def _backoff(self, attempt: int) -> None:
        self._stop.wait(min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** attempt))

    def _set_up(self, which: str, up: bool, exc: BaseException | None = None) -> None:
        with self._lock:
            before = self.paused
            setattr(self, f"_{which}_up", up)
            after = self.paused
            if after and not before and not self._outage_logged and exc is not None:
                self._outage_logged = True
                log.warning("Following paused: the state server %s is unreachable (%s); retrying.",
                            redacted(self.url), _reason(exc))
            elif before and not after and self._outage_logged:
                self._outage_logged = False
                log.warning("Following resumed: the state server %s answers again.", redacted(self.url))
        if before != after:
            self._call(self._tell_watchers)

    def _call(self, fn, *args) -> None:
        """Run ``fn(*args)`` on the process's server loop if sessions live on one."""
        loop = self._loop
        if loop is not None:
            try:
                loop.add_callback(self._safely, fn, *args)
                return
            except RuntimeError:  # the loop has closed (the server is stopping)
                return
        self._safely(fn, *args)

    @staticmethod
    def _safely(fn, *args) -> None:
        try:
            fn(*args)
        except Exception as exc:  # one session's failure must not stop the others' updates
            log.warning("A classroom update failed: %s: %s", type(exc).__name__, _reason(exc))

    def _listen(self) -> None:
        """Subscriber thread: read the channel; on a lost connection, reconnect with backoff."""
        attempt = 0
        while not self._stop.is_set():
            client = pubsub = None
            try:
                client = self._client()
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self._channel)
                self._catch_up(client)
                self._set_up("sub", True)
                attempt = 0
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is not None and message.get("type") == "message":
                        self._on_message(message["data"])
                    self._expire()
            except (redis.RedisError, OSError) as exc:
                self._set_up("sub", False, exc)
                self._backoff(attempt)
                attempt += 1
            finally:
                for thing in (pubsub, client):
                    try:
                        if thing is not None:
                            thing.close()
                    except (redis.RedisError, OSError):
                        pass

    def _catch_up(self, client: redis.Redis) -> None:
        """After (re)connecting: who presents and the latest view, from what Redis keeps."""
        raw, ttl_ms, view_raw = client.get(self._presenter_key), client.pttl(self._presenter_key), \
            client.get(self._view_key)
        now = time.monotonic()
        tell_watchers = False
        followers: list = []
        with self._lock:
            if raw:
                claim = json.loads(raw)
                tell_watchers = self._adopt(claim["sid"], claim["epoch"], now + max(ttl_ms, 0) / 1000)
            elif self._presenter is not None and not self._presenter_local:
                # Redis lost the claim (restarted): give the presenter's process time to renew it.
                self._presenter_expiry = now + PRESENTER_TTL_S
            if view_raw and not self._presenter_local:
                data = json.loads(view_raw)
                text = json.dumps(data, sort_keys=True)
                if text != self._view_text:
                    self._view_text = text
                    self._view = decode_view(data)
                    followers = list(self._followers.values())
            view = self._view
        for tell in followers:
            self._call(tell, view)
        if tell_watchers:
            self._call(self._tell_watchers)

    def _adopt(self, sid: int, epoch: float, expiry: float) -> bool:
        """A claim seen on the channel or in Redis (lock held); True if the presenter changed."""
        if self._presenter is not None and epoch < self._presenter_epoch:
            return False  # an older claim than the one this process knows
        if self._presenter_local and sid == self._presenter:
            return False
        changed = self._presenter != sid or self._presenter_local
        self._presenter, self._presenter_epoch = sid, epoch
        self._presenter_local = False
        self._presenter_expiry = expiry
        return changed

    def _on_message(self, raw) -> None:
        data = json.loads(raw)
        if data.get("proc") == self._proc:
            return
        kind = data.get("t")
        now = time.monotonic()
        tell_watchers = False
        followers: list = []
        view = None
        with self._lock:
            if kind in ("presenter", "view"):
                tell_watchers = self._adopt(data["sid"], data["epoch"], now + PRESENTER_TTL_S)
                if kind == "view" and self._presenter == data["sid"] and not self._presenter_local:
                    self._view_text = json.dumps(data["view"], sort_keys=True)
                    self._view = view = decode_view(data["view"])
                    followers = list(self._followers.values())
            elif kind == "leave":
                if self._presenter == data["sid"] and not self._presenter_local:
                    self._presenter = None
                    tell_watchers = True
            elif kind == "followers":
                before = self.follower_count
                if data["n"]:
                    self._remote_followers[data["proc"]] = (int(data["n"]), now + PRESENTER_TTL_S)
                else:
                    self._remote_followers.pop(data["proc"], None)
                tell_watchers = self.follower_count != before
        for tell in followers:
            self._call(tell, view)
        if tell_watchers:
            self._call(self._tell_watchers)

    def _expire(self) -> None:
        """Forget a remote presenter, or a process's followers, whose heartbeat stopped."""
        now = time.monotonic()
        changed = False
        with self._lock:
            if self._presenter is not None and not self._presenter_local and now > self._presenter_expiry:
                self._presenter = None
                changed = True
            for proc, (_, expiry) in list(self._remote_followers.items()):
                if now > expiry:
                    del self._remote_followers[proc]
                    changed = True
        if changed:
            self._call(self._tell_watchers)

    def _write(self) -> None:
        """Writer thread: send this process's claims, views and follower count; renew the
        claim every heartbeat; after an outage send the presenter's state again."""
        attempt = 0
        client = None
        renew = release = None
        next_beat = 0.0
        while not self._stop.is_set():
            with self._wake:
                while not self._stop.is_set() and not self._pending() and time.monotonic() < next_beat:
                    self._wake.wait(max(0.0, next_beat - time.monotonic()))
                if self._stop.is_set():
                    break
                beat = time.monotonic() >= next_beat
                if self._resync:
                    if self._presenter_local and self._view is not None:
                        self._pending_view = encode_view(self._view)
                    self._followers_dirty = True
                leaves, claim, view = self._pending_leaves, self._pending_claim, self._pending_view
                dirty, resync = self._followers_dirty, self._resync
                self._pending_leaves, self._pending_claim, self._pending_view = [], False, None
                self._followers_dirty = self._resync = False
                sid, epoch, local = self._presenter, self._presenter_epoch, self._presenter_local
                count = len(self._followers)
            try:
                if client is None:
                    client = self._client()
                    renew, release = client.register_script(_RENEW), client.register_script(_RELEASE)
                for value in leaves:
                    release(keys=[self._presenter_key], args=[value])
                    client.publish(self._channel, json.dumps({"t": "leave", "sid": json.loads(value)["sid"],
                                                              "proc": self._proc}))
                if local and sid is not None:
                    value = json.dumps({"sid": sid, "epoch": epoch})
                    if claim:  # a new claim replaces any other
                        client.set(self._presenter_key, value, px=int(PRESENTER_TTL_S * 1000))
                        owner = value
                    elif resync or beat:  # renew ours, unless another process claimed since
                        owner = renew(keys=[self._presenter_key], args=[value, int(PRESENTER_TTL_S * 1000)])
                        owner = owner.decode() if isinstance(owner, bytes) else owner
                    else:
                        owner = value
                    if owner != value:
                        self._lost_claim(json.loads(owner))
                    else:
                        pipe = client.pipeline(transaction=False)
                        if claim or resync or beat:
                            pipe.publish(self._channel, json.dumps({"t": "presenter", "sid": sid, "epoch": epoch,
                                                                    "proc": self._proc}))
                        if view is not None:
                            pipe.set(self._view_key, json.dumps(view), ex=VIEW_TTL_S)
                            pipe.publish(self._channel, json.dumps({"t": "view", "sid": sid, "epoch": epoch,
                                                                    "view": view, "proc": self._proc}))
                        pipe.execute()
                if dirty or (beat and count):
                    client.publish(self._channel, json.dumps({"t": "followers", "n": count, "proc": self._proc}))
                if beat:
                    next_beat = time.monotonic() + HEARTBEAT_S
                self._set_up("write", True)
                attempt = 0
            except (redis.RedisError, OSError) as exc:
                with self._lock:
                    self._resync = True  # send the presenter's state again once Redis is back
                    self._pending_claim = self._pending_claim or (claim and self._presenter_local)
                    self._pending_leaves = leaves + self._pending_leaves
                self._set_up("write", False, exc)
                try:
                    client.close()
                except Exception:
                    pass
                client = None
                self._backoff(attempt)
                attempt += 1
        if client is not None:
            try:
                client.close()
            except (redis.RedisError, OSError):
                pass

    def _pending(self) -> bool:
        return bool(self._pending_leaves or self._pending_claim or self._pending_view is not None
                    or self._followers_dirty or self._resync)

    def _lost_claim(self, owner: dict) -> None:
        """Another process claimed later: this process's presenter no longer presents."""
        with self._lock:
            changed = self._adopt(owner["sid"], max(owner["epoch"], self._presenter_epoch),
                                  time.monotonic() + PRESENTER_TTL_S)
        if changed:
            self._call(self._tell_watchers)

    def _notify_writer(self) -> None:
        with self._wake:
            self._wake.notify_all()

    # ------------------------------------------------------------------ sessions

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

    def key_matches(self, key: str | None) -> bool:
        """Whether ``key`` is this server's presenter key, or a grant of it
        (:func:`viewer.follow.presenter_grant`), compared in constant time."""
        return key_matches(self.key, key)

    def claim(self, session: int, key: str | None) -> bool:
        """Make ``session`` the presenter if it holds the key (a newer claim wins, on any process)."""
        if not self.key_matches(key):
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
            if self.is_presenter(session):
                self._pending_leaves.append(json.dumps({"sid": session, "epoch": self._presenter_epoch}))
                self._presenter, self._presenter_local = None, False
            self._followers_dirty = self._followers_dirty or had_follower
            self._wake.notify_all()
        self._tell_watchers()

    # ------------------------------------------------------------------ the view

    def publish(self, session: int, view: Any) -> bool:
        """The presenter's view changed: keep it, tell this process's followers, send it to
        the others.  Ignored (False) from any session but the presenter's."""
        wire = encode_view(view)
        with self._lock:
            if not self.is_presenter(session):
                return False
            self._view = view
            self._view_text = json.dumps(wire, sort_keys=True)
            self._pending_view = wire
            followers = list(self._followers.values())
            self._wake.notify_all()
        for tell in followers:
            tell(view)
        return True

    @property
    def view(self) -> Any:
        """The presenter's latest published view (None before the first)."""
        return self._view

    def follow(self, session: int, tell: Callable[[Any], None]) -> Any:
        """``session`` follows from now on: ``tell(view)`` is called with each new view.
        Returns the presenter's current view (None if there is none yet) to show at once."""
        self.start()
        with self._lock:
            self._followers[session] = tell
            self._followers_dirty = True
            self._wake.notify_all()
            view = self._view
        self._tell_watchers()
        return view

    def unfollow(self, session: int) -> None:
        with self._lock:
            if self._followers.pop(session, None) is not None:
                self._followers_dirty = True
                self._wake.notify_all()
        self._tell_watchers()

    def is_following(self, session: int) -> bool:
        return session in self._followers

    # ------------------------------------------------------------------ status lines

    def watch(self, session: int, changed: Callable[[], None]) -> None:
        """``changed()`` is called whenever the presenter, the number of followers, or
        :attr:`paused` changes."""
        with self._lock:
            self._watchers[session] = changed

    def _tell_watchers(self) -> None:
        with self._lock:
            watchers = list(self._watchers.values())
        for changed in watchers:
            self._safely(changed)
