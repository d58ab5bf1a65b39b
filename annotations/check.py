"""``check_content``: validate a pack the way ``hip-viewer check-content PATH`` reports it."""

from __future__ import annotations

import os
from pathlib import Path

from .loader import ContentError, Problem, _read_dir, load_pack


def check_content(path: str | os.PathLike) -> tuple[int, str]:
    """Check the pack at ``path`` (a directory of YAML files, or one file).

    A teacher's pack is checked as it would load: over the built-in pack, so it may cite the
    built-in references and override built-in entries.  Returns ``(0, "content OK: ...")`` or
    ``(1, text)`` with every problem on its own line, naming file, entry id and line.
    """
    p = Path(path)
    if not p.exists():
        return 1, f"{p}: no such file or directory"
    try:
        load_pack(p)
    except ContentError as exc:
        return 1, str(exc)
    own = _read_dir(p, [])
    return 0, f"content OK: {len(own.entries)} entries, {len(own.references)} references in {p}"


__all__ = ["check_content", "Problem"]
