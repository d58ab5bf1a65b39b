"""The share-link form of a view state: query parameters to :class:`ViewState` and back.

:func:`parse_query` turns the query parameters of a URL into a state plus a list of short
notices (one per value it had to ignore); :func:`to_query` is its inverse.  Both are pure: no
Panel, no browser.

Query parameters (all optional; defaults are left out of a link):

=========  ===============================================  ===========================
key        meaning                                          example
=========  ===============================================  ===========================
``sel``    selected structure or landmark id                ``gmed_middle``
``level``  reading level: lay, student, clinician           ``clinician``
``flex``   hip flexion, degrees (-30..120)                  ``40``
``add``    hip adduction, degrees (-45..30; - is abduction) ``-10``
``rot``    hip internal rotation, degrees (-45..45)         ``15``
``drop``   pelvic drop, degrees (-15..15; + left side down) ``8``
``view``   camera preset                                    ``posterior``
``cam``    exact camera: position, focal point, view up     ``300,0,0,0,0,0,0,1,0``
``hide``   hidden layers, comma separated                   ``gmax,nerve``
``op``     layer opacities, ``layer:value`` pairs           ``gmax:0.3,bones:0.8``
``colour`` colour the gluteus medius by fibre group (1/0)   ``0``
``iso``    isolate the selection (1/0)                      ``1``
``present`` presentation mode (1/0)                         ``1``
``step``   tour step shown, from 1                          ``3``
=========  ===============================================  ===========================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from urllib.parse import urlencode

from meshes.frame import POSTURE_RANGES
from viewer.viewstate import (
    CAMERA_PRESETS,
    DEFAULT_OPACITY,
    LAYERS,
    LEVELS,
    PELVIC_DROP_RANGE,
    POSTURE_KEYS,
    ViewState,
    _parse_float,
    parse_camera,
)

_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off"}


def query_value(value) -> str | None:
    """One query value as text: Panel gives str, bokeh's session args give lists of bytes."""
    if isinstance(value, (list, tuple)):
        if not value:
            return None
        value = value[0]
    if isinstance(value, bytes):
        # Bytes that are not UTF-8 (a broken percent-escape in a link) are shown as U+FFFD,
        # so the value is noticed like any other value that is not understood.
        value = value.decode("utf-8", errors="replace")
    if value is None:
        return None
    return str(value).strip()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_bool(text: str) -> bool | None:
    """``1/true/yes/on`` -> True, ``0/false/no/off`` -> False, anything else -> None."""
    low = text.lower()
    if low in _BOOL_TRUE:
        return True
    if low in _BOOL_FALSE:
        return False
    return None


