"""``check_content``: validate a pack the way ``hip-viewer check-content PATH`` reports it."""

from __future__ import annotations

import os
from pathlib import Path

from .loader import ContentError, Problem, _line_at, _read_dir, load_pack
from .readability import LAY_MAX_GRADE, lay_problem


def readability_warnings(path: str | os.PathLike, max_grade: float = LAY_MAX_GRADE) -> list[str]:
    """One ``WARNING file:line: entry: ...`` line for each lay ("Everyday words") text of the
    pack at ``path`` that reads above ``max_grade`` (Flesch-Kincaid, see
    :mod:`annotations.readability`) or has a very long sentence.  Only the pack's own entries
    are measured, not the built-in pack underneath it."""
    out = []
    for eid, (entry, fname, raw) in _read_dir(Path(path), []).entries.items():
        problem = lay_problem(entry.text.lay, max_grade)
        if problem:
            where = Problem(fname, eid, _line_at(raw, ("text", "lay")), f"lay text {problem}")
            out.append(f"WARNING {where}")
    return out


def check_content(path: str | os.PathLike) -> tuple[int, str]:
    """Check the pack at ``path`` (a directory of YAML files, or one file).

    A teacher's pack is checked as it would load: over the built-in pack, so it may cite the
    built-in references and override built-in entries.  Returns ``(0, "content OK: ...")`` or
    ``(1, text)`` with every problem on its own line, naming file, entry id and line.

    A valid pack whose lay texts read above grade 7 still passes (exit code 0): the
    readability measure is a rough aid on short texts, so it warns, one ``WARNING`` line per
    text before the summary, and never refuses a pack.
    """
    p = Path(path)
    if not p.exists():
        return 1, f"{p}: no such file or directory"
    try:
        load_pack(p)
    except ContentError as exc:
        return 1, str(exc)
    own = _read_dir(p, [])
    summary = f"content OK: {len(own.entries)} entries, {len(own.references)} references in {p}"
    return 0, "\n".join([*readability_warnings(p), summary])


__all__ = ["check_content", "readability_warnings", "Problem"]
