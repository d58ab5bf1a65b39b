"""The ``hip-viewer`` command as a user types it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

BUILTIN_PACK = ROOT / "annotations" / "content"


def hip_viewer_command() -> list[str]:
    """The installed console script, next to this interpreter."""
    script = Path(sys.executable).with_name("hip-viewer")
    if script.exists():
        return [str(script)]
    found = shutil.which("hip-viewer")
    assert found, "the hip-viewer console script is not installed (pip install -e .)"
    return [found]


def run(args, *, module=False, timeout=120) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "viewer"] if module else hip_viewer_command()
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, f"expected a one-line error, got:\n{result.stderr}"
    return lines[0]




# --------------------------------------------------------------------------- help and errors

@pytest.mark.parametrize("module", [False, True], ids=["hip-viewer", "python -m viewer"])
def test_help_lists_options_and_commands(module):
    result = run(["--help"], module=module)
    assert result.returncode == 0, result.stderr
    for word in ("--host", "--port", "--no-browser", "--content", "measure", "check-content"):
        assert word in result.stdout
    assert result.stderr == ""


def test_measure_help_names_its_options():
    result = run(["measure", "--help"])
    assert result.returncode == 0
    for word in ("--flexion", "--adduction", "--rotation", "--side", "--json"):
        assert word in result.stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (["--port", "abc"], ["--port", "abc"]),
        (["--port", "70000"], ["70000"]),
        (["--colour=red"], ["--colour"]),
        (["dance"], ["dance"]),
        (["measure", "--side", "middle"], ["--side", "middle"]),
        (["measure", "--flexion", "lots"], ["--flexion", "lots"]),
        (["check-content"], ["PATH"]),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_2(args, words):
    result = run(args)
    assert result.returncode == 2
    line = one_line_error(result)
    for word in words:
        assert word in line
    assert result.stdout == ""


def test_busy_port_is_one_line_naming_the_port():
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = run(["--port", str(port), "--no-browser"])
    assert result.returncode == 2
    line = one_line_error(result)
    assert str(port) in line
    assert "in use" in line


# --------------------------------------------------------------------------- serving

def test_served_page_answers_at_the_printed_url(viewer_server):
    assert viewer_server.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(viewer_server.url, timeout=60) as response:
        assert response.status == 200
        html = response.read().decode("utf-8", "replace")
    assert "<html" in html.lower()
    assert viewer_server.proc.poll() is None, "the server stopped after one page"


def test_server_prints_its_url_once_then_the_presenter_and_follow_links(viewer_server):
    lines = [line for line in viewer_server.lines if "http://" in line]
    assert len(lines) == 3, viewer_server.output
    assert lines[0].startswith("Hip anatomy viewer: ") and lines[0].rstrip().endswith("/")
    base = lines[0].split(": ", 1)[1].strip()
    assert lines[1].startswith("Presenter link") and f"{base}#presenter=" in lines[1]
    assert lines[2].rstrip().endswith(f"{base}?follow=1")


# --------------------------------------------------------------------------- measure

def test_measure_json_is_one_document_for_the_posture_asked_for():
    result = run(["measure", "--flexion", "30", "--adduction", "-10", "--rotation", "5",
                  "--side", "left", "--json"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("units", "frame", "posture", "landmarks", "femur", "pelvis", "fibre_groups", "meshes"):
        assert key in report, f"measure --json lacks {key!r}"
    assert report["units"] == "mm"
    assert "ISB" in report["frame"]
    posture = report["posture"]
    assert posture["flexion_deg"] == pytest.approx(30)
    assert posture["adduction_deg"] == pytest.approx(-10)
    assert posture["rotation_deg"] == pytest.approx(5)
    assert posture["side"] == "left"
    for group in ("anterior", "middle", "posterior"):
        arms = report["fibre_groups"][group]["moment_arm_mm"]
        assert set(arms) >= {"flexion", "abduction", "internal_rotation"}
    assert all(len(xyz) == 3 for xyz in report["landmarks"].values())


def test_measure_default_output_is_readable_text():
    result = run(["measure"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert not result.stdout.lstrip().startswith("{")


@pytest.mark.parametrize(
    "args, name",
    [
        (["--flexion", "500"], "flexion"),
        (["--adduction", "-90"], "adduction"),
        (["--rotation", "nan"], "rotation"),
    ],
)
def test_measure_rejects_postures_out_of_range(args, name):
    result = run(["measure", *args, "--json"])
    assert result.returncode == 2
    line = one_line_error(result)
    assert name in line
    assert result.stdout == ""


def test_stance_json_reports_forces_levers_and_drop():
    full = run(["stance", "--json"])
    assert full.returncode == 0, full.stderr
    level = json.loads(full.stdout)
    assert level["pelvic_drop_deg"] == 0
    assert 2.2 <= level["joint_force_bw"] <= 3.2
    assert set(level["lever_arms_mm"]) >= {"abductor", "body_weight"}
    assert (level["side"], level["strength_pct"], level["cane"], level["lean_deg"]) == ("right", 100.0, False, 0.0)
    weak = json.loads(run(["stance", "--strength", "20", "--cane", "--json"]).stdout)
    assert weak["cane"] is True and weak["strength_pct"] == 20.0
    assert weak["abductor_force_bw"] < level["abductor_force_bw"]


@pytest.mark.parametrize(
    "args, name",
    [(["--strength", "400"], "strength"), (["--lean", "abc"], "lean"), (["--side", "up"], "side")],
)
def test_stance_rejects_bad_arguments_in_one_line(args, name):
    result = run(["stance", *args, "--json"])
    assert result.returncode == 2
    assert name in one_line_error(result)
    assert result.stdout == ""


# --------------------------------------------------------------------------- content

def test_check_content_passes_the_built_in_pack():
    result = run(["check-content", str(BUILTIN_PACK)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_check_content_fails_a_broken_pack(tmp_path):
    (tmp_path / "broken.yaml").write_text("entries:\n  - id: [unclosed\n")
    result = run(["check-content", str(tmp_path)])
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "broken.yaml" in result.stdout + result.stderr


def test_serving_a_broken_content_pack_refuses_with_exit_code_1(tmp_path):
    (tmp_path / "broken.yaml").write_text("entries:\n  - id: [unclosed\n")
    result = run(["--content", str(tmp_path), "--port", "0", "--no-browser"])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "broken.yaml" in result.stderr
    assert "http://" not in result.stdout
