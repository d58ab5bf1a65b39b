"""Hip model benchmarks: cold build, posture change, scene size.

``rows()`` returns one dict per benchmark with ``benchmark``, ``value``, ``unit`` and
``goal``.  Run as a script to print them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COLD = (
    "import time; t = time.perf_counter(); c = time.process_time();"
    "import numpy, scipy.interpolate, scipy.spatial, trimesh, param;"
    "ti = time.perf_counter() - t; ci = time.process_time() - c;"
    "from meshes.model import HipModel; m = HipModel(); m.meshes(); m.landmarks(); m.moment_arms();"
    "print(time.perf_counter() - t, time.process_time() - c, ti, ci)"
)


def cold_build_times() -> tuple[float, float, float, float]:
    """Import, bones, static muscle anatomy and the first scene, in a fresh process:
    (wall s, process CPU s, and of these the wall and CPU s of importing the libraries the
    model needs: numpy, scipy, trimesh, param)."""
    out = subprocess.run([sys.executable, "-c", COLD], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu, import_wall, import_cpu = (float(x) for x in out.stdout.strip().splitlines()[-1].split())
    return wall, cpu, import_wall, import_cpu


def cold_build_seconds() -> float:
    """Import, bones, static muscle anatomy and the first scene, in a fresh process."""
    return cold_build_times()[0]


def posture_change_ms(samples: int = 24) -> float:
    """Median time of one posture change seen by the viewer: set a parameter, then read the
    scene meshes, landmarks and moment arms (nothing cached for the new posture)."""
    from meshes.model import HipModel

    model = HipModel()
    model.meshes()
    return 1000.0 * _posture_change_times(model, samples, time.perf_counter)


def posture_change_cpu_ms(samples: int = 24) -> float:
    """Like :func:`posture_change_ms` in process CPU time (less sensitive to other load on
    the machine)."""
    from meshes.model import HipModel

    model = HipModel()
    model.meshes()
    return 1000.0 * _posture_change_times(model, samples, time.process_time, offset=0.5)


def _posture_change_times(model, samples: int, clock, offset: float = 0.0) -> float:
    times = []
    for i in range(samples):
        t = clock()
        model.param.update(flexion=-25.0 + offset + 140.0 * i / samples, adduction=-20.0 + (i % 5) * 8.0,
                           rotation=-30.0 + (i % 7) * 9.0)
        model.meshes()
        model.landmarks()
        model.moment_arms()
        times.append(clock() - t)
    times.sort()
    return times[len(times) // 2]


def triangle_counts() -> tuple[int, int]:
    """(whole scene, muscles + nerve + artery + safe zone) triangles at neutral."""
    from meshes.model import HipModel

    meshes = HipModel().meshes()
    total = sum(len(m.faces) for m in meshes.values())
    soft = sum(len(m.faces) for n, m in meshes.items() if not n.startswith(("pelvis", "sacrum", "femur")))
    return total, soft


def rows() -> list[dict]:
    total, soft = triangle_counts()
    wall, cpu, import_wall, _ = cold_build_times()
    return [
        {"benchmark": "model cold build (fresh process)", "value": round(wall, 2), "unit": "s",
         "goal": "as low as possible"},
        {"benchmark": "model cold build, process CPU time", "value": round(cpu, 2), "unit": "s",
         "goal": "as low as possible"},
        {"benchmark": "of the cold build: importing numpy, scipy, trimesh, param", "value": round(import_wall, 2),
         "unit": "s", "goal": "(a floor)"},
        {"benchmark": "posture change (meshes, landmarks, moment arms)", "value": round(posture_change_ms(), 1),
         "unit": "ms", "goal": "<= 20"},
        {"benchmark": "posture change, process CPU time", "value": round(posture_change_cpu_ms(), 1),
         "unit": "ms", "goal": "<= 20"},
        {"benchmark": "scene triangles", "value": total, "unit": "triangles", "goal": "<= 80000"},
        {"benchmark": "soft-tissue triangles (muscles, nerve, artery, safe zone)", "value": soft,
         "unit": "triangles", "goal": "small share of the scene"},
    ]


if __name__ == "__main__":
    for row in rows():
        print(f"{row['benchmark']}: {row['value']} {row['unit']} (goal {row['goal']})")
