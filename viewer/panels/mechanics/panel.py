"""The mechanics panel: why each part of gluteus medius does what it does.

Everything shown is computed from the hip model at the posture the student sets:

* **Action view** -- moment arms of a fibre group about the flexion, abduction and
  internal-rotation axes (mm), the actions their signs name, and plain sentences over hip
  flexion from :mod:`meshes.actions`; the lines of pull drawn in the 3D view as arrows.
* **Curves** -- moment arm against hip flexion for every group about one axis, the current
  flexion marked, the zero crossings (where an action reverses) labelled; fibre length
  against flexion; both as a CSV download.
* **Animate an action**, **Single-leg stance** and **Exercises**
  (:mod:`viewer.panels.mechanics.controls`).

The panel changes only the model's parameters and, given a session state, the state's lines
of pull (``pull_lines``, ``pull_groups``) and camera preset; the 3D view draws those.
"""

from __future__ import annotations

import io

import numpy as np
import panel as pn
import param

from meshes import actions
from viewer.panels.mechanics.controls import AnimationControls, ExerciseControls, StanceControls, later
from viewer.panels.mechanics.curves import (
    CURVE_DEBOUNCE_MS,
    CurveSet,
    arm_figure,
    crossing_marks,
    curve_key,
    curves_for,
    fit_range,
    length_figure,
)
from viewer.panels.mechanics.motion import pull_arrows
from viewer.panels.mechanics.texts import (
    AXIS_LABELS,
    AXIS_TITLES,
    CSS,
    GROUP_COLOURS,
    GROUP_LABELS,
    GROUPS,
    POSTURE_PARAMS,
    angle_text,
    arms_table_html,
    esc,
    group_arms,
    posture_actions,
    posture_text,
)


