"""The browser 3D view: a Panel component drawing a PyVista scene with vtk.js.

The scene (meshes, colours, opacity, visibility) is read from a PyVista plotter built by
:func:`viewer.scene.build_plotter`, sent to the browser once as packed binary arrays
(float32 points, uint16/uint32 triangles, deflate-compressed), and drawn with the vtk.js
build shipped inside Panel.  Later changes travel as small messages: colours, opacity,
visibility, highlight and camera as dict parameters; moving meshes as a compressed patch of
only their vertex arrays; rigid moves (the femur, landmark markers) as 4x4 matrices.

A click (pointer moved at most a few pixels between press and release) is picked in the
page and written to ``picked``; a drag only turns the camera.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping

import numpy as np
import panel as pn
import param
import pyvista as pv

from viewer import scene as _scene
from viewer.scene.encode import Packer, as_arrays, encode_plotter, pack_points_f32, pack_triangles, polydata_arrays

_HERE = pathlib.Path(__file__).parent

#: vtk.js as shipped inside the pinned Panel wheel, served by the Panel server itself.
VTK_JS = "static/extensions/panel/bundled/abstractvtkplot/vtk.js@30.1.0/vtk.js"


class SceneView(pn.custom.JSComponent):
    """Interactive 3D view of a PyVista scene (rotate, zoom, pan, click to pick).

    Create it from a plotter (:func:`viewer.scene.build_plotter`); every actor with a name
    becomes a view actor with the plotter's colour, opacity and visibility.
    """

    camera = param.Dict(default={}, doc="position, focal_point, view_up, view_angle; synced both ways")
    visibility = param.Dict(default={}, doc="actor name -> shown")
    opacity = param.Dict(default={}, doc="actor name -> opacity 0..1")
    colors = param.Dict(default={}, doc="actor name -> '#rrggbb'")
    highlight = param.List(default=[], doc="actor names drawn highlighted (brighter, with an outline)")
    footprints = param.Dict(default={}, doc="name -> (N, 3) polyline drawn as a thick line")
    labels = param.Dict(default={}, doc="landmark id -> name shown beside its marker (labels.js)")
    label_selected = param.String(default=None, allow_None=True, doc="the landmark whose label is always shown")
    label_scale = param.Number(default=1.0, doc="label size (larger for a projector)")
    picked = param.Dict(default={}, doc="last click: {'actor', 'position', 'seq'} written by the page")
    ready = param.Boolean(default=False, doc="True once the page has drawn the scene")
    can_frame = param.Boolean(default=False, doc="Offer the 'Frame the selection' control over the view")
    frame_request = param.Integer(default=0, doc="Raised by the page when the reader asks to frame the selection")

    # Transport (written by Python only).
    scene_data = param.Bytes(default=None, allow_None=True, doc="packed, compressed meshes")
    scene_meta = param.Dict(default={}, doc="layout of scene_data: actor records")
    patch_data = param.Bytes(default=None, allow_None=True, doc="packed, compressed changed vertex arrays")
    patch_meta = param.Dict(default={}, doc="layout of patch_data")
    transforms = param.Dict(default={}, doc="actor name -> 4x4 row-major matrix (16 floats)")

    #: Panel waits 50 ms to gather a session's changes from the page before handling them; a
    #: click is handled at once (the reader waits for its card).
    _priority_changes = ["picked"]

    # The view's module, with the labels' placement (labels.js) after it.
    _esm = (_HERE / "sceneview.js").read_text(encoding="utf-8") + "\n" + (_HERE / "labels.js").read_text(encoding="utf-8")
    _stylesheets = [_HERE / "sceneview.css", _HERE / "labels.css"]
    __javascript__ = [VTK_JS]

    def __init__(self, plotter: pv.Plotter | None = None, scene: dict | None = None, **params):
        params.setdefault("sizing_mode", "stretch_both")
        params.setdefault("min_height", 360)
        params.setdefault("min_width", 320)
        self._points: dict[str, np.ndarray] = {}
        self._tris: dict[str, np.ndarray] = {}
        self._base_points: dict[str, np.ndarray] = {}
        self._base_tris: dict[str, np.ndarray] = {}
        self._moved: set[str] = set()
        self._bounds = (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)
        self._patch_seq = 0
        if scene is None and plotter is not None:
            scene = encode_plotter(plotter)
        if scene is not None:
            params = {**self._from_encoded(scene), **params}
        super().__init__(**params)

    # ------------------------------------------------------------------ building
    def _from_encoded(self, encoded: dict) -> dict:
        """The view's first parameters from a scene encoded by :func:`encode_plotter` (a
        plotter's, or the process's shared scene: :func:`viewer.scene.shared.shared_scene`)."""
        for name, (pts, tris) in encoded["arrays"].items():
            self._points[name], self._tris[name] = pts, tris
            self._base_points[name], self._base_tris[name] = pts, tris
        self._bounds = encoded["focus"]
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in encoded["params"].items()}

    # ------------------------------------------------------------------ public API
    @property
    def actor_names(self) -> list[str]:
        """Names of every actor in the view."""
        return list(self._points)

    def update_meshes(self, meshes: Mapping[str, object]) -> int:
        """Send new vertex positions for moving meshes; returns the bytes sent.

        ``meshes`` maps actor names to a trimesh, a PyVista mesh or an (N, 3) points array.
        Only arrays that changed travel (float32); triangles travel only if they changed.
        The patch holds every mesh that differs from the first scene, so a view opened later
        still shows the current shapes.
        """
        changed = False
        was_moved = set(self._moved)
        for name, mesh in meshes.items():
            if name not in self._points:
                raise KeyError(f"no actor named {name!r}")
            pts, tris = as_arrays(mesh)
            if tris is not None and len(tris) > _scene.MAX_FACES:
                # Drawn simplified, as build_plotter drew it.
                pts, tris = polydata_arrays(_scene.simplified(_scene.to_polydata((pts, tris))))
            if tris is not None and (
                tris.shape != self._tris[name].shape or not np.array_equal(tris, self._tris[name])
            ):
                self._tris[name] = np.asarray(tris)
                changed = True
            elif pts.shape == self._points[name].shape and np.array_equal(pts, self._points[name]):
                continue
            if tris is None and len(pts) != len(self._points[name]):
                raise ValueError(f"{name}: {len(pts)} points given, mesh has {len(self._points[name])}")
            self._points[name] = pts
            changed = True
            same_base = pts.shape == self._base_points[name].shape and np.array_equal(pts, self._base_points[name])
            same_tris = self._tris[name] is self._base_tris[name] or np.array_equal(self._tris[name], self._base_tris[name])
            if same_base and same_tris:
                self._moved.discard(name)
            else:
                self._moved.add(name)
        if not changed:
            return 0
        packer = Packer()
        items = []
        for name in sorted(self._moved):
            rec = {"name": name, **pack_points_f32(packer, self._points[name])}
            if not np.array_equal(self._tris[name], self._base_tris[name]) or len(self._points[name]) != len(
                self._base_points[name]
            ):
                rec.update(pack_triangles(packer, self._tris[name]))
            items.append(rec)
        data = packer.compressed()
        self._patch_seq += 1
        restore = sorted(was_moved - self._moved)
        self.param.update(
            patch_data=data,
            patch_meta={"seq": self._patch_seq, "items": items, "restore": restore, "bytes": len(data)},
        )
        return len(data)

    def set_transform(self, name: str, matrix) -> None:
        """Move one actor rigidly by a 4x4 matrix (row-major, pelvis frame)."""
        self.set_transforms({name: matrix})

    def set_transforms(self, matrices: Mapping[str, object]) -> None:
        """Move several actors rigidly at once (one message)."""
        new = dict(self.transforms)
        for name, matrix in matrices.items():
            if name not in self._points:
                raise KeyError(f"no actor named {name!r}")
            m = np.asarray(matrix, dtype=float).reshape(4, 4)
            new[name] = [round(float(v), 6) for v in m.ravel()]
        self.transforms = new

    def update_landmarks(self, positions: Mapping[str, object]) -> None:
        """Move landmark markers to new positions (landmark id -> xyz), as translations."""
        mats = {}
        for lm_id, xyz in positions.items():
            name = _scene.marker_name(lm_id)
            if name not in self._points:
                continue
            base = self._base_points[name].astype(float).mean(axis=0)
            m = np.eye(4)
            m[:3, 3] = np.asarray(xyz, dtype=float) - base
            mats[name] = m
        if mats:
            self.set_transforms(mats)

    def landmark_positions(self) -> dict[str, np.ndarray]:
        """Current centre of every landmark marker (landmark id -> xyz), transforms applied."""
        out = {}
        for name, pts in self._points.items():
            lm = _scene.landmark_of(name)
            if lm is None:
                continue
            c = np.append(pts.astype(float).mean(axis=0), 1.0)
            if name in self.transforms:
                c = np.asarray(self.transforms[name], dtype=float).reshape(4, 4) @ c
            out[lm] = c[:3]
        return out

    def camera_for_preset(self, name: str, aspect: float = 4 / 3) -> dict:
        """The camera dict a preset gives for this scene."""
        return _scene.frame_camera(self._bounds, name, aspect=aspect)

    def set_camera_preset(self, name: str) -> None:
        """Move the camera to a preset (lateral, anterior, posterior, superior, reset)."""
        cam = self.camera_for_preset(name)
        cam["preset"] = name  # the page fits the bones as they stand to its own width and height
        self.camera = cam

    def actor_bounds(self, names) -> tuple[float, ...] | None:
        """Bounds (xmin, xmax, ...) of the named actors as drawn now (moved meshes and rigid
        transforms included); None if none of them exists."""
        boxes = []
        for name in names:
            pts = self._points.get(name)
            if pts is None or not len(pts):
                continue
            lo, hi = pts.min(axis=0).astype(float), pts.max(axis=0).astype(float)
            corners = np.array([[x, y, z, 1.0] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
            if name in self.transforms:
                corners = corners @ np.asarray(self.transforms[name], dtype=float).reshape(4, 4).T
            boxes.append([v for c in range(3) for v in (corners[:, c].min(), corners[:, c].max())])
        return _scene.union_bounds(boxes) if boxes else None

    def frame(self, bounds, direction, view_up) -> None:
        """Frame ``bounds`` looking along ``direction`` (focal point to eye) with ``view_up``;
        the page fits the box to its own width and height."""
        cam = _scene.frame_camera(bounds, direction=direction, view_up=view_up)
        self.camera = {**cam, "fit": True, "focus": [float(v) for v in bounds]}

    def screenshot(self, filename: str = "hip.png") -> None:
        """Make the browser download a PNG of the current view."""
        self._send_msg({"type": "screenshot", "filename": str(filename)})
