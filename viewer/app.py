"""The Panel app: title, a sidebar of controls, the 3D view and the card.

The Panel layer only wires widgets to plain functions: share links in :mod:`viewer.state`,
click resolution in :mod:`viewer.selection`, the card in :mod:`viewer.cards`.  Each browser
session gets its own :class:`HipViewerApp` (its own posture, selection and reading level);
the content pack and the scene geometry are loaded once per server process and only read.

``create_app(content_dirs=())`` returns the page; ``panel serve viewer/app.py`` serves it too.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
from pathlib import Path

import numpy as np
import panel as pn
import param

from meshes.frame import POSTURE_RANGES
from meshes.model import HipModel
from meshes.landmarks import LANDMARK_IDS, LANDMARKS
from viewer import cards, follow, selection
from viewer.state import (
    CAMERA_PRESETS,
    LAYER_LABELS,
    LAYERS,
    LEVELS,
    ViewState,
    camera_from_dict,
    matches_preset,
    parse_query,
    to_search,
)

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
APP_CSS = (STATIC / "app.css").read_text(encoding="utf-8") if (STATIC / "app.css").exists() else ""

TITLE = "Hip anatomy: gluteus medius"

#: Page-wide: larger widget text, readable on a projector (inherited into every widget).
PAGE_CSS = ":root { --bokeh-font-size: 15px; } body { background: #fbfaf7; }"
NOTHING = ""  # the keyboard list's "nothing selected" value

#: Gluteus medius in one colour when the fibre groups are not told apart.
GMED_ONE_COLOUR = "#c0392b"
#: Outline of an attachment footprint on the bone: a blue that stands out on bone and muscle.
FOOTPRINT_COLOUR = "#1f8fff"

#: Faded layers (opacity below this) are looked through by clicks (see ``resolve_pick``).
SEE_THROUGH_BELOW = 0.5

#: Posture changes are applied at most this often while a slider is dragged (ms).
POSTURE_THROTTLE_MS = 60
#: The address bar follows the view once it has been still this long (ms).
URL_DEBOUNCE_MS = 400


# ---------------------------------------------------------------------------------------
# Shared, read-only resources (one per server process)


@functools.lru_cache(maxsize=8)
def load_content(content_dirs: tuple[str, ...] = ()):
    """The content pack (built-in pack plus ``content_dirs``) and a list of load problems.

    A broken extra pack never stops the app: the built-in pack is used and the problems are
    shown as a notice.
    """
    from annotations import ContentError, load_pack

    try:
        return load_pack(*content_dirs), []
    except ContentError as exc:
        problems = [str(p) for p in exc.problems]
    try:
        return load_pack(), problems
    except ContentError as exc:
        return _EmptyPack(), [str(p) for p in exc.problems]


class _EmptyPack:
    """No cards: what the viewer shows when even the built-in pack fails to load."""

    entries: dict = {}
    references: dict = {}
    topics: dict = {}
    disclaimer = "For education only; not medical advice."


def known_ids(pack) -> tuple[str, ...]:
    """Every id a selection may name: the model's landmarks, then the pack's other entries."""
    extra = [k for k in pack.entries if k not in LANDMARK_IDS]
    return tuple(LANDMARK_IDS) + tuple(extra)


_PLOTTER_LOCK = threading.Lock()
_PLOTTER = []


def shared_plotter():
    """The scene at the neutral posture, built once per process and shared read-only."""
    with _PLOTTER_LOCK:
        if not _PLOTTER:
            from viewer.scene import build_plotter

            _PLOTTER.append(build_plotter(HipModel()))
        return _PLOTTER[0]


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
            shared_plotter()
        except Exception:  # reported on the page by build_scene
            log.exception("the 3D scene could not be built")
            return
        gc.collect()
        gc.freeze()

    thread = threading.Thread(target=build, name="hip-viewer-warm-up", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------------------
# The card pane: a live region that keeps its identity while its content changes


class CardView(pn.custom.JSComponent):
    """The card as a persistent ``aria-live`` region, so screen readers read each new card."""

    html = param.String(default="")

    _esm = """
    export function render({ model, el }) {
      const region = document.createElement('div')
      region.className = 'card-region'
      region.setAttribute('role', 'region')
      region.setAttribute('aria-live', 'polite')
      region.setAttribute('aria-label', 'Structure card')
      region.setAttribute('tabindex', '0')
      region.innerHTML = model.html
      model.on('html', () => { region.innerHTML = model.html })
      el.appendChild(region)
    }
    """

    _stylesheets = [APP_CSS]


class AddressBar(pn.custom.JSComponent):
    """Keeps the address bar on the current view's link by *replacing* the page's history
    entry (Panel's own Location pushes one per change, so Back would walk through every turn
    of the camera without changing the view)."""

    search = param.String(default="")

    _esm = """
    export function render({ model }) {
      const apply = () => {
        const search = model.search
        // An empty search clears the query (back to the default view, out of presentation mode).
        if (window.location.search !== search) {
          window.history.replaceState(window.history.state, "", (search || window.location.pathname) + window.location.hash)
        }
      }
      model.on('search', apply)
      apply()
    }
    """


# ---------------------------------------------------------------------------------------
# One session


class HipViewerApp:
    """Everything one browser session owns: its model, its view state and its widgets."""

    def __init__(self, content_dirs=(), query=None, defer_scene: bool = False, tour_file=None):
        self.pack, content_problems = load_content(tuple(str(d) for d in content_dirs))
        self.ids = known_ids(self.pack)
        self.model = HipModel()
        self.view = None
        self.scene_ready = False
        self._drawn = False  # the page has drawn the scene once
        self._posture_pending = False
        self._url_pending = False
        self._restoring = False
        self._doc = pn.state.curdoc  # this session's document (None outside a server)
        self._hub = follow.hub()
        self._session = self._hub.new_session()
        self._followed_view = None  # the presenter's latest view, waiting to be shown here
        self._showing_followed = False
        #: Callables offered each click in the 3D view first (the resolved id, or None for a
        #: click on nothing); one that returns True has used the click.
        self.pick_handlers = []

        self.query = dict(query or {})
        state, notices = parse_query(self.query, self.ids)
        self.state = state
        self.notices = notices + [f"Content pack problem: {p}" for p in content_problems]
        self._build_widgets(state)
        self._layout = self._build_layout()
        from viewer.presentation import TourPresenter, session_tour

        self.presenter = TourPresenter(self, *session_tour(tour_file, self.ids))
        self.presenter.attach(self.header, self.sidebar, self.main, self.right, self._layout)
        from viewer.quiz_panel import attach_quiz

        self.quiz = attach_quiz(self, query)
        self.model.param.watch(self._on_model_posture, ["flexion", "adduction", "rotation", "pelvic_drop"])
        self._show_widgets(self.state)
        self._render_notice()
        self._join_classroom(query or {})
        if defer_scene:
            self._render_card()
        else:
            self.build_scene()

    def build_scene(self):
        """Build this session's 3D view (the first session of a process also builds the
        shared geometry, which takes a while: the page shows a loading indicator meanwhile)."""
        from viewer.sceneview import SceneView

        try:
            plotter = shared_plotter()
        except Exception:
            log.exception("the 3D scene could not be built")
            self.view_holder.objects = [pn.pane.HTML(
                "<p class='scene-wait' role='alert'>The 3D model could not be built on this server. "
                "The structure list and the cards still work.</p>", stylesheets=[APP_CSS])]
            self.view_holder.loading = False
            return
        self.view = SceneView(plotter, sizing_mode="stretch_both", min_height=420, loading=True)
        self._base_colours = dict(self.view.colors)
        self.scene_ready = True
        self.view.param.watch(self._on_pick, "picked")
        self.view.param.watch(self._on_camera, "camera")
        self.view.param.watch(self._on_ready, "ready")
        self.apply_state(self.state)
        self.view_holder.objects = [self.view]
        self.view_holder.loading = False
        # The mechanics panel is built when its tab is first opened: most readers never open
        # it, and it is the largest part of a session (plots, tables, animation).
        self.mechanics_tab = pn.Column(
            pn.pane.HTML("<p class='scene-wait' role='status'>Preparing the mechanics…</p>", stylesheets=[APP_CSS]),
            scroll=True, sizing_mode="stretch_both",
        )
        self.right.append(("Mechanics", self.mechanics_tab))
        if self._mechanics_open():
            self._open_mechanics()

    # --------------------------------------------------------------- widgets and layout

    def _build_widgets(self, state: ViewState):
        options = {"(nothing selected)": NOTHING}
        for group, opts in cards.structure_options(LANDMARKS, self.pack.topics).items():
            for label, sid in opts.items():
                options[label if group != "Topics" else f"Topic: {label}"] = sid
        self.structures = pn.widgets.Select(
            label="Structures", options=options, value=NOTHING, size=12, sizing_mode="stretch_width",
            description="Tab here, then use the arrow keys; the card follows the choice.",
            css_classes=["structure-list"],
        )
        self.level = pn.widgets.RadioButtonGroup(
            label="Reading level",
            options={cards.LEVEL_LABELS[lv]: lv for lv in LEVELS},
            value=state.level,
            color="primary",
            variant="outline",
            sizing_mode="stretch_width",
        )
        self.sliders = {}
        labels = {"flexion": "Flexion (+) / extension (−), °", "adduction": "Adduction (+) / abduction (−), °",
                  "rotation": "Internal (+) / external (−) rotation, °"}
        for name in ("flexion", "adduction", "rotation"):
            lo, hi = POSTURE_RANGES[name]
            self.sliders[name] = pn.widgets.FloatSlider(
                label=labels[name], start=lo, end=hi, step=1, value=0.0, sizing_mode="stretch_width",
                format="0", css_classes=[f"posture-{name}"],
            )
        self.neutral = pn.widgets.Button(label="Neutral posture", color="light")
        self.camera_buttons = {
            name: pn.widgets.Button(label=name.capitalize(), color="default", css_classes=[f"cam-{name}"])
            for name in CAMERA_PRESETS
        }
        self.layer_toggles = {
            layer: pn.widgets.Checkbox(label=LAYER_LABELS[layer], value=True, width=170, css_classes=[f"layer-{layer}"])
            for layer in LAYERS
        }
        self.layer_opacity = {
            layer: pn.widgets.FloatSlider(
                label="Opacity", start=0.0, end=1.0, step=0.05, value=1.0, width=100, show_value=False,
                css_classes=[f"opacity-{layer}"],
            )
            for layer in LAYERS
        }
        self.colour_by_group = pn.widgets.Checkbox(label="Colour gluteus medius by fibre group", value=True)
        self.isolate = pn.widgets.Checkbox(label="Isolate the selection", value=False)
        self.address = AddressBar(width=0, height=0, margin=0)
        self.share = pn.widgets.TextInput(label="Link to this view", value="", sizing_mode="stretch_width")
        self.screenshot = pn.widgets.Button(label="Save PNG of the view", color="success")
        self.notice = pn.pane.Alert("", alert_type="warning", visible=False, sizing_mode="stretch_width",
                                    css_classes=["notice"])
        self.card = CardView(sizing_mode="stretch_width", css_classes=["card-pane"])
        self.follow_switch = pn.widgets.Checkbox(
            label="Follow the presenter", value=False, css_classes=["follow-switch"],
        )
        self.follow_status = pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[APP_CSS],
                                          css_classes=["follow-status"])
        self.follow_switch.param.watch(self._on_follow_switch, "value")
        # Above the card while this session follows, so a student always sees why the view moves.
        self.follow_banner = pn.pane.HTML("", visible=False, sizing_mode="stretch_width", stylesheets=[APP_CSS],
                                          css_classes=["follow-banner"])
        self.stop_following = pn.widgets.Button(label="Explore on my own", visible=False, color="light",
                                                css_classes=["stop-following"])
        self.stop_following.on_click(lambda e: setattr(self.follow_switch, "value", False))

        self.structures.param.watch(self._on_structure, "value")
        self.level.param.watch(lambda e: self.update(level=e.new), "value")
        for name, slider in self.sliders.items():
            slider.param.watch(self._on_slider, "value")
        self.neutral.on_click(self._on_neutral)
        for name, button in self.camera_buttons.items():
            button.on_click(functools.partial(self._on_camera_button, name))
        for layer in LAYERS:
            self.layer_toggles[layer].param.watch(self._on_layers, "value")
            self.layer_opacity[layer].param.watch(self._on_layers, "value")
        self.colour_by_group.param.watch(lambda e: self.update(colour_by_group=e.new), "value")
        self.isolate.param.watch(lambda e: self.update(isolate=e.new), "value")
        self.screenshot.on_click(self._on_screenshot)

    def _build_layout(self):
        header = pn.pane.HTML(
            f'<header class="app-header"><h1>{TITLE}</h1>'
            "<p>Turn the model, click a structure, read its card.</p></header>",
            sizing_mode="stretch_width", stylesheets=[APP_CSS],
        )
        layer_rows = [
            pn.Row(self.layer_toggles[layer], self.layer_opacity[layer], margin=0)
            for layer in LAYERS
        ]
        sidebar = pn.Column(
            pn.pane.HTML("<h2 class='side-h'>Find a structure</h2>", stylesheets=[APP_CSS], margin=(0, 5)),
            self.structures,
            pn.pane.HTML("<h2 class='side-h'>Reading level</h2>", stylesheets=[APP_CSS], margin=(0, 5)),
            self.level,
            pn.pane.HTML("<h2 class='side-h'>Posture</h2>", stylesheets=[APP_CSS], margin=(0, 5)),
            *self.sliders.values(),
            self.neutral,
            pn.pane.HTML("<h2 class='side-h'>Camera</h2>", stylesheets=[APP_CSS], margin=(0, 5)),
            pn.FlexBox(*self.camera_buttons.values(), gap="4px"),
            pn.Card(*layer_rows, self.colour_by_group, self.isolate, title="Layers", collapsed=False,
                    sizing_mode="stretch_width"),
            pn.pane.HTML("<h2 class='side-h'>Share</h2>", stylesheets=[APP_CSS], margin=(0, 5)),
            self.share,
            self.screenshot,
            pn.pane.HTML("<h2 class='side-h'>Classroom</h2>", stylesheets=[APP_CSS], margin=(0, 5)),
            self.follow_switch,
            self.follow_status,
            width=340, scroll=True, sizing_mode="stretch_height", css_classes=["sidebar"],
            styles={"background": "#f4f1ea", "border-right": "1px solid #d9d2c3"},
        )
        card_col = pn.Column(self.notice, pn.Row(self.follow_banner, self.stop_following, margin=0), self.card, scroll=True, sizing_mode="stretch_both",
                             css_classes=["card-column"])
        self.mechanics = None  # added with the 3D view (it needs the model's geometry)
        self.right = pn.Tabs(("Card", card_col), width=430, sizing_mode="stretch_height", dynamic=True)
        self.right.param.watch(self._on_tab, "active")
        self.view_holder = pn.Column(
            pn.pane.HTML("<p class='scene-wait' role='status'>Building the 3D model…</p>", stylesheets=[APP_CSS]),
            sizing_mode="stretch_both", min_height=420, min_width=320, loading=True,
        )
        main = pn.Row(sidebar, self.view_holder, self.right, sizing_mode="stretch_both")
        self.header, self.sidebar, self.main = pn.Row(header, sizing_mode="stretch_width", margin=0), sidebar, main
        return pn.Column(self.header, main, self.address, sizing_mode="stretch_both", min_height=720)

    def __panel__(self):
        return self._layout

    def _make_mechanics(self):
        """The mechanics panel (moment arms, curves, animation, single-leg stance, exercises)
        on this session's model; it moves the model, and the view follows the model."""
        try:
            from viewer.mechanics_panel import mechanics_panel
        except ImportError:
            return None
        panel = mechanics_panel(self.model, lambda: self.view)
        panel.show_arrows = False  # lines of pull only while the Mechanics tab is open
        panel.param.watch(lambda e: self.select(e.new) if e.new else None, "card_id")
        panel.param.watch(lambda e: self._push_scene(), "group")
        return panel

    def _open_mechanics(self):
        """Build the mechanics panel into its tab (once), following the selected part."""
        if self.mechanics is not None or self.view is None:
            return
        self.mechanics = self._make_mechanics()
        if self.mechanics is None:
            return
        if cards.is_fibre_group(self.state.selection):
            self.mechanics.group = self.state.selection[len("gmed_"):]
        self.mechanics_tab.objects = [self.mechanics]

    def _mechanics_open(self) -> bool:
        tab = getattr(self, "mechanics_tab", None)
        objects = self.right.objects
        return tab is not None and 0 <= self.right.active < len(objects) and objects[self.right.active] is tab

    def _on_tab(self, event):
        if self._mechanics_open():
            self._open_mechanics()
        if self.mechanics is not None:
            self.mechanics.show_arrows = self._mechanics_open()
            self._push_scene()

    # --------------------------------------------------------------- state

    def _show_widgets(self, state: ViewState):
        self._restoring = True
        try:
            self.state = state
            self.structures.value = state.selection if state.selection in self.structures.values else NOTHING
            self.level.value = state.level
            for name, slider in self.sliders.items():
                slider.value = float(getattr(state, name))
            for layer in LAYERS:
                self.layer_toggles[layer].value = layer not in state.hidden
                self.layer_opacity[layer].value = float(state.opacity.get(layer, 1.0))
            self.colour_by_group.value = state.colour_by_group
            self.isolate.value = state.isolate
        finally:
            self._restoring = False

    def apply_state(self, state: ViewState):
        """Show ``state``: widgets, the 3D view and the card (used on load and by links)."""
        self.state = state
        self._show_widgets(state)
        self.model.param.update(**state.posture(), pelvic_drop=state.pelvic_drop)
        self._push_posture()
        self._show_camera(state)
        self._push_scene()
        self._render_card()
        self._render_notice()
        self._schedule_url()

    def _show_camera(self, state: ViewState):
        """Put the 3D view's camera where ``state`` says: an exact camera, or a preset."""
        if state.camera is not None:
            self.view.camera = {**(self.view.camera or {}), **state.camera.as_dict()}
            self._mark_preset(None)
        else:
            self.view.set_camera_preset(state.view)
            self._mark_preset(state.view)

    def update(self, **changes):
        """Change the view state from a control and show the result."""
        if self._restoring:
            return
        if set(changes) - {"level", "present"}:
            self._own_change()
        old = self.state
        self.state = old.with_changes(**changes)
        # The card first: the page applies changes in the order they are sent, and a change to
        # the 3D view may cost a frame of drawing before the next message is read.
        if any(k in changes for k in ("selection", "level", "flexion", "adduction", "rotation")):
            self._render_card()
        if any(k in changes for k in ("selection", "hidden", "opacity", "colour_by_group", "isolate")):
            self._push_scene()
        self._schedule_url()

    def select(self, sid: str | None):
        """Select a structure: the one path for clicks, the keyboard list and links."""
        sid = sid or None
        if sid is not None and sid not in self.ids:
            return
        if self.structures.value != (sid or NOTHING):
            self._restoring = True
            try:
                self.structures.value = sid or NOTHING
            finally:
                self._restoring = False
        self.update(selection=sid)
        if self.mechanics is not None and cards.is_fibre_group(sid):
            self.mechanics.group = sid[len("gmed_"):]  # the mechanics tab follows the chosen part

    # --------------------------------------------------------------- to the view

    def visible_layers(self) -> set[str]:
        """Layers on screen: shown by the reader and not hidden by isolation."""
        shown = {layer for layer in LAYERS if layer not in self.state.hidden}
        if self.state.isolate:
            keep = selection.isolate_layers(self.state.selection)
            if keep is not None:
                shown &= set(keep)
        return shown

    def _push_scene(self):
        if self.view is None:
            return
        from viewer.scene import LAYERS as ACTORS
        from viewer.scene import STYLES

        shown = self.visible_layers()
        visibility, opacity = {}, {}
        for layer, actors in ACTORS.items():
            for actor in actors:
                visibility[actor] = layer in shown
                opacity[actor] = float(self.state.opacity.get(layer, 1.0))
        colours = {**self._base_colours, **{k: v for k, v in (self.view.colors or {}).items() if k.startswith("pull_")}}
        for group in ("anterior", "middle", "posterior"):
            colour = STYLES[f"gmed_{group}"][0] if self.state.colour_by_group else GMED_ONE_COLOUR
            for actor in ACTORS[f"gmed_{group}"]:
                colours[actor] = colour
        footprints = self._merged_footprints()
        for name in footprints:
            if not name.startswith("pull_"):
                colours[name] = FOOTPRINT_COLOUR
        self.view.param.update(
            visibility=visibility,
            opacity=opacity,
            colors=colours,
            highlight=self._highlight(),
            footprints=footprints,
        )

    def _footprints(self) -> dict:
        try:
            available = self.model.footprints()
        except Exception:  # a model without footprints still selects and highlights
            log.exception("footprints unavailable")
            return {}
        chosen = selection.footprints_for(self.state.selection, available)
        # The page reads plain nested lists of [x, y, z] (mm, 0.1 mm is plenty).
        return {k: np.round(np.asarray(v, dtype=float).reshape(-1, 3), 1).tolist() for k, v in chosen.items()}

    def _push_posture(self):
        """Move the bones, muscles, nerve, artery and markers to the model's posture."""
        if self.view is None:
            return
        from viewer.mechanics_panel import push_posture

        push_posture(self.model, self.view)
        if self.state.selection:
            self.view.footprints = self._merged_footprints()

    def _highlight(self) -> list[str]:
        """Meshes to highlight; while the mechanics tab draws a part's lines of pull, that
        part stays faded (a highlight would make it opaque and hide the lines)."""
        actors = selection.highlight_for(self.state.selection)
        mech = self.mechanics
        if mech is not None and mech.show_arrows:
            groups = ("anterior", "middle", "posterior") if mech.group == "whole" else (mech.group,)
            drawn = {f"gmed_{g}_{side}" for g in groups for side in ("right", "left")}
            actors = [a for a in actors if a not in drawn]
        return actors

    def _merged_footprints(self) -> dict:
        """The selection's attachment outlines plus whatever else the view draws (the
        mechanics panel's lines of pull)."""
        mine = self._footprints()
        others = {k: v for k, v in (self.view.footprints or {}).items() if k.startswith("pull_")}
        return {**mine, **others}

    def _on_model_posture(self, *events):
        """The model moved (the sliders, a link, or the mechanics panel): follow it."""
        posture = {name: float(getattr(self.model, name)) for name in ("flexion", "adduction", "rotation")}
        drop = float(self.model.pelvic_drop)
        if posture != self.state.posture() or drop != self.state.pelvic_drop:
            self.state = self.state.with_changes(**posture, pelvic_drop=drop)
        if any(abs(float(self.sliders[k].value) - v) > 1e-9 for k, v in posture.items()):
            self._restoring = True
            try:
                for name, value in posture.items():
                    self.sliders[name].value = value
            finally:
                self._restoring = False
        self._push_posture()
        self._render_card()
        self._schedule_url()

    # --------------------------------------------------------------- events

    def _on_structure(self, event):
        if self._restoring:
            return
        self.select(event.new or None)

    def _on_pick(self, event):
        picked = event.new
        if not picked:
            return
        see_through = {layer for layer in LAYERS if self.state.opacity.get(layer, 1.0) < SEE_THROUGH_BELOW}
        from viewer.scene import marker_positions

        sid = selection.resolve_pick(picked, marker_positions(self.model), self.visible_layers(),
                                     see_through=see_through)
        if any(handler(sid) for handler in self.pick_handlers):
            return
        if sid is not None:
            self.select(sid)

    def _on_slider(self, event):
        if self._restoring:
            return
        self._own_change()
        posture = {name: float(s.value) for name, s in self.sliders.items()}
        self.state = self.state.with_changes(**posture)
        if not self._posture_pending:
            self._posture_pending = True
            self._later(POSTURE_THROTTLE_MS, self._apply_posture)

    def _apply_posture(self):
        self._posture_pending = False
        if self.view is None:
            return
        self.model.param.update(**self.state.posture(), pelvic_drop=self.state.pelvic_drop)  # the view follows

    def _on_neutral(self, event=None):
        self.state = self.state.with_changes(pelvic_drop=0.0)
        self._set_sliders(0.0, 0.0, 0.0)
        if not self._posture_pending:
            self._posture_pending = True
            self._later(POSTURE_THROTTLE_MS, self._apply_posture)

    def _set_sliders(self, flexion, adduction, rotation):
        for name, value in zip(("flexion", "adduction", "rotation"), (flexion, adduction, rotation)):
            self.sliders[name].value = value

    def _mark_preset(self, name: str | None):
        for preset, button in self.camera_buttons.items():
            button.color = "primary" if preset == name else "default"

    def _on_camera_button(self, name, event=None):
        self._mark_preset(name)
        if self.view is not None:
            self.view.set_camera_preset(name)
        self.update(view=name, camera=None)

    def _on_camera(self, event):
        from viewer.scene import CAMERA_PRESETS as PRESETS

        if not self._drawn:
            return  # the first drawing fits the scene to the window; a link's camera follows it
        camera = camera_from_dict(event.new)
        if camera is None or camera == self.state.camera:
            return
        if self.state.camera is None and matches_preset(camera, *PRESETS[self.state.view]):
            return  # the view fitted a preset to its window: the link keeps the preset name
        self._own_change()
        self._mark_preset(None)
        self.state = self.state.with_changes(camera=camera)
        self._schedule_url()

    def _on_layers(self, event):
        if self._restoring:
            return
        hidden = frozenset(layer for layer in LAYERS if not self.layer_toggles[layer].value)
        opacity = {layer: float(self.layer_opacity[layer].value) for layer in LAYERS}
        self.update(hidden=hidden, opacity=opacity)

    def _on_ready(self, event=None):
        if self.view is not None and self.view.ready and not self._drawn:
            self._drawn = True
            self.view.loading = False
            if self.state.camera is not None:
                self.view.camera = {**(self.view.camera or {}), **self.state.camera.as_dict()}

    def _on_screenshot(self, event=None):
        if self.view is not None:
            self.view.screenshot("hip-view.png")

    # --------------------------------------------------------------- card, notice, URL

    def card_html(self) -> str:
        sid = self.state.selection
        if not sid:
            return cards.welcome_card_html(self.pack.disclaimer)
        sentence = None
        if self.scene_ready and cards.group_key(sid, self._moment_arms()) is not None:
            sentence = cards.action_line(sid, self._moment_arms(), self.state.posture(),
                                         with_mm=self.state.level != "lay", level=self.state.level)
        entry = self.pack.entries.get(sid)
        if entry is None:
            return cards.missing_card_html(sid, self.pack.disclaimer, sentence)
        from annotations import render_markdown

        return cards.card_html(entry, self.pack, self.state.level, render_markdown, sentence)

    def _moment_arms(self):
        try:
            return self.model.moment_arms()
        except Exception:
            log.exception("moment arms unavailable")
            return {}

    def _render_card(self):
        self.card.html = self.card_html()

    def _render_notice(self):
        if self.notices:
            items = "".join(f"<li>{cards.esc(n)}</li>" for n in self.notices)
            link_only = not any(n.startswith("Content pack problem") for n in self.notices)
            heading = "Some of the link was ignored." if link_only else "Some things could not be shown as asked."
            self.notice.object = f"<strong>{heading}</strong><ul>{items}</ul>"
            self.notice.visible = True
        else:
            self.notice.visible = False

    def _schedule_url(self):
        self._hub.publish(self._session, self.state)  # ignored unless this session presents
        if not self._url_pending:
            self._url_pending = True
            self._later(URL_DEBOUNCE_MS, self._write_url)

    def _write_url(self):
        self._url_pending = False
        search = to_search(self.state, self.presenter.link_base(self.state))
        self.address.search = search
        location = pn.state.location
        base = ""
        if location is not None and location.href:
            base = location.href.split("?")[0].split("#")[0]
        self.share.value = base + search

    # --------------------------------------------------------------- classroom (viewer.follow)

    def _join_classroom(self, query: dict):
        """Claim the presenter role with ``?presenter=KEY``, or follow with ``?follow=1``."""
        from viewer.state import parse_bool, query_value

        key = query_value(query.get("presenter"))
        if key is not None and not self._hub.claim(self._session, key):
            self.notices.append("Ignored the presenter key in the link: it is not this server's key.")
            self._render_notice()
        self._hub.watch(self._session, lambda: self._on_session_loop(self._render_follow_status))
        if self._doc is not None and self._doc.session_context is not None:
            hub, session = self._hub, self._session
            self._doc.on_session_destroyed(lambda context: hub.leave(session))
        follow_text = query_value(query.get("follow"))
        wants = parse_bool(follow_text) if follow_text else False
        if wants is None:
            self.notices.append(f"Ignored follow '{follow_text[:40]}': use 1 or 0.")
            self._render_notice()
        if self._hub.is_presenter(self._session):
            self.follow_switch.visible = False
        elif wants:
            self.follow_switch.value = True  # its watcher starts following
        self._render_follow_status()

    def _on_follow_switch(self, event):
        if event.new:
            self._left_presenter = False
            view = self._hub.follow(self._session, self._presenter_moved)
            if view is not None:
                self._presenter_moved(view)
        else:
            self._hub.unfollow(self._session)
        self._render_follow_status()

    def _presenter_moved(self, view):
        """The presenter's view changed (called from the presenter's session): show the
        latest one on this session's own loop, skipping any this session had no time for."""
        pending = self._followed_view is not None
        self._followed_view = view
        if not pending:
            self._on_session_loop(self._show_followed)

    def _show_followed(self):
        view, self._followed_view = self._followed_view, None
        if view is None or not self._hub.is_following(self._session):
            return
        self._showing_followed = True
        try:
            self.follow_view(view)
        finally:
            self._showing_followed = False

    def follow_view(self, view: ViewState):
        """Show the presenter's ``view`` here, keeping this reader's own reading level, and
        redrawing only what differs."""
        old = self.state
        new = view.with_changes(level=old.level, present=old.present)
        self.state = new
        self._show_widgets(new)
        self.presenter.follow_step(new.tour_step)  # the caption of the presenter's tour step
        if self.view is None:
            return  # build_scene applies the whole state once the 3D view exists
        if new.posture() != {k: float(getattr(self.model, k)) for k in new.posture()} \
                or new.pelvic_drop != float(self.model.pelvic_drop):
            self.model.param.update(**new.posture(), pelvic_drop=new.pelvic_drop)  # the view follows
        if new.camera != old.camera or new.view != old.view:
            self._show_camera(new)
        if (new.selection, new.hidden, dict(new.opacity), new.colour_by_group, new.isolate) != (
                old.selection, old.hidden, dict(old.opacity), old.colour_by_group, old.isolate):
            self._push_scene()
        if new.selection != old.selection:
            self._render_card()
        self._schedule_url()

    def _own_change(self):
        """The reader changed the view themselves: while following, that leaves the
        presenter's view (the switch turns off; turning it on again rejoins)."""
        if self._showing_followed or not self._hub.is_following(self._session):
            return
        self._hub.unfollow(self._session)
        self._restoring = True
        try:
            self.follow_switch.value = False
        finally:
            self._restoring = False
        self._render_follow_status(left=True)

    def _render_follow_status(self, left: bool | None = None):
        if left is not None:
            self._left_presenter = left
        left = getattr(self, "_left_presenter", False)
        hub = self._hub
        if hub.is_presenter(self._session):
            n = hub.follower_count
            who = "1 session follows" if n == 1 else f"{n} sessions follow"
            text = (f"<strong>You are presenting.</strong> {who} your view. "
                    "Students tick <em>Follow the presenter</em>, or open this page's address "
                    "with <code>?follow=1</code>.")
        elif hub.is_following(self._session):
            text = ("Your view follows the presenter's camera, posture, layers and selection "
                    "(your reading level stays yours). Change anything yourself to explore on your own."
                    if hub.presenter_connected else
                    "Waiting for the presenter: your view will follow once they connect.")
        elif left:
            text = "You are exploring on your own. Tick <em>Follow the presenter</em> to rejoin."
        elif hub.presenter_connected:
            text = "A presenter is connected: tick the box to follow their view."
        else:
            text = "No presenter is connected."
        self.follow_status.object = f"<p class='follow-line' role='status' aria-live='polite'>{text}</p>"
        following = hub.is_following(self._session)
        self.follow_banner.object = ("<p class='follow-tag'>Following the presenter</p>" if hub.presenter_connected
                                     else "<p class='follow-tag'>Waiting for the presenter</p>")
        self.follow_banner.visible = following
        self.stop_following.visible = following

    def _on_session_loop(self, callback):
        """Run ``callback`` on this session's own event-loop turn, with its document current
        (it may be called from another session, e.g. the presenter's)."""
        doc = self._doc
        if doc is None or doc.session_context is None:
            callback()
            return
        from panel.io.state import set_curdoc

        def run():
            with set_curdoc(doc):
                callback()

        try:
            doc.add_next_tick_callback(run)
        except Exception:  # the session has closed meanwhile
            log.debug("session closed before a classroom update", exc_info=True)

    def _later(self, ms: int, callback):
        doc = pn.state.curdoc
        if doc is not None and doc.session_context is not None:
            doc.add_timeout_callback(callback, ms)
        else:
            callback()


