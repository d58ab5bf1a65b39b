"""The PyVista scene description: palette, layers, markers, cameras and off-screen renders."""

from __future__ import annotations

import colorsys
import io

import numpy as np
import pytest

from viewer import scene

PRESETS = ("lateral", "anterior", "posterior", "superior", "reset")


def hip_model():
    """The real hip model at neutral posture."""
    from meshes.model import HipModel

    return HipModel()


@pytest.fixture(scope="module")
def model():
    return hip_model()


@pytest.fixture(scope="module")
def plotter(model):
    p = scene.build_plotter(model, off_screen=True)
    yield p
    p.close()


@pytest.fixture(scope="module")
def lateral_rgb(model):
    from PIL import Image

    png = scene.render_png(model, camera="lateral", size=(800, 600))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "scene_lateral_offscreen.png").write_bytes(png)
    return rgb


def hue_saturation_value(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) of hue in degrees, saturation and value (0..1); the usual hexcone model."""
    x = rgb.astype(float) / 255.0
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = x.max(axis=-1)
    c = v - x.min(axis=-1)
    safe = np.where(c > 0, c, 1.0)
    h = np.where(v == r, ((g - b) / safe) % 6.0, np.where(v == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    h = np.where(c > 0, h * 60.0, 0.0)
    s = np.where(v > 0, c / np.where(v > 0, v, 1.0), 0.0)
    return np.stack([h, s, v], axis=-1)


def pixels_like(rgb: np.ndarray, hex_colour: str, hue_tol: float = 14.0, min_sat: float = 0.25) -> int:
    """Pixels whose hue is within ``hue_tol`` degrees of ``hex_colour`` and saturation similar.

    Hue survives shading and blending with the ivory bone behind a translucent muscle far
    better than raw RGB does, so the palette colours are matched by hue.
    """
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, s, _ = colorsys.rgb_to_hsv(r, g, b)
    hsv = hue_saturation_value(rgb)
    dh = np.abs(((hsv[..., 0] - h * 360.0) + 180.0) % 360.0 - 180.0)
    return int(((dh <= hue_tol) & (hsv[..., 1] >= max(min_sat, 0.45 * s)) & (hsv[..., 2] > 0.15)).sum())


def test_off_screen_render_is_not_blank(lateral_rgb):
    drawn = (np.abs(lateral_rgb.astype(int) - 255).max(axis=2) > 12).mean()
    assert drawn > 0.05, f"only {drawn:.3f} of the lateral render is drawn"


def test_lateral_render_shows_bone_and_each_gluteus_medius_group(lateral_rgb):
    bone = pixels_like(lateral_rgb, scene.BONE, hue_tol=12.0, min_sat=0.06)
    assert bone > 2000, f"bone ivory barely visible ({bone} px)"
    counts = {
        group: pixels_like(lateral_rgb, colour)
        for group, colour in (
            ("anterior", scene.GMED_ANTERIOR),
            ("middle", scene.GMED_MIDDLE),
            ("posterior", scene.GMED_POSTERIOR),
        )
    }
    for group, n in counts.items():
        assert n > 300, f"gluteus medius {group} fibres barely visible in the lateral view: {counts}"


@pytest.mark.parametrize("group", ["anterior", "middle", "posterior"])
def test_each_group_colour_comes_from_that_group(model, group):
    """Hiding one fibre group removes most pixels of its colour from the lateral view."""
    colour = getattr(scene, f"GMED_{group.upper()}")
    p = scene.build_plotter(model, off_screen=True)
    try:
        shown = pixels_like(p.screenshot(return_img=True), colour)
        p.actors[f"gmed_{group}_right"].SetVisibility(False)
        p.render()
        hidden = pixels_like(p.screenshot(return_img=True), colour)
    finally:
        p.close()
    assert hidden < 0.3 * shown, f"{group}: {shown} px of its colour shown, {hidden} with the group hidden"


def test_gluteus_medius_groups_have_distinct_colours():
    hues = []
    for colour in (scene.GMED_ANTERIOR, scene.GMED_MIDDLE, scene.GMED_POSTERIOR):
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        h, _, v = colorsys.rgb_to_hsv(r, g, b)
        hues.append((h * 360.0, v))
    for i in range(3):
        for j in range(i + 1, 3):
            dh = abs((hues[i][0] - hues[j][0] + 180) % 360 - 180)
            dv = abs(hues[i][1] - hues[j][1])
            # Apart in hue, and in lightness too for red-green colour-blind viewers.
            assert dh > 25 and dv > 0.1, (i, j, hues)


def test_every_landmark_has_a_marker_at_its_position(model, plotter):
    landmarks = model.landmarks()
    assert landmarks
    moved = {"femoral_head", "gmed_insertion"}  # they share their point with another landmark
    for lm_id, xyz in landmarks.items():
        name = scene.marker_name(lm_id)
        assert name in plotter.actors, f"no marker for {lm_id}"
        centre = np.asarray(plotter.actors[name].GetMapper().GetInput().GetCenter())
        limit = 30.0 if lm_id in moved else 0.5
        assert np.linalg.norm(centre - np.asarray(xyz, dtype=float)) < limit, lm_id


def test_no_two_markers_share_a_point_so_each_can_be_clicked(model):
    positions = scene.marker_positions(model)
    ids = list(positions)
    pts = np.array([positions[i] for i in ids])
    gaps = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(len(ids)) * 1e9
    i, j = np.unravel_index(np.argmin(gaps), gaps.shape)
    assert gaps[i, j] > 2 * scene.MARKER_RADIUS, (ids[i], ids[j], gaps[i, j])


def test_moved_markers_sit_on_the_femur_and_move_with_it(model):
    from meshes.model import HipModel

    flexed = HipModel(flexion=60.0)
    head_centre = flexed.landmarks()["femoral_head"]
    marker = scene.marker_positions(flexed)["femoral_head"]
    from meshes import bones

    assert abs(np.linalg.norm(marker - head_centre) - bones.HEAD_RADIUS) < 2.0
    t = flexed.femur_transform("right")
    neutral = scene.marker_positions(model)["gmed_insertion"]
    assert np.allclose(scene.marker_positions(flexed)["gmed_insertion"], t[:3, :3] @ neutral + t[:3, 3], atol=1e-6)


def test_every_mesh_is_a_named_actor_with_the_palette(model, plotter):
    for name in model.meshes():
        assert name in plotter.actors, name
        colour, opacity = scene.style_for(name)
        prop = plotter.actors[name].GetProperty()
        got = "#" + "".join(f"{round(c * 255):02x}" for c in prop.GetColor())
        assert got == colour, name
        assert prop.GetOpacity() == pytest.approx(opacity)


def test_muscles_are_see_through_and_bones_are_not(model, plotter):
    for name in model.meshes():
        opacity = plotter.actors[name].GetProperty().GetOpacity()
        if name.startswith(("gmed", "gmin", "gmax", "safe_zone")):
            assert opacity < 0.9, name
        if name in scene.LAYERS["bones"]:
            assert opacity == 1.0, name


def test_layers_cover_every_actor(plotter):
    names = scene.actor_names(plotter)
    covered = {n for layer in scene.LAYERS.values() for n in layer}
    missing = [n for n in names if n not in covered]
    assert not missing, f"actors in no layer: {missing}"
    for n in names:
        assert scene.layer_of(n) is not None
    assert set(scene.LAYERS) == {
        "bones", "gmed_anterior", "gmed_middle", "gmed_posterior", "gmin", "gmax",
        "nerve", "artery", "safe_zone", "piriformis", "tfl", "itb", "bursae", "landmarks",
    }


@pytest.mark.parametrize("preset", PRESETS)
def test_camera_presets_start_outside_every_mesh_and_frame_the_scene(model, plotter, preset):
    bounds = plotter.renderer.ComputeVisiblePropBounds()
    cam = scene.frame_camera(bounds, preset, aspect=4 / 3)
    pos = np.asarray(cam["position"])
    lo, hi = np.asarray(bounds[::2]), np.asarray(bounds[1::2])
    assert np.any(pos < lo) or np.any(pos > hi), f"{preset} camera starts inside the scene"
    corners = np.array([[x, y, z] for x in bounds[:2] for y in bounds[2:4] for z in bounds[4:]])
    xy = scene.project(cam, corners, 800, 600)
    assert np.all(xy > -80) and np.all(xy[:, 0] < 880) and np.all(xy[:, 1] < 680), preset


def test_projection_matches_vtk(plotter, model):
    """scene.project agrees with VTK's own world-to-display transform within a pixel."""
    cam = scene.camera_of(plotter)
    w, h = plotter.window_size
    ren = plotter.renderer
    for xyz in list(model.landmarks().values())[:8]:
        ren.SetWorldPoint(*xyz, 1.0)
        ren.WorldToDisplay()
        dx, dy, _ = ren.GetDisplayPoint()
        px, py = scene.project(cam, [xyz], w, h)[0]
        assert abs(px - dx) < 1.0 and abs(py - (h - dy)) < 1.0


