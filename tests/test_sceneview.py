"""SceneView on the Python side: what it sends, how small, and that it decodes to the scene."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from viewer import scene
from viewer.scene.encode import encode_points_q16, encode_triangles
from viewer.scene.view import SceneView


@pytest.fixture(scope="module")
def model():
    from meshes.model import HipModel

    m = HipModel()
    yield m
    m.param.update(flexion=0.0, adduction=0.0, rotation=0.0)


@pytest.fixture(scope="module")
def plotter(model):
    p = scene.build_plotter(model)
    yield p
    p.close()


def unshuffle(raw: bytes, itemsize: int) -> bytes:
    """Python twin of the page's unshuffle()."""
    a = np.frombuffer(raw, dtype=np.uint8).reshape(itemsize, -1)
    return a.T.tobytes()


def decode(record: dict, buffer: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """Python twin of the page's readPoints()/readTriangles()."""
    off, n = record["pts"]
    if record["enc"] == "q16":
        q = np.frombuffer(unshuffle(buffer[off : off + n], 2), dtype=np.uint16).reshape(3, -1)
        acc = np.cumsum(q.astype(np.int64), axis=1) % 65536
        pts = (np.asarray(record["lo"])[:, None] + acc * np.asarray(record["step"])[:, None]).T
    else:
        pts = np.frombuffer(unshuffle(buffer[off : off + n], 4), dtype=np.float32).reshape(-1, 3)
    tris = None
    if "tris" in record:
        off, n = record["tris"]
        z = np.frombuffer(unshuffle(buffer[off : off + n], 4), dtype=np.uint32).astype(np.int64)
        tris = np.cumsum((z >> 1) ^ -(z & 1)).reshape(-1, 3)
    return pts, tris


def test_point_and_triangle_codes_round_trip():
    rng = np.random.default_rng(0)
    pts = rng.uniform(-150, 150, size=(5000, 3))
    q, lo, step = encode_points_q16(pts)
    buf = bytes(np.ascontiguousarray(q).view(np.uint8).reshape(-1, 2).T.tobytes())
    got, _ = decode({"pts": [0, len(buf)], "enc": "q16", "lo": lo, "step": step}, buf)
    assert np.abs(got - pts).max() < 0.005  # mm
    tris = rng.integers(0, 5000, size=(9000, 3))
    z = encode_triangles(tris)
    raw = z.view(np.uint8).reshape(-1, 4).T.tobytes()
    _, back = decode({"pts": [0, 0], "enc": "f32", "tris": [0, len(raw)]}, raw)
    assert np.array_equal(back, tris)


def test_the_page_gets_every_actor_as_drawn_in_pyvista(plotter):
    view = SceneView(plotter)
    buffer = zlib.decompress(view.scene_data)
    names = [r["name"] for r in view.scene_meta["actors"]]
    assert set(names) == set(scene.actor_names(plotter))
    for rec in view.scene_meta["actors"]:
        pts, tris = decode(rec, buffer)
        data = plotter.actors[rec["name"]].GetMapper().GetInput()
        ref = np.asarray(data.GetPoints().GetData())
        assert pts.shape == ref.shape and np.abs(pts - ref).max() < 0.01, rec["name"]
        assert tris.shape == (data.GetNumberOfCells(), 3)
    # Colours and opacity come from the plotter, not from a second palette.
    assert view.colors["gmed_middle_right"] == scene.GMED_MIDDLE
    assert view.opacity["gmax_right"] == pytest.approx(scene.style_for("gmax_right")[1])
    assert all(view.visibility.values())


def test_whole_scene_is_small_enough_for_a_classroom_network(plotter):
    view = SceneView(plotter)
    assert len(view.scene_data) <= 600_000


def test_a_posture_step_sends_only_what_moved_and_little_of_it(model, plotter):
    view = SceneView(plotter)
    base = model.meshes()
    assert view.update_meshes({k: v for k, v in base.items() if k not in ("pelvis", "sacrum")}) == 0
    model.flexion = 40.0
    moved = {k: v for k, v in model.meshes().items() if k not in ("pelvis", "sacrum", "femur_right", "femur_left")}
    sent = view.update_meshes(moved)
    assert 0 < sent <= 100_000
    items = {i["name"] for i in view.patch_meta["items"]}
    changed = {k for k, v in moved.items() if not np.array_equal(np.asarray(v.vertices), np.asarray(base[k].vertices))}
    assert items == changed
    buffer = zlib.decompress(view.patch_data)
    for rec in view.patch_meta["items"]:
        pts, _ = decode(rec, buffer)
        assert np.allclose(pts, np.asarray(moved[rec["name"]].vertices), atol=1e-4)
    # Back to neutral: the patch says to restore the first shapes.
    model.flexion = 0.0
    view.update_meshes({k: v for k, v in model.meshes().items() if k in moved})
    assert view.patch_meta["items"] == []
    assert set(view.patch_meta["restore"]) == changed


def test_rigid_moves_and_landmarks_travel_as_matrices(model, plotter):
    view = SceneView(plotter)
    m = np.eye(4)
    m[:3, 3] = [5.0, -3.0, 2.0]
    view.set_transform("femur_right", m)
    assert view.transforms["femur_right"][3] == 5.0
    target = np.asarray(model.landmarks()["greater_trochanter_tip"]) + [1.0, 2.0, 3.0]
    view.update_landmarks({"greater_trochanter_tip": target})
    assert np.allclose(view.landmark_positions()["greater_trochanter_tip"], target, atol=0.01)
    with pytest.raises(KeyError):
        view.set_transform("no_such_actor", m)


def test_camera_presets_frame_the_scene(plotter):
    view = SceneView(plotter)
    for preset in scene.CAMERA_PRESETS:
        view.set_camera_preset(preset)
        assert view.camera["preset"] == preset
        pos = np.asarray(view.camera["position"])
        lo, hi = np.asarray(view._bounds[::2]), np.asarray(view._bounds[1::2])
        assert np.any(pos < lo) or np.any(pos > hi)
