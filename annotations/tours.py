"""Guided tours: ordered steps through the hip model, read from a YAML file and validated.

A tour file is a mapping::

    title: The gluteus medius, step by step      # required
    description: One lesson, about ten minutes.   # optional
    steps:                                        # at least one
      - title: Where it starts                    # required, short
        caption: >-                               # required, short Markdown (card subset)
          The **origin** is the outer surface of the ilium ...
        camera: lateral                           # a preset name, or position/focal_point/view_up
        posture: {flexion: 0, adduction: 0, rotation: 0, pelvic_drop: 0}
        layers:
          hidden: [gmax]                          # layers not drawn
          opacity: {gmin: 0.3}                    # 0..1 per layer (others keep their default)
          isolate: false                          # show only the selection's layers
          colour_by_group: true                   # the three fibre groups in their own colours
        select: gmed_origin                       # a landmark or topic id (opens its card)

Every step is a whole view: a field left out takes its default (lateral camera, neutral
posture, every layer shown at its usual opacity, nothing selected), so a step looks the same
whichever step came before it.

What a step may name depends on the viewer (layer names, camera presets, posture ranges, the
content pack's ids), so :func:`load_tour` takes them as :class:`TourRules`; this package never
imports the viewer.  Every problem in a file is collected; if there is any,
:class:`TourError` is raised and no tour is returned, so the viewer never shows a
half-loaded tour.  Each problem names the file, the line, the step and what is wrong.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from meshes.landmarks import LANDMARK_IDS

from .loader import Problem, _dotted, _line_at, _parse_yaml

#: The tour shipped with the viewer.
BUILTIN_TOUR = Path(__file__).with_name("tour.yaml")

#: Longest caption (characters of Markdown): a caption is read from the back of a room.
CAPTION_MAX = 420
#: Longest step title.
TITLE_MAX = 60

POSTURE_NAMES: tuple[str, ...] = ("flexion", "adduction", "rotation", "pelvic_drop")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Vector = tuple[float, float, float]


class TourCamera(_Strict):
    """An exact camera, pelvis frame, millimetres."""

    position: Vector
    focal_point: Vector
    view_up: Vector

    @model_validator(mode="after")
    def _not_degenerate(self) -> "TourCamera":
        values = (*self.position, *self.focal_point, *self.view_up)
        if not all(math.isfinite(v) for v in values):
            raise ValueError("camera numbers must be finite")
        d = [p - f for p, f in zip(self.position, self.focal_point)]
        up = self.view_up
        nd = math.sqrt(sum(c * c for c in d))
        nu = math.sqrt(sum(c * c for c in up))
        if nd < 1e-6:
            raise ValueError("camera position and focal_point are the same point")
        if nu < 1e-6:
            raise ValueError("camera view_up is a zero vector")
        cross = (d[1] * up[2] - d[2] * up[1], d[2] * up[0] - d[0] * up[2], d[0] * up[1] - d[1] * up[0])
        if math.sqrt(sum(c * c for c in cross)) < 1e-6 * nd * nu:
            raise ValueError("camera view_up points along the viewing direction")
        return self


class TourPosture(_Strict):
    """Hip angles of the right hip and the pelvic drop, degrees (left out: 0)."""

    flexion: float = 0.0
    adduction: float = 0.0
    rotation: float = 0.0
    pelvic_drop: float = 0.0


class TourLayers(_Strict):
    """What is drawn, and how."""

    hidden: list[str] = Field(default_factory=list, description="Layers not drawn.")
    opacity: dict[str, float] = Field(default_factory=dict, description="Layer -> opacity 0..1.")
    isolate: bool = Field(default=False, description="Show only the layers of the selection.")
    colour_by_group: bool = Field(default=True, description="Gluteus medius fibre groups in their own colours.")

    @field_validator("opacity")
    @classmethod
    def _opacity_range(cls, value: dict[str, float]) -> dict[str, float]:
        for layer, op in value.items():
            if not 0.0 <= op <= 1.0:
                raise ValueError(f"opacity {op:g} for layer '{layer}' is outside 0..1")
        return value


class TourStep(_Strict):
    """One step: a whole view and its caption."""

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    caption: str = Field(min_length=1, max_length=CAPTION_MAX, description="Short Markdown: emphasis, lists, links.")
    camera: str | TourCamera = Field(default="lateral", description="Camera preset name or an exact camera.")
    posture: TourPosture = Field(default_factory=TourPosture)
    layers: TourLayers = Field(default_factory=TourLayers)
    select: str | None = Field(default=None, description="Landmark or topic id whose card opens.")

    @field_validator("title", "caption")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class TourFile(_Strict):
    """A tour file."""

    title: str = Field(min_length=1, max_length=80)
    description: str | None = None
    steps: list[TourStep] = Field(min_length=1)


@dataclass(frozen=True)
class TourRules:
    """What a tour may name, given by the viewer (``viewer.tour.tour_rules``)."""

    layers: tuple[str, ...]
    presets: tuple[str, ...]
    ranges: Mapping[str, tuple[float, float]]  # posture name -> (low, high), degrees
    ids: tuple[str, ...] = LANDMARK_IDS


@dataclass(frozen=True)
class Tour:
    """A loaded, valid tour."""

    title: str
    steps: tuple[TourStep, ...]
    description: str | None = None
    file: str = ""

    def __len__(self) -> int:
        return len(self.steps)


class TourError(Exception):
    """A tour file failed to load; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def one_line(self) -> str:
        """The first problem, and how many more there are."""
        first = str(self.problems[0]) if self.problems else "unknown problem"
        more = len(self.problems) - 1
        return first if more <= 0 else f"{first} (and {more} more problem{'s' if more > 1 else ''})"


