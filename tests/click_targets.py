"""Where on the screen to click each landmark of the viewer, as a reader would aim.

Given the camera the page reports and the meshes the page draws (the shared scene, built the
same way), find for each landmark a pixel where a click lands on it: a marker's centre when
no opaque surface stands in front of it, or, for a structure (a muscle, the nerve), a pixel
in the middle of the region where that structure is the nearest surface a click can take.
The rules mirror what the page and :func:`viewer.scene.picking.resolve_pick` do (markers within
a few pixels win unless behind opaque bone; fainter meshes are looked through; faded layers
near a landmark snap to it), so that a target found here is one a reader could click.  The
test then clicks it with the real mouse and reads the card.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
import vtk

from meshes.landmarks import LANDMARKS
from viewer import scene
from viewer.scene import picking as selection
from viewer.state import DEFAULT_OPACITY

MARKER_SNAP_PX = 12.0  # sceneview.js MARKER_SNAP
OPAQUE_ENOUGH = 0.3  # sceneview.js OPAQUE_ENOUGH
SEE_THROUGH_BELOW = 0.5  # viewer.app.SEE_THROUGH_BELOW
EDGE_PX = 12.0  # targets at least this far inside the view


class DrawnScene:
    """The neutral-posture scene as the page draws it: meshes with a ray locator each, and
    the landmark markers."""

    def __init__(self, plotter):
        self.meshes = {}
        self.locators = {}
        for name, actor in plotter.actors.items():
            if name.startswith("lm:") or actor.mapper is None:
                continue
            mesh = actor.mapper.dataset
            if mesh is None or mesh.n_points == 0:
                continue
            mesh = (mesh if isinstance(mesh, pv.PolyData) else mesh.extract_surface()).triangulate()
            tree = vtk.vtkOBBTree()
            tree.SetDataSet(mesh)
            tree.BuildLocator()
            self.meshes[name] = mesh
            self.locators[name] = tree
        self.markers = {
            scene.landmark_of(name): np.asarray(actor.mapper.dataset.center, dtype=float)
            for name, actor in plotter.actors.items() if name.startswith("lm:")
        }

    def first_hit(self, eye, target, names, beyond: float = 0.0):
        """(distance, name) of the nearest surface among ``names`` on the segment from
        ``eye`` towards ``target`` (extended ``beyond`` mm past it), or (inf, None)."""
        eye = np.asarray(eye, float)
        target = np.asarray(target, float)
        direction = (target - eye) / np.linalg.norm(target - eye)
        end = target + direction * beyond
        best = (np.inf, None)
        points = vtk.vtkPoints()
        for name in names:
            points.Reset()
            if self.locators[name].IntersectWithLine(eye, end, points, None):
                d = min(np.linalg.norm(np.asarray(points.GetPoint(i)) - eye) for i in range(points.GetNumberOfPoints()))
                if d < best[0]:
                    best = (d, name)
        return best


def _layer_opacity(layer, opacity):
    return float(opacity.get(layer, DEFAULT_OPACITY.get(layer, 1.0)))


def targets(drawn: DrawnScene, camera: dict, rect: dict, hidden=(), opacity=None,
            clear_px: float = MARKER_SNAP_PX + 4, avoid=()) -> dict[str, tuple[float, float]]:
    """Landmark id -> page pixel (x, y) to click, for every landmark clickable in this view;
    a structure is aimed at ``clear_px`` or farther from every marker (a finger needs more)
    and from the page pixels ``avoid`` (e.g. every marker the page draws)."""
    opacity = dict(opacity or {})
    width, height = rect["width"], rect["height"]
    eye = np.asarray(camera["position"], float)
    visible = [n for n in drawn.meshes if selection.layer_of_actor(n) not in hidden]
    op = {n: _layer_opacity(selection.layer_of_actor(n), opacity) for n in visible}
    opaque = [n for n in visible if op[n] >= 0.99]
    markers_on = "landmarks" not in hidden
    marker_ids = [m for m in drawn.markers if markers_on]
    marker_xy = scene.project(camera, [drawn.markers[m] for m in marker_ids], width, height) if marker_ids else np.zeros((0, 2))

    def inside(xy):
        return EDGE_PX <= xy[0] <= width - EDGE_PX and EDGE_PX <= xy[1] <= height - EDGE_PX

    out: dict[str, tuple[float, float]] = {}
    # Markers: their centre, unless opaque bone (or nerve, artery) stands in front.
    for i, lid in enumerate(marker_ids):
        xy = marker_xy[i]
        if not inside(xy):
            continue
        others = np.delete(marker_xy, i, axis=0)
        if len(others) and np.min(np.linalg.norm(others - xy, axis=1)) < 3.0:
            continue  # two markers on one pixel: either could answer
        centre = drawn.markers[lid]
        depth = np.linalg.norm(centre - eye)
        wall, _ = drawn.first_hit(eye, centre, opaque)
        if wall < depth - max(2.5 * scene.MARKER_RADIUS, 8.0):
            continue
        out[lid] = (rect["left"] + xy[0], rect["top"] + xy[1])

    # Structures: the middle of the pixels where the structure is what a click takes.
    keep_clear = np.vstack([marker_xy.reshape(-1, 2),
                            np.asarray([(x - rect["left"], y - rect["top"]) for x, y in avoid], float).reshape(-1, 2)])
    structures = [lm.id for lm in LANDMARKS if lm.kind == "structure"]
    enough = [n for n in visible if op[n] >= OPAQUE_ENOUGH]
    landmarks_shown = {lid: drawn.markers[lid] for lid in marker_ids}
    for sid in structures:
        names = [n for n in visible if selection.structure_of_actor(n) == sid and n.endswith("_right")
                 or selection.structure_of_actor(n) == sid and n == sid]
        good = []
        for name in names:
            mesh = drawn.meshes[name]
            centres = mesh.cell_centers().points
            normals = mesh.compute_normals(cell_normals=True, point_normals=False)["Normals"]
            facing = np.einsum("ij,ij->i", normals, eye - centres) > 0
            idx = np.flatnonzero(facing)
            if len(idx) > 400:
                idx = idx[np.linspace(0, len(idx) - 1, 400).astype(int)]
            xy_all = scene.project(camera, centres[idx], width, height)
            for k, xy in zip(idx, xy_all):
                if not inside(xy):
                    continue
                if len(keep_clear) and np.min(np.linalg.norm(keep_clear - xy, axis=1)) < clear_px:
                    continue
                point = centres[k]
                depth = np.linalg.norm(point - eye)
                pool = enough if op[name] >= OPAQUE_ENOUGH else visible
                if op[name] < OPAQUE_ENOUGH:
                    hit_enough, _ = drawn.first_hit(eye, point, enough, beyond=2000.0)
                    if hit_enough < np.inf:
                        continue  # a fainter mesh is taken only where nothing else is
                d, hit = drawn.first_hit(eye, point, pool, beyond=1.0)
                if hit != name or abs(d - depth) > 1.5:
                    continue
                if op[name] < SEE_THROUGH_BELOW and landmarks_shown and min(
                        np.linalg.norm(p - point) for p in landmarks_shown.values()) < selection.SNAP_MM + 2:
                    continue  # a faded layer's hit snaps to a landmark beneath
                good.append(xy)
        if len(good) >= 3:
            good = np.array(good)
            centre = np.median(good, axis=0)
            pick = good[np.argmin(np.linalg.norm(good - centre, axis=1))]
            out[sid] = (rect["left"] + pick[0], rect["top"] + pick[1])
    return out
