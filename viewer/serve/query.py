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


def install_query_repair(server) -> None:
    """Make a bokeh ``Server`` (not yet started) redirect requests whose query would make the
    page throw to the repaired link."""
    from tornado.routing import Matcher, Rule
    from tornado.web import RequestHandler

    class BrokenQuery(Matcher):
        def match(self, request):
            return {} if request.query and repaired_query(request.query) is not None else None

    class Repair(RequestHandler):
        def get(self, *args, **kwargs):
            fixed = repaired_query(self.request.query) or ""
            self.redirect(f"{self.request.path}?{fixed}" if fixed else self.request.path)

    server._tornado.add_handlers(r".*", [Rule(BrokenQuery(), Repair)])
