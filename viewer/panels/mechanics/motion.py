"""Lines of pull drawn in the 3D view, and the animation of a fibre group's action."""

from __future__ import annotations

import math

import numpy as np

from meshes import actions
from meshes.frame import POSTURE_RANGES
from viewer.panels.mechanics.texts import POSTURE_PARAMS
from viewer.scene.panel import PULL_FADE

#: Prefix of the 3D view footprint lines this panel draws (the lines of pull).
ARROW_PREFIX = "pull_"
ARROW_LENGTH_MM = 55.0
ARROW_HEAD_MM = 12.0
#: Opacity of the fibre group whose lines of pull are drawn (the 3D view fades it).
ARROW_FADE = PULL_FADE

#: Animation: frames per cycle, ms between frames, and how far each action moves the femur.
FRAMES = 16
FRAME_MS = 250
#: group -> [(model parameter, axis whose moment-arm sign sets the direction, degrees)].
#: Adduction moves against the abduction arm (abduction is negative adduction).
ANIMATIONS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "anterior": (("rotation", "internal_rotation", 40.0),),
    "middle": (("adduction", "abduction", -40.0),),
    "posterior": (("rotation", "internal_rotation", 40.0), ("flexion", "flexion", 20.0)),
    "whole": (("adduction", "abduction", -40.0),),
}


def pull_arrow(path, length: float = ARROW_LENGTH_MM, head: float = ARROW_HEAD_MM) -> tuple[np.ndarray, np.ndarray]:
    """(shaft, head) polylines of a fibre's pull on the femur: from the insertion along the
    fibre's last segment toward its origin; the head is a V at the far end."""
    p = np.asarray(path, dtype=float)
    tip0 = p[-1]
    d = p[-2] - p[-1]
    k = len(p) - 2
    while np.linalg.norm(d) < 1e-6 and k > 0:
        k -= 1
        d = p[k] - p[-1]
    d = d / np.linalg.norm(d)
    end = tip0 + length * d
    side = np.cross(d, [0.0, 0.0, 1.0])
    if np.linalg.norm(side) < 0.2:
        side = np.cross(d, [1.0, 0.0, 0.0])
    side = side / np.linalg.norm(side)
    back = end - head * d
    shaft = np.array([tip0, end])
    v = np.array([back + 0.5 * head * side, end, back - 0.5 * head * side])
    return shaft, v


def pull_arrows(fibres_by_group: dict[str, list]) -> dict[str, list]:
    """Footprint polylines (plain lists, 0.1 mm) of every fibre's pull, named
    ``pull_<group>_<i>`` and ``pull_<group>_<i>_head``."""
    out = {}
    for group, fibres in fibres_by_group.items():
        for i, path in enumerate(fibres):
            shaft, head = pull_arrow(path)
            out[f"{ARROW_PREFIX}{group}_{i}"] = np.round(shaft, 1).tolist()
            out[f"{ARROW_PREFIX}{group}_{i}_head"] = np.round(head, 1).tolist()
    return out


def merged_footprints(current: dict, mine: dict) -> dict:
    """The view's footprints with this panel's lines replaced by ``mine``."""
    out = {k: v for k, v in (current or {}).items() if not k.startswith(ARROW_PREFIX)}
    out.update(mine)
    return out


# ---------------------------------------------------------------- animation


def animation_moves(group: str, arms_g: dict[str, float]) -> dict[str, float]:
    """Parameter changes (deg) at the peak of the animation: each of the group's teaching
    axes, in the direction its moment arm pulls at the starting posture."""
    moves = {}
    for name, axis, amount in ANIMATIONS[group]:
        r = float(arms_g[axis])
        sign = -1.0 if r < 0 else 1.0
        moves[name] = sign * amount
    return moves


def animation_words(group: str, arms_g: dict[str, float]) -> list[str]:
    """The actions the animation shows, in words."""
    out = []
    for _name, axis, _amount in ANIMATIONS[group]:
        pos, neg = actions.ACTION_WORDS[axis]
        out.append(neg if float(arms_g[axis]) < 0 else pos)
    return out


def frame_posture(base: dict[str, float], moves: dict[str, float], frame: int, frames: int = FRAMES) -> dict:
    """Posture at ``frame`` of a cycle: out along ``moves`` and back (sine ease), clipped
    to the anatomical ranges."""
    s = math.sin(math.pi * (frame % frames) / frames)
    out = {}
    for name in POSTURE_PARAMS:
        lo, hi = POSTURE_RANGES[name]
        out[name] = float(np.clip(round(base[name] + s * moves.get(name, 0.0), 1), lo, hi))
    return out


# ---------------------------------------------------------------- exercises