# --------------------------------------------------------------------------- messages


def _step_label(index: int, raw: Any) -> str:
    title = raw.get("title") if isinstance(raw, dict) else None
    if isinstance(title, str) and title.strip():
        short = title.strip() if len(title.strip()) <= 40 else title.strip()[:39] + "…"
        return f"step {index + 1} ({short})"
    return f"step {index + 1}"


def _message(err: dict) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    where = _dotted(loc)
    if kind == "missing":
        return f"missing field '{where}'"
    if kind == "extra_forbidden":
        return f"unknown field '{where}'"
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return f"{where} is {len(err.get('input') or '')} characters; keep it to {limit} (it is read from the back of the room)"
    if kind in ("string_too_short",):
        return f"{where} must not be empty"
    if kind == "too_short" and where == "steps":
        return "a tour needs at least one step"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{where}: {msg}" if where else msg


def _clean_errors(errors: list[dict], raw: Mapping) -> list[dict]:
    """Errors with the union branch taken out of their location.  A camera is a name or a
    mapping; report only the branch the author meant (or one line if it is neither)."""
    out, said = [], False
    camera = raw.get("camera")
    for err in errors:
        loc = tuple(err["loc"])
        if loc[:1] == ("camera",) and len(loc) > 1:
            branch_str = loc[1] == "str"
            if isinstance(camera, dict):
                if branch_str:
                    continue
            elif not isinstance(camera, str):
                if not said:
                    said = True
                    out.append({**err, "loc": ("camera",), "type": "value_error",
                                "msg": "Value error, expected a preset name or a mapping of "
                                       "position, focal_point and view_up"})
                continue
            loc = ("camera", *loc[2:])
        out.append({**err, "loc": loc})
    return out


# --------------------------------------------------------------------------- loading


def _context_problems(step: TourStep, raw: Any, rules: TourRules) -> list[tuple[tuple, str]]:
    """(loc, message) of everything a valid step names that the viewer does not know."""
    found: list[tuple[tuple, str]] = []
    if isinstance(step.camera, str) and step.camera not in rules.presets:
        found.append((("camera",), f"unknown camera preset '{step.camera}': expected one of "
                                   f"{', '.join(rules.presets)}, or position/focal_point/view_up"))
    for name in POSTURE_NAMES:
        value = getattr(step.posture, name)
        lo, hi = rules.ranges[name]
        if not lo <= value <= hi:
            found.append((("posture", name), f"posture.{name} {value:g} deg is outside the model's range "
                                             f"{lo:g}..{hi:g} deg"))
    known = ", ".join(rules.layers)
    for i, layer in enumerate(step.layers.hidden):
        if layer not in rules.layers:
            found.append((("layers", "hidden", i), f"unknown layer '{layer}' in layers.hidden: expected one of {known}"))
    for layer in step.layers.opacity:
        if layer not in rules.layers:
            found.append((("layers", "opacity", layer),
                          f"unknown layer '{layer}' in layers.opacity: expected one of {known}"))
    if step.select is not None and step.select not in rules.ids:
        found.append((("select",), f"unknown id '{step.select}' in select: not a landmark of the model "
                                   "nor an entry of the content pack"))
    return found


