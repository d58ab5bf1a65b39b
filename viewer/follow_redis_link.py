"""The connection of a Redis presenter hub (:mod:`viewer.follow_redis`): its keys and
scripts, the listener and writer threads, reconnection with backoff, and the presenter's
claim kept alive by a heartbeat.  Split from the hub so each stays readable."""

from __future__ import annotations

import itertools
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import redis


from viewer.follow_wire import (
    BACKOFF_FIRST_S,
    BACKOFF_MAX_S,
    CONNECT_TIMEOUT_S,
    HEARTBEAT_S,
    PRESENTER_TTL_S,
    RELEASE_SCRIPT,
    RENEW_SCRIPT,
    VIEW_TTL_S,
    decode_view,
    encode_view,
    reason,
    redacted,
)

log = logging.getLogger(__name__)

class RedisReader:
    """The reading side of the link: connecting, listening, catching up, expiring."""

    def _reset(self) -> None:
        """This process's own state (again in a forked child: nothing of the parent's)."""
        self._owner = os.getpid()  # the process this state belongs to
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

    def start(self) -> "RedisReader":
        """Start this process's subscriber and writer threads (done on first use anyway)."""
        if self._pid == os.getpid():
            return self
        with self._lock:
            if self._pid == os.getpid():
                return self
            if self._pid is not None or self._owner != os.getpid():
                # A forked worker: neither the parent's threads nor its identity are its own
                # (workers sharing one would take each other's messages for their own).
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
                            redacted(self.url), reason(exc))
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
            log.warning("A classroom update failed: %s: %s", type(exc).__name__, reason(exc))

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
        tell_watchers = tell_presenter = False
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
                tell_presenter = self.follower_count != before
        for tell in followers:
            self._call(tell, view)
        if tell_watchers:
            self._call(self._tell_watchers)
        elif tell_presenter:
            self._call(self._tell_presenter)

    def _expire(self) -> None:
        """Forget a remote presenter, or a process's followers, whose heartbeat stopped."""
        now = time.monotonic()
        lapsed = counted = False
        with self._lock:
            if self._presenter is not None and not self._presenter_local and now > self._presenter_expiry:
                self._presenter = None
                lapsed = True
            for proc, (_, expiry) in list(self._remote_followers.items()):
                if now > expiry:
                    del self._remote_followers[proc]
                    counted = True
        if lapsed:
            self._call(self._tell_watchers)
        elif counted:
            self._call(self._tell_presenter)



class RedisWriter:
    """The writing side of the link: the presenter's claim, heartbeat and views."""

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
                    renew, release = client.register_script(RENEW_SCRIPT), client.register_script(RELEASE_SCRIPT)
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


class RedisLink(RedisReader, RedisWriter):
    """What a :class:`viewer.follow_redis.RedisPresenterHub` does with its Redis server."""
