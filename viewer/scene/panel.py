"""The 3D view of a session: draws the state and the model, turns clicks into selections.

:class:`ScenePanel` holds the session's :class:`viewer.scene.view.SceneView` and keeps it on
the session: layers, colours, highlight and attachment outlines follow the state; meshes
follow the model's posture; the camera follows the state's preset or exact camera.  A click
in the page is resolved to a structure (:func:`viewer.scene.picking.resolve_pick`) and handed
to the session; a camera the reader turned is written back to the state.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import panel as pn

from viewer.scene import picking, regions, shared

# Imported with the page, not when the first 3D view is built: a page learns the types of
# Panel's custom components from the classes defined when it loads.  Built later, the first
# page would learn SceneView's type with its own view and a second page opened meanwhile
# would show no 3D view ("could not resolve type 'SceneView1'").
from viewer.scene.view import SceneView
from viewer.state import LAYERS, camera_from_dict, matches_preset

log = logging.getLogger(__name__)

APP_CSS = (Path(__file__).parent.parent / "static" / "app.css").read_text(encoding="utf-8")

#: Gluteus medius in one colour when the fibre groups are not told apart.
GMED_ONE_COLOUR = "#c0392b"
#: Outline of an attachment footprint on the bone: a blue that stands out on bone and muscle.
FOOTPRINT_COLOUR = "#1f8fff"
#: Opacity of a fibre group while its lines of pull are drawn inside it.
PULL_FADE = 0.3
#: Smallest side (mm) of the box a selection is framed in, and the share added around it: a
#: landmark or a small footprint shows with some bone around it.
FRAME_MIN_MM = 70.0
FRAME_CONTEXT = 1.2

SCENE_PARAMS = ["selection", "hidden", "opacity", "colour_by_group", "isolate", "pull_lines", "pull_groups"]
MOTION = ["flexion", "adduction", "rotation", "pelvic_drop"]


def push_posture(model, view) -> None:
    """Move a SceneView to the model's posture: femora and pelvis rigidly (the pelvis tilts
    with ``pelvic_drop``), muscles, nerve and artery as new vertex arrays, markers."""
    if view is None:
        return
    from viewer.scene import marker_positions

    meshes = model.meshes()
    rigid = ("pelvis", "sacrum", "femur_right", "femur_left")
    names = set(view.actor_names)
    moving = {k: v for k, v in meshes.items() if k not in rigid and k in names}
    tilt = model.femur_transform("left")
    mats = {"femur_right": model.femur_transform("right"), "pelvis": tilt, "sacrum": tilt, "femur_left": tilt}
    view.set_transforms({k: v for k, v in mats.items() if k in names})
    view.update_meshes(moving)
    view.update_landmarks(marker_positions(model))


def follow_model(model, view):
    """Keep ``view`` at ``model``'s posture from now on; returns the param watcher."""
    return model.param.watch(lambda *_: push_posture(model, view), MOTION)


