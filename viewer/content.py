"""The content pack a server process shows: loaded once, shared read-only by every session."""

from __future__ import annotations

import functools

from meshes.landmarks import LANDMARK_IDS


@functools.lru_cache(maxsize=8)
def load_content(content_dirs: tuple[str, ...] = ()):
    """The content pack (built-in pack plus ``content_dirs``) and a list of load problems.

    A broken extra pack never stops the app: the built-in pack is used and the problems are
    shown as a notice.  Never half a pack: a pack loads whole or not at all.
    """
    from annotations import ContentError, load_pack

    try:
        return load_pack(*content_dirs), []
    except ContentError as exc:
        problems = [str(p) for p in exc.problems]
    try:
        return load_pack(), problems
    except ContentError as exc:
        return EmptyPack(), [str(p) for p in exc.problems]


class EmptyPack:
    """No cards: what the viewer shows when even the built-in pack fails to load."""

    entries: dict = {}
    references: dict = {}
    topics: dict = {}
    disclaimer = "For education only; not medical advice."


def known_ids(pack) -> tuple[str, ...]:
    """Every id a selection may name: the model's landmarks, then the pack's other entries."""
    extra = [k for k in pack.entries if k not in LANDMARK_IDS]
    return tuple(LANDMARK_IDS) + tuple(extra)
