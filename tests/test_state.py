"""Share links: a view state survives the trip through a URL, and bad values only give notices."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meshes.frame import POSTURE_RANGES
from meshes.landmarks import LANDMARK_IDS
from viewer.state import (
    CAMERA_PRESETS,
    DEFAULT_OPACITY,
    LAYERS,
    LEVELS,
    Camera,
    ViewState,
    camera_from_dict,
    parse_query,
    to_query,
    to_search,
)

IDS = set(LANDMARK_IDS) | {"trendelenburg"}


def roundtrip(state: ViewState) -> tuple[ViewState, list[str]]:
    search = to_search(state)
    query = dict(parse_qsl(urlsplit("http://x/" + search).query))
    return parse_query(query, IDS)


def test_default_view_has_an_empty_link():
    assert to_search(ViewState()) == ""
    state, notices = parse_query({}, IDS)
    assert state == ViewState() and notices == []


def test_a_full_view_roundtrips_exactly():
    state = ViewState(
        flexion=40.0,
        adduction=-12.5,
        rotation=15.0,
        selection="gmed_posterior",
        level="clinician",
        view="posterior",
        camera=Camera((-420.5, 10.0, 30.25), (0.0, 20.0, 10.0), (0.0, 1.0, 0.0)),
        hidden=frozenset({"gmax", "nerve"}),
        opacity={**DEFAULT_OPACITY, "bones": 0.5, "gmed_middle": 0.3},
        colour_by_group=False,
        isolate=True,
    )
    back, notices = roundtrip(state)
    assert notices == []
    assert back == state


def test_link_is_short_and_readable():
    state = ViewState(flexion=40, selection="gmed_middle", level="lay")
    assert to_search(state) == "?sel=gmed_middle&level=lay&flex=40"


@settings(max_examples=60, deadline=None)
@given(
    flex=st.floats(*POSTURE_RANGES["flexion"]).map(lambda v: round(v, 1)),
    add=st.floats(*POSTURE_RANGES["adduction"]).map(lambda v: round(v, 1)),
    rot=st.floats(*POSTURE_RANGES["rotation"]).map(lambda v: round(v, 1)),
    sel=st.sampled_from(sorted(IDS) + [None]),
    level=st.sampled_from(LEVELS),
    view=st.sampled_from(CAMERA_PRESETS),
    hidden=st.frozensets(st.sampled_from(LAYERS)),
    op=st.dictionaries(st.sampled_from(LAYERS), st.floats(0, 1).map(lambda v: round(v, 2))),
    colour=st.booleans(),
    iso=st.booleans(),
)
def test_any_view_roundtrips(flex, add, rot, sel, level, view, hidden, op, colour, iso):
    state = ViewState(
        flexion=flex + 0.0, adduction=add + 0.0, rotation=rot + 0.0, selection=sel, level=level, view=view,
        hidden=hidden, opacity={**DEFAULT_OPACITY, **op}, colour_by_group=colour, isolate=iso,
    )
    back, notices = roundtrip(state)
    assert notices == []
    assert back.posture() == pytest.approx(state.posture())
    assert back.opacity == pytest.approx(dict(state.opacity))
    assert (back.selection, back.level, back.view, back.hidden, back.colour_by_group, back.isolate) == (
        sel, level, view, hidden, colour, iso)


@pytest.mark.parametrize(
    "query, field, words",
    [
        ({"flex": "abc"}, "flexion", "flexion"),
        ({"flex": "nan"}, "flexion", "flexion"),
        ({"rot": "1e400"}, "rotation", "rotation"),
        ({"sel": "spleen"}, "selection", "spleen"),
        ({"sel": "<script>alert(1)</script>"}, "selection", "selection"),
        ({"level": "expert"}, "level", "expert"),
        ({"view": "inside"}, "view", "inside"),
        ({"cam": "1,2,3"}, "camera", "camera"),
        ({"cam": "0,0,0,0,0,0,0,1,0"}, "camera", "camera"),
        ({"cam": "1,0,0,0,0,0,1,0,0"}, "camera", "camera"),
        ({"colour": "maybe"}, "colour_by_group", "colour"),
        ({"iso": "2"}, "isolate", "isolate"),
    ],
)
def test_malformed_values_are_ignored_with_a_notice(query, field, words):
    state, notices = parse_query(query, IDS)
    assert getattr(state, field) == getattr(ViewState(), field)
    assert len(notices) == 1 and words.lower() in notices[0].lower()


def test_out_of_range_posture_is_clamped_with_a_notice():
    state, notices = parse_query({"flex": "500", "add": "-90"}, IDS)
    assert state.flexion == POSTURE_RANGES["flexion"][1]
    assert state.adduction == POSTURE_RANGES["adduction"][0]
    assert len(notices) == 2


def test_good_values_survive_next_to_bad_ones():
    state, notices = parse_query(
        {"sel": "gmed_middle", "level": "nonsense", "flex": "30", "hide": "gmax,spleen", "op": "bones:0.4,gmin:7,x"}, IDS
    )
    assert state.selection == "gmed_middle" and state.flexion == 30 and state.level == "student"
    assert state.hidden == frozenset({"gmax"})
    assert state.opacity["bones"] == 0.4 and state.opacity["gmin"] == DEFAULT_OPACITY["gmin"]
    assert len(notices) == 3


def test_bokeh_style_arguments_are_read():
    state, notices = parse_query({"sel": [b"gmin"], "flex": [b"20"], "level": [b"student"]}, IDS)
    assert state.selection == "gmin" and state.flexion == 20 and notices == []


def test_a_value_that_is_not_utf8_is_noticed_like_any_bad_value():
    state, notices = parse_query({"sel": [b"gmin"], "level": [b"\xe0\xa4%A"]}, IDS)
    assert state.selection == "gmin" and state.level == "student"
    assert len(notices) == 1 and "\ufffd%A" in notices[0]


def test_unknown_keys_are_ignored_silently():
    state, notices = parse_query({"utm_source": "mail", "theme": "dark"}, IDS)
    assert state == ViewState() and notices == []


def test_notice_quotes_long_values_shortly():
    _, notices = parse_query({"sel": "x" * 5000}, IDS)
    assert len(notices[0]) < 120


def test_camera_dicts_in_both_namings():
    scene = {"position": [1, 2, 300], "focal_point": [0, 0, 0], "view_up": [0, 1, 0], "view_angle": 30}
    vtkjs = {"position": [1, 2, 300], "focalPoint": [0, 0, 0], "viewUp": [0, 1, 0]}
    assert camera_from_dict(scene) == camera_from_dict(vtkjs) == Camera((1, 2, 300), (0, 0, 0), (0, 1, 0))
    assert camera_from_dict({"position": [1]}) is None
    assert camera_from_dict(None) is None


def test_a_camera_along_a_preset_counts_as_the_preset():
    from viewer.state import matches_preset

    lateral = ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0))
    fitted = Camera((80.0, -83.0, 1192.0), (80.0, -83.0, -12.7), (0.0, 1.0, 0.0))
    turned = Camera((300.0, -83.0, 1150.0), (80.0, -83.0, -12.7), (0.0, 1.0, 0.0))
    assert matches_preset(fitted, *lateral)
    assert not matches_preset(turned, *lateral)
