"""``hip-viewer --tour`` and ``hip-viewer check-tour`` as a teacher types them."""

from __future__ import annotations

import textwrap

from tests.conftest import ROOT
from tests.test_cli import one_line_error, run

BUILTIN_TOUR = ROOT / "annotations" / "tour.yaml"

BAD = """\
title: My lesson
steps:
  - title: Start
    caption: Fine.
  - title: Too far
    caption: The hip cannot do this.
    posture: {flexion: 170}
  - title: Nothing
    caption: No such layer.
    layers: {hidden: [kidney]}
"""


def test_help_names_the_tour_option_and_command():
    result = run(["--help"])
    assert result.returncode == 0
    assert "--tour" in result.stdout and "check-tour" in result.stdout


def test_check_tour_accepts_the_builtin_tour():
    result = run(["check-tour", str(BUILTIN_TOUR)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("tour OK:") and "steps" in result.stdout


def test_check_tour_lists_every_problem(tmp_path):
    path = tmp_path / "lesson.yaml"
    path.write_text(BAD)
    result = run(["check-tour", str(path)])
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2, result.stdout
    assert lines[0].startswith(f"{path}:7: step 2 (Too far): posture.flexion 170 deg is outside")
    assert lines[1].startswith(f"{path}:10: step 3 (Nothing): unknown layer 'kidney'")


def test_check_tour_knows_the_ids_of_a_teachers_pack(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "quiz.yaml").write_text(textwrap.dedent("""\
        entries:
          - id: class_quiz
            kind: topic
            name: Class quiz
            text: {lay: One., student: Two., clinician: Three.}
            sources: [grays1918]
            review_status: submitted
            last_updated: 2026-11-24
        """))
    tour = tmp_path / "tour.yaml"
    tour.write_text("title: T\nsteps:\n  - title: Quiz\n    caption: Over to you.\n    select: class_quiz\n")
    assert run(["check-tour", str(tour)]).returncode == 1
    result = run(["--content", str(pack), "check-tour", str(tour)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_serving_a_bad_tour_exits_2_with_one_line(tmp_path):
    path = tmp_path / "lesson.yaml"
    path.write_text(BAD)
    result = run(["--tour", str(path), "--port", "0", "--no-browser"], timeout=120)
    assert result.returncode == 2
    line = one_line_error(result)
    assert line.startswith("hip-viewer: error: bad tour: ")
    assert f"{path}:7: step 2 (Too far): posture.flexion 170 deg is outside" in line
    assert "1 more problem" in line
    assert result.stdout == ""


def test_serving_a_missing_tour_exits_2(tmp_path):
    result = run(["--tour", str(tmp_path / "nope.yaml"), "--port", "0", "--no-browser"], timeout=120)
    assert result.returncode == 2
    line = one_line_error(result)
    assert "nope.yaml" in line and "no such file" in line
