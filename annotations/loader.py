"""Load and validate content packs.

A pack is a directory of ``*.yaml`` files (see :mod:`annotations.schema`).  ``load_pack``
reads the built-in pack first and lets later packs override whole entries by id, add new
entries, and add or replace references.  Every problem in every file is collected; if there
is any, :class:`ContentError` is raised and nothing is returned, so the app never runs with
half-loaded content.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

import yaml
from pydantic import ValidationError

from meshes.landmarks import ACTIONS, LANDMARK_IDS, NEIGHBOUR_MUSCLES, REGION_IDS

from .schema import (
    CLAIM_GROUPS,
    READING_LEVELS,
    REVIEW_STATUSES,
    ROOTS,
    Entry,
    PackFile,
    Reference,
)

#: The built-in pack shipped with the package.
BUILTIN_DIR = Path(__file__).with_name("content")
_TOP_KEYS = tuple(PackFile.model_fields)


class Problem(NamedTuple):
    """One thing wrong with a pack: where it is and what is wrong."""

    file: str
    entry_id: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.entry_id:
            return f"{where}: {self.entry_id}: {self.message}"
        return f"{where}: {self.message}"


class ContentError(Exception):
    """A pack failed to load; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class Pack:
    """A loaded, valid pack."""

    entries: dict[str, Entry]
    references: dict[str, Reference]
    disclaimer: str
    files: dict[str, str] = field(default_factory=dict)  # entry id -> file it came from

    def cited(self, ids: Iterable[str]) -> list[Reference]:
        """The references for ``ids``, in the order given, without repeats."""
        seen: dict[str, Reference] = {}
        for rid in ids:
            if rid in self.references and rid not in seen:
                seen[rid] = self.references[rid]
        return list(seen.values())

    def entry_sources(self, entry_id: str) -> list[Reference]:
        """Every reference an entry cites anywhere (text, facts, actions, disagreements)."""
        return self.cited(_source_ids(self.entries[entry_id]))

    @property
    def topics(self) -> dict[str, Entry]:
        return {k: e for k, e in self.entries.items() if e.kind == "topic"}


# --------------------------------------------------------------------------- YAML with lines


class _LineDict(dict):
    line: int = 0
    key_lines: dict

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class _LineList(list):
    line: int = 0
    item_lines: list

    def line_of(self, index: Any) -> int:
        if isinstance(index, int) and 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same result, faster


class _Loader(_BaseLoader):
    """Safe YAML loader that keeps line numbers, keeps dates as text (the schema parses them)
    and reports duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in out:
            loader.duplicate_keys.append((key_node.start_mark.line + 1, str(key)))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _LineList:
    out = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _parse_yaml(text: str) -> tuple[Any, list[tuple[int, str]]]:
    loader = _Loader(text)
    try:
        return loader.get_single_data(), loader.duplicate_keys
    finally:
        loader.dispose()


def _line_at(data: Any, loc: tuple) -> int | None:
    """Line of the deepest node along ``loc`` that the parser marked."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, (_LineDict, _LineList)):
            line = node.line_of(part)
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            break
    return line


# --------------------------------------------------------------------------- messages


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: dict) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    last = loc[-1] if loc else ""
    parent = loc[-2] if len(loc) > 1 else ""
    value = err.get("input")
    where = _dotted(loc)
    if kind == "missing":
        if parent == "text" and last in READING_LEVELS:
            return f"missing reading level '{last}'"
        return f"missing field '{where}'"
    if kind == "extra_forbidden":
        return f"unknown field '{where}'"
    if last == "sources" and kind == "too_short":
        return f"{where}: needs at least one source id"
    if parent == "text" and kind in ("string_too_short", "string_type"):
        return f"empty reading level '{last}'"
    if last == "last_updated":
        return f"bad date {value!r} for last_updated: expected an ISO date YYYY-MM-DD"
    if last == "review_status":
        return f"bad review_status {value!r}: expected one of {', '.join(REVIEW_STATUSES)}"
    if last == "action" and kind == "literal_error":
        return f"unknown action {value!r} in {where}: expected one of {', '.join(ACTIONS)}"
    if last == "group" and kind == "literal_error":
        return f"unknown fibre group {value!r} in {where}: expected one of {', '.join(CLAIM_GROUPS)}"
    if parent == "roots" and kind == "literal_error":
        return f"unknown spinal root {value!r} in {where}: expected one of {', '.join(ROOTS)}"
    if last == "kind" and kind == "literal_error":
        return f"bad kind {value!r}: expected 'landmark' or 'topic'"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{where}: {msg}" if where else msg


