"""Guided tours in the viewer: what a tour may name, and a step as a view state.

Plain functions and a small navigator, no Panel: the tour file itself is read and checked by
:mod:`annotations.tours`; :mod:`viewer.classroom.presentation` shows it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass

from annotations.tours import BUILTIN_TOUR, Tour, TourError, TourRules, TourStep, check_tour, load_tour
from meshes.frame import POSTURE_RANGES
from meshes.landmarks import LANDMARK_IDS
from viewer.state import (
    CAMERA_PRESETS,
    DEFAULT_OPACITY,
    DEFAULT_VIEW,
    LAYERS,
    PELVIC_DROP_RANGE,
    Camera,
    ViewState,
)

__all__ = [
    "BUILTIN_TOUR",
    "Tour",
    "TourError",
    "TourNav",
    "check_tour_file",
    "load_viewer_tour",
    "step_state",
    "tour_rules",
]


def tour_rules(ids: Iterable[str] = LANDMARK_IDS) -> TourRules:
    """What a tour step may name in this viewer: its layers, camera presets and posture
    ranges, and ``ids`` (the model's landmarks and the content pack's entries)."""
    return TourRules(
        layers=LAYERS,
        presets=CAMERA_PRESETS,
        ranges={**POSTURE_RANGES, "pelvic_drop": PELVIC_DROP_RANGE},
        ids=tuple(ids),
    )


def pack_ids(content_dirs: Iterable[str] = ()) -> tuple[str, ...]:
    """Every id a tour may select with these content packs: landmarks, then the pack's entries.

    Raises ``annotations.ContentError`` if the packs do not load.
    """
    from annotations import load_pack

    pack = load_pack(*content_dirs)
    return tuple(LANDMARK_IDS) + tuple(k for k in pack.entries if k not in LANDMARK_IDS)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float, ids: tuple[str, ...]) -> Tour:
    return load_tour(path, tour_rules(ids))


def load_viewer_tour(path: str | os.PathLike | None, ids: Iterable[str]) -> Tour:
    """The tour at ``path`` (the built-in one when None), checked against ``ids``; cached per
    file version.  Raises :class:`TourError`."""
    p = os.fspath(path) if path is not None else os.fspath(BUILTIN_TOUR)
    try:
        mtime = os.stat(p).st_mtime
    except OSError:
        mtime = -1.0
    return _load_cached(p, mtime, tuple(ids))


def check_tour_file(path: str | os.PathLike, content_dirs: Iterable[str] = ()) -> tuple[int, str]:
    """``hip-viewer check-tour``: (0, "tour OK: ...") or (1, every problem on its own line)."""
    return check_tour(path, tour_rules(pack_ids(tuple(content_dirs))))


def step_state(step: TourStep, number: int, base: ViewState) -> ViewState:
    """The view of tour step ``number`` (1-based): everything the step sets, the reader's
    reading level and presentation mode kept from ``base``."""
    if isinstance(step.camera, str):
        view, camera = step.camera, None
    else:
        view = DEFAULT_VIEW
        camera = Camera(tuple(step.camera.position), tuple(step.camera.focal_point), tuple(step.camera.view_up))
    return ViewState(
        flexion=float(step.posture.flexion),
        adduction=float(step.posture.adduction),
        rotation=float(step.posture.rotation),
        pelvic_drop=float(step.posture.pelvic_drop),
        selection=step.select,
        level=base.level,
        view=view,
        camera=camera,
        hidden=frozenset(step.layers.hidden),
        opacity={**DEFAULT_OPACITY, **{k: float(v) for k, v in step.layers.opacity.items()}},
        colour_by_group=step.layers.colour_by_group,
        isolate=step.layers.isolate,
        present=base.present,
        tour_step=number,
    )


@dataclass
class TourNav:
    """Where a reader is in a tour: ``number`` is the step on show (1-based) or None before
    the tour starts.  Moves stop at either end."""

    tour: Tour
    number: int | None = None

    @property
    def count(self) -> int:
        return len(self.tour.steps)

    @property
    def step(self) -> TourStep | None:
        return self.tour.steps[self.number - 1] if self.number else None

    def go(self, number: int | None) -> int | None:
        """Go to step ``number`` (clamped to the tour); returns the new number."""
        self.number = None if number is None else min(max(int(number), 1), self.count)
        return self.number

    def next(self) -> int:
        return self.go(1 if self.number is None else self.number + 1)

    def previous(self) -> int:
        return self.go(1 if self.number is None else self.number - 1)

    @property
    def at_start(self) -> bool:
        return self.number is None or self.number <= 1

    @property
    def at_end(self) -> bool:
        return self.number is not None and self.number >= self.count

    def position(self) -> str:
        """"Step 3 of 14", or the length of a tour not yet started."""
        if self.number is None:
            return f"{self.count} steps"
        return f"Step {self.number} of {self.count}"
