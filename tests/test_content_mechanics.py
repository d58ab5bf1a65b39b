"""Every machine-readable action claim of the content pack agrees with the hip model.

A claim says: over its ``flexion_deg`` range (rest of the hip neutral), the fibre group's
moment arm about the action's axis has the action's sign (``meshes.landmarks.ACTIONS``).
Each claim is sampled at five angles across its range.  ``whole`` claims are read from the
force-weighted moment arm of the three parts (``meshes.actions.whole_muscle_arms``); claims of
a neighbouring muscle (``gmin_anterior``, ``piriformis`` ...) from ``HipModel.muscle_moment_arms``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from annotations import builtin_pack
from meshes.landmarks import ACTIONS, NEIGHBOUR_MUSCLES

from meshes import model as model_module

SAMPLES_PER_CLAIM = 5


def _claims():
    out = []
    for entry in builtin_pack().entries.values():
        for claim in entry.actions:
            lo, hi = claim.flexion_deg
            out.append(pytest.param(entry.id, claim, id=f"{entry.id}-{claim.group}-{claim.action}-{lo:g}..{hi:g}"))
    return out


@lru_cache(maxsize=None)
def arms_at(flexion: float) -> dict[str, dict[str, float]]:
    model = model_module.HipModel(flexion=flexion)
    arms = {g: dict(v) for g, v in model.moment_arms().items()}
    arms.update({m: dict(v) for m, v in model.muscle_moment_arms().items()})
    if "whole" not in arms:
        from meshes.actions import whole_muscle_arms

        arms["whole"] = whole_muscle_arms(arms)
    return arms


def sample_angles(lo: float, hi: float) -> list[float]:
    return sorted({round(float(a), 1) for a in np.linspace(lo, hi, SAMPLES_PER_CLAIM)})


def test_the_pack_makes_claims_for_every_fibre_group_the_whole_muscle_and_each_neighbour():
    groups = {p.values[1].group for p in _claims()}
    assert groups == {"anterior", "middle", "posterior", "whole", *NEIGHBOUR_MUSCLES}


@pytest.mark.parametrize(("entry_id", "claim"), _claims())
def test_action_claim_agrees_with_the_model_moment_arm(entry_id, claim):
    axis, sign = ACTIONS[claim.action]
    wrong = []
    for angle in sample_angles(*claim.flexion_deg):
        arm = arms_at(angle)[claim.group][axis]
        if not arm * sign > 0:
            wrong.append(f"{angle:g} deg flexion: {axis} moment arm {arm:+.1f} mm")
    assert not wrong, (
        f"{entry_id}: '{claim.group} fibres: {claim.action}' over flexion {claim.flexion_deg} "
        f"disagrees with the model at " + "; ".join(wrong)
    )


def test_the_tours_stance_caption_quotes_the_models_own_levers():
    """The built-in tour's single-leg-stance step gives this model's abductor and body-weight
    levers beside Pauwels' figures; they must be the model's (``hip-viewer stance``)."""
    import re
    from pathlib import Path

    import yaml

    from meshes.stance import stance_report

    tour = yaml.safe_load((Path(__file__).resolve().parent.parent / "annotations" / "tour.yaml").read_text())
    caption = next(s["caption"] for s in tour["steps"] if s["title"] == "Single-leg stance")
    abductor_cm, body_cm = map(float, re.search(r"in this model about ([\d.]+) cm against ([\d.]+) cm", caption).groups())
    levers = stance_report()["lever_arms_mm"]
    assert abs(levers["abductor"] / 10 - abductor_cm) <= 0.5
    assert abs(levers["body_weight"] / 10 - body_cm) <= 0.5
