"""Click to identify: what a click in the 3D view selects, and what a selection shows."""

from __future__ import annotations

import numpy as np
import pytest

from meshes.landmarks import LANDMARK_IDS
from viewer.scene.picking import (
    footprints_for,
    highlight_for,
    isolate_layers,
    layer_of_actor,
    resolve_pick,
    structure_of_actor,
)
from viewer.state import LAYERS

ALL = set(LAYERS)

LANDMARKS = {
    "gmed_origin": np.array([-10.0, 100.0, 40.0]),
    "greater_trochanter_tip": np.array([-25.0, 0.0, 55.0]),
    "lateral_facet": np.array([-15.0, -10.0, 62.0]),
    "gmed_middle": np.array([-10.0, 60.0, 60.0]),
    "superior_gluteal_nerve": np.array([-30.0, 70.0, 45.0]),
}


def pick(actor, position=(0.0, 0.0, 0.0)):
    return {"actor": actor, "position": list(position), "seq": 1}


def test_direct_hit_on_a_marker_wins_even_next_to_another_landmark():
    near_trochanter = LANDMARKS["greater_trochanter_tip"] + 1.0
    assert resolve_pick(pick("lm:lateral_facet", near_trochanter), LANDMARKS, ALL) == "lateral_facet"


def test_hit_on_a_structure_mesh_selects_the_structure():
    far = (500.0, 500.0, 500.0)
    assert resolve_pick(pick("gmed_middle_right", far), LANDMARKS, ALL) == "gmed_middle"
    assert resolve_pick(pick("gmed_posterior_left", far), LANDMARKS, ALL) == "gmed_posterior"
    assert resolve_pick(pick("superior_gluteal_nerve_right", far), LANDMARKS, ALL) == "superior_gluteal_nerve"
    assert resolve_pick(pick("gmin_right", far), LANDMARKS, ALL) == "gmin"


def test_hit_on_bone_near_a_landmark_snaps_to_the_nearest():
    p = LANDMARKS["greater_trochanter_tip"] + np.array([3.0, -4.0, 0.0])
    assert resolve_pick(pick("femur_right", p), LANDMARKS, ALL, snap_mm=10) == "greater_trochanter_tip"
    p = LANDMARKS["lateral_facet"] + np.array([0.0, 2.0, 1.0])
    assert resolve_pick(pick("femur_right", p), LANDMARKS, ALL, snap_mm=10) == "lateral_facet"


def test_hit_on_bare_bone_far_from_landmarks_selects_nothing():
    assert resolve_pick(pick("pelvis", (0.0, 300.0, 0.0)), LANDMARKS, ALL) is None


def test_click_through_a_faded_muscle_snaps_to_the_landmark_beneath():
    on_muscle_over_origin = LANDMARKS["gmed_origin"] + np.array([0.0, 0.0, 8.0])
    assert (
        resolve_pick(pick("gmed_middle_right", on_muscle_over_origin), LANDMARKS, ALL, see_through={"gmed_middle"})
        == "gmed_origin"
    )
    # Opaque, the muscle itself is what was clicked.
    assert resolve_pick(pick("gmed_middle_right", on_muscle_over_origin), LANDMARKS, ALL) == "gmed_middle"
    # Faded but nothing beneath: still the muscle.
    assert resolve_pick(pick("gmax_right", (400.0, 0.0, 0.0)), LANDMARKS, ALL, see_through={"gmax"}) == "gmax"


def test_hidden_layers_take_no_clicks_and_no_snaps():
    visible = ALL - {"gmed_middle"}
    assert resolve_pick(pick("gmed_middle_right"), LANDMARKS, visible) is None
    p = LANDMARKS["greater_trochanter_tip"] + 1.0
    assert resolve_pick(pick("femur_right", p), LANDMARKS, ALL - {"bones"}) is None


@pytest.mark.parametrize(
    "picked",
    [None, {}, {"actor": None}, {"actor": ""}, {"actor": "lm:spleen"}, {"actor": "pelvis", "position": "abc"},
     {"actor": "pelvis", "position": [float("nan"), 0, 0]}, {"actor": "pelvis"}, {"actor": "teapot", "position": [0, 0, 0]}],
)
def test_odd_picks_select_nothing(picked):
    assert resolve_pick(picked, LANDMARKS, ALL) is None


def test_every_scene_mesh_has_a_layer_and_structures_are_landmark_ids():
    from viewer.scene import LAYERS as SCENE_LAYERS

    assert set(SCENE_LAYERS) == set(LAYERS)
    for layer, actors in SCENE_LAYERS.items():
        for actor in actors:
            assert layer_of_actor(actor) == layer
            structure = structure_of_actor(actor)
            assert structure is None or structure in LANDMARK_IDS


def test_selecting_a_fibre_group_highlights_its_mesh_and_marker():
    assert highlight_for("gmed_middle") == ["gmed_middle_right", "lm:gmed_middle"]
    assert set(highlight_for("gmed_insertion")) >= {"gmed_anterior_right", "gmed_middle_right", "gmed_posterior_right"}
    assert highlight_for("asis_right") == ["lm:asis_right"]
    assert highlight_for(None) == [] and highlight_for("trendelenburg") == []


def test_isolate_keeps_the_selection_and_its_bones():
    assert set(isolate_layers("gmed_middle")) == {"bones", "gmed_middle"}
    assert "nerve" in isolate_layers("superior_gluteal_nerve")
    assert isolate_layers(None) is None and isolate_layers("trendelenburg") is None


def test_footprints_follow_the_selected_muscle_and_attachment():
    line = np.zeros((4, 3))
    names = ["gmed_origin", "gmed_insertion", "gmed_insertion_superoposterior", "gmin_origin", "gmin_insertion",
             "gmax_origin"]
    fps = {n: line for n in names}
    gmed = {"gmed_origin", "gmed_insertion", "gmed_insertion_superoposterior"}
    assert set(footprints_for("gmed_middle", fps)) == gmed
    assert set(footprints_for("gluteus_medius", fps)) == gmed
    assert set(footprints_for("gmed_origin", fps)) == {"gmed_origin"}
    assert set(footprints_for("gmed_insertion", fps)) == {"gmed_insertion", "gmed_insertion_superoposterior"}
    assert set(footprints_for("superoposterior_facet", fps)) == {"gmed_insertion_superoposterior"}
    assert set(footprints_for("lateral_facet", fps)) == {"gmed_insertion"}
    assert set(footprints_for("gmin", fps)) == {"gmin_origin", "gmin_insertion"}
    assert set(footprints_for("anterior_facet", fps)) == {"gmin_insertion"}
    assert footprints_for("asis_right", fps) == {} and footprints_for(None, fps) == {}


def test_footprints_of_the_real_model_are_found_for_gluteus_medius():
    from meshes.model import HipModel

    shown = footprints_for("gmed_middle", HipModel().footprints())
    assert any("origin" in k for k in shown) and any("insertion" in k for k in shown)
