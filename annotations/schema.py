"""Schema of a content pack, as pydantic v2 models.

A pack is a directory of YAML files.  Each file is a mapping with any of three keys:

* ``disclaimer`` -- one text shown with every card (at most one file of a pack sets it);
* ``references`` -- a list of :class:`Reference` (full citations, each with an ``id``);
* ``entries`` -- a list of :class:`Entry` (one card each).

The published JSON Schema (``annotations/pack.schema.json``) is generated from
:class:`PackFile` by :func:`json_schema`; run ``python -m annotations.schema`` to rewrite it.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from meshes.landmarks import ACTIONS, FIBRE_GROUPS, NEIGHBOUR_MUSCLES

#: Where the generated JSON Schema is published for pack authors.
SCHEMA_PATH = Path(__file__).with_name("pack.schema.json")

#: Reading levels every entry carries, simplest first.
READING_LEVELS: tuple[str, ...] = ("lay", "student", "clinician")
#: Review states an entry moves through.
REVIEW_STATUSES: tuple[str, ...] = ("submitted", "under_review", "approved")
#: Fibre groups an action claim may name: the three gluteus medius groups, the whole muscle,
#: or a neighbouring muscle or part with its own moment arms (``NEIGHBOUR_MUSCLES``, named
#: on that structure's own card).
CLAIM_GROUPS: tuple[str, ...] = (*FIBRE_GROUPS, "whole", *NEIGHBOUR_MUSCLES)
#: Hip flexion range (degrees) a claim may cover: the model's posture range
#: (``meshes.frame.POSTURE_RANGES["flexion"]``, kept equal by a test; ``annotations`` reads
#: only ``meshes.landmarks``).
FLEXION_RANGE: tuple[float, float] = (-30.0, 120.0)
#: Spinal roots an innervation may list.
ROOTS: tuple[str, ...] = ("L1", "L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4")

Id = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Lower-case letters, digits and underscores.")
Group = Literal[CLAIM_GROUPS]  # type: ignore[valid-type]
Action = Literal[tuple(ACTIONS)]  # type: ignore[valid-type]
Status = Literal[REVIEW_STATUSES]  # type: ignore[valid-type]
Root = Literal[ROOTS]  # type: ignore[valid-type]
SourceIds = Field(min_length=1, description="Ids of references (from a pack's `references`) that support the claim.")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(_Strict):
    """One full citation, cited by its ``id``."""

    id: str = Id
    citation: str = Field(min_length=1, description="Full citation: authors, year, title, journal or publisher, volume:pages.")
    url: str | None = Field(default=None, description="Optional http(s) link (DOI, PubMed, publisher).")
    note: str | None = Field(default=None, description="What the source is used for, or a caveat about it.")


class Text(_Strict):
    """The card's teaching text at three reading levels (Markdown subset: emphasis, lists, links)."""

    lay: str = Field(min_length=1, description="Plain words, 2-4 sentences, no jargon.")
    student: str = Field(min_length=1, description="Textbook level.")
    clinician: str = Field(min_length=1, description="Clinical angle, including where sources disagree.")


class Fact(_Strict):
    """One short fact a card shows as a field, with its sources."""

    text: str = Field(min_length=1)
    sources: list[str] = SourceIds


class Innervation(Fact):
    """Nerve supply with its spinal roots."""

    nerve: str = Field(min_length=1)
    roots: list[Root] = Field(min_length=1, description="Spinal roots, e.g. [L4, L5, S1].")


class LabelledFact(Fact):
    """Any further fact, shown under its own label (e.g. 'Footprint area')."""

    label: str = Field(min_length=1)


class Facts(_Strict):
    """The fields a card shows, where they apply."""

    origin: Fact | None = None
    insertion: Fact | None = None
    innervation: Innervation | None = None
    blood_supply: Fact | None = None
    actions: Fact | None = Field(default=None, description="The actions in prose; see also the entry's machine-readable `actions`.")
    more: list[LabelledFact] = Field(default_factory=list)


class ActionClaim(_Strict):
    """A machine-readable action of gluteus medius (or of a neighbouring muscle), valid over a
    range of hip flexion.

    The claim says: in this posture range the fibre group's moment arm about the action's
    axis has the action's sign (see ``meshes.landmarks.ACTIONS``), hip otherwise neutral.
    """

    group: Group = Field(description="anterior, middle, posterior, or whole (gluteus medius as a whole); "
                               "or a neighbouring muscle or part: gmin_anterior, gmin_posterior, "
                               "piriformis, tfl.")
    action: Action = Field(description="One of meshes.landmarks.ACTIONS.")
    flexion_deg: tuple[float, float] = Field(description="[low, high] hip flexion in degrees where the claim holds.")
    note: str | None = None
    sources: list[str] = SourceIds

    @model_validator(mode="after")
    def _range_ok(self) -> "ActionClaim":
        lo, hi = self.flexion_deg
        pmin, pmax = FLEXION_RANGE
        if lo > hi:
            raise ValueError(f"flexion_deg range [{lo:g}, {hi:g}] runs backwards")
        if lo < pmin or hi > pmax:
            raise ValueError(f"flexion_deg range [{lo:g}, {hi:g}] leaves the hip's flexion range [{pmin:g}, {pmax:g}]")
        return self


class Disagreement(_Strict):
    """Where published sources disagree; the card shows each position with its source."""

    topic: str = Field(min_length=1)
    positions: list[Fact] = Field(min_length=2)


class Entry(_Strict):
    """One card: a landmark of the model (``kind: landmark``, id from ``LANDMARK_IDS``), a
    region of a bone (``kind: region``, id from ``meshes.regions.REGION_IDS``) or a topic."""

    id: str = Id
    kind: Literal["landmark", "region", "topic"] = "landmark"
    name: str = Field(min_length=1)
    latin: str | None = Field(default=None, description="Latin / Terminologia Anatomica (TA2) term, where one exists.")
    text: Text
    facts: Facts = Field(default_factory=Facts)
    actions: list[ActionClaim] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list, description="Ids of other entries worth opening next.")
    sources: list[str] = Field(min_length=1, description="Sources for the entry's text.")
    review_status: Status
    last_updated: _dt.date = Field(description="ISO date, YYYY-MM-DD.")


class PackFile(_Strict):
    """One YAML file of a content pack."""

    disclaimer: str | None = Field(default=None, description="Educational-use disclaimer shown with every card.")
    references: list[Reference] = Field(default_factory=list)
    entries: list[Entry] = Field(default_factory=list)


def json_schema() -> dict:
    """The JSON Schema of one pack file, generated from :class:`PackFile`."""
    schema = PackFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Hip viewer content pack file"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def write_json_schema(path: Path = SCHEMA_PATH) -> Path:
    path.write_text(json_schema_text(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(write_json_schema())
