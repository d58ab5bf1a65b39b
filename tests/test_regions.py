"""Regions of the bones: labels computed from the construction, a card for each, a click on
bare bone opening the region under it (in the model, in a session and in real Chromium)."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

from meshes import bones as B
from meshes import regions as R
from tests.conftest import save_shot, wait_for_scene


def test_every_region_has_faces_on_its_bone_and_a_card():
    from annotations import builtin_pack

    pack = builtin_pack()
    for region in R.REGIONS:
        meshes = R.meshes_of(region.id)
        for mesh in meshes:
            assert (R.face_regions(mesh) == region.id).sum() > 20, f"{region.id} has hardly a face on {mesh}"
        assert region.id in pack.entries, f"no card for the region {region.id}"


def test_a_point_resolves_to_the_region_of_its_face():
    centres, labels, _ = R._labelled("femur_right")
    for rid in set(labels):
        i = np.flatnonzero(labels == rid)[0]
        assert R.region_at("femur_right", centres[i]) == rid


def test_the_four_facets_are_separate_and_sit_on_their_facets():
    from meshes.model import HipModel

    mesh = HipModel().meshes()["femur_right"]
    labels = R.face_regions("femur_right")
    centres = np.asarray(mesh.triangles_center)
    areas = {}
    for key in ("anterior", "lateral", "superoposterior", "posterior"):
        faces = labels == f"{key}_facet"
        areas[key] = float(mesh.area_faces[faces].sum())
        middle = centres[faces].mean(axis=0)
        assert np.linalg.norm(middle - B.FACETS[key]["centre"]) < 15.0, key
    # Pfirrmann et al. 2001: lateral about 438 mm2, superoposterior about 197 mm2; the lateral
    # facet is the larger, and each is a few hundred square millimetres in the model too.
    assert areas["lateral"] > areas["superoposterior"]
    assert all(150.0 < a < 900.0 for a in areas.values()), areas


def test_regions_keep_their_place_on_the_bone_in_order():
    """Shaft below the lesser trochanter, head around the joint centre, crest at the top."""
    fc, fl, _ = R._labelled("femur_right")
    lt_y = B.FEMUR["lesser_trochanter"][1]
    assert fc[fl == "femoral_shaft", 1].max() < lt_y + 1.0
    head_r = 0.5 * B.FEMUR_DIMENSIONS["head_diameter_mm"]
    assert np.linalg.norm(fc[fl == "femoral_head"], axis=1).max() < head_r + 3.5
    pc, pl, _ = R._labelled("pelvis")
    right = pc[:, 2] > -80
    assert pc[(pl == "iliac_crest") & right, 1].mean() > pc[(pl == "gluteal_surface") & right, 1].mean()


def test_a_pick_on_the_posed_femur_finds_the_same_region():
    from meshes.model import HipModel

    model = HipModel(flexion=40.0, adduction=-10.0)
    centres, labels, _ = R._labelled("femur_right")
    matrix = np.asarray(model.femur_transform("right"))
    for rid in ("femoral_neck", "lateral_facet", "femoral_shaft", "lesser_trochanter"):
        i = np.flatnonzero(labels == rid)[len(np.flatnonzero(labels == rid)) // 2]
        world = matrix[:3, :3] @ centres[i] + matrix[:3, 3]
        assert R.region_of_pick(model, "femur_right", world) == rid


def test_a_click_on_bare_bone_opens_its_region_and_outlines_it():
    from viewer.scene.panel import ScenePanel
    from viewer.session import Session

    session = Session()
    scene = ScenePanel(session)
    scene.build()
    centres, labels, _ = R._labelled("femur_right")
    point = centres[np.flatnonzero(labels == "femoral_shaft")[50]]
    scene._on_pick(type("Event", (), {"new": {"actor": "femur_right", "position": point.tolist(), "seq": 1}})())
    assert session.state.selection == "femoral_shaft"
    assert any(k.startswith("region:femur_right") for k in scene.view.footprints), "the region is outlined"
    assert "Femoral shaft" in session.card_html()


# --------------------------------------------------------------------------- in the browser

BONES_ONLY = "?hide=" + ",".join(
    layer for layer in ("gmed_anterior", "gmed_middle", "gmed_posterior", "gmin", "gmax", "nerve", "artery",
                        "safe_zone", "piriformis", "tfl", "itb", "bursae", "landmarks"))


def region_target(drawn, camera, rect, rid: str):
    """A pixel where a click lands on ``rid`` (the bone is the nearest surface there and the
    region of that surface point is ``rid``), or None."""
    from viewer import scene

    eye = np.asarray(camera["position"], float)
    # the page shows the bones alone (BONES_ONLY): the hidden soft tissue hides nothing
    shown = [n for n in drawn.meshes if n in scene.LAYERS["bones"]]
    for mesh in R.meshes_of(rid):
        centres, labels, _ = R._labelled(mesh)
        faces = np.flatnonzero(labels == rid)
        if not len(faces):
            continue
        mesh_obj, tree = R._labelled(mesh)[2]
        normals = np.asarray(mesh_obj.face_normals)
        view = (eye - centres[faces]) / np.linalg.norm(eye - centres[faces], axis=1)[:, None]
        faces = faces[np.einsum("ij,ij->i", normals[faces], view) > 0.15]
        if not len(faces):
            continue
        middle = np.median(centres[faces], axis=0)
        order = faces[np.argsort(np.linalg.norm(centres[faces] - middle, axis=1))][:200]
        screen = scene.project(camera, centres[order], rect["width"], rect["height"])
        for face, (x, y) in zip(order, screen):
            if not (12 < x < rect["width"] - 12 and 12 < y < rect["height"] - 12):
                continue
            d, name = drawn.first_hit(eye, centres[face], shown, beyond=2.0)
            if name != mesh:
                continue
            hit = eye + (centres[face] - eye) / np.linalg.norm(centres[face] - eye) * d
            # well inside the region (the page draws a lighter mesh of the same bone): the
            # faces around the hit that face the reader all belong to it
            near = [j for j in tree.query_ball_point(hit, 1.5)
                    if np.dot(normals[j], eye - centres[j]) > 0]
            if R.region_at(mesh, hit, eye) == rid and all(labels[j] == rid for j in near):
                return rect["left"] + x, rect["top"] + y
    return None


@pytest.mark.browser
def test_each_bone_region_opens_its_card_from_a_click(page, viewer_url):
    from annotations import builtin_pack
    from meshes.model import HipModel
    from tests.click_targets import DrawnScene
    from tests.test_app_clicks import page_camera, show_preset
    from viewer.scene import build_plotter

    pack = builtin_pack()
    plotter = build_plotter(HipModel())
    drawn = DrawnScene(plotter)
    try:
        page.goto(viewer_url.rstrip("/") + "/" + BONES_ONLY, wait_until="load")
        wait_for_scene(page)
        opened, missed = set(), []
        for preset in ("lateral", "posterior", "anterior", "superior", "reset"):
            show_preset(page, preset)
            camera, rect = page_camera(page)
            for region in R.REGIONS:
                if region.id in opened:
                    continue
                aim = region_target(drawn, camera, rect, region.id)
                if aim is None:
                    continue
                page.mouse.click(*aim)
                try:
                    expect(page.locator(".card-region h2").first).to_have_text(pack.entries[region.id].name,
                                                                               timeout=5_000)
                    opened.add(region.id)
                except AssertionError:
                    shown = page.locator(".card-region h2").first.inner_text()
                    missed.append(f"{preset}: {region.id} at ({aim[0]:.0f}, {aim[1]:.0f}) opened {shown!r}")
            save_shot(page, f"regions-{preset}")
        assert not missed, "\n".join(missed)
        assert opened == set(R.REGION_IDS), f"regions never clicked: {set(R.REGION_IDS) - opened}"
    finally:
        plotter.close()
