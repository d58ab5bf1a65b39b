"""Bone regions in the 3D view: a click on bare bone opens the region under it, and a
selected region is drawn as its outline on the bone (:mod:`meshes.regions` labels the faces).
"""

from __future__ import annotations

import numpy as np

from meshes import regions

BONE_ACTORS = ("pelvis", "femur_right", "femur_left")


def region_pick(model, picked, visible_layers, eye=None) -> str | None:
    """The region a click on bone selects (None for a click on anything else, or with the
    bones hidden); ``eye`` is the camera's position, so that the side of the bone facing
    the reader is the one taken."""
    if not picked or "bones" not in set(visible_layers):
        return None
    actor, position = picked.get("actor"), picked.get("position")
    if actor not in BONE_ACTORS or position is None:
        return None
    return regions.region_of_pick(model, actor, position, eye)


def region_lines(model, sid: str | None) -> dict[str, list]:
    """The outline of region ``sid`` at the model's posture, as footprint polylines (both
    sides), keyed ``region:<mesh>:<i>``; empty unless ``sid`` is a region."""
    if sid not in regions.BY_REGION:
        return {}
    out = {}
    for mesh in regions.meshes_of(sid):
        matrix = np.asarray(model.femur_transform("right" if mesh == "femur_right" else "left"), dtype=float)
        for i, line in enumerate(regions.region_outline(sid, mesh)):
            moved = line @ matrix[:3, :3].T + matrix[:3, 3]
            out[f"region:{mesh}:{i}"] = np.round(moved, 1).tolist()
    return out