def test_lateral_preset_looks_from_the_right_side():
    cam = scene.frame_camera((-10, 10, -10, 10, -10, 10), "lateral")
    assert cam["position"][2] > 10 and cam["view_up"] == [0.0, 1.0, 0.0]
    assert scene.frame_camera((-1, 1, -1, 1, -1, 1), "anterior")["position"][0] > 1
    assert scene.frame_camera((-1, 1, -1, 1, -1, 1), "posterior")["position"][0] < -1
    assert scene.frame_camera((-1, 1, -1, 1, -1, 1), "superior")["position"][1] > 1
    with pytest.raises(ValueError):
        scene.frame_camera((-1, 1, -1, 1, -1, 1), "inferior")


#: Views of the phones, tablets, laptops and projectors the viewer is read on (CSS px).
SIZES = ((390, 844), (844, 390), (820, 1180), (1366, 768), (1920, 1080))


@pytest.mark.parametrize("preset", [*PRESETS, "reset"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presets_fit_the_bones_head_to_knee_and_fill_the_view(plotter, preset, size):
    """Every vertex of the pelvis and of both femora projects inside the view, and the
    bones span most of its width or height (an aspect-aware fit, not a bounding sphere)."""
    width, height = size
    cam = scene.frame_camera(scene.focus_bounds(plotter), preset, aspect=width / height)
    points = np.vstack([np.asarray(plotter.actors[n].mapper.dataset.points) for n in scene.FRAMED])
    xy = scene.project(cam, points, width, height)
    assert xy[:, 0].min() >= 0 and xy[:, 0].max() <= width, preset
    assert xy[:, 1].min() >= 0 and xy[:, 1].max() <= height, preset
    fill = max(np.ptp(xy[:, 0]) / width, np.ptp(xy[:, 1]) / height)
    assert fill >= 0.72, f"{preset} at {width}x{height}: the bones span only {fill:.0%} of the view"


def test_fit_distance_is_the_nearest_at_which_the_box_fits():
    bounds = (-50, 50, -200, 200, -30, 30)
    cam = scene.frame_camera(bounds, "lateral", aspect=1.0, margin=1.0)
    corners = np.array([[x, y, z] for x in bounds[:2] for y in bounds[2:4] for z in bounds[4:]])
    xy = scene.project(cam, corners, 1000, 1000)
    assert xy[:, 1].min() == pytest.approx(0, abs=0.5) or xy[:, 1].max() == pytest.approx(1000, abs=0.5)
    assert np.all((xy > -0.5) & (xy < 1000.5))
