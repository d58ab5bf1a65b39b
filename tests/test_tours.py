"""Guided tours without a browser: the tour file schema and loader, a step as a view state,
moving through a tour, and the tour's keys in share links."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from annotations.tours import BUILTIN_TOUR, CAPTION_MAX, TourError, TourRules, check_tour, load_tour
from meshes.frame import POSTURE_RANGES
from meshes.landmarks import LANDMARK_IDS
from viewer.state import DEFAULT_OPACITY, LAYERS, PELVIC_DROP_RANGE, ViewState, parse_query, to_query
from viewer.tour import TourNav, load_viewer_tour, pack_ids, step_state, tour_rules

RULES = TourRules(
    layers=("bones", "gmed_middle", "gmax", "landmarks"),
    presets=("lateral", "posterior"),
    ranges={"flexion": (-30, 120), "adduction": (-45, 30), "rotation": (-45, 45), "pelvic_drop": (-15, 15)},
    ids=("gmed_middle", "gmed_origin", "single_leg_stance"),
)

GOOD = """\
title: A short tour
description: Two steps.
steps:
  - title: Origin
    caption: The **origin** on the ilium.
    select: gmed_origin
  - title: Stance
    caption: Pelvis dropped.
    camera: posterior
    posture: {flexion: 10, pelvic_drop: 8}
    layers:
      hidden: [gmax]
      opacity: {gmed_middle: 0.4}
      isolate: true
      colour_by_group: false
    select: single_leg_stance
