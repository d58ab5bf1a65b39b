"""The Mechanics tab: moment arms, curves, animation, single-leg stance and exercises.

``texts`` (words and tables), ``curves`` (curves over flexion and their plots), ``motion``
(lines of pull, animation), ``controls`` (animation, stance and exercise sections), ``panel``
(the whole panel on one model) and ``tab`` (the lazily built tab of a session).
"""

from viewer.panels.mechanics.curves import CurveSet, curve_key, curves_for, fit_range  # noqa: F401
from viewer.panels.mechanics.motion import (  # noqa: F401
    ANIMATIONS,
    ARROW_FADE,
    ARROW_PREFIX,
    FRAMES,
    animation_moves,
    animation_words,
    frame_posture,
    merged_footprints,
    pull_arrow,
    pull_arrows,
)
from viewer.panels.mechanics.texts import (  # noqa: F401
    EXERCISES,
    GROUPS,
    Exercise,
    angle_text,
    arms_table_html,
    deg,
    esc,
    exercise_html,
    exercise_roles,
    group_arms,
    posture_actions,
    posture_text,
    signed,
    stance_html,
)


def mechanics_panel(model, state=None):
    """The mechanics panel for ``model`` (a :class:`meshes.model.HipModel`), drawing its lines
    of pull through ``state`` (a :class:`viewer.state.SessionState`, or None)."""
    from viewer.panels.mechanics.panel import MechanicsPanel

    return MechanicsPanel(model, state)
