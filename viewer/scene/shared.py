"""The scene at the neutral posture: built and encoded once per server process, shared read-only."""

from __future__ import annotations

import gc
import logging
import threading

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_PLOTTER: list = []
_ENCODED: list = []


def shared_plotter():
    """The scene at the neutral posture, built once per process and shared read-only."""
    with _LOCK:
        if not _PLOTTER:
            from meshes.model import HipModel
            from viewer.scene import build_plotter

            _PLOTTER.append(build_plotter(HipModel()))
        return _PLOTTER[0]


def shared_scene() -> dict:
    """The shared scene encoded for the browser (packed meshes, colours, camera; see
    :func:`viewer.scene.encode.encode_plotter`), encoded once per process: every session's 3D
    view starts from these same bytes."""
    plotter = shared_plotter()
    with _LOCK:
        if not _ENCODED:
            from viewer.scene.encode import encode_plotter

            _ENCODED.append(encode_plotter(plotter))
        return _ENCODED[0]


def is_built() -> bool:
    return bool(_PLOTTER)


def is_encoded() -> bool:
    return bool(_ENCODED)


def warm_up() -> threading.Thread:
    """Start building the shared scene in the background (call when a server starts, so the
    first reader does not wait for the bone geometry).

    Once built, the process's long-lived objects (libraries, model, scene) are moved out of
    the garbage collector's reach (``gc.freeze``, the CPython docs' advice for servers): every
    new session allocates thousands of objects, and each full collection would otherwise walk
    the whole model again; this saves about a fifth of the server's time per session.
    """

    def build():
        try:
            shared_scene()
        except Exception:  # reported on the page by the scene panel
            log.exception("the 3D scene could not be built")
            return
        try:  # the bone regions a click on bone looks up
            from meshes import regions

            for name in ("pelvis", "femur_right", "femur_left"):
                regions.face_regions(name)
        except Exception:
            log.exception("the bone regions could not be labelled")
        gc.collect()
        gc.freeze()

    thread = threading.Thread(target=build, name="hip-viewer-warm-up", daemon=True)
    thread.start()
    return thread