def parse_query(
    query: Mapping[str, object], known_ids: Iterable[str] = (), base: ViewState | None = None
) -> tuple[ViewState, list[str]]:
    """Read a view state from URL query parameters.

    ``query`` maps key to value (a string, or a list of str/bytes as bokeh's
    ``session_context.request.arguments`` gives them).  ``known_ids`` are the ids a selection
    may name.  Every value that is malformed, unknown or out of range is left at its default
    (posture values out of range are clamped to the range) and explained in one short notice.
    Unknown keys are ignored silently: other tools add their own parameters to links.
    """
    state = base if base is not None else ViewState()
    known = set(known_ids)
    notices: list[str] = []
    changes: dict[str, object] = {}

    def get(key: str) -> str | None:
        if key not in query:
            return None
        return query_value(query[key])

    for name, key in POSTURE_KEYS.items():
        text = get(key)
        if text is None or text == "":
            continue
        value = _parse_float(text)
        if value is None:
            notices.append(f"Ignored {name} '{_short(text)}': not a number of degrees.")
            continue
        lo, hi = POSTURE_RANGES[name]
        if not lo <= value <= hi:
            clamped = min(max(value, lo), hi)
            notices.append(f"{name.capitalize()} {value:g}° is outside {lo:g}..{hi:g}°; shown at {clamped:g}°.")
            value = clamped
        changes[name] = value

    text = get("drop")
    if text:
        value = _parse_float(text)
        lo, hi = PELVIC_DROP_RANGE
        if value is None:
            notices.append(f"Ignored pelvic drop '{_short(text)}': not a number of degrees.")
        else:
            if not lo <= value <= hi:
                clamped = min(max(value, lo), hi)
                notices.append(f"Pelvic drop {value:g}° is outside {lo:g}..{hi:g}°; shown at {clamped:g}°.")
                value = clamped
            changes["pelvic_drop"] = value

    text = get("step")
    if text:
        if text.isdigit() and int(text) >= 1:
            changes["tour_step"] = int(text)
        else:
            notices.append(f"Ignored tour step '{_short(text)}': use a step number from 1.")

    text = get("sel")
    if text == "":
        changes["selection"] = None  # "sel=": nothing selected (over a tour step's selection)
    elif text:
        if text in known:
            changes["selection"] = text
        else:
            notices.append(f"Ignored selection '{_short(text)}': no such structure.")

    text = get("level")
    if text:
        if text.lower() in LEVELS:
            changes["level"] = text.lower()
        else:
            notices.append(f"Ignored reading level '{_short(text)}': use lay, student or clinician.")

    text = get("view")
    if text:
        if text.lower() in CAMERA_PRESETS:
            changes["view"] = text.lower()
        else:
            notices.append(f"Ignored view '{_short(text)}': not a camera preset.")

    text = get("cam")
    if text:
        camera = parse_camera(text)
        if camera is None:
            notices.append("Ignored the camera in the link: it needs nine numbers.")
        else:
            changes["camera"] = camera

    text = get("hide")
    if text is not None:
        hidden = set()
        bad = []
        for item in filter(None, (p.strip() for p in text.split(","))):
            (hidden.add(item) if item in LAYERS else bad.append(item))
        if bad:
            notices.append(f"Ignored unknown layer(s): {_short(', '.join(bad))}.")
        changes["hidden"] = frozenset(hidden)

    text = get("op")
    if text:
        opacity = dict(state.opacity)
        bad = []
        for item in filter(None, (p.strip() for p in text.split(","))):
            layer, sep, raw = item.partition(":")
            value = _parse_float(raw) if sep else None
            if layer not in LAYERS or value is None or not 0.0 <= value <= 1.0:
                bad.append(item)
                continue
            opacity[layer] = value
        if bad:
            notices.append(f"Ignored opacity value(s): {_short(', '.join(bad))}.")
        changes["opacity"] = opacity

    for key, attr, label in (("colour", "colour_by_group", "colour by fibre group"), ("iso", "isolate", "isolate"),
                             ("present", "present", "presentation mode")):
        text = get(key)
        if text:
            flag = parse_bool(text)
            if flag is None:
                notices.append(f"Ignored {label} '{_short(text)}': use 1 or 0.")
            else:
                changes[attr] = flag

    return replace(state, **changes), notices


# ---------------------------------------------------------------------------------------
# Serialising


def _num(value: float) -> str:
    """Shortest clean text of a number: whole degrees stay whole, others keep 0.1 precision."""
    rounded = round(float(value), 1)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.1f}"


def _cam_num(value: float) -> str:
    rounded = round(float(value), 2)
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_query(state: ViewState, base: ViewState | None = None) -> dict[str, str]:
    """The query parameters of a link that restores ``state``: what differs from ``base``
    (the defaults; for a tour step, that step's view, which ``parse_query`` starts from)."""
    default = ViewState()
    base = base or default
    out: dict[str, str] = {}
    if state.selection != base.selection:
        out["sel"] = state.selection or ""
    if state.level != default.level:
        out["level"] = state.level
    for name, key in POSTURE_KEYS.items():
        value = getattr(state, name)
        if round(value, 1) != round(getattr(base, name), 1):
            out[key] = _num(value)
    if round(state.pelvic_drop, 1) != round(base.pelvic_drop, 1):
        out["drop"] = _num(state.pelvic_drop)
    if state.view != base.view:
        out["view"] = state.view
    if state.camera is not None and state.camera != base.camera:
        c = state.camera
        out["cam"] = ",".join(_cam_num(v) for v in (*c.position, *c.focal_point, *c.view_up))
    if set(state.hidden) != set(base.hidden):
        out["hide"] = ",".join(layer for layer in LAYERS if layer in state.hidden)
    changed = [
        f"{layer}:{_num_op(state.opacity[layer])}"
        for layer in LAYERS
        if layer in state.opacity
        and abs(state.opacity[layer] - base.opacity.get(layer, DEFAULT_OPACITY[layer])) > 1e-3
    ]
    if changed:
        out["op"] = ",".join(changed)
    if state.colour_by_group != base.colour_by_group:
        out["colour"] = "1" if state.colour_by_group else "0"
    if state.isolate != base.isolate:
        out["iso"] = "1" if state.isolate else "0"
    if state.present:
        out["present"] = "1"
    if state.tour_step is not None:
        out["step"] = str(state.tour_step)
    return out


def _num_op(value: float) -> str:
    return f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".") or "0"


def to_search(state: ViewState, base: ViewState | None = None) -> str:
    """The ``?a=b&c=d`` part of a share link (empty for the default view)."""
    query = to_query(state, base)
    return "?" + urlencode(query, safe=",:") if query else ""

