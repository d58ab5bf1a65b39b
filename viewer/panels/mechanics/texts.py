"""Words and tables of the mechanics panel: moment arms, postures, exercises, stance.

Pure functions of the model's figures (no Panel); the sign convention is the model's: a
positive moment arm names the action of its axis (:mod:`meshes.actions`).
"""

from __future__ import annotations


from dataclasses import dataclass

from meshes import actions
from meshes import stance as st

GROUPS = ("anterior", "middle", "posterior", "whole")
GROUP_LABELS = {"Anterior": "anterior", "Middle": "middle", "Posterior": "posterior", "Whole muscle": "whole"}
#: Plot colours: the 3D view's fibre-group colours; the whole muscle in near black.
GROUP_COLOURS = {"anterior": "#f39c1f", "middle": "#d7263d", "posterior": "#6a2c79", "whole": "#222222"}
AXIS_LABELS = {"Abduction": "abduction", "Flexion": "flexion", "Rotation": "internal_rotation"}
AXIS_TITLES = {
    "abduction": "Abduction (+) / adduction (−) moment arm, mm",
    "flexion": "Flexion (+) / extension (−) moment arm, mm",
    "internal_rotation": "Internal (+) / external (−) rotation moment arm, mm",
}
AXIS_SHORT = {"flexion": "flexion", "abduction": "abduction", "internal_rotation": "internal rotation"}
POSTURE_PARAMS = ("flexion", "adduction", "rotation")

CSS = """
:host { font-size: 15px; }
h3 { font-size: 17px; margin: 4px 0 6px 0; color: #2b2b2b; }
p { margin: 4px 0; line-height: 1.35; }
table { border-collapse: collapse; width: 100%; font-size: 15px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e2ddd2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pos { color: #0b6b3a; font-weight: 600; }
.neg { color: #a33a00; font-weight: 600; }
.muted { color: #666; }
.big { font-size: 18px; font-weight: 700; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; }
ul { margin: 4px 0 4px 18px; padding: 0; }
"""


def esc(text) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


def group_arms(arms: dict, group: str) -> dict[str, float]:
    """Moment arms (mm) of one group, ``whole`` being the force-weighted mean."""
    if group == "whole":
        return actions.whole_muscle_arms(arms)
    return {ax: float(arms[group][ax]) for ax in actions.AXES}


def posture_actions(arms: dict, group: str) -> list[str]:
    """Actions of ``group`` at the posture the arms were read at (signs, largest first)."""
    return actions.action_words(group_arms(arms, group))


def signed(value: float, digits: int = 0) -> str:
    return f"{value:+.{digits}f}".replace("-", "−")


def arms_table_html(arms_g: dict[str, float]) -> str:
    """Table of one group's moment arms with the action each sign names."""
    rows = []
    for ax in ("abduction", "flexion", "internal_rotation"):
        r = float(arms_g[ax])
        word = actions.action_word(ax, r)
        cls = "muted" if word is None else ("pos" if r > 0 else "neg")
        label = word or "(lever too small to name)"
        rows.append(f"<tr><td>{AXIS_SHORT[ax].capitalize()} axis</td><td class='num'>{signed(r)} mm</td>"
                    f"<td class='{cls}'>{esc(label)}</td></tr>")
    return ("<table><tr><th>Axis</th><th>Moment arm</th><th>Action</th></tr>" + "".join(rows) + "</table>")


def deg(value: float) -> str:
    """Whole degrees, never "-0"."""
    return f"{round(float(value)) + 0:d}°"


#: Words for the sign of each posture angle (+, -).
ANGLE_WORDS = {"flexion": ("flexion", "extension"), "adduction": ("adduction", "abduction"),
               "rotation": ("internal rotation", "external rotation")}


def angle_text(name: str, value: float) -> str:
    """A posture angle in words: ``adduction -30`` reads "abduction 30°"."""
    pos, neg = ANGLE_WORDS[name]
    v = round(float(value))
    if v == 0:
        return f"{name} 0°"
    return f"{neg if v < 0 else pos} {deg(abs(v))}"


def posture_text(model) -> str:
    ang = model.joint_angles()
    return ", ".join(angle_text(k, ang[k]) for k in POSTURE_PARAMS)


# ---------------------------------------------------------------- curves


@dataclass(frozen=True)
class Exercise:
    label: str
    posture: dict
    movement: tuple  # ((axis, +1 / -1), ...): the movement the exercise asks for
    card_id: str


