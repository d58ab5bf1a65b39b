"""Links with a broken percent-escape (``/?sel=%``, ``/?quiz_seed=%E0%A4%A``) are repaired on
the server before the page loads.

The vtk.js build Panel ships reads ``window.location.search`` with ``decodeURIComponent``
while it loads (vtk.js ``extractURLParameters``), which throws "URI malformed" on a ``%`` not
followed by two hex digits or on escapes that are not UTF-8: a page error before any of the
viewer's code runs.  The server answers such a request with a redirect to the same link with
each broken part escaped again (a stray ``%`` becomes ``%25``, bytes that are not UTF-8
become U+FFFD); the page then opens with the value shown in the usual notice
(:func:`viewer.links.parse_query`).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, unquote_to_bytes

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: Characters left as they are when a broken part is escaped again (what links here use).
_SAFE = "!$'()*,-./:;@_~"


def _decodes(part: str) -> bool:
    """True if JavaScript's ``decodeURIComponent(part)`` succeeds."""
    if _BAD_ESCAPE.search(part):
        return False
    try:
        unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def repaired_query(query: str) -> str | None:
    """``query`` (without the ``?``) with every key and value that ``decodeURIComponent`` would
    reject escaped again; None if nothing needs repair."""
    pairs = query.split("&")
    out, changed = [], False
    for pair in pairs:
        parts = pair.split("=")
        fixed = []
        for part in parts:
            if _decodes(part):
                fixed.append(part)
            else:
                changed = True
                fixed.append(quote(unquote(part, errors="replace"), safe=_SAFE))
        out.append("=".join(fixed))
    return "&".join(out) if changed else None


class QueryRepair:
    """A bokeh auth provider (``bokeh.server.auth_provider.AuthProvider``, the hook bokeh runs
    before it serves a page) that lets every request through except one whose query would
    make the page throw: that one is redirected to the repaired link.  Nobody logs in."""

    READER = "reader"

    @staticmethod
    def get_user(handler):
        query = handler.request.query
        return None if query and repaired_query(query) is not None else QueryRepair.READER

    @staticmethod
    def get_login_url(handler):
        # Panel prefixes "." to this URL: "." + "?x" is the page itself with the query "x".
        return "?" + (repaired_query(handler.request.query) or "")


def query_repair_provider():
    """The auth provider for ``pn.serve(auth_provider=...)``."""
    from bokeh.server.auth_provider import AuthProvider

    class Provider(AuthProvider):
        @property
        def get_user(self):
            return QueryRepair.get_user

        @property
        def get_login_url(self):
            return QueryRepair.get_login_url

    return Provider()
