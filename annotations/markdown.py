"""Safe rendering of the Markdown subset used in content text.

Content is teaching text with emphasis, lists and links.  Anything that looks like HTML or
script is shown as text: the parser runs with raw HTML disabled, so ``<script>`` comes out
as ``&lt;script&gt;``.  Links are kept only for ``http``, ``https`` and relative targets;
any other scheme (``javascript:``, ``data:``, ``vbscript:``, ``file:`` ...) is left as plain
text.  Headings, code blocks, block quotes, rules and images are not part of the subset and
render as text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_ALLOWED_SCHEMES = frozenset({"http", "https"})
_NOT_IN_SUBSET = ["image", "heading", "lheading", "hr", "code", "fence", "blockquote", "html_block", "html_inline"]


def is_safe_link(url: str) -> bool:
    """True for http(s) URLs and for relative links (``page.html``, ``#id``, ``/path``)."""
    # Browsers ignore ASCII control characters and whitespace inside a scheme ("java\tscript:").
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)
    if cleaned.startswith("//"):
        return True  # protocol-relative: http(s) of the page
    match = _SCHEME.match(cleaned)
    if match is None:
        return ":" not in cleaned.split("/", 1)[0] and "&#" not in cleaned.lower()
    return match.group(1).lower() in _ALLOWED_SCHEMES


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Keep the subset a card needs (paragraphs, emphasis, lists, links); anything else is text,
    # so a stray "#" or indented line cannot add headings or code blocks to a card.
    md.disable(_NOT_IN_SUBSET)
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    return md


def render_markdown(text: str) -> str:
    """Safe HTML for ``text`` (emphasis, lists, links); raw HTML is escaped, never passed through."""
    return _parser().render(text or "")