class ScenePanel(pn.viewable.Viewer):
    """The session's 3D view (built once the shared scene exists: :meth:`build`)."""

    def __init__(self, session, **params):
        super().__init__(**params)
        self.session = session
        self.view = None
        self._drawn = False  # the page has drawn the scene once
        self.holder = pn.Column(
            pn.pane.HTML("<p class='scene-wait' role='status'>Building the 3D model…</p>", stylesheets=[APP_CSS]),
            sizing_mode="stretch_both", min_height=200, min_width=240, loading=True,
        )

    def __panel__(self):
        return self.holder

    def build(self) -> None:
        """Build this session's 3D view (the first session of a process also builds the
        shared geometry, which takes a while: the page shows a loading indicator meanwhile)."""
        try:
            scene = shared.shared_scene()
        except Exception:
            log.exception("the 3D scene could not be built")
            self.holder.objects = [pn.pane.HTML(
                "<p class='scene-wait' role='alert'>The 3D model could not be built on this server. "
                "The structure list and the cards still work.</p>", stylesheets=[APP_CSS])]
            self.holder.loading = False
            return
        view = SceneView(scene=scene, sizing_mode="stretch_both", min_height=200, min_width=240, loading=True)
        self.view = view
        self._base_colours = dict(view.colors)
        state, model = self.session.state, self.session.model
        view.param.watch(self._on_pick, "picked")
        view.param.watch(self._on_view_camera, "camera")
        view.param.watch(self._on_ready, "ready")
        state.param.watch(lambda *e: self.push_scene(), SCENE_PARAMS)
        state.param.watch(lambda *e: self.show_camera(), ["view", "camera", "camera_reset", "tour_step"])
        state.param.watch(lambda e: view.screenshot("hip-view.png"), "screenshot")
        state.param.watch(lambda e: self.frame(state.selection), "frame_selection")
        state.param.watch(lambda e: self._offer_frame(), "selection")
        view.param.watch(lambda e: state.param.trigger("frame_selection"), "frame_request")
        state.param.watch(lambda *e: self.push_labels(), ["labels", "hidden", "isolate", "selection", "present"])
        model.param.watch(lambda *e: self.push_posture(), MOTION)
        self.push_posture()
        self.show_camera()
        self.push_scene()
        self.push_labels()
        self._offer_frame()
        self.holder.objects = [view]
        self.holder.loading = False
        state.scene_ready = True

    # --------------------------------------------------------------- state -> view

    def push_scene(self) -> None:
        """Visibility, opacity, colours, highlight and outlines from the state."""
        view, state = self.view, self.session.state
        if view is None:
            return
        from viewer.scene import LAYERS as ACTORS
        from viewer.scene import STYLES

        shown = picking.visible_layers(state)
        drawn = {f"gmed_{g}_{side}" for g in state.pull_groups for side in ("right", "left")}
        faded = {f"gmed_{g}_right" for g in state.pull_groups}  # the lines run inside the right side
        visibility, opacity = {}, {}
        for layer, actors in ACTORS.items():
            for actor in actors:
                visibility[actor] = layer in shown
                opacity[actor] = float(state.opacity.get(layer, 1.0))
                if actor in faded:
                    opacity[actor] = min(opacity[actor], PULL_FADE)
        colours = dict(self._base_colours)
        for group in ("anterior", "middle", "posterior"):
            colour = STYLES[f"gmed_{group}"][0] if state.colour_by_group else GMED_ONE_COLOUR
            for actor in ACTORS[f"gmed_{group}"]:
                colours[actor] = colour
        footprints = self._footprints()
        for name in footprints:
            colours[name] = FOOTPRINT_COLOUR
        # While a part's lines of pull are drawn it stays faded (a highlight would hide them).
        highlight = [a for a in picking.highlight_for(state.selection) if a not in drawn]
        view.param.update(visibility=visibility, opacity=opacity, colors=colours, highlight=highlight,
                          footprints={**footprints, **state.pull_lines})

    def push_labels(self) -> None:
        """Names beside the markers (while the Names switch is on), the selection's always,
        larger in presentation mode."""
        view, state = self.view, self.session.state
        if view is None:
            return
        from viewer.scene import marker_positions

        markers = marker_positions(self.session.model)
        names = {lid: self.session.name_of(lid) for lid in markers} if state.labels else {}
        selected = state.selection if state.selection in markers else None
        if selected:
            names.setdefault(selected, self.session.name_of(selected))
        view.param.update(labels=names, label_selected=selected, label_scale=1.6 if state.present else 1.0)

    def _footprints(self) -> dict:
        return self._footprints_of(self.session.state.selection)

    def _footprints_of(self, sid: str | None) -> dict:
        try:
            available = self.session.model.footprints()
        except Exception:  # a model without footprints still selects and highlights
            log.exception("footprints unavailable")
            return {}
        chosen = picking.footprints_for(sid, available)
        chosen.update(regions.region_lines(self.session.model, sid))
        # The page reads plain nested lists of [x, y, z] (mm, 0.1 mm is plenty).
        return {k: np.round(np.asarray(v, dtype=float).reshape(-1, 3), 1).tolist() for k, v in chosen.items()}

    def push_posture(self) -> None:
        """Move the bones, muscles, nerve, artery and markers to the model's posture."""
        if self.view is None:
            return
        push_posture(self.session.model, self.view)
        if self.session.state.selection:
            self.view.footprints = {**self._footprints(), **self.session.state.pull_lines}

    def show_camera(self) -> None:
        """Put the camera where the state says: an exact camera, or a preset (a tour step's
        preset frames what the step selects)."""
        view, state = self.view, self.session.state
        if view is None:
            return
        if state.camera is not None:
            view.camera = {**(view.camera or {}), **state.camera.as_dict()}
        elif state.tour_step is not None and self.selection_bounds(state.selection) is not None:
            self.frame(state.selection, preset=state.view)
        else:
            view.set_camera_preset(state.view)

    def selection_bounds(self, sid: str | None) -> tuple[float, ...] | None:
        """The box a structure is framed in, at the posture on show: its attachment
        footprints and landmark marker if it has any, else its highlighted meshes; at least
        :data:`FRAME_MIN_MM` on every side.  None for nothing to frame."""
        from viewer.scene import marker_positions, union_bounds

        if not sid or self.view is None:
            return None
        points = [np.asarray(v, dtype=float).reshape(-1, 3) for v in self._footprints_of(sid).values()]
        markers = marker_positions(self.session.model)
        if sid in markers:
            points.append(np.asarray(markers[sid], dtype=float).reshape(1, 3))
        boxes = [[v for c in range(3) for v in (p[:, c].min(), p[:, c].max())] for p in points if len(p)]
        if not boxes:
            meshes = [a for a in picking.highlight_for(sid) if not a.startswith("lm:")]
            box = self.view.actor_bounds(meshes)
            boxes = [box] if box is not None else []
        if not boxes:
            return None
        b = np.asarray(union_bounds(boxes)).reshape(3, 2)
        centre, half = b.mean(axis=1), np.maximum(FRAME_CONTEXT * (b[:, 1] - b[:, 0]) / 2, FRAME_MIN_MM / 2)
        return tuple(float(v) for c in range(3) for v in (centre[c] - half[c], centre[c] + half[c]))

    def frame(self, sid: str | None, preset: str | None = None) -> None:
        """Turn the camera to frame ``sid``: from ``preset``'s direction, else from where the
        reader looks now."""
        from viewer.scene import CAMERA_PRESETS as PRESETS

        bounds = self.selection_bounds(sid)
        if bounds is None:
            return
        cam = self.view.camera or {}
        if preset is None and cam.get("position") and cam.get("focal_point"):
            direction = np.subtract(cam["position"], cam["focal_point"])
            up = cam.get("view_up") or PRESETS[self.session.state.view][1]
        else:
            direction, up = PRESETS[preset or self.session.state.view]
        self.view.frame(bounds, direction, up)

    def _offer_frame(self) -> None:
        if self.view is not None:
            self.view.can_frame = self.selection_bounds(self.session.state.selection) is not None

    # --------------------------------------------------------------- view -> state

    def _on_pick(self, event) -> None:
        picked = event.new
        if not picked:
            return
        from viewer.scene import marker_positions

        state = self.session.state
        shown = picking.visible_layers(state)
        see_through = {layer for layer in LAYERS if state.opacity.get(layer, 1.0) < picking.SEE_THROUGH_BELOW}
        eye = (self.view.camera or {}).get("position") if self.view is not None else None
        sid = regions.region_pick(self.session.model, picked, shown - see_through, eye)
        if sid is None or sid not in self.session.ids:
            sid = picking.resolve_pick(picked, marker_positions(self.session.model), shown, see_through=see_through)
        self.session.pick(sid)
        if picked.get("frame"):  # a double click or double tap frames what it was on
            self.frame(sid)

    def _on_view_camera(self, event) -> None:
        """The reader turned, zoomed or panned the view: the state keeps that camera."""
        from viewer.scene import CAMERA_PRESETS as PRESETS

        if not self._drawn:
            return  # the first drawing fits the scene to the window; a link's camera follows it
        state = self.session.state
        camera = camera_from_dict(event.new)
        if camera is None or camera == state.camera:
            return
        if state.camera is None and matches_preset(camera, *PRESETS[state.view]):
            return  # the view fitted a preset to its window: the link keeps the preset name
        state.camera = camera

    def _on_ready(self, event=None) -> None:
        view = self.view
        if view is not None and view.ready and not self._drawn:
            self._drawn = True
            view.loading = False
            state = self.session.state
            if state.camera is not None:
                view.camera = {**(view.camera or {}), **state.camera.as_dict()}
