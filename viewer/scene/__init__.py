"""The one description of the 3D scene: meshes, colours, opacity, landmark markers, cameras.

Both the browser view (:class:`viewer.scene.view.SceneView`) and off-screen renders
(:func:`render_png`, used by the README and the tests) are built from the PyVista plotter
returned by :func:`build_plotter`.  Nothing here imports Panel.

Frame and units: ISB pelvis frame (X anterior, Y superior, Z right), millimetres, degrees.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
import pyvista as pv
from vtkmodules.vtkCommonCore import vtkLogger

from meshes.landmarks import LANDMARK_IDS
from viewer.scene.camera import (  # noqa: F401  (re-exported: the scene's one import for cameras)
    CAMERA_PRESETS,
    FRAME_MARGIN,
    VIEW_ANGLE,
    apply_camera,
    camera_axes,
    camera_of,
    fit_distance,
    frame_camera,
    project,
)

# Off-screen rendering on a machine without a display works (VTK falls back to EGL/OSMesa),
# but VTK logs a warning about the missing X server first; show VTK's errors only.
vtkLogger.SetStderrVerbosity(vtkLogger.VERBOSITY_ERROR)

# ---------------------------------------------------------------------------------------
# Palette
# ---------------------------------------------------------------------------------------

#: Colours teachers can name.  The three gluteus medius fibre groups differ in hue *and*
#: lightness (orange light, red mid, plum dark) so that they stay apart for red-green
#: colour-blind viewers (Okabe & Ito 2008, "Color Universal Design").
BONE = "#e8dcc4"  # ivory
GMED_ANTERIOR = "#f39c1f"  # warm orange
GMED_MIDDLE = "#d7263d"  # red
GMED_POSTERIOR = "#6a2c79"  # plum
GMIN = "#f4c7b0"  # pale salmon
GMAX = "#a9604d"  # brown-red, translucent
NERVE = "#f7d117"  # yellow
ARTERY = "#8c0a2a"  # dark crimson
SAFE_ZONE = "#1a9e77"  # green band, translucent
LANDMARK = "#1f6fd1"  # blue markers
#: Neighbours of gluteus medius: muted, away from the medius hues.
PIRIFORMIS = "#7f9c9a"  # muted teal-grey
TFL = "#9aab7a"  # sage
ITB = "#c9cdd2"  # pale silver, faint
BURSA = "#4f8fd6"  # blue, translucent

#: (colour, opacity) per structure, matched by the actor name's prefix (left and right
#: share a style).  Muscles are semi-transparent so landmarks on the bone show through.
STYLES: dict[str, tuple[str, float]] = {
    "pelvis": (BONE, 1.0),
    "sacrum": (BONE, 1.0),
    "femur": (BONE, 1.0),
    "gmed_anterior": (GMED_ANTERIOR, 0.75),
    "gmed_middle": (GMED_MIDDLE, 0.75),
    "gmed_posterior": (GMED_POSTERIOR, 0.75),
    "gmin": (GMIN, 0.55),
    "gmax": (GMAX, 0.22),
    "superior_gluteal_nerve": (NERVE, 1.0),
    "superior_gluteal_artery": (ARTERY, 1.0),
    "safe_zone": (SAFE_ZONE, 0.35),
    "piriformis": (PIRIFORMIS, 0.7),
    "tfl": (TFL, 0.6),
    "itb": (ITB, 0.25),
    "bursa": (BURSA, 0.45),
    "lm:": (LANDMARK, 1.0),
}
DEFAULT_STYLE = ("#9a9a9a", 1.0)

#: Radius of a landmark marker sphere, mm.
MARKER_RADIUS = 4.0

#: The scene mesh names of docs/architecture.md, in drawing order.
MESH_NAMES: tuple[str, ...] = (
    "pelvis",
    "sacrum",
    "femur_right",
    "femur_left",
    "gmin_right",
    "gmin_left",
    "gmed_anterior_right",
    "gmed_middle_right",
    "gmed_posterior_right",
    "gmed_anterior_left",
    "gmed_middle_left",
    "gmed_posterior_left",
    "gmax_right",
    "gmax_left",
    "superior_gluteal_nerve_right",
    "superior_gluteal_artery_right",
    "safe_zone_right",
)


def marker_name(landmark_id: str) -> str:
    """Actor name of a landmark's marker sphere."""
    return f"lm:{landmark_id}"


def landmark_of(actor_name: str) -> str | None:
    """Landmark id of a marker actor name, or None for any other actor."""
    return actor_name[3:] if actor_name.startswith("lm:") else None


def style_for(name: str) -> tuple[str, float]:
    """(hex colour, opacity) of an actor, by the longest matching name prefix."""
    best = None
    for prefix in STYLES:
        if name.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return STYLES[best] if best else DEFAULT_STYLE