# --------------------------------------------------------------------------- reading


@dataclass
class _Loaded:
    entries: dict[str, tuple[Entry, str, Any]] = field(default_factory=dict)  # id -> (entry, file, raw)
    references: dict[str, tuple[Reference, str]] = field(default_factory=dict)
    disclaimer: tuple[str, str] | None = None
    invalid: list[tuple[str, str, Any]] = field(default_factory=list)  # (label, file, raw) of entries that failed


def pack_files(path: str | os.PathLike) -> list[Path]:
    """The YAML files of a pack: a directory's ``*.yaml``/``*.yml`` (sorted), or one file."""
    p = Path(path)
    if p.is_file():
        return [p]
    return sorted([*p.glob("*.yaml"), *p.glob("*.yml")])


_ID_LINE = re.compile(r"^\s*-?\s*id:\s*[\[\"']?\s*([A-Za-z0-9_]+)")


def _entry_near(file: Path, line: int | None) -> str | None:
    """For a file the parser cannot read: the id of the last entry that starts at or before
    ``line``, read from the raw text (so the report can name the entry being edited)."""
    if line is None:
        return None
    try:
        lines = file.read_text(encoding="utf-8").splitlines()[:line]
    except (OSError, UnicodeDecodeError):
        return None
    in_entries = False
    found = None
    for text in lines:
        if re.match(r"^\S", text):
            in_entries = text.startswith("entries:")
        elif in_entries and (m := _ID_LINE.match(text)):
            found = m.group(1)
    return found


def _entry_at_line(data: Any, line: int) -> str | None:
    """Label of the entry whose YAML text contains ``line``, if any."""
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, _LineList):
        return None
    found = None
    for i, start in enumerate(entries.item_lines):
        if start <= line:
            found = _entry_label(entries[i], i)
    return found


def _entry_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return raw["id"]
    return f"entries[{index}]"


