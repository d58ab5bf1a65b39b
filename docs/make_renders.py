"""Off-screen PyVista renders of the model for the README (lateral and anterior views).

Run from the repository root: ``.venv/bin/python docs/make_renders.py``.
"""

from pathlib import Path

from meshes.model import HipModel
from viewer.scene import render_png

DOCS = Path(__file__).resolve().parent

if __name__ == "__main__":
    model = HipModel()
    for camera, name in (("lateral", "model_lateral.png"), ("anterior", "model_front.png")):
        (DOCS / name).write_bytes(render_png(model, camera=camera, size=(800, 700)))
        print("wrote", DOCS / name)