#: Layer name -> actor names, for the layer toggles.
LAYERS: dict[str, tuple[str, ...]] = {
    "bones": ("pelvis", "sacrum", "femur_right", "femur_left"),
    "gmed_anterior": ("gmed_anterior_right", "gmed_anterior_left"),
    "gmed_middle": ("gmed_middle_right", "gmed_middle_left"),
    "gmed_posterior": ("gmed_posterior_right", "gmed_posterior_left"),
    "gmin": ("gmin_right", "gmin_left"),
    "gmax": ("gmax_right", "gmax_left"),
    "nerve": ("superior_gluteal_nerve_right",),
    "artery": ("superior_gluteal_artery_right",),
    "safe_zone": ("safe_zone_right",),
    "piriformis": ("piriformis_right", "piriformis_left"),
    "tfl": ("tfl_right", "tfl_left"),
    "itb": ("itb_right", "itb_left"),
    "bursae": ("bursa_subgmed_right", "bursa_subgmed_left", "bursa_subgmax_right", "bursa_subgmax_left"),
    "landmarks": tuple(marker_name(i) for i in LANDMARK_IDS),
}


def layer_of(actor_name: str) -> str | None:
    """The layer an actor belongs to (None if it belongs to none)."""
    for layer, names in LAYERS.items():
        if actor_name in names:
            return layer
    if actor_name.startswith("lm:"):
        return "landmarks"
    return None


# ---------------------------------------------------------------------------------------
# Cameras
# ---------------------------------------------------------------------------------------



# ---------------------------------------------------------------------------------------
# Plotter
# ---------------------------------------------------------------------------------------


def marker_mesh(centre, radius: float = MARKER_RADIUS) -> pv.PolyData:
    """A small sphere marking a landmark."""
    return pv.Sphere(radius=radius, center=tuple(float(v) for v in centre), theta_resolution=12, phi_resolution=8)


#: Most triangles one mesh is drawn with.  Larger meshes are simplified (quadric decimation,
#: Garland & Heckbert 1997) so the whole scene stays small enough to send to a browser.
MAX_FACES = 60_000

_SIMPLIFIED: dict[tuple, pv.PolyData] = {}


def simplified(poly: pv.PolyData, max_faces: int | None = None) -> pv.PolyData:
    """``poly`` with at most about ``max_faces`` (default :data:`MAX_FACES`) triangles."""
    max_faces = MAX_FACES if max_faces is None else max_faces
    if poly.n_cells <= max_faces:
        return poly
    key = (
        poly.n_points,
        poly.n_cells,
        hash(np.asarray(poly.points, dtype=np.float32).tobytes()),
        hash(np.asarray(poly.regular_faces).tobytes()),
        max_faces,
    )
    if key not in _SIMPLIFIED:
        if len(_SIMPLIFIED) > 32:
            _SIMPLIFIED.clear()
        _SIMPLIFIED[key] = poly.decimate(1.0 - max_faces / poly.n_cells)
    return _SIMPLIFIED[key].copy()


def to_polydata(mesh) -> pv.PolyData:
    """A PyVista triangle mesh from a trimesh, a PyVista mesh or a (vertices, faces) pair."""
    if isinstance(mesh, pv.DataSet):
        poly = mesh if isinstance(mesh, pv.PolyData) else mesh.extract_surface()
    elif isinstance(mesh, tuple) and len(mesh) == 2:
        v, f = (np.asarray(a) for a in mesh)
        poly = pv.PolyData.from_regular_faces(v.astype(float), f.astype(np.int64))
    else:
        poly = pv.wrap(mesh)
    if not poly.is_all_triangles:
        poly = poly.triangulate()
    return poly


def add_structure(plotter: pv.Plotter, name: str, mesh, visible: bool = True):
    """Add one named actor with its palette colour and opacity."""
    color, opacity = style_for(name)
    actor = plotter.add_mesh(
        simplified(to_polydata(mesh)),
        name=name,
        color=color,
        opacity=opacity,
        smooth_shading=not name.startswith("lm:"),
        specular=0.15,
        reset_camera=False,
    )
    actor.SetVisibility(bool(visible))
    return actor


def ordered_names(names: Iterable[str]) -> list[str]:
    """Mesh names in drawing order: the known names first, then the others sorted."""
    names = list(names)
    known = [n for n in MESH_NAMES if n in names]
    return known + sorted(n for n in names if n not in MESH_NAMES)


#: Landmarks that share their point with another landmark get their marker drawn a little
#: apart, so that each of the two can be clicked: the femoral head's centre *is* the hip joint
#: centre, so its marker sits on the head's exposed anteroinferior surface; the gluteus medius
#: insertion's point is the lateral facet's centre, so its marker sits on the trochanter
#: between the lateral and superoposterior facets, the two facets it covers.  Directions in
#: the femur frame (ISB: X anterior, Y superior, Z lateral for the right side).
HEAD_MARKER_DIRECTION = (1.0, -0.6, 0.35)
_MARKER_POINTS: dict[int, dict[str, np.ndarray]] = {}


