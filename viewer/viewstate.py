"""The view state of one viewer session as a value: what a share link restores.

:class:`ViewState` is an immutable snapshot (camera, posture, selection, reading level,
layers, presentation mode, tour step); the live, observable state of a session is
:class:`viewer.state.SessionState`, and the link form of a snapshot is :mod:`viewer.links`.
Everything here is pure: no Panel, no browser.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace


LEVELS: tuple[str, ...] = ("lay", "student", "clinician")
DEFAULT_LEVEL = "student"

#: Layers a reader can show, hide and fade (names shared with ``viewer.scene.LAYERS``).
LAYERS: tuple[str, ...] = (
    "bones",
    "gmed_anterior",
    "gmed_middle",
    "gmed_posterior",
    "gmin",
    "gmax",
    "nerve",
    "artery",
    "safe_zone",
    "piriformis",
    "tfl",
    "itb",
    "bursae",
    "landmarks",
)

LAYER_LABELS: dict[str, str] = {
    "bones": "Bones",
    "gmed_anterior": "Gluteus medius, anterior fibres",
    "gmed_middle": "Gluteus medius, middle fibres",
    "gmed_posterior": "Gluteus medius, posterior fibres",
    "gmin": "Gluteus minimus",
    "gmax": "Gluteus maximus",
    "nerve": "Superior gluteal nerve",
    "artery": "Superior gluteal artery",
    "safe_zone": "Nerve safe-zone band",
    "piriformis": "Piriformis",
    "tfl": "Tensor fasciae latae",
    "itb": "Iliotibial tract",
    "bursae": "Trochanteric bursae",
    "landmarks": "Landmark markers",
}

#: Opacity of each layer when nothing says otherwise (the scene's own palette,
#: ``viewer.scene.STYLES``).  Gluteus maximus starts faint so the medius beneath it stays
#: visible from the side; so does the iliotibial tract, which covers the trochanter.
DEFAULT_OPACITY: dict[str, float] = {
    "bones": 1.0,
    "gmed_anterior": 0.75,
    "gmed_middle": 0.75,
    "gmed_posterior": 0.75,
    "gmin": 0.55,
    "gmax": 0.22,
    "nerve": 1.0,
    "artery": 1.0,
    "safe_zone": 0.35,
    "piriformis": 0.7,
    "tfl": 0.6,
    "itb": 0.25,
    "bursae": 0.45,
    "landmarks": 1.0,
}

DEFAULT_HIDDEN: frozenset[str] = frozenset()

CAMERA_PRESETS: tuple[str, ...] = ("lateral", "anterior", "posterior", "superior", "reset")
DEFAULT_VIEW = "lateral"

#: Query key of each posture angle.
POSTURE_KEYS: dict[str, str] = {"flexion": "flex", "adduction": "add", "rotation": "rot"}

#: Pelvic drop range, degrees (``meshes.model.PELVIC_DROP_RANGE``, kept equal by a test).
PELVIC_DROP_RANGE: tuple[float, float] = (-15.0, 15.0)



@dataclass(frozen=True)
class Camera:
    """An exact camera: where it stands, what it looks at, which way is up (pelvis frame, mm)."""

    position: tuple[float, float, float]
    focal_point: tuple[float, float, float]
    view_up: tuple[float, float, float]

    def as_dict(self) -> dict:
        """The camera as the scene names it (``viewer.scene.frame_camera``)."""
        return {
            "position": list(self.position),
            "focal_point": list(self.focal_point),
            "view_up": list(self.view_up),
        }


@dataclass(frozen=True)
class ViewState:
    """Everything a share link restores."""

    flexion: float = 0.0
    adduction: float = 0.0
    rotation: float = 0.0
    selection: str | None = None
    level: str = DEFAULT_LEVEL
    view: str = DEFAULT_VIEW
    camera: Camera | None = None
    hidden: frozenset[str] = DEFAULT_HIDDEN
    opacity: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_OPACITY))
    colour_by_group: bool = True
    isolate: bool = False
    pelvic_drop: float = 0.0
    present: bool = False
    tour_step: int | None = None  # 1-based step of the tour on show, if any

    def posture(self) -> dict[str, float]:
        return {"flexion": self.flexion, "adduction": self.adduction, "rotation": self.rotation}

    def visibility(self) -> dict[str, bool]:
        return {layer: layer not in self.hidden for layer in LAYERS}

    def with_changes(self, **changes) -> ViewState:
        return replace(self, **changes)


# ---------------------------------------------------------------------------------------
# Parsing

def _parse_float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def parse_camera(text: str) -> Camera | None:
    """Nine finite numbers (position, focal point, view up), with a non-zero view direction
    and a view-up vector that is not parallel to it; else None."""
    parts = text.split(",")
    if len(parts) != 9:
        return None
    values = [_parse_float(p) for p in parts]
    if any(v is None for v in values):
        return None
    pos, foc, up = values[0:3], values[3:6], values[6:9]
    d = [p - f for p, f in zip(pos, foc)]
    norm_d = math.sqrt(sum(c * c for c in d))
    norm_up = math.sqrt(sum(c * c for c in up))
    if norm_d < 1e-6 or norm_up < 1e-6:
        return None
    cross = (d[1] * up[2] - d[2] * up[1], d[2] * up[0] - d[0] * up[2], d[0] * up[1] - d[1] * up[0])
    if math.sqrt(sum(c * c for c in cross)) < 1e-6 * norm_d * norm_up:
        return None
    return Camera(tuple(pos), tuple(foc), tuple(up))


def camera_from_dict(camera: Mapping | None) -> Camera | None:
    """A :class:`Camera` from a camera dict, named as the scene names it (``position``,
    ``focal_point``, ``view_up``) or as vtk.js does (``focalPoint``, ``viewUp``)."""
    if not camera:
        return None
    try:
        focal = camera["focal_point"] if "focal_point" in camera else camera["focalPoint"]
        up = camera["view_up"] if "view_up" in camera else camera["viewUp"]
        text = ",".join(str(float(v)) for vec in (camera["position"], focal, up) for v in vec)
    except (KeyError, TypeError, ValueError):
        return None
    return parse_camera(text)


def matches_preset(camera: Camera | None, direction, view_up, tolerance_deg: float = 0.5) -> bool:
    """True when ``camera`` looks along a preset: its direction from the focal point to the
    eye and its view-up agree with the preset's within ``tolerance_deg``.  The view fits
    the scene to the window after a preset, so distance and focal point are not compared."""
    if camera is None:
        return True

    def unit(v):
        n = math.sqrt(sum(c * c for c in v))
        return [c / n for c in v] if n > 0 else [0.0, 0.0, 0.0]

    d = unit([p - f for p, f in zip(camera.position, camera.focal_point)])
    limit = math.cos(math.radians(tolerance_deg))
    dot_d = sum(a * b for a, b in zip(d, unit(direction)))
    dot_u = sum(a * b for a, b in zip(unit(camera.view_up), unit(view_up)))
    return dot_d >= limit and dot_u >= limit