def _session_query() -> dict:
    """The query parameters of the page being served (empty outside a server)."""
    args = pn.state.session_args
    return dict(args) if args else {}


def create_app(content_dirs=(), tour_file=None):
    """The viewer page for one browser session (``tour_file``: the guided tour, by default the
    built-in one)."""
    pn.extension("vtk", notifications=False, global_css=[PAGE_CSS])
    served = pn.state.curdoc is not None and pn.state.curdoc.session_context is not None
    viewer = HipViewerApp(content_dirs, query=_session_query(), defer_scene=served, tour_file=tour_file)
    if served:
        pn.state.onload(functools.partial(_build_in_background, viewer, pn.state.curdoc))
    return viewer.__panel__()


def _build_in_background(viewer: HipViewerApp, doc) -> None:
    """Build the shared scene off the server's event loop (the first reader of a process
    waits for the bone geometry; other readers' pages keep loading meanwhile), then finish
    this session's view on the loop."""
    from panel.io.state import set_curdoc

    def finish():
        with set_curdoc(doc):
            viewer.build_scene()

    def work():
        try:
            shared_plotter()
        except Exception:  # reported on the page by build_scene
            log.exception("the 3D scene could not be built")
        finally:
            doc.add_next_tick_callback(finish)

    if _PLOTTER:
        viewer.build_scene()
    else:
        threading.Thread(target=work, name="hip-viewer-scene", daemon=True).start()


if __name__.startswith("bokeh"):
    create_app().servable(title=TITLE)
