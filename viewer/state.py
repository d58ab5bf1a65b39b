"""The state of one viewer session: the one thing every view reads and writes.

:class:`SessionState` is a ``param.Parameterized``: a view shows a parameter by watching it
and changes the session by setting it, never by reaching into another view.  Share links,
following the presenter and the guided tour all come down to "apply a :class:`ViewState`"
(:meth:`SessionState.apply`) and "take a snapshot" (:meth:`SessionState.snapshot`).

The parameters that a share link restores are exactly the fields of
:class:`viewer.viewstate.ViewState` (:data:`LINK_PARAMS`); the rest belong to this session
only (notices, following, the side tab on show, the mechanics tab's lines of pull).

This module also re-exports the value types and the link form, so ``viewer.state`` is the one
import for state: :mod:`viewer.viewstate` (the snapshot) and :mod:`viewer.links` (the query).
"""

from __future__ import annotations

import dataclasses
import operator
from contextlib import contextmanager

import param
from param.parameterized import Comparator

from viewer.links import parse_bool, parse_query, query_value, to_query, to_search  # noqa: F401
from viewer.viewstate import (  # noqa: F401
    CAMERA_PRESETS,
    DEFAULT_HIDDEN,
    DEFAULT_LEVEL,
    DEFAULT_OPACITY,
    DEFAULT_VIEW,
    LAYER_LABELS,
    LAYERS,
    LEVELS,
    PELVIC_DROP_RANGE,
    POSTURE_KEYS,
    Camera,
    ViewState,
    camera_from_dict,
    matches_preset,
    parse_camera,
)

# A value equal to the current one is no change: views are not told (param compares numbers
# and strings itself; cameras and layer sets are compared here by value).
Comparator.equalities[Camera] = operator.eq
Comparator.equalities[frozenset] = operator.eq

#: The parameters a share link restores (the fields of ViewState), in its order.
LINK_PARAMS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ViewState))
POSTURE_PARAMS: tuple[str, ...] = ("flexion", "adduction", "rotation")
#: Changes a follower may make without leaving the presenter's view.
PERSONAL_PARAMS: frozenset[str] = frozenset({"level", "present"})


class SessionState(param.Parameterized):
    """Everything one browser session shows.  Views watch it; inputs set it."""

    # --- what a link restores (ViewState's fields) -------------------------------------
    flexion = param.Number(default=0.0, doc="Hip flexion (+) / extension (-), degrees")
    adduction = param.Number(default=0.0, doc="Hip adduction (+) / abduction (-), degrees")
    rotation = param.Number(default=0.0, doc="Hip internal (+) / external (-) rotation, degrees")
    selection = param.String(default=None, allow_None=True, doc="Selected structure id")
    level = param.Selector(default=DEFAULT_LEVEL, objects=list(LEVELS), doc="Reading level")
    view = param.Selector(default=DEFAULT_VIEW, objects=list(CAMERA_PRESETS), doc="Camera preset")
    camera = param.ClassSelector(class_=Camera, default=None, allow_None=True,
                                 doc="Exact camera (None: the preset's)")
    hidden = param.ClassSelector(class_=frozenset, default=DEFAULT_HIDDEN, doc="Hidden layers")
    opacity = param.Dict(default=dict(DEFAULT_OPACITY), doc="Layer -> opacity")
    colour_by_group = param.Boolean(default=True, doc="Gluteus medius coloured by fibre group")
    isolate = param.Boolean(default=False, doc="Only the selection's layers shown")
    pelvic_drop = param.Number(default=0.0, doc="Pelvic drop, degrees (+: left side down)")
    present = param.Boolean(default=False, doc="Presentation mode")
    tour_step = param.Integer(default=None, allow_None=True, doc="Tour step on show, from 1")

    # --- this session only ---------------------------------------------------------------
    notices = param.List(default=[], item_type=str, doc="Short notices shown above the card")
    tab = param.String(default="Card", doc="The side tab on show")
    scene_ready = param.Boolean(default=False, doc="The 3D view exists (the shared geometry is built)")
    following = param.Boolean(default=False, doc="This session follows the presenter")
    pull_lines = param.Dict(default={}, doc="Lines of pull drawn in the 3D view (name -> points)")
    pull_groups = param.List(default=[], doc="Fibre groups whose lines of pull are drawn (kept faded)")
    labels = param.Boolean(default=False, doc="Names of every landmark in the 3D view (the selection's is always shown)")
    sheet = param.Selector(default="peek", objects=["peek", "half", "full"],
                           doc="The phone's bottom sheet: peek, half or full height")
    menu = param.Boolean(default=False, doc="The phone's control menu is open")
    camera_reset = param.Event(doc="Put the camera back on the current preset")
    frame_selection = param.Event(doc="Turn the 3D view's camera to frame the selection")
    screenshot = param.Event(doc="Save a PNG of the 3D view")

    def __init__(self, **params):
        super().__init__(**params)
        self._source = "reader"

    # --- snapshots ---------------------------------------------------------------------------
    def snapshot(self) -> ViewState:
        """The state as a link restores it."""
        return ViewState(**{name: getattr(self, name) for name in LINK_PARAMS})

    def apply(self, view: ViewState, source: str = "reader") -> None:
        """Show ``view``: every link parameter that differs, at once (watchers are told once,
        together).  Each value is compared here once, not by each of its watchers: a hall's
        followers apply every step of the presenter's, most of it unchanged."""
        values = {name: getattr(view, name) for name in LINK_PARAMS}
        values["opacity"] = dict(values["opacity"])
        values["hidden"] = frozenset(values["hidden"])
        changed = {name: value for name, value in values.items()
                   if not Comparator.is_equal(getattr(self, name), value)}
        with self.source(source):
            self.param.update(**changed)

    def posture(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in POSTURE_PARAMS}

    def add_notice(self, text: str) -> None:
        self.notices = [*self.notices, text]

    def show_preset(self, name: str) -> None:
        """The camera on preset ``name`` (again, if it is the current one)."""
        if self.view == name and self.camera is None:
            self.param.trigger("camera_reset")
        else:
            self.param.update(view=name, camera=None)

    # --- who is changing it ------------------------------------------------------------------
    @property
    def changed_by(self) -> str:
        """``"reader"`` for the reader's own input; ``"presenter"`` while a followed view is
        applied (watchers use it to tell the two apart)."""
        return self._source

    @contextmanager
    def source(self, name: str):
        old, self._source = self._source, name
        try:
            yield
        finally:
            self._source = old