EXERCISES: dict[str, Exercise] = {
    "clam30": Exercise("Clamshell, hip flexed 30°", {"flexion": 30.0, "adduction": 0.0, "rotation": -30.0},
                       (("internal_rotation", -1), ("abduction", +1)), "exercise_clamshell"),
    "clam60": Exercise("Clamshell, hip flexed 60°", {"flexion": 60.0, "adduction": 0.0, "rotation": -30.0},
                       (("internal_rotation", -1), ("abduction", +1)), "exercise_clamshell"),
    "sla": Exercise("Side-lying abduction", {"flexion": 0.0, "adduction": -30.0, "rotation": 0.0},
                    (("abduction", +1),), "exercise_side_lying_abduction"),
}


def exercise_roles(arms: dict, exercise: Exercise) -> dict[str, dict[str, str]]:
    """For each group and movement axis: ``"helps"``, ``"opposes"`` or ``"little"``, from the
    sign of the moment arm at the exercise posture (dead-band as in :mod:`meshes.actions`)."""
    out = {}
    for g in GROUPS:
        a = group_arms(arms, g)
        out[g] = {}
        for axis, sign in exercise.movement:
            r = float(a[axis]) * sign
            out[g][axis] = "little" if abs(r) < actions.DEAD_BAND_MM else ("helps" if r > 0 else "opposes")
    return out


def movement_word(axis: str, sign: int) -> str:
    pos, neg = actions.ACTION_WORDS[axis]
    return pos if sign > 0 else neg


def exercise_html(arms: dict, exercise: Exercise) -> str:
    roles = exercise_roles(arms, exercise)
    heads = "".join(f"<th>{esc(movement_word(ax, s).capitalize())}</th>" for ax, s in exercise.movement)
    rows = []
    for g in GROUPS:
        a = group_arms(arms, g)
        cells = []
        for ax, _s in exercise.movement:
            role = roles[g][ax]
            cls = {"helps": "pos", "opposes": "neg", "little": "muted"}[role]
            cells.append(f"<td class='{cls}'>{role}, {abs(a[ax]):.0f} mm</td>")
        sw = f"<span class='swatch' style='background:{GROUP_COLOURS[g]}'></span>"
        rows.append(f"<tr><td>{sw}{esc(actions.group_title(g))}</td>{''.join(cells)}</tr>")
    return (f"<p><b>{esc(exercise.label)}</b>: the movement is "
            f"{' and '.join(movement_word(ax, s) for ax, s in exercise.movement)}. Which parts pull that way "
            f"here (sign of the moment arm at this posture; the lever in mm):</p>"
            f"<table><tr><th>Part</th>{heads}</tr>{''.join(rows)}</table>")


# ---------------------------------------------------------------- stance


def stance_html(report: dict) -> str:
    lev = report["lever_arms_mm"]
    drop = report["pelvic_drop_deg"]
    if drop > 0.05:
        state = (f"<span class='neg big'>The pelvis drops {drop:.1f}° on the unsupported (left) side</span>"
                 " — a positive Trendelenburg sign.")
    else:
        state = "<span class='pos big'>The pelvis stays level.</span>"
    lean = report["compensated_lean_deg"]
    if lean is None:
        lurch = "No trunk lean alone would let these abductors hold the pelvis level."
    elif lean <= 0:
        lurch = "No trunk lean is needed."
    else:
        lurch = f"Leaning the trunk {lean:.0f}° toward the stance leg would let them hold it level (the lurch)."
    cane = f"<tr><td>Cane (left hand)</td><td class='num'>{lev['cane']:.0f} mm</td></tr>" if lev["cane"] else ""
    return (
        f"<p>{state}</p>"
        f"<p>{esc(st.force_source_text(report))}</p>"
        "<table>"
        f"<tr><td>Abductor force needed to stay level</td><td class='num'>{report['required_abductor_force_bw']:.2f} BW</td></tr>"
        f"<tr><td>Abductor force available</td><td class='num'>{report['available_abductor_force_bw']:.2f} BW</td></tr>"
        f"<tr><td>Passive tissue pull (capsule, iliotibial tract, fascia)</td>"
        f"<td class='num'>{report.get('passive_force_bw', 0.0):.2f} BW</td></tr>"
        f"<tr><td>Hip joint reaction force</td><td class='num'>{report['joint_force_bw']:.2f} BW</td></tr>"
        f"<tr><th colspan='2'>Lever arms about the stance hip</th></tr>"
        f"<tr><td>Abductors</td><td class='num'>{lev['abductor']:.0f} mm</td></tr>"
        f"<tr><td>Body weight (after lean)</td><td class='num'>{lev['body_weight']:.0f} mm</td></tr>"
        f"{cane}</table>"
        f"<p class='muted'>{esc(lurch)} BW = body weights. Right leg in stance.</p>"
    )
