"""What a Redis presenter hub keeps on its server and sends between processes: the keys' lifetimes, the
scripts that renew and release the presenter's claim, a view as a link's query, and a check that the
server answers."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

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
RENEW_SCRIPT = """
local v = redis.call('GET', KEYS[1])
if (not v) or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return v
"""
# Delete the presenter key only if it is still ours.
RELEASE_SCRIPT = """
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
        raise StateServerError(f"cannot reach the state server at {redacted(url)}: {reason(exc)}; "
                               "start redis-server there or check --state-url") from None


def reason(exc: BaseException) -> str:
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
