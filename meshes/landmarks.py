"""Stable ids of every named landmark and structure of the hip model.

These ids are a public contract: the content pack (``annotations/``) has one entry per id,
share links store them, and the viewer's keyboard list shows them.  Never rename one; add
new ids instead.  Positions are computed by :class:`meshes.model.HipModel` in the ISB pelvis
frame (see :mod:`meshes.frame`), in millimetres, for the right side unless the id says
``_left``.

``kind`` is ``"point"`` for a landmark with one position, ``"structure"`` for a whole mesh
(a fibre group, a nerve) whose marker sits at a representative point on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Landmark:
    id: str
    name: str
    kind: str  # "point" or "structure"
    moves_with: str  # "pelvis", "femur" or "muscle" (recomputed with posture)


LANDMARKS: tuple[Landmark, ...] = (
    # Gluteus medius: the clickable core of the product.
    Landmark("gmed_origin", "Gluteus medius origin", "point", "pelvis"),
    Landmark("gmed_insertion", "Gluteus medius insertion", "point", "femur"),
    Landmark("gmed_anterior", "Gluteus medius, anterior fibres", "structure", "muscle"),
    Landmark("gmed_middle", "Gluteus medius, middle fibres", "structure", "muscle"),
    Landmark("gmed_posterior", "Gluteus medius, posterior fibres", "structure", "muscle"),
    Landmark("superior_gluteal_nerve", "Superior gluteal nerve (L4-S1)", "structure", "muscle"),
    Landmark("superior_gluteal_artery", "Superior gluteal artery", "structure", "muscle"),
    Landmark("safe_zone", "Superior gluteal nerve safe zone", "structure", "femur"),
    # Context muscles.
    Landmark("gmin", "Gluteus minimus", "structure", "muscle"),
    Landmark("gmax", "Gluteus maximus", "structure", "muscle"),
    # Neighbours a lecturer teaches with gluteus medius.
    Landmark("gmin_anterior", "Gluteus minimus, anterior part", "structure", "muscle"),
    Landmark("gmin_posterior", "Gluteus minimus, posterior part", "structure", "muscle"),
    Landmark("piriformis", "Piriformis", "structure", "muscle"),
    Landmark("tfl", "Tensor fasciae latae", "structure", "muscle"),
    Landmark("itb", "Iliotibial tract", "structure", "muscle"),
    Landmark("bursa_subgmed", "Subgluteus medius bursa", "structure", "femur"),
    Landmark("bursa_subgmax", "Subgluteus maximus bursa", "structure", "femur"),
    # Bony landmarks.
    Landmark("hip_joint_centre", "Hip joint centre", "point", "pelvis"),
    Landmark("acetabulum", "Acetabulum", "point", "pelvis"),
    Landmark("asis_right", "Anterior superior iliac spine (right)", "point", "pelvis"),
    Landmark("asis_left", "Anterior superior iliac spine (left)", "point", "pelvis"),
    Landmark("aiis_right", "Anterior inferior iliac spine", "point", "pelvis"),
    Landmark("psis_right", "Posterior superior iliac spine", "point", "pelvis"),
    Landmark("iliac_crest_top", "Iliac crest, highest point", "point", "pelvis"),
    Landmark("anterior_gluteal_line", "Anterior gluteal line", "point", "pelvis"),
    Landmark("posterior_gluteal_line", "Posterior gluteal line", "point", "pelvis"),
    Landmark("inferior_gluteal_line", "Inferior gluteal line", "point", "pelvis"),
    Landmark("greater_sciatic_notch", "Greater sciatic notch", "point", "pelvis"),
    Landmark("ischial_tuberosity", "Ischial tuberosity", "point", "pelvis"),
    Landmark("pubic_symphysis", "Pubic symphysis", "point", "pelvis"),
    Landmark("sacrum", "Sacrum", "structure", "pelvis"),
    Landmark("femoral_head", "Femoral head", "point", "femur"),
    Landmark("greater_trochanter_tip", "Greater trochanter", "point", "femur"),
    Landmark("lateral_facet", "Greater trochanter, lateral facet", "point", "femur"),
    Landmark("superoposterior_facet", "Greater trochanter, superoposterior facet", "point", "femur"),
    Landmark("anterior_facet", "Greater trochanter, anterior facet", "point", "femur"),
    Landmark("lesser_trochanter", "Lesser trochanter", "point", "femur"),
)

LANDMARK_IDS: tuple[str, ...] = tuple(lm.id for lm in LANDMARKS)
BY_ID: dict[str, Landmark] = {lm.id: lm for lm in LANDMARKS}

#: The fibre groups of gluteus medius, in anterior-to-posterior order.
FIBRE_GROUPS: tuple[str, ...] = ("anterior", "middle", "posterior")

#: Muscles (and parts) next to gluteus medius whose moment arms the model reports, each as
#: one line-of-action group (``HipModel.muscle_moment_arms``).
NEIGHBOUR_MUSCLES: tuple[str, ...] = ("gmin_anterior", "gmin_posterior", "piriformis", "tfl")

#: Actions a content claim may name; each maps to a moment-arm axis and a sign.
ACTIONS: dict[str, tuple[str, int]] = {
    "abduction": ("abduction", +1),
    "adduction": ("abduction", -1),
    "flexion": ("flexion", +1),
    "extension": ("flexion", -1),
    "internal_rotation": ("internal_rotation", +1),
    "external_rotation": ("internal_rotation", -1),
}


# ---------------------------------------------------------------------------------------
# Regions of the bones (labelled on the meshes by meshes/regions.py).  A region that is also
# a landmark keeps the landmark's id; these ids are a public contract too.


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    bone: str  # "pelvis" or "femur"


REGIONS: tuple[Region, ...] = (
    Region("iliac_crest", "Iliac crest", "pelvis"),
    Region("iliac_tubercle", "Iliac tubercle", "pelvis"),
    Region("gluteal_surface", "Gluteal surface of the ilium", "pelvis"),
    Region("anterior_gluteal_line", "Anterior gluteal line", "pelvis"),
    Region("posterior_gluteal_line", "Posterior gluteal line", "pelvis"),
    Region("inferior_gluteal_line", "Inferior gluteal line", "pelvis"),
    Region("greater_sciatic_notch", "Greater sciatic notch", "pelvis"),
    Region("acetabulum", "Acetabulum", "pelvis"),
    Region("hip_bone", "Hip bone", "pelvis"),
    Region("femoral_head", "Femoral head", "femur"),
    Region("femoral_neck", "Femoral neck", "femur"),
    Region("greater_trochanter_tip", "Greater trochanter", "femur"),
    Region("anterior_facet", "Greater trochanter, anterior facet", "femur"),
    Region("lateral_facet", "Greater trochanter, lateral facet", "femur"),
    Region("superoposterior_facet", "Greater trochanter, superoposterior facet", "femur"),
    Region("posterior_facet", "Greater trochanter, posterior facet", "femur"),
    Region("lesser_trochanter", "Lesser trochanter", "femur"),
    Region("intertrochanteric_crest", "Intertrochanteric crest", "femur"),
    Region("femoral_shaft", "Femoral shaft", "femur"),
)
BY_REGION = {r.id: r for r in REGIONS}
REGION_IDS = tuple(r.id for r in REGIONS)