def load_tour(path: str | os.PathLike, rules: TourRules) -> Tour:
    """Read and check the tour file at ``path``; raises :class:`TourError` listing every problem."""
    p = Path(path)
    fname = str(p)
    problems: list[Problem] = []
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TourError([Problem(fname, None, None, "no such file")]) from None
    except IsADirectoryError:
        raise TourError([Problem(fname, None, None, "is a directory, not a tour file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TourError([Problem(fname, None, None, f"cannot read file: {exc}")]) from None
    try:
        data, dup_keys = _parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark else None
        raise TourError([Problem(fname, _step_near(text, line), line, f"invalid YAML: {reason}")]) from None
    if not isinstance(data, dict):
        raise TourError([Problem(fname, None, getattr(data, "line", 1),
                                 "a tour file must be a mapping with title and steps")])
    steps_raw = data.get("steps")
    for line, key in dup_keys:
        problems.append(Problem(fname, _step_at_line(steps_raw, line), line,
                                f"duplicate key '{key}' in a mapping (the later value would win)"))

    # The file's own fields, then each step on its own (so every step's problems are named).
    top = {k: v for k, v in data.items() if k != "steps"}
    try:
        _Head.model_validate(top)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(fname, None, _line_at(data, tuple(err["loc"])), _message(err)))
    steps: list[TourStep] = []
    if "steps" not in data:
        problems.append(Problem(fname, None, None, "missing field 'steps'"))
    elif not isinstance(steps_raw, list) or not steps_raw:
        problems.append(Problem(fname, None, _line_at(data, ("steps",)), "steps must be a list of at least one step"))
    else:
        for i, raw in enumerate(steps_raw):
            label = _step_label(i, raw)
            line = steps_raw.line_of(i) if hasattr(steps_raw, "line_of") else None
            if not isinstance(raw, dict):
                problems.append(Problem(fname, label, line, f"a step must be a mapping of fields, not {type(raw).__name__}"))
                continue
            try:
                step = TourStep.model_validate(raw)
            except ValidationError as exc:
                for err in _clean_errors(exc.errors(), raw):
                    problems.append(Problem(fname, label, _line_at(raw, tuple(err["loc"])), _message(err)))
                continue
            for loc, message in _context_problems(step, raw, rules):
                problems.append(Problem(fname, label, _line_at(raw, loc), message))
            steps.append(step)
    if problems:
        raise TourError(problems)
    return Tour(title=data["title"].strip(), steps=tuple(steps),
                description=(data.get("description") or None), file=fname)


class _Head(_Strict):
    title: str = Field(min_length=1, max_length=80)
    description: str | None = None


def _step_at_line(steps_raw: Any, line: int) -> str | None:
    if not hasattr(steps_raw, "item_lines"):
        return None
    found = None
    for i, start in enumerate(steps_raw.item_lines):
        if start <= line:
            found = _step_label(i, steps_raw[i])
    return found


def _step_near(text: str, line: int | None) -> str | None:
    """For a file YAML cannot read: the step whose text holds ``line`` (counted from the raw
    text: list items at the indentation of the first ``- `` under ``steps:``)."""
    if line is None:
        return None
    count, indent, in_steps = 0, None, False
    for number, row in enumerate(text.splitlines()[:line], start=1):
        stripped = row.lstrip()
        if row and not row[0].isspace() and not row.startswith("-"):
            in_steps = row.startswith("steps:")
            continue
        if in_steps and stripped.startswith("- "):
            here = len(row) - len(stripped)
            if indent is None:
                indent = here
            if here == indent:
                count += 1
    return f"step {count}" if count else None


#: The published JSON Schema of a tour file, for editors (generated from :class:`TourFile`).
TOUR_SCHEMA_PATH = Path(__file__).with_name("tour.schema.json")


def tour_json_schema_text() -> str:
    """The JSON Schema of a tour file, generated from :class:`TourFile`.  It checks the shape;
    names of layers, presets and ids, and posture ranges, are checked by :func:`load_tour`."""
    import json

    schema = TourFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Hip viewer guided tour"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_tour_json_schema(path: Path = TOUR_SCHEMA_PATH) -> Path:
    path.write_text(tour_json_schema_text(), encoding="utf-8")
    return path


def check_tour(path: str | os.PathLike, rules: TourRules) -> tuple[int, str]:
    """``(0, "tour OK: ...")`` or ``(1, one problem per line)``, as ``hip-viewer check-tour`` prints."""
    try:
        tour = load_tour(path, rules)
    except TourError as exc:
        return 1, str(exc)
    return 0, f"tour OK: '{tour.title}', {len(tour)} steps in {path}"


__all__ = [
    "BUILTIN_TOUR",
    "CAPTION_MAX",
    "Tour",
    "TourCamera",
    "TourError",
    "TourFile",
    "TourLayers",
    "TourPosture",
    "TourRules",
    "TourStep",
    "check_tour",
    "load_tour",
    "tour_json_schema_text",
    "write_tour_json_schema",
]
