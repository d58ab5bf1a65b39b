"""Export the hip model's meshes for Blender, slides or 3D printing.

Coordinates stay in the ISB pelvis frame in millimetres (:mod:`meshes.frame`): a 3D printer
reads them as millimetres; Blender imports glTF in metres, so scale by 0.001 there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

FORMATS = ("glb", "stl", "obj")


def scene_for_export(meshes: dict[str, trimesh.Trimesh]) -> trimesh.Scene:
    """A trimesh scene with one named node per mesh (names as in ``HipModel.meshes()``)."""
    scene = trimesh.Scene()
    for name, mesh in meshes.items():
        scene.add_geometry(mesh.copy(), node_name=name, geom_name=name)
    return scene


def export_meshes(meshes: dict[str, trimesh.Trimesh], out: str | Path, fmt: str | None = None) -> list[Path]:
    """Write ``meshes`` as glTF binary (``glb``), STL or Wavefront OBJ; returns the files written.

    ``glb`` writes one file with one named node per structure, ready for Blender or slides.
    ``stl`` and ``obj`` write a folder ``out`` with one file per structure (``pelvis.stl``,
    ``femur_right.stl`` ...): a printer slicer wants one closed part per file, and these
    formats keep no object names that every tool reads back.
    """
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "glb":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(scene_for_export(meshes).export(file_type="glb"))
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, mesh in meshes.items():
        path = out / f"{name}.{fmt}"
        data = mesh.export(file_type=fmt)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        written.append(path)
    return written


def load_back(paths: list[Path]) -> dict[str, trimesh.Trimesh]:
    """Meshes read back from exported files, by structure name."""
    meshes: dict[str, trimesh.Trimesh] = {}
    for path in paths:
        loaded = trimesh.load(path, force="scene")
        if len(paths) == 1 and Path(path).suffix == ".glb":
            meshes.update(loaded.geometry)
        else:
            meshes[Path(path).stem] = loaded.to_geometry()
    return meshes


def bounds_mm(meshes: dict[str, trimesh.Trimesh]) -> np.ndarray:
    """Axis-aligned bounds (2x3, mm) of all meshes together."""
    points = np.vstack([m.vertices for m in meshes.values()])
    return np.array([points.min(axis=0), points.max(axis=0)])