"""


def write(tmp_path: Path, text: str, name: str = "tour.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path, rules: TourRules = RULES) -> list[str]:
    with pytest.raises(TourError) as info:
        load_tour(path, rules)
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------- good files


def test_a_good_tour_loads_with_every_field(tmp_path):
    tour = load_tour(write(tmp_path, GOOD), RULES)
    assert tour.title == "A short tour" and tour.description == "Two steps." and len(tour) == 2
    first, second = tour.steps
    assert first.camera == "lateral" and first.posture.flexion == 0 and first.layers.hidden == []
    assert second.camera == "posterior" and second.posture.pelvic_drop == 8
    assert second.layers.opacity == {"gmed_middle": 0.4} and second.layers.isolate
    assert second.select == "single_leg_stance"


def test_an_explicit_camera_is_accepted(tmp_path):
    path = write(tmp_path, """\
        title: T
        steps:
          - title: A
            caption: B
            camera: {position: [300, 40, 900], focal_point: [0, 40, 0], view_up: [0, 1, 0]}
        """)
    step = load_tour(path, RULES).steps[0]
    assert step.camera.position == (300, 40, 900)
    state = step_state(step, 1, ViewState())
    assert state.camera is not None and state.camera.view_up == (0, 1, 0)


def test_the_builtin_tour_loads_and_selects_entries_of_the_builtin_pack():
    from annotations import builtin_pack

    tour = load_viewer_tour(None, pack_ids())
    assert len(tour) >= 10
    pack = builtin_pack()
    selected = [s.select for s in tour.steps]
    for sid in selected:
        assert sid in pack.entries, sid
    # The walk the tour promises, in order.
    order = ["gmed_origin", "gmed_insertion", "gmed_anterior", "gmed_middle", "gmed_posterior",
             "superior_gluteal_nerve", "safe_zone", "single_leg_stance", "trendelenburg_sign", "gtps",
             "exercise_side_lying_abduction"]
    positions = [selected.index(sid) for sid in order]
    assert positions == sorted(positions)
    trendelenburg = tour.steps[selected.index("trendelenburg_sign")]
    assert trendelenburg.posture.pelvic_drop > 0  # the unsupported side drops
    assert all(len(s.caption) <= CAPTION_MAX for s in tour.steps)


def test_builtin_tour_is_package_data():
    import tomllib

    from tests.conftest import ROOT

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["annotations"]
    assert any(Path(BUILTIN_TOUR.name).match(p) for p in patterns)


def test_viewer_rules_follow_the_model():
    from meshes.model import PELVIC_DROP_RANGE as MODEL_DROP

    rules = tour_rules()
    assert tuple(PELVIC_DROP_RANGE) == tuple(MODEL_DROP)
    assert rules.ranges == {**POSTURE_RANGES, "pelvic_drop": PELVIC_DROP_RANGE}
    assert rules.layers == LAYERS and set(LANDMARK_IDS) <= set(rules.ids)


def test_check_tour_reports_ok_and_problems(tmp_path):
    code, text = check_tour(write(tmp_path, GOOD), RULES)
    assert code == 0 and "2 steps" in text
    code, text = check_tour(write(tmp_path, "title: T\nsteps: []\n", "empty.yaml"), RULES)
    assert code == 1 and "empty.yaml" in text


# --------------------------------------------------------------------------- bad files

STEP = "title: T\nsteps:\n  - title: Fine\n    caption: OK.\n  - title: Broken\n    caption: Here.\n"


@pytest.mark.parametrize(
    "extra, line, fragment",
    [
        ("    layers: {hidden: [gmaxx]}\n", 7, "unknown layer 'gmaxx' in layers.hidden"),
        ("    layers: {opacity: {heart: 0.5}}\n", 7, "unknown layer 'heart' in layers.opacity"),
        ("    layers: {opacity: {gmax: 1.5}}\n", 7, "outside 0..1"),
        ("    camera: sideways\n", 7, "unknown camera preset 'sideways'"),
        ("    camera: 12\n", 7, "expected a preset name or a mapping"),
        ("    camera: {position: [0, 0, 1], focal_point: [0, 0, 0]}\n", 7, "missing field 'camera.view_up'"),
        ("    camera: {position: [0, 0, 0], focal_point: [0, 0, 0], view_up: [0, 1, 0]}\n", 7, "same point"),
        ("    camera: {position: [0, 1, 0], focal_point: [0, 0, 0], view_up: [0, 1, 0]}\n", 7,
         "view_up points along the viewing direction"),
        ("    select: spleen\n", 7, "unknown id 'spleen' in select"),
        ("    posture: {flexion: 150}\n", 7, "posture.flexion 150 deg is outside the model's range -30..120"),
        ("    posture: {adduction: -60}\n", 7, "posture.adduction -60 deg is outside"),
        ("    posture: {rotation: 50}\n", 7, "posture.rotation 50 deg is outside"),
        ("    posture: {pelvic_drop: 20}\n", 7, "posture.pelvic_drop 20 deg is outside the model's range -15..15"),
        ("    posture: {flexion: lots}\n", 7, "posture.flexion"),
        ("    posture: {tilt: 5}\n", 7, "unknown field 'posture.tilt'"),
        ("    zoom: 2\n", 7, "unknown field 'zoom'"),
        ("    title: Again\n", 7, "duplicate key 'title'"),
        ("    caption2: x\n", 7, "unknown field 'caption2'"),
    ],
)
def test_each_bad_step_names_file_line_step_and_problem(tmp_path, extra, line, fragment):
    path = write(tmp_path, STEP + extra, "lesson.yaml")
    problems = problems_of(path)
    assert len(problems) == 1, problems
    text = problems[0]
    assert text.startswith(f"{path}:{line}: "), text
    assert "step 2" in text, text
    assert fragment in text, text


@pytest.mark.parametrize(
    "text, fragment, step",
    [
        ("title: T\nsteps:\n  - title: A\n", "missing field 'caption'", "step 1 (A)"),
        ("title: T\nsteps:\n  - caption: B\n", "missing field 'title'", "step 1"),
        ("title: T\nsteps:\n  - title: A\n    caption: '   '\n", "must not be blank", "step 1 (A)"),
        ("title: T\nsteps:\n  - title: A\n    caption: " + "x" * (CAPTION_MAX + 1) + "\n",
         f"keep it to {CAPTION_MAX}", "step 1 (A)"),
        ("title: T\nsteps:\n  - just a string\n", "a step must be a mapping", "step 1"),
        ("title: T\nsteps:\n  - title: A\n    caption: [unclosed\n", "invalid YAML", "step 1"),
    ],
)
def test_bad_steps_of_other_kinds(tmp_path, text, fragment, step):
    path = write(tmp_path, text, "mine.yaml")
    problems = problems_of(path)
    assert any(fragment in p and step in p and p.startswith(str(path)) for p in problems), problems


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("steps:\n  - title: A\n    caption: B\n", "missing field 'title'"),
        ("title: T\n", "missing field 'steps'"),
        ("title: T\nsteps: []\n", "steps must be a list of at least one step"),
        ("- title: A\n", "a tour file must be a mapping"),
        ("title: T\nauthor: me\nsteps:\n  - title: A\n    caption: B\n", "unknown field 'author'"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, text, fragment):
    path = write(tmp_path, text, "bad.yaml")
    problems = problems_of(path)
    assert any(fragment in p and p.startswith(str(path)) for p in problems), problems


def test_missing_file_and_directory(tmp_path):
    assert "no such file" in problems_of(tmp_path / "nope.yaml")[0]
    assert "is a directory" in problems_of(tmp_path)[0]


def test_every_problem_is_reported_and_nothing_half_loaded(tmp_path):
    path = write(tmp_path, """\
        title: T
        steps:
          - title: One
            caption: Fine.
          - title: Two
            caption: Bad layer.
            layers: {hidden: [nothing]}
          - title: Three
            caption: Bad id and posture.
            select: nowhere
            posture: {flexion: 500}
        """)
    with pytest.raises(TourError) as info:
        load_tour(path, RULES)
    text = str(info.value)
    assert "step 2 (Two)" in text and "step 3 (Three)" in text
    assert len(info.value.problems) == 3
    assert "(and 2 more problems)" in info.value.one_line()


# --------------------------------------------------------------------------- steps as views


def test_a_step_is_a_whole_view(tmp_path):
    tour = load_tour(write(tmp_path, GOOD), RULES)
    reader = ViewState(level="clinician", present=True, selection="gmed_middle", flexion=50, hidden=frozenset({"bones"}))
    first = step_state(tour.steps[0], 1, reader)
    assert first.selection == "gmed_origin" and first.flexion == 0 and first.hidden == frozenset()
    assert first.level == "clinician" and first.present and first.tour_step == 1
    assert first.view == "lateral" and first.camera is None and first.opacity == DEFAULT_OPACITY
    second = step_state(tour.steps[1], 2, first)
    assert (second.flexion, second.pelvic_drop, second.view) == (10, 8, "posterior")
    assert second.hidden == frozenset({"gmax"}) and second.isolate and not second.colour_by_group
    assert second.opacity["gmed_middle"] == 0.4 and second.opacity["gmax"] == DEFAULT_OPACITY["gmax"]
    # Going back shows the first step exactly as before.
    assert step_state(tour.steps[0], 1, second) == first


def test_tour_navigation_stops_at_both_ends(tmp_path):
    nav = TourNav(load_tour(write(tmp_path, GOOD), RULES))
    assert nav.number is None and nav.at_start and not nav.at_end and nav.position() == "2 steps"
    assert nav.next() == 1 and nav.step.title == "Origin" and nav.position() == "Step 1 of 2"
    assert nav.next() == 2 and nav.at_end
    assert nav.next() == 2
    assert nav.previous() == 1 and nav.previous() == 1 and nav.at_start
    assert nav.go(99) == 2 and nav.go(-3) == 1


# --------------------------------------------------------------------------- share links


def test_pelvic_drop_in_links():
    state, notices = parse_query({"drop": "8"})
    assert state.pelvic_drop == 8 and not notices
    assert to_query(state) == {"drop": "8"}
    state, notices = parse_query({"drop": "40"})
    assert state.pelvic_drop == 15 and "Pelvic drop 40° is outside -15..15°" in notices[0]
    state, notices = parse_query({"drop": "lots"})
    assert state.pelvic_drop == 0 and "Ignored pelvic drop 'lots'" in notices[0]


def test_presentation_and_step_in_links():
    state, notices = parse_query({"present": "1", "step": "3"})
    assert state.present and state.tour_step == 3 and not notices
    assert to_query(state) == {"present": "1", "step": "3"}
    state, notices = parse_query({"present": "maybe", "step": "x"})
    assert not state.present and state.tour_step is None and len(notices) == 2
    assert to_query(ViewState()) == {}


def test_a_link_on_a_tour_step_holds_only_what_differs_from_the_step(tmp_path):
    tour = load_tour(write(tmp_path, GOOD), RULES)
    step = step_state(tour.steps[1], 2, ViewState())
    assert to_query(step, base=step) == {"step": "2"}
    changed = step.with_changes(hidden=frozenset(), selection=None, flexion=0.0)
    query = to_query(changed, base=step)
    assert query == {"sel": "", "flex": "0", "hide": "", "step": "2"}
    restored, notices = parse_query(query, ["single_leg_stance"], base=step)
    assert restored == changed and not notices


def test_the_published_json_schema_is_up_to_date():
    from annotations.tours import TOUR_SCHEMA_PATH, tour_json_schema_text

    assert TOUR_SCHEMA_PATH.read_text(encoding="utf-8") == tour_json_schema_text(), (
        "regenerate: python -c 'from annotations.tours import write_tour_json_schema; write_tour_json_schema()'"
    )
