"""Cameras of the 3D view: the presets, the framing rule, the pinhole projection.

The page (sceneview.js ``fitDistance``) frames a view by the same rule as
:func:`fit_distance`, with its own width and height.  Pelvis frame, millimetres, degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pyvista as pv

#: Preset name -> (direction from the focal point to the camera, view-up), pelvis frame.
CAMERA_PRESETS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "lateral": ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
    "anterior": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "posterior": ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "superior": ((0.0, 1.0, 0.0), (1.0, 0.0, 0.0)),
    "reset": ((0.45, 0.25, 1.0), (0.0, 1.0, 0.0)),
}

VIEW_ANGLE = 30.0


#: Share of the view's half-width and half-height left free around a framed box.
FRAME_MARGIN = 1.06


def camera_axes(direction, up) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(right, up, back) unit axes of a camera looking along ``-direction`` (``direction``
    points from the focal point to the eye) with view-up ``up`` (made orthogonal)."""
    back = np.asarray(direction, dtype=float)
    back = back / np.linalg.norm(back)
    up = np.asarray(up, dtype=float)
    right = np.cross(up, back)
    if np.linalg.norm(right) < 1e-9:  # view-up along the view direction: any other up will do
        right = np.cross((0.0, 0.0, 1.0) if abs(back[2]) < 0.9 else (1.0, 0.0, 0.0), back)
    right /= np.linalg.norm(right)
    return right, np.cross(back, right), back


def fit_distance(bounds, direction, up, aspect: float, view_angle: float = VIEW_ANGLE,
                 margin: float = FRAME_MARGIN) -> float:
    """Distance from the box's centre at which a perspective camera sees the whole box.

    The box's 8 corners, relative to its centre, are written on the camera's axes
    (x right, y up, z towards the eye).  A corner at depth ``D - z`` from the eye fits the
    vertical half-angle ``a/2`` when ``D >= |y| / tan(a/2) + z`` and the horizontal one when
    ``D >= |x| / (tan(a/2) * aspect) + z``; the distance is the largest of these over the
    corners, with ``margin`` widening x and y.  (VTK's ResetCamera fits the box's bounding
    sphere instead, which leaves much of a long, narrow model's view empty.)  The sceneview.js
    ``fitDistance`` computes the same.
    """
    b = np.asarray(list(bounds), dtype=float).reshape(3, 2)
    centre = b.mean(axis=1)
    right, up_, back = camera_axes(direction, up)
    corners = np.array([[x, y, z] for x in b[0] for y in b[1] for z in b[2]]) - centre
    t = math.tan(math.radians(view_angle) / 2)
    x, y, z = margin * np.abs(corners @ right), margin * np.abs(corners @ up_), corners @ back
    return float(max(np.max(y / t + z), np.max(x / (t * aspect) + z), 1e-6))


def frame_camera(
    bounds: Iterable[float],
    preset: str = "lateral",
    aspect: float = 4 / 3,
    view_angle: float = VIEW_ANGLE,
    margin: float = FRAME_MARGIN,
    direction=None,
    view_up=None,
) -> dict:
    """Camera that frames ``bounds`` (xmin, xmax, ymin, ymax, zmin, zmax) from a preset (or
    from ``direction``, focal point to eye, with ``view_up``) in a view ``aspect`` = width /
    height: it looks at the box's centre from :func:`fit_distance`, so that the box's
    projection fills the view's width or height, whichever limits, less a small margin.
    Returns a dict of position, focal_point, view_up and view_angle (plain lists and floats).
    """
    if direction is None:
        if preset not in CAMERA_PRESETS:
            raise ValueError(f"unknown camera preset {preset!r}; choose from {sorted(CAMERA_PRESETS)}")
        direction, view_up = CAMERA_PRESETS[preset]
    b = np.asarray(list(bounds), dtype=float).reshape(3, 2)
    centre = b.mean(axis=1)
    up = np.asarray(view_up if view_up is not None else (0.0, 1.0, 0.0), dtype=float)
    _, _, back = camera_axes(direction, up)
    distance = fit_distance(bounds, back, up, aspect, view_angle, margin)
    position = centre + distance * back
    return {
        "position": [float(v) for v in position],
        "focal_point": [float(v) for v in centre],
        "view_up": [float(v) for v in up],
        "view_angle": float(view_angle),
    }


def project(camera: Mapping, points, width: int, height: int) -> np.ndarray:
    """Screen positions (pixels, origin top-left, as a mouse sees them) of world points.

    Pinhole projection with a vertical view angle, as VTK and vtk.js use
    (``vtkCamera::GetProjectionTransformMatrix`` with UseHorizontalViewAngle off).
    """
    p = np.asarray(points, dtype=float).reshape(-1, 3)
    eye = np.asarray(camera["position"], dtype=float)
    focal = np.asarray(camera["focal_point"], dtype=float)
    forward = focal - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, np.asarray(camera["view_up"], dtype=float))
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    rel = p - eye
    depth = rel @ forward
    f = 1.0 / math.tan(math.radians(camera.get("view_angle", VIEW_ANGLE)) / 2)
    ndc_x = f * (rel @ right) / depth / (width / height)
    ndc_y = f * (rel @ up) / depth
    return np.column_stack([(ndc_x + 1) * width / 2, (1 - ndc_y) * height / 2])


def apply_camera(plotter: pv.Plotter, camera: Mapping) -> None:
    """Set a plotter's camera from a camera dict (see :func:`frame_camera`)."""
    cam = plotter.camera
    cam.position = tuple(camera["position"])
    cam.focal_point = tuple(camera["focal_point"])
    cam.up = tuple(camera["view_up"])
    cam.view_angle = float(camera.get("view_angle", VIEW_ANGLE))
    plotter.renderer.ResetCameraClippingRange()


def camera_of(plotter: pv.Plotter) -> dict:
    """The plotter's camera as a camera dict."""
    cam = plotter.camera
    return {
        "position": [float(v) for v in cam.position],
        "focal_point": [float(v) for v in cam.focal_point],
        "view_up": [float(v) for v in cam.up],
        "view_angle": float(cam.view_angle),
    }
