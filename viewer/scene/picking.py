"""From a click in the 3D view to a landmark id, and from a selection to what the view shows.

Everything here is plain Python over names and numpy arrays, so tests drive it without a
browser.  Actor names are the scene's mesh names (``gmed_middle_right``, ``pelvis``...) and
landmark markers ``lm:<landmark id>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from meshes.landmarks import BY_ID, FIBRE_GROUPS

LANDMARK_PREFIX = "lm:"

#: Default snap radius (mm): a click this close to a landmark selects it.
SNAP_MM = 15.0

#: Structure id of each scene mesh, side suffix removed.  Bones map to None: a click on bare
#: bone only selects something when it lands near a landmark.
_ACTOR_STRUCTURES: dict[str, str | None] = {
    "pelvis": None,
    "hip_bone_right": None,
    "hip_bone_left": None,
    "femur": None,
    "sacrum": "sacrum",
    "gmed_anterior": "gmed_anterior",
    "gmed_middle": "gmed_middle",
    "gmed_posterior": "gmed_posterior",
    "gmin": "gmin",
    "gmax": "gmax",
    "superior_gluteal_nerve": "superior_gluteal_nerve",
    "superior_gluteal_artery": "superior_gluteal_artery",
    "safe_zone": "safe_zone",
    "piriformis": "piriformis",
    "tfl": "tfl",
    "itb": "itb",
    "bursa_subgmed": "bursa_subgmed",
    "bursa_subgmax": "bursa_subgmax",
}

#: Layer of each structure/landmark id (layer names as in ``viewer.state.LAYERS``).
_STRUCTURE_LAYER: dict[str, str] = {
    "gmed_anterior": "gmed_anterior",
    "gmed_middle": "gmed_middle",
    "gmed_posterior": "gmed_posterior",
    "gmin": "gmin",
    "gmax": "gmax",
    "superior_gluteal_nerve": "nerve",
    "superior_gluteal_artery": "artery",
    "safe_zone": "safe_zone",
    "gmin_anterior": "gmin",
    "gmin_posterior": "gmin",
    "piriformis": "piriformis",
    "tfl": "tfl",
    "itb": "itb",
    "bursa_subgmed": "bursae",
    "bursa_subgmax": "bursae",
}


#: Faded layers (opacity below this) are looked through by clicks (see :func:`resolve_pick`).
SEE_THROUGH_BELOW = 0.5

def strip_side(actor: str) -> str:
    """``gmed_middle_right`` -> ``gmed_middle``; names without a side come back unchanged."""
    for suffix in ("_right", "_left"):
        if actor.endswith(suffix):
            return actor[: -len(suffix)]
    return actor


def structure_of_actor(actor: str) -> str | None:
    """The structure id a scene mesh stands for, or None for bare bone and unknown meshes."""
    if actor.startswith(LANDMARK_PREFIX):
        lid = actor[len(LANDMARK_PREFIX):]
        return lid if lid in BY_ID else None
    if actor in _ACTOR_STRUCTURES:
        return _ACTOR_STRUCTURES[actor]
    base = strip_side(actor)
    return _ACTOR_STRUCTURES.get(base)


def layer_of_actor(actor: str) -> str | None:
    """The layer (``viewer.state.LAYERS``) a scene mesh belongs to."""
    if actor.startswith(LANDMARK_PREFIX):
        return "landmarks"
    base = strip_side(actor)
    if base in ("pelvis", "sacrum", "femur", "hip_bone"):
        return "bones"
    return _STRUCTURE_LAYER.get(base)


def layer_of_landmark(landmark_id: str) -> str:
    """The layer whose visibility makes a landmark clickable: its own mesh for a structure,
    the bones for a bony landmark (attachments included)."""
    return _STRUCTURE_LAYER.get(landmark_id, "bones")


def resolve_pick(
    picked: Mapping | None,
    landmarks: Mapping[str, np.ndarray],
    visible_layers: Iterable[str],
    snap_mm: float = SNAP_MM,
    see_through: Iterable[str] = (),
) -> str | None:
    """The landmark id a click selects, or None.

    ``picked`` is what the view reports for a click: ``{"actor": name, "position": xyz}``.
    ``landmarks`` maps id -> xyz at the current posture (``HipModel.landmarks()``).
    ``visible_layers`` are the layers on screen; a hit on a mesh of a hidden layer is ignored.

    In order:

    1. a direct hit on a landmark marker ``lm:<id>`` selects that landmark;
    2. a hit on a structure mesh (``gmed_middle_right``) selects its structure
       (``gmed_middle``);
    3. any other hit (bare bone, or a mesh that names no structure) within ``snap_mm`` of a
       visible landmark selects the nearest one;
    4. else nothing.

    ``see_through`` names faded layers (a semi-transparent muscle) that the reader looks
    through: a hit on one of their meshes first snaps to a nearby landmark beneath, and only
    selects the faded structure itself when no landmark is near.
    """
    if not picked:
        return None
    actor = picked.get("actor")
    if not isinstance(actor, str) or not actor:
        return None
    visible = set(visible_layers)

    if actor.startswith(LANDMARK_PREFIX):
        lid = actor[len(LANDMARK_PREFIX):]
        return lid if lid in BY_ID else None

    layer = layer_of_actor(actor)
    if layer is not None and layer not in visible:
        return None
    structure = structure_of_actor(actor)
    if structure is not None and structure in BY_ID:
        if layer in set(see_through):
            beneath = nearest_landmark(
                picked.get("position"), {k: v for k, v in landmarks.items() if k != structure}, visible, snap_mm
            )
            if beneath is not None:
                return beneath
        return structure

    return nearest_landmark(picked.get("position"), landmarks, visible, snap_mm)


def nearest_landmark(
    position, landmarks: Mapping[str, np.ndarray], visible_layers: Iterable[str], snap_mm: float = SNAP_MM
) -> str | None:
    """The landmark nearest ``position`` among those whose layer is visible, if it lies
    within ``snap_mm``; else None."""
    try:
        p = np.asarray(position, dtype=float).reshape(3)
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(p)):
        return None
    visible = set(visible_layers)
    best, best_d = None, float(snap_mm)
    for lid, xyz in landmarks.items():
        if lid not in BY_ID or layer_of_landmark(lid) not in visible:
            continue
        d = float(np.linalg.norm(np.asarray(xyz, dtype=float).reshape(3) - p))
        if d <= best_d:
            best, best_d = lid, d
    return best


# ---------------------------------------------------------------------------------------
# What a selection shows

_GMED_GROUP_ACTORS = tuple(f"gmed_{g}_right" for g in FIBRE_GROUPS)

#: Scene meshes highlighted for a selection (landmark markers are added by :func:`highlight_for`).
_HIGHLIGHT: dict[str, tuple[str, ...]] = {
    "gmed_anterior": ("gmed_anterior_right",),
    "gmed_middle": ("gmed_middle_right",),
    "gmed_posterior": ("gmed_posterior_right",),
    "gmed_origin": _GMED_GROUP_ACTORS,
    "gmed_insertion": _GMED_GROUP_ACTORS,
    "gluteus_medius": _GMED_GROUP_ACTORS,
    "gmin": ("gmin_right",),
    "gmax": ("gmax_right",),
    "superior_gluteal_nerve": ("superior_gluteal_nerve_right",),
    "superior_gluteal_artery": ("superior_gluteal_artery_right",),
    "safe_zone": ("safe_zone_right",),
    "sacrum": ("sacrum",),
    "gmin_anterior": ("gmin_right",),
    "gmin_posterior": ("gmin_right",),
    "piriformis": ("piriformis_right",),
    "tfl": ("tfl_right",),
    "itb": ("itb_right",),
    "bursa_subgmed": ("bursa_subgmed_right",),
    "bursa_subgmax": ("bursa_subgmax_right",),
}

#: Layers shown when a selection is isolated.
_ISOLATE_LAYERS: dict[str, tuple[str, ...]] = {
    "gmed_anterior": ("bones", "gmed_anterior"),
    "gmed_middle": ("bones", "gmed_middle"),
    "gmed_posterior": ("bones", "gmed_posterior"),
    "gmed_origin": ("bones", "gmed_anterior", "gmed_middle", "gmed_posterior", "landmarks"),
    "gmed_insertion": ("bones", "gmed_anterior", "gmed_middle", "gmed_posterior", "landmarks"),
    "gluteus_medius": ("bones", "gmed_anterior", "gmed_middle", "gmed_posterior"),
    "gmin": ("bones", "gmin"),
    "gmax": ("bones", "gmax"),
    "superior_gluteal_nerve": ("bones", "nerve", "safe_zone"),
    "superior_gluteal_artery": ("bones", "artery"),
    "safe_zone": ("bones", "nerve", "safe_zone"),
    "gmin_anterior": ("bones", "gmin", "landmarks"),
    "gmin_posterior": ("bones", "gmin", "landmarks"),
    "piriformis": ("bones", "piriformis", "nerve"),
    "tfl": ("bones", "tfl", "itb", "nerve"),
    "itb": ("bones", "itb", "tfl", "gmax"),
    "bursa_subgmed": ("bones", "bursae", "gmed_anterior", "gmed_middle", "gmed_posterior"),
    "bursa_subgmax": ("bones", "bursae", "itb"),
}


def highlight_for(selection: str | None) -> list[str]:
    """Scene meshes (and the landmark marker) to highlight for a selection."""
    if not selection:
        return []
    actors = list(_HIGHLIGHT.get(selection, ()))
    if selection in BY_ID:
        actors.append(LANDMARK_PREFIX + selection)
    return actors


def isolate_layers(selection: str | None) -> tuple[str, ...] | None:
    """The layers to keep when the selection is isolated; None means keep all (no selection
    or a topic without a mesh).  A bony landmark keeps the bones and the markers."""
    if not selection:
        return None
    if selection in _ISOLATE_LAYERS:
        return _ISOLATE_LAYERS[selection]
    if selection in BY_ID:
        return ("bones", "landmarks")
    return None


def footprint_muscle(selection: str | None) -> str | None:
    """The muscle whose bony attachments (origin and insertion footprints) a selection shows."""
    if not selection:
        return None
    if selection.startswith("gmed") or selection in (
        "gluteus_medius",
        "lateral_facet",
        "superoposterior_facet",
        "anterior_gluteal_line",
        "posterior_gluteal_line",
    ):
        return "gmed"
    if selection in ("gmin", "anterior_facet", "inferior_gluteal_line"):
        return "gmin"
    if selection == "gmax":
        return "gmax"
    return None


def footprints_for(selection: str | None, footprints: Mapping[str, object]) -> dict[str, object]:
    """The attachment footprints (name -> (N, 3) outline) drawn for a selection.

    ``footprints`` is everything the model offers (``HipModel.footprints()``), named after
    the muscle and the attachment: ``gmed_origin``, ``gmed_insertion``,
    ``gmed_insertion_superoposterior``, ``gmin_origin``...  A muscle or fibre group shows its
    origin and insertion; an origin or insertion shows only that attachment; a facet shows
    the insertion that covers it.
    """
    muscle = footprint_muscle(selection)
    if muscle is None:
        return {}
    mine = {k: v for k, v in footprints.items() if k == muscle or k.startswith(muscle + "_")}
    if selection and selection.startswith("gmed_") and selection[5:] in FIBRE_GROUPS:
        own = {k: v for k, v in mine.items() if k.startswith(selection)}
        if own:
            return own
    # Whole-muscle footprints only (fibre-group footprints carry the group in their name).
    whole = {k: v for k, v in mine.items() if not any(k.startswith(f"{muscle}_{g}") for g in FIBRE_GROUPS)}
    part = _FOOTPRINT_PART.get(selection or "")
    if part is not None:
        chosen = {k: v for k, v in whole.items() if part in k[len(muscle):]}
        if selection == "lateral_facet":
            chosen = {k: v for k, v in chosen.items() if "superoposterior" not in k}
        if chosen:
            return chosen
    return whole


#: The attachment a selection names: the word its footprint carries.
_FOOTPRINT_PART: dict[str, str] = {
    "gmed_origin": "origin",
    "gmed_insertion": "insertion",
    "anterior_gluteal_line": "origin",
    "posterior_gluteal_line": "origin",
    "inferior_gluteal_line": "origin",
    "lateral_facet": "insertion",
    "superoposterior_facet": "superoposterior",
    "anterior_facet": "insertion",
}


def visible_layers(state) -> set[str]:
    """Layers on screen: shown by the reader (``state.hidden``) and not hidden by isolation
    (``state.isolate`` keeps only the selection's layers)."""
    from viewer.viewstate import LAYERS

    shown = {layer for layer in LAYERS if layer not in state.hidden}
    if state.isolate:
        keep = isolate_layers(state.selection)
        if keep is not None:
            shown &= set(keep)
    return shown