def _read_dir(path: Path, problems: list[Problem]) -> _Loaded:
    out = _Loaded()
    if not path.exists():
        problems.append(Problem(str(path), None, None, "no such file or directory"))
        return out
    files = pack_files(path)
    if not files:
        problems.append(Problem(str(path), None, None, "no .yaml files in this pack directory"))
    for file in files:
        fname = str(file)
        try:
            data, dup_keys = _parse_yaml(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            line = mark.line + 1 if mark else None
            problems.append(Problem(fname, _entry_near(file, line), line, f"invalid YAML: {reason}"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(fname, None, None, f"cannot read file: {exc}"))
            continue
        for line, key in dup_keys:
            problems.append(Problem(fname, _entry_at_line(data, line), line,
                                    f"duplicate key '{key}' in a mapping (the later value would win)"))
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(Problem(fname, None, getattr(data, "line", 1),
                                    "a pack file must be a mapping with keys " + ", ".join(_TOP_KEYS)))
            continue
        for key in data:
            if key not in _TOP_KEYS:
                problems.append(Problem(fname, None, data.line_of(key),
                                        f"unknown top-level key '{key}': expected {', '.join(_TOP_KEYS)}"))
        _read_disclaimer(data, fname, out, problems)
        _read_references(data, fname, out, problems)
        _read_entries(data, fname, out, problems)
    return out


def _read_disclaimer(data: _LineDict, fname: str, out: _Loaded, problems: list[Problem]) -> None:
    if "disclaimer" not in data:
        return
    text = data["disclaimer"]
    line = data.line_of("disclaimer")
    if not isinstance(text, str) or not text.strip():
        problems.append(Problem(fname, None, line, "disclaimer must be non-empty text"))
    elif out.disclaimer is not None:
        problems.append(Problem(fname, None, line, f"second disclaimer in one pack (first in {out.disclaimer[1]})"))
    else:
        out.disclaimer = (text.strip(), fname)


def _items(data: _LineDict, key: str, fname: str, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    items = data.get(key)
    if items is None:
        return
    if not isinstance(items, list):
        problems.append(Problem(fname, None, data.line_of(key), f"'{key}' must be a list"))
        return
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            line = items.line_of(i) if isinstance(items, _LineList) else None
            what = "an entry" if key == "entries" else "a reference"
            problems.append(Problem(fname, f"{key}[{i}]", line, f"{what} must be a mapping of fields, not {type(raw).__name__}"))
            continue
        yield i, raw


def _read_references(data: _LineDict, fname: str, out: _Loaded, problems: list[Problem]) -> None:
    for i, raw in enumerate_items(data, "references", fname, problems):
        label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"references[{i}]"
        try:
            ref = Reference.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(fname, f"reference {label}", _line_at(raw, tuple(err["loc"])), _message(err)))
            continue
        if ref.url is not None and not ref.url.startswith(("http://", "https://")):
            problems.append(Problem(fname, f"reference {label}", _line_at(raw, ("url",)), "url must start with http:// or https://"))
        if ref.id in out.references:
            problems.append(Problem(fname, f"reference {label}", _line_at(raw, ("id",)),
                                    f"duplicate reference id '{ref.id}' (first in {out.references[ref.id][1]})"))
            continue
        out.references[ref.id] = (ref, fname)


def _read_entries(data: _LineDict, fname: str, out: _Loaded, problems: list[Problem]) -> None:
    for i, raw in enumerate_items(data, "entries", fname, problems):
        label = _entry_label(raw, i)
        try:
            entry = Entry.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(fname, label, _line_at(raw, tuple(err["loc"])), _message(err)))
            out.invalid.append((label, fname, raw))
            continue
        line = _line_at(raw, ("id",))
        if entry.kind == "landmark" and entry.id not in LANDMARK_IDS:
            problems.append(Problem(fname, label, line,
                                    f"unknown id '{entry.id}': not a landmark id of the hip model "
                                    "(meshes/landmarks.py); a topic entry needs 'kind: topic'"))
        if entry.kind == "region" and entry.id not in REGION_IDS:
            problems.append(Problem(fname, label, line,
                                    f"unknown region '{entry.id}': not a bone region of the hip model "
                                    "(meshes/regions.py)"))
        if entry.kind == "topic" and entry.id in LANDMARK_IDS:
            problems.append(Problem(fname, label, line,
                                    f"topic id '{entry.id}' is a landmark id; use 'kind: landmark' or another id"))
        for j, claim in enumerate(entry.actions):
            if claim.group in NEIGHBOUR_MUSCLES and claim.group != entry.id:
                problems.append(Problem(fname, label, _line_at(raw, ("actions", j, "group")),
                                        f"action claim for '{claim.group}' in actions[{j}].group belongs on "
                                        f"the '{claim.group}' card"))
        if entry.id in out.entries:
            first = out.entries[entry.id]
            first_line = _line_at(first[2], ("id",))
            problems.append(Problem(fname, label, line,
                                    f"duplicate id '{entry.id}' (first defined in {first[1]}:{first_line})"))
            continue
        out.entries[entry.id] = (entry, fname, raw)


enumerate_items = _items


# --------------------------------------------------------------------------- cross-checks


def _source_paths(entry: Entry) -> Iterator[tuple[tuple, str]]:
    """(loc, source id) for every source an entry cites."""
    for i, s in enumerate(entry.sources):
        yield ("sources", i), s
    for name in ("origin", "insertion", "innervation", "blood_supply", "actions"):
        fact = getattr(entry.facts, name)
        if fact is not None:
            for i, s in enumerate(fact.sources):
                yield ("facts", name, "sources", i), s
    for j, fact in enumerate(entry.facts.more):
        for i, s in enumerate(fact.sources):
            yield ("facts", "more", j, "sources", i), s
    for j, claim in enumerate(entry.actions):
        for i, s in enumerate(claim.sources):
            yield ("actions", j, "sources", i), s
    for j, dis in enumerate(entry.disagreements):
        for k, pos in enumerate(dis.positions):
            for i, s in enumerate(pos.sources):
                yield ("disagreements", j, "positions", k, "sources", i), s


def _raw_source_paths(raw: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(loc, source id) for every string under a ``sources`` key of an entry that failed
    validation, so its dangling sources are reported along with its other problems."""
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key == "sources" and isinstance(value, list):
                for i, s in enumerate(value):
                    if isinstance(s, str):
                        yield (*loc, key, i), s
            else:
                yield from _raw_source_paths(value, (*loc, key))
    elif isinstance(raw, list):
        for i, item in enumerate(raw):
            yield from _raw_source_paths(item, (*loc, i))


def _source_ids(entry: Entry) -> list[str]:
    return [s for _, s in _source_paths(entry)]


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def load_pack(*dirs: str | os.PathLike, builtin: bool = True) -> Pack:
    """Load the built-in pack, then each of ``dirs`` in order over it.

    Later packs override whole entries by id, add new entries, and add or replace references
    (and the disclaimer).  The built-in pack always comes first unless ``builtin=False``;
    naming it explicitly (``load_pack(BUILTIN_DIR, teacher_dir)``) does the same thing.  Raises
    :class:`ContentError` listing every problem found in every file; nothing is returned
    half-loaded.
    """
    paths = [Path(d) for d in dirs]
    if builtin and not any(_same_path(p, BUILTIN_DIR) for p in paths):
        paths.insert(0, BUILTIN_DIR)
    if not paths:
        raise ContentError([Problem("(no pack)", None, None, "no content pack directories given")])
    dirs = tuple(paths)
    problems: list[Problem] = []
    entries: dict[str, tuple[Entry, str, Any]] = {}
    references: dict[str, tuple[Reference, str]] = {}
    disclaimer: tuple[str, str] | None = None
    invalid: list[tuple[str, str, Any]] = []
    for d in dirs:
        loaded = _read_dir(Path(d), problems)
        invalid.extend(loaded.invalid)
        entries.update(loaded.entries)
        references.update(loaded.references)
        if loaded.disclaimer is not None:
            disclaimer = loaded.disclaimer

    checks = [(eid, fname, raw, list(_source_paths(entry)), entry.related) for eid, (entry, fname, raw) in entries.items()]
    for label, fname, raw in invalid:
        related = raw.get("related") if isinstance(raw, dict) else None
        related = [r for r in related if isinstance(r, str)] if isinstance(related, list) else []
        checks.append((label, fname, raw, list(_raw_source_paths(raw)), related))
    for eid, fname, raw, sources, related in checks:
        for loc, sid in sources:
            if sid not in references:
                problems.append(Problem(fname, eid, _line_at(raw, loc),
                                        f"unknown source id '{sid}' in {_dotted(loc[:-1])}: not in any references list"))
        for i, rid in enumerate(related):
            if rid not in entries and not any(rid == lab for lab, _, _ in invalid):
                problems.append(Problem(fname, eid, _line_at(raw, ("related", i)), f"unknown related id '{rid}'"))
    where = str(dirs[-1])
    for lid in LANDMARK_IDS:
        if lid not in entries:
            problems.append(Problem(where, lid, None, f"no entry for landmark id '{lid}'"))
    if disclaimer is None:
        problems.append(Problem(where, None, None, "the pack has no disclaimer"))
    if problems:
        raise ContentError(problems)
    return Pack(
        entries={k: v[0] for k, v in entries.items()},
        references={k: v[0] for k, v in references.items()},
        disclaimer=disclaimer[0] if disclaimer else "",
        files={k: v[1] for k, v in entries.items()},
    )


@lru_cache(maxsize=1)
def builtin_pack() -> Pack:
    """The built-in pack, loaded once."""
    return load_pack(BUILTIN_DIR)
