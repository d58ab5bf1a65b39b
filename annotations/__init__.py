"""Teaching content for the hip viewer: the YAML pack, its schema, loader and safe rendering."""

from .check import check_content
from .loader import BUILTIN_DIR, ContentError, Pack, Problem, builtin_pack, load_pack
from .markdown import render_markdown
from .schema import READING_LEVELS, ActionClaim, Entry, Reference

__all__ = [
    "BUILTIN_DIR",
    "ActionClaim",
    "ContentError",
    "Entry",
    "Pack",
    "Problem",
    "READING_LEVELS",
    "Reference",
    "builtin_pack",
    "check_content",
    "load_pack",
    "render_markdown",
]
