"""Off-screen PyVista renders of the model for the README.

* ``model_lateral.png``, ``model_front.png``: the whole scene from the lateral and anterior
  presets, as the browser shows it;
* ``regions_lateral.png``, ``regions_posterior.png``: the pickable regions of the bones
  (:mod:`meshes.regions`), each in its own colour with a key, on the right hip from the side
  and from behind;
* ``neighbours_lateral.png``, ``neighbours_posterior.png``: gluteus medius and minimus with
  their neighbours (piriformis, tensor fasciae latae, the iliotibial tract, the trochanteric
  bursae and the superior gluteal nerve) on the right hip, gluteus maximus hidden.

Run from the repository root: ``.venv/bin/python docs/make_renders.py`` (all of them) or
``.venv/bin/python docs/make_renders.py regions_lateral neighbours_posterior`` (some).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyvista as pv

from meshes import regions as R
from meshes.model import HipModel
from viewer import scene
from viewer.scene import add_structure, apply_camera, frame_camera, render_png, to_polydata

DOCS = Path(__file__).resolve().parent
SIZE = (1000, 800)
#: Width of the key beside the 3D view, pixels.
KEY_WIDTH = 300
VIEW = (SIZE[0] - KEY_WIDTH, SIZE[1])

#: One colour per region (a qualitative palette: Sasha Trubetskoy's "20 distinct colours"),
#: neighbouring regions far apart in hue or lightness; the two large remainders (hip bone,
#: femoral shaft) stay in the bone's ivory so that the named features stand out.
REGION_COLOURS: dict[str, str] = {
    "iliac_crest": "#3cb44b",  # green
    "iliac_tubercle": "#000075",  # navy
    "gluteal_surface": "#dcbeff",  # lavender
    "anterior_gluteal_line": "#f58231",  # orange
    "posterior_gluteal_line": "#4363d8",  # blue
    "inferior_gluteal_line": "#e6194b",  # red
    "greater_sciatic_notch": "#800000",  # maroon
    "acetabulum": "#42d4f4",  # cyan
    "hip_bone": scene.BONE,
    "femoral_head": "#469990",  # teal
    "femoral_neck": "#ffd8b1",  # apricot
    "greater_trochanter_tip": "#808000",  # olive
    "anterior_facet": "#bfef45",  # lime
    "lateral_facet": "#f032e6",  # magenta
    "superoposterior_facet": "#911eb4",  # purple
    "posterior_facet": "#9a6324",  # brown
    "lesser_trochanter": "#ffe119",  # yellow
    "intertrochanteric_crest": "#fabed4",  # pink
    "femoral_shaft": scene.BONE,
}

#: What each view frames (pelvis frame, mm): from the side the right hip bone and the femur
#: to below the lesser trochanter; from behind both hip bones, the sacrum and both upper femora.
BOUNDS = {
    "lateral": (-115.0, 75.0, -110.0, 162.0, -70.0, 90.0),
    "posterior": (-115.0, 75.0, -120.0, 162.0, -235.0, 75.0),
}

NEIGHBOURS = (
    "gmed_anterior_right", "gmed_middle_right", "gmed_posterior_right", "gmin_right",
    "piriformis_right", "tfl_right", "itb_right", "bursa_subgmed_right", "bursa_subgmax_right",
    "superior_gluteal_nerve_right",
)
ITB_OPACITY = 0.4
NEIGHBOUR_KEY = (
    ("Gluteus medius, anterior fibres", scene.GMED_ANTERIOR),
    ("Gluteus medius, middle fibres", scene.GMED_MIDDLE),
    ("Gluteus medius, posterior fibres", scene.GMED_POSTERIOR),
    ("Gluteus minimus", scene.GMIN),
    ("Piriformis", scene.PIRIFORMIS),
    ("Tensor fasciae latae", scene.TFL),
    ("Iliotibial tract", "#8f959c"),
    ("Trochanteric bursae", scene.BURSA),
    ("Superior gluteal nerve", scene.NERVE),
)


def _plotter() -> pv.Plotter:
    plotter = pv.Plotter(off_screen=True, window_size=list(VIEW))
    plotter.set_background("white")
    return plotter


def _frame(plotter: pv.Plotter, preset: str) -> None:
    apply_camera(plotter, frame_camera(BOUNDS[preset], preset, aspect=VIEW[0] / VIEW[1], margin=1.02))


def _font(size: int):
    from PIL import ImageFont

    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _shot(plotter: pv.Plotter, title: str, key: list[tuple[str, str]]) -> bytes:
    """The plotter's view with a key beside it: a title, then a swatch and a name per entry."""
    from PIL import Image, ImageDraw

    try:
        view = plotter.screenshot(return_img=True, window_size=list(VIEW))
    finally:
        plotter.close()
    image = Image.new("RGB", SIZE, "white")
    image.paste(Image.fromarray(np.asarray(view, dtype=np.uint8)[..., :3]), (0, 0))
    draw = ImageDraw.Draw(image)
    x0, y = VIEW[0] + 10, 24
    draw.line([(VIEW[0], 16), (VIEW[0], SIZE[1] - 16)], fill="#d0d0d0", width=1)
    font, bold = _font(15), _font(17)
    for line in title.split("\n"):
        draw.text((x0, y), line, fill="black", font=bold)
        y += 24
    y += 8
    for label, colour in key:
        draw.rectangle([x0, y + 2, x0 + 18, y + 16], fill=colour, outline="#555555")
        lines = _wrap(label, font, KEY_WIDTH - 50, draw)
        for i, line in enumerate(lines):
            draw.text((x0 + 28, y + 20 * i), line, fill="black", font=font)
        y += 20 * len(lines) + 8
    buf = __import__("io").BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _wrap(text: str, font, width: int, draw) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and draw.textlength(trial, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + [line]


def regions_png(model: HipModel, preset: str) -> bytes:
    """The bones with every region in its own colour and a key to the regions in view."""
    plotter = _plotter()
    meshes = model.meshes()
    for name in ("pelvis", "femur_right", "femur_left"):
        poly = to_polydata(meshes[name])
        labels = R.face_regions(name)
        assert poly.n_cells == len(labels), name
        rgb = np.array([pv.Color(REGION_COLOURS[str(r)]).int_rgb for r in labels], dtype=np.uint8)
        poly.cell_data["rgb"] = rgb
        plotter.add_mesh(poly, scalars="rgb", rgb=True, smooth_shading=False, specular=0.1,
                         name=name, reset_camera=False)
    add_structure(plotter, "sacrum", meshes["sacrum"])
    _frame(plotter, preset)
    key = [(r.name, REGION_COLOURS[r.id]) for r in R.REGIONS if REGION_COLOURS[r.id] != scene.BONE]
    side = "from the side" if preset == "lateral" else "from behind"
    return _shot(plotter, f"Regions of the bones,\n{side}", key)


def neighbours_png(model: HipModel, preset: str) -> bytes:
    """The bones, gluteus medius and minimus and their neighbours (no gluteus maximus)."""
    plotter = _plotter()
    meshes = model.meshes()
    for name in ("pelvis", "sacrum", "femur_right", "femur_left", *NEIGHBOURS):
        actor = add_structure(plotter, name, meshes[name])
        if name.startswith("itb"):  # a little more opaque than in the viewer, to show its course
            actor.GetProperty().SetOpacity(ITB_OPACITY)
    _frame(plotter, preset)
    side = "from the side" if preset == "lateral" else "from behind"
    return _shot(plotter, f"Right gluteus medius and\nits neighbours, {side}\n(gluteus maximus hidden)",
                 list(NEIGHBOUR_KEY))


RENDERS = {
    "model_lateral": lambda m: render_png(m, camera="lateral", size=(800, 700)),
    "model_front": lambda m: render_png(m, camera="anterior", size=(800, 700)),
    "regions_lateral": lambda m: regions_png(m, "lateral"),
    "regions_posterior": lambda m: regions_png(m, "posterior"),
    "neighbours_lateral": lambda m: neighbours_png(m, "lateral"),
    "neighbours_posterior": lambda m: neighbours_png(m, "posterior"),
}


def optimised(png: bytes) -> bytes:
    """The same picture as a smaller PNG (an adaptive palette of 256 colours)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    buf = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        buf, format="PNG", optimize=True)
    return buf.getvalue() if buf.tell() < len(png) else png


#: Renders larger than this are reduced to a palette of 256 colours.
MAX_BYTES = 300_000


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(RENDERS)
    unknown = set(wanted) - set(RENDERS)
    if unknown:
        sys.exit(f"unknown render(s) {sorted(unknown)}; choose from {sorted(RENDERS)}")
    model = HipModel()
    for name in wanted:
        png = RENDERS[name](model)
        if len(png) > MAX_BYTES:
            png = optimised(png)
        (DOCS / f"{name}.png").write_bytes(png)
        print("wrote", DOCS / f"{name}.png", f"{len(png) // 1024} kB")
