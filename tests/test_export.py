"""Mesh export for Blender, slides and 3D printing: files load back with trimesh, every
structure present, watertight where the model's mesh was."""

from __future__ import annotations

import subprocess
import sys

import pytest
import trimesh

from meshes.export import export_meshes, load_back
from meshes.model import HipModel


@pytest.fixture(scope="module")
def flexed_meshes():
    return HipModel(flexion=45, adduction=-10).meshes()


@pytest.mark.parametrize("fmt", ["glb", "stl", "obj"])
def test_exported_meshes_load_back_whole_and_watertight(tmp_path, flexed_meshes, fmt):
    out = tmp_path / ("hip.glb" if fmt == "glb" else fmt)
    back = load_back(export_meshes(flexed_meshes, out, fmt))
    assert sorted(back) == sorted(flexed_meshes)
    for name, mesh in flexed_meshes.items():
        assert len(back[name].faces) == len(mesh.faces), name
        if mesh.is_watertight:
            assert back[name].is_watertight, f"{name} lost its closed surface in {fmt}"
    assert back["femur_right"].bounds == pytest.approx(flexed_meshes["femur_right"].bounds, abs=0.01)


def test_export_mesh_command_writes_a_glb_at_the_posture_asked_for(tmp_path):
    out = tmp_path / "hip.glb"
    result = subprocess.run(
        [sys.executable, "-m", "viewer", "export-mesh", "--format", "glb", "--flexion", "90", str(out)],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    scene = trimesh.load(out, force="scene")
    femur = scene.geometry["femur_right"]
    # At 90 degrees of flexion the femur points forward (+X), not down.
    assert femur.bounds[1][0] > 300


def test_export_mesh_rejects_a_posture_out_of_range(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "viewer", "export-mesh", "--format", "stl", "--flexion", "200", str(tmp_path / "x")],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "flexion" in result.stderr and "Traceback" not in result.stderr
