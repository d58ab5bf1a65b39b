"""The one frame and unit used everywhere in the hip viewer.

Frame
-----
ISB pelvis frame (Wu et al. 2002, J Biomech 35:543), origin at the **right hip joint
centre (HJC)**:

* ``X`` anterior
* ``Y`` superior
* ``Z`` to the right (lateral for the right hip)

Units are **millimetres** and **degrees** at every public interface.

Hip angles (right side)
-----------------------
Joint coordinate system of Wu et al. 2002: flexion about the pelvis ``Z`` axis, then
adduction about the floating (rotated ``X``) axis, then internal rotation about the femur's
long (rotated ``Y``) axis.  Signs: flexion +, adduction + (abduction is negative adduction),
internal rotation +.  For the right hip that is the intrinsic Euler sequence ``ZXY`` with
all three angles taken as they are; the left hip is its mirror image through the sagittal
plane of the body (see :func:`mirror_about`).

Pelvic tilt in the frontal plane (for single-leg stance) turns the pelvis about the stance
hip's anteroposterior axis; positive ``pelvic_drop_deg`` means the *unsupported* side drops.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

FRAME = "ISB pelvis frame (Wu et al. 2002): origin right hip joint centre, X anterior, Y superior, Z right"
UNITS = "mm"

#: Anatomical posture ranges in degrees (inclusive).
POSTURE_RANGES: dict[str, tuple[float, float]] = {
    "flexion": (-30.0, 120.0),
    "adduction": (-45.0, 30.0),
    "rotation": (-45.0, 45.0),
}

#: Mirror matrix through the body's midsagittal plane, for this frame.
MIRROR = np.diag([1.0, 1.0, -1.0])


def hip_rotation(flexion: float, adduction: float, rotation: float, side: str = "right") -> np.ndarray:
    """3x3 rotation matrix of the femur relative to the pelvis.

    Source: Wu et al. 2002, J Biomech 35:543, hip joint coordinate system (flexion about the
    pelvic Z axis, adduction about the floating axis, internal rotation about the femoral Y
    axis), written as the intrinsic Euler sequence ``ZXY``.  The left side is the mirror image
    ``M R M`` with ``M = diag(1, 1, -1)`` (see :func:`mirror_about`).
    """
    r = Rotation.from_euler("ZXY", [flexion, adduction, rotation], degrees=True).as_matrix()
    if side == "left":
        return MIRROR @ r @ MIRROR
    if side != "right":
        raise ValueError(f"side must be 'right' or 'left', not {side!r}")
    return r


def joint_axes(flexion: float, adduction: float, rotation: float, side: str = "right") -> dict[str, np.ndarray]:
    """Unit axes (pelvis frame) about which each posture angle turns the femur, signed so
    that a positive moment about the axis produces the named action.

    Returns ``flexion``, ``abduction`` and ``internal_rotation`` axes.  Source: Wu et al. 2002
    JCS: e1 = pelvic Z (flexion), e2 = floating axis Rz(flexion) X (adduction), e3 = femoral Y
    (internal rotation).  Abduction is negative adduction, so its axis is -e2.  For the left
    side the mirrored frame turns each axis to ``-M e`` (an axial vector under reflection).
    """
    rz = Rotation.from_euler("Z", flexion, degrees=True)
    e1 = np.array([0.0, 0.0, 1.0])
    e2 = rz.apply([1.0, 0.0, 0.0])
    e3 = hip_rotation(flexion, adduction, rotation, "right") @ np.array([0.0, 1.0, 0.0])
    axes = {"flexion": e1, "abduction": -e2, "internal_rotation": e3}
    if side == "left":
        return {k: -(MIRROR @ v) for k, v in axes.items()}
    return axes


def mirror_about(points: np.ndarray, z_mid: float) -> np.ndarray:
    """Reflect points through the plane ``Z = z_mid`` (the body's midsagittal plane)."""
    out = np.array(points, dtype=float, copy=True)
    out[..., 2] = 2.0 * z_mid - out[..., 2]
    return out
