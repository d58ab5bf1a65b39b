"""The scene's meshes as packed binary arrays for the browser view (:mod:`viewer.scene.view`).

Meshes travel once as float32 or 16-bit quantised points and uint16/uint32 triangles, byte-
shuffled and deflate-compressed; later moves travel as patches of only the changed vertex
arrays.  Pure functions of a PyVista plotter: no Panel.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyvista as pv

from viewer import scene as _scene


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(round(float(c) * 255)):02x}" for c in rgb[:3])


def as_arrays(mesh) -> tuple[np.ndarray, np.ndarray | None]:
    """(points float32 (N,3), triangles (M,3) or None) of a trimesh, PyVista mesh or array."""
    if isinstance(mesh, np.ndarray):
        return np.ascontiguousarray(mesh, dtype=np.float32).reshape(-1, 3), None
    if isinstance(mesh, pv.DataSet):
        poly = _scene.to_polydata(mesh)
        return np.ascontiguousarray(poly.points, dtype=np.float32), np.asarray(poly.regular_faces)
    if hasattr(mesh, "vertices") and hasattr(mesh, "faces"):
        return np.ascontiguousarray(mesh.vertices, dtype=np.float32), np.asarray(mesh.faces)
    if isinstance(mesh, tuple) and len(mesh) == 2:
        return np.ascontiguousarray(mesh[0], dtype=np.float32).reshape(-1, 3), np.asarray(mesh[1])
    return np.ascontiguousarray(np.asarray(mesh), dtype=np.float32).reshape(-1, 3), None


def _shuffle(array: np.ndarray) -> bytes:
    """Bytes of ``array`` regrouped by byte position (all first bytes, then all second...).

    Neighbouring values share their high bytes, so the regrouped planes deflate far better
    (the "shuffle" filter of HDF5 and Blosc).
    """
    a = np.ascontiguousarray(array)
    return a.view(np.uint8).reshape(-1, a.dtype.itemsize).T.tobytes()


def encode_points_q16(points: np.ndarray) -> tuple[np.ndarray, list[float], list[float]]:
    """Quantize (N, 3) points to 16 bits over their bounding box and delta-code them.

    Returns (uint16 planar deltas: all x, then y, then z), lower corner, step per axis.
    The browser undoes it with a running sum (mod 2**16) and ``lo + q * step``.
    Resolution is the box size / 65535: under 0.005 mm for a 300 mm bone.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    lo = p.min(axis=0) if len(p) else np.zeros(3)
    span = (p.max(axis=0) - lo) if len(p) else np.ones(3)
    step = np.where(span > 0, span / 65535.0, 1.0)
    q = np.rint((p - lo) / step).astype(np.int64)
    planar = q.T  # (3, N)
    deltas = np.diff(planar, axis=1, prepend=0) % 65536
    return deltas.astype(np.uint16).ravel(), [float(v) for v in lo], [float(v) for v in step]


def encode_triangles(tris: np.ndarray) -> np.ndarray:
    """Flattened triangle indices as zigzag-coded differences (uint32).

    Consecutive indices of a surface mesh are close, so most differences need one byte; the
    browser undoes it with ``v = (z >>> 1) ^ -(z & 1)`` and a running sum.
    """
    idx = np.asarray(tris, dtype=np.int64).ravel()
    d = np.diff(idx, prepend=0)
    return ((d << 1) ^ (d >> 63)).astype(np.uint32)


class Packer:
    """Concatenate arrays into one 4-byte-aligned buffer, remembering (offset, length)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, array: np.ndarray, shuffle: bool = True) -> list[int]:
        raw = _shuffle(array) if shuffle else np.ascontiguousarray(array).tobytes()
        off = self.size
        pad = (-len(raw)) % 4
        self.parts.append(raw + b"\0" * pad)
        self.size += len(raw) + pad
        return [off, len(raw)]

    def compressed(self, level: int = 6) -> bytes:
        return zlib.compress(b"".join(self.parts), level)


def pack_triangles(packer: Packer, tris: np.ndarray) -> dict:
    tris = np.asarray(tris).reshape(-1, 3)
    return {"tris": packer.add(encode_triangles(tris)), "nt": int(len(tris)), "tenc": "zz32"}


def pack_points_q16(packer: Packer, pts: np.ndarray) -> dict:
    q, lo, step = encode_points_q16(pts)
    return {"pts": packer.add(q), "enc": "q16", "lo": lo, "step": step, "np": int(len(pts))}


def pack_points_f32(packer: Packer, pts: np.ndarray) -> dict:
    return {"pts": packer.add(np.asarray(pts, dtype=np.float32)), "enc": "f32", "np": int(len(pts))}


def polydata_arrays(poly: pv.PolyData) -> tuple[np.ndarray, np.ndarray]:
    """(points float32, triangles) of a PyVista mesh, triangulating if needed."""
    poly = _scene.to_polydata(poly)
    return np.ascontiguousarray(poly.points, dtype=np.float32), np.asarray(poly.regular_faces)


_ENCODED: dict[tuple, dict] = {}


def _plotter_signature(plotter: pv.Plotter) -> tuple:
    """Changes whenever an actor, its mesh or its look changes (VTK modification times)."""
    sig = [id(plotter)]
    actors = plotter.actors  # a new dict on every access: read it once
    for name in _scene.actor_names(plotter):
        actor = actors[name]
        data = actor.GetMapper().GetInput()
        sig.append((name, actor.GetMTime(), actor.GetProperty().GetMTime(), data.GetMTime() if data else 0))
    return tuple(sig)


def encode_plotter(plotter: pv.Plotter) -> dict:
    """Everything a SceneView sends first, read from the plotter; cached, since every
    browser session of a server usually shows the same plotter."""
    key = _plotter_signature(plotter)
    if key in _ENCODED:
        return _ENCODED[key]
    packer = Packer()
    actors, colors, opacity, visibility, transforms, arrays = [], {}, {}, {}, {}, {}
    all_actors = plotter.actors
    for name in _scene.actor_names(plotter):
        actor = all_actors[name]
        data = actor.GetMapper().GetInput()
        if data is None or data.GetNumberOfPoints() == 0:
            continue
        pts, tris = polydata_arrays(pv.wrap(data))
        pts.setflags(write=False)
        tris.setflags(write=False)
        arrays[name] = (pts, tris)
        prop = actor.GetProperty()
        colors[name] = _hex(prop.GetColor())
        opacity[name] = round(float(prop.GetOpacity()), 3)
        visibility[name] = bool(actor.GetVisibility())
        matrix = pv.array_from_vtkmatrix(actor.GetMatrix())
        if not np.allclose(matrix, np.eye(4)):
            transforms[name] = [round(float(v), 6) for v in matrix.ravel()]
        actors.append({"name": name, **pack_points_q16(packer, pts), **pack_triangles(packer, tris)})
    focus = _scene.focus_bounds(plotter)
    data = packer.compressed()
    encoded = {
        "arrays": arrays,
        "focus": focus,
        "params": {
            "scene_data": data,
            "scene_meta": {"actors": actors, "raw_bytes": packer.size, "bytes": len(data), "focus": list(focus),
                           "framed": [n for n in _scene.FRAMED if n in arrays]},
            "colors": colors,
            "opacity": opacity,
            "visibility": visibility,
            "transforms": transforms,
            "camera": _scene.camera_of(plotter),
        },
    }
    if len(_ENCODED) >= 4:
        _ENCODED.clear()
    _ENCODED[key] = encoded
    return encoded