def _femur_marker_points(model) -> dict[str, np.ndarray]:
    """Femur-frame points of the moved markers (computed once per process's anatomy)."""
    from meshes import bones

    key = id(getattr(model, "anatomy", None))
    if key not in _MARKER_POINTS:
        fem = {k: np.asarray(v, dtype=float) for k, v in bones.FEMUR.items()}
        verts = np.asarray(bones.femur_mesh("right").vertices)
        centre = fem["femoral_head"]
        rel = verts - centre
        near = np.abs(np.linalg.norm(rel, axis=1) - bones.HEAD_RADIUS) < 1.0  # on the head's sphere
        direction = np.asarray(HEAD_MARKER_DIRECTION) / np.linalg.norm(HEAD_MARKER_DIRECTION)
        head = verts[near][np.argmax(rel[near] @ direction)]
        between = 0.5 * (fem["lateral_facet"] + fem["superoposterior_facet"])
        insertion = verts[np.argmin(np.linalg.norm(verts - between, axis=1))]
        _MARKER_POINTS[key] = {"femoral_head": head, "gmed_insertion": insertion}
    return _MARKER_POINTS[key]


def marker_positions(model) -> dict[str, np.ndarray]:
    """Where each landmark's marker is drawn at the model's posture: at the landmark itself,
    except the two that share a point with another (``HEAD_MARKER_DIRECTION``).  A model
    without a femur transform (a stand-in) gets its landmarks unchanged."""
    positions = {k: np.asarray(v, dtype=float) for k, v in model.landmarks().items()}
    if not hasattr(model, "femur_transform") or not hasattr(model, "anatomy"):
        return positions
    t = np.asarray(model.femur_transform("right"), dtype=float)
    for lid, q in _femur_marker_points(model).items():
        if lid in positions:
            positions[lid] = t[:3, :3] @ q + t[:3, 3]
    return positions


def build_plotter(model, off_screen: bool = True, window_size=(800, 600), camera: str = "lateral") -> pv.Plotter:
    """A PyVista plotter holding every mesh of ``model.meshes()`` and one marker per landmark.

    ``model`` needs ``meshes() -> {name: trimesh}`` and ``landmarks() -> {id: xyz}``
    (:class:`meshes.model.HipModel`).  Actors are named after the meshes; markers are
    ``lm:<landmark id>``.  The camera is framed on the whole scene from ``camera``.
    """
    plotter = pv.Plotter(off_screen=off_screen, window_size=list(window_size))
    plotter.set_background("white")
    meshes = model.meshes()
    for name in ordered_names(meshes):
        add_structure(plotter, name, meshes[name])
    for lm_id, xyz in marker_positions(model).items():
        add_structure(plotter, marker_name(lm_id), marker_mesh(xyz))
    apply_camera(plotter, frame_camera(focus_bounds(plotter), camera, aspect=window_size[0] / window_size[1]))
    return plotter


#: Actors a whole-model view is framed on: the pelvis and both femora, head to knee.
FRAMED = ("pelvis", "sacrum", "femur_right", "femur_left")


def focus_bounds(plotter: pv.Plotter) -> tuple[float, ...]:
    """Bounds (xmin, xmax, ...) of the region a preset frames: the bones (:data:`FRAMED`),
    the pelvis and both ends of each femur; every visible actor when there are no bones."""
    boxes = [plotter.actors[n].GetBounds() for n in actor_names(plotter) if n in FRAMED]
    if not boxes:
        return tuple(plotter.renderer.ComputeVisiblePropBounds())
    return union_bounds(boxes)


def union_bounds(boxes) -> tuple[float, ...]:
    """The smallest box (xmin, xmax, ymin, ymax, zmin, zmax) holding every box of ``boxes``."""
    b = np.asarray(list(boxes), dtype=float).reshape(-1, 6)
    return tuple(float(v) for pair in zip(b[:, 0::2].min(axis=0), b[:, 1::2].max(axis=0)) for v in pair)


def actor_names(plotter: pv.Plotter) -> list[str]:
    """Names of the plotter's mesh actors, in the order they were added."""
    return [n for n, a in plotter.actors.items() if hasattr(a, "GetMapper") and a.GetMapper() is not None]


def render_png(model, camera: str = "lateral", size=(800, 600)) -> bytes:
    """PNG bytes of an off-screen render of the model from a camera preset."""
    plotter = build_plotter(model, off_screen=True, window_size=size, camera=camera)
    try:
        image = plotter.screenshot(return_img=True, window_size=list(size))
    finally:
        plotter.close()
    return png_bytes(image)


def png_bytes(image: np.ndarray) -> bytes:
    """Encode an (H, W, 3|4) uint8 image as PNG."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()