class MechanicsPanel(pn.custom.PyComponent):
    """Mechanics of gluteus medius at the model's posture (see the module docstring)."""

    group = param.Selector(objects=GROUP_LABELS, default="middle", doc="Fibre group shown")
    axis = param.Selector(objects=AXIS_LABELS, default="abduction", doc="Axis of the moment-arm plot")
    show_arrows = param.Boolean(default=False, doc="Draw the lines of pull in the 3D view (fading the group's muscle)")
    card_id = param.String(default=None, allow_None=True,
                           doc="Content-pack entry of the last exercise chosen (for the card)")

    def __init__(self, model, state=None, **params):
        params.setdefault("sizing_mode", "stretch_width")
        super().__init__(**params)
        self.model = model
        self.state = state  # a SessionState, or None for a panel on its own
        self._curves: CurveSet | None = None
        self._curve_pending = False
        self.animation = AnimationControls(self)
        self.stance = StanceControls(self)
        self.exercises = ExerciseControls(self)
        self._build()
        self.model.param.watch(self._on_model, [*POSTURE_PARAMS, "pelvic_drop"])
        self.param.watch(self._on_group, "group")
        self.param.watch(lambda e: self._refresh_plot(), "axis")
        self.param.watch(lambda e: self._refresh_arrows(), "show_arrows")
        served = pn.state.curdoc is not None and pn.state.curdoc.session_context is not None
        if served:
            # after the page's own first work (the 3D view), so the scene is not held up
            self._curve_card.loading = True
            pn.state.onload(lambda: later(50, self.refresh))
        else:
            self.refresh()

    # ------------------------------------------------------------------ layout
    def html_pane(self, **kw):
        return pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[CSS], css_classes=["mech"], **kw)

    def _build(self):
        self.group_w = pn.widgets.RadioButtonGroup.from_param(
            self.param.group, color="primary", variant="outline", sizing_mode="stretch_width",
            css_classes=["mech-group"])
        self.arrows_w = pn.widgets.Checkbox.from_param(
            self.param.show_arrows, label="Show the lines of pull in the 3D view (dark arrows; the part is faded)",
            css_classes=["mech-arrows"])
        self.action_pane = self.html_pane()
        self.sentence_pane = self.html_pane()
        self.why_button = pn.widgets.Button(label="Why does it rotate the thigh this way?", color="light")
        self.why_pane = self.html_pane()
        self.why_button.on_click(self._on_why)
        self.axis_w = pn.widgets.RadioButtonGroup.from_param(
            self.param.axis, color="default", sizing_mode="stretch_width")
        flexion = float(self.model.flexion)
        self.arm_fig, self.arm_src, self.cross_src, self.arm_span, self.arm_lines = arm_figure(flexion)
        self.len_fig, self.len_src, self.len_span = length_figure(flexion)
        self.curve_note = self.html_pane()
        self.download = pn.widgets.FileDownload(
            callback=self._csv, filename="gluteus_medius_curves.csv", color="success",
            label="Download the curves (CSV)", sizing_mode="stretch_width")

        card = dict(sizing_mode="stretch_width", collapsed=False, header_background="#efe9dc")
        length_title = pn.pane.HTML("<h3>Fibre length</h3>", stylesheets=[CSS], css_classes=["mech"],
                                    margin=(4, 5, 0, 5))
        self._curve_card = pn.Card(
            self.axis_w, pn.pane.Bokeh(self.arm_fig, sizing_mode="stretch_width"), self.curve_note,
            length_title, pn.pane.Bokeh(self.len_fig, sizing_mode="stretch_width"), self.download,
            title="Moment arm against hip flexion", **card)
        self._layout = pn.Column(
            pn.Card(self.group_w, self.action_pane, self.sentence_pane, self.arrows_w, self.why_button,
                    self.why_pane, title="What this part does here", **card),
            self._curve_card,
            pn.Card(self.animation, title="Animate the action", **card),
            pn.Card(self.stance, title="Single-leg stance (Trendelenburg)", **card),
            pn.Card(self.exercises, title="Exercises", **card),
            sizing_mode="stretch_width", css_classes=["mechanics-panel"],
        )

    def __panel__(self):
        return self._layout

    # ------------------------------------------------------------------ refresh
    def refresh(self):
        """Recompute everything shown for the model's current posture."""
        self._ensure_curves()
        self._curve_card.loading = False
        self._refresh_action()
        self._refresh_plot()
        self._refresh_spans()
        self._refresh_arrows()
        self.animation.refresh_text()
        self.stance.refresh()
        self.exercises.refresh()

    def _ensure_curves(self):
        key = curve_key(self.model)
        if self._curves is None or (self._curves.adduction, self._curves.rotation) != key[1:]:
            self._curves = curves_for(self.model)

    @property
    def curves(self) -> CurveSet:
        self._ensure_curves()
        return self._curves

    def shown_actions(self) -> list[str]:
        """The actions the action view names for the chosen group at this posture."""
        return posture_actions(self.model.moment_arms(), self.group)

    def _refresh_action(self):
        arms_g = group_arms(self.model.moment_arms(), self.group)
        words = actions.action_words(arms_g)
        sw = f"<span class='swatch' style='background:{GROUP_COLOURS[self.group]}'></span>"
        head = (f"<p>{sw}<b>{esc(actions.group_title(self.group))}</b> at {esc(posture_text(self.model))}:</p>"
                f"<p class='big'>{esc(', '.join(words) if words else 'no clear action')}</p>")
        self.action_pane.object = (head + arms_table_html(arms_g)
                                   + "<p class='muted'>+ means the named action; a lever under "
                                   f"{actions.DEAD_BAND_MM:g} mm names none.</p>")
        self.why_pane.object = ""
        self._refresh_sentences()

    def _refresh_sentences(self):
        c = self._curves
        if c is None:
            return
        items = "".join(f"<li>{esc(s.split(': ', 1)[1])}</li>" for s in c.sentences(self.group))
        self.sentence_pane.object = (f"<p>Over hip flexion ({angle_text('adduction', c.adduction)}, "
                                     f"{angle_text('rotation', c.rotation)}):</p><ul>{items}</ul>")

    def _refresh_plot(self):
        c = self._curves
        if c is None:
            return
        # The figures are Bokeh models changed directly: a button's click handler runs without
        # the document's lock, which Bokeh requires for such a change (Panel's ``unlocked``).
        with pn.io.unlocked():
            self._draw_curves(c)

    def _draw_curves(self, c):
        axis = self.axis
        self.arm_src.data = {"flexion": c.flexion.tolist(), **{g: c.curve(g, axis).tolist() for g in GROUPS}}
        self.cross_src.data = crossing_marks(c, axis)
        self.arm_fig.title.text = AXIS_TITLES[axis]
        fit_range(self.arm_fig.y_range, [c.curve(g, axis) for g in GROUPS], include_zero=True)
        fit_range(self.len_fig.y_range, [c.lengths[g] for g in actions.GROUPS])
        for g, r in self.arm_lines.items():
            r.glyph.line_width = 4.5 if g == self.group else 2.0
        self.len_src.data = {"flexion": np.asarray(c.lengths["flexion"]).tolist(),
                             **{g: np.asarray(c.lengths[g]).tolist() for g in actions.GROUPS}}
        self.curve_note.object = (
            f"<p class='muted'>Dots: where an action reverses (moment arm 0). Curves at "
            f"{angle_text('adduction', c.adduction)}, {angle_text('rotation', c.rotation)}; dotted line: the current flexion.</p>")
        self.download.filename = f"gluteus_medius_curves_add{c.adduction:.0f}_rot{c.rotation:.0f}.csv"

    def _csv(self):
        return io.StringIO(self.curves.csv())

    def shown_crossings(self) -> dict[str, list[float]]:
        """Zero crossings labelled on the plot, per group."""
        data = self.cross_src.data
        out: dict[str, list[float]] = {g: [] for g in GROUPS}
        colour_group = {v: k for k, v in GROUP_COLOURS.items()}
        for x, colour in zip(data["x"], data["colour"]):
            out[colour_group[colour]].append(float(x))
        return out

    def _refresh_spans(self):
        f = float(self.model.joint_angles()["flexion"])
        with pn.io.unlocked():  # see _refresh_plot
            self.arm_span.location = f
            self.len_span.location = f

    def _refresh_arrows(self):
        """The lines of pull of the chosen part, into the session state (the 3D view draws
        them and keeps that part faded)."""
        if self.show_arrows:
            arrows = pull_arrows({self.group: self.model.fibres("gmed" if self.group == "whole" else self.group)})
            groups = list(actions.GROUPS) if self.group == "whole" else [self.group]
        else:
            arrows, groups = {}, []
        self.pull_lines = arrows
        if self.state is not None:
            self.state.param.update(pull_lines=arrows, pull_groups=groups)

    def show_preset(self, name: str) -> None:
        if self.state is not None:
            self.state.show_preset(name)

    # ------------------------------------------------------------------ events
    def _on_model(self, *events):
        self.animation.model_moved()
        self._refresh_spans()
        self._refresh_action()
        self._refresh_arrows()
        self.exercises.model_moved()
        key = curve_key(self.model)
        if self._curves is not None and (self._curves.adduction, self._curves.rotation) != key[1:]:
            if self.animation.playing:
                return  # the curves follow once the animation stops
            self.schedule_curves()
        self.animation.refresh_text()

    def schedule_curves(self):
        if self._curve_pending:
            return
        self._curve_pending = True

        def run():
            self._curve_pending = False
            if self.animation.playing:
                return
            self._ensure_curves()
            self._refresh_sentences()
            self._refresh_plot()

        later(CURVE_DEBOUNCE_MS, run)

    def curves_stale(self) -> bool:
        c = self._curves
        return c is not None and (c.adduction, c.rotation) != curve_key(self.model)[1:]

    def _on_group(self, event):
        self.animation.stop(reset=True)
        self._refresh_action()
        self._refresh_plot()
        self._refresh_arrows()
        self.animation.refresh_text()

    def _on_why(self, event=None):
        text = actions.rotation_why(self.group, self.model)
        self.why_pane.object = f"<p>{esc(text)}</p>"
