"""Single-leg stance in the frontal plane: why the pelvis drops when the abductors are weak.

A static, two-dimensional lever model after Pauwels (1965, *Gesammelte Abhandlungen zur
funktionellen Anatomie des Bewegungsapparates*; English ed. 1980, *Biomechanics of the
Locomotor Apparatus*), the model most kinesiology texts teach (e.g. Neumann, *Kinesiology
of the Musculoskeletal System*, 3rd ed. 2017, ch. 12).  Free body: everything except the
stance leg, turning about the stance hip joint centre (HJC), in the frontal plane.

* Weight ``S = (1 - f_leg) BW`` of the body minus the stance leg acts at its centre of mass,
  on the unsupported side of the stance HJC, lever ``L``.
* The hip abductors pull the pelvis down and laterally along a line ``theta`` from vertical,
  lever ``a`` about the HJC.  Level pelvis: ``F a = S L``  (moment balance).
* The femoral head pushes back with the joint reaction ``R = -(S + F + cane)``
  (force balance), reported as a magnitude in body weights.
* A cane in the opposite hand pushes up with ``C`` at lever ``L_c``: ``F a = S L - C L_c``
  (Blount 1956, "Don't throw away the cane", JBJS Am 38:695; Neumann 2017 ch. 12).
* Leaning the trunk toward the stance side by ``lambda`` shortens the body-weight lever:
  ``L(lambda) = L - h sin(lambda)``.
* If the abductors cannot supply ``F``, the pelvis tips down on the unsupported side until
  passive structures (iliotibial band, capsule, stretched abductors) supply the missing
  moment: linear-elastic, ``M_passive = k delta``, capped at :data:`MAX_DROP_DEG`; the
  abductor lever at the dropped posture comes from the hip model.

Measured hip contact forces in one-leg stance and walking are about 2.4-2.6 BW
(Bergmann et al. 2001, J Biomech 34:859, instrumented prostheses); Pauwels' own lever
arms (4.0 cm abductor, 11 cm body weight) give about 3 BW.  With the model's geometry the
forces here land in the measured range (see docs/mechanics.md).

Units: lengths in mm, forces in body weights (BW), moments in BW*mm, angles in degrees.
The left stance is the mirror image of the right: same numbers.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import numpy as np

from meshes.actions import GMED_MAX_FORCE_N, GROUPS, clone_model, whole_muscle_arms

# --------------------------------------------------------------------------- constants

#: Reference body mass (kg) for the "normal" maximum abductor force: the OpenSim gait2392
#: generic subject (Delp et al. 1990), whose gluteus medius forces are :data:`GMED_MAX_FORCE_N`.
BODY_MASS_KG = 75.16
GRAVITY = 9.81
BODY_WEIGHT_N = BODY_MASS_KG * GRAVITY

#: Normal maximum isometric force of the whole gluteus medius (N): 2045 N, in the
#: 2000-2700 N range of common models (gait2392; Rajagopal et al. 2016).  Minimus, tensor
#: fasciae latae and upper gluteus maximus also abduct; leaving them out makes the model
#: show a drop earlier than a real hip would.
NORMAL_ABDUCTOR_FORCE_N = float(sum(GMED_MAX_FORCE_N.values()))

#: Mass fraction of one whole leg (thigh 0.100 + leg 0.0465 + foot 0.0145; Dempster 1955
#: via Winter 2009, *Biomechanics and Motor Control of Human Movement*, 4th ed., table 4.1).
#: Pauwels and Inman (1947) use about 1/6.
STANCE_LEG_FRACTION = 0.161

#: Head-arms-trunk mass fraction (Dempster via Winter 2009, table 4.1).
HAT_FRACTION = 0.678

#: Height of the head-arms-trunk centre of mass above the HJC (mm): 0.626 of the
#: trochanter-to-shoulder length (Winter 2009, table 4.1; about 0.29 x stature above the
#: trochanter), rounded for a 1.75 m adult.
HAT_COM_HEIGHT_MM = 300.0

#: Lean height ``h`` (mm): leaning the trunk moves the head-arms-trunk mass only, so its
#: lever change ``H sin(lambda)`` is scaled by its share of the supported weight:
#: ``h = H * 0.678 / (1 - 0.161)`` = about 242 mm.
LEAN_HEIGHT_MM = HAT_COM_HEIGHT_MM * HAT_FRACTION / (1.0 - STANCE_LEG_FRACTION)

#: Cane load as a fraction of body weight: 15% BW, the load commonly taught for a cane in
#: the opposite hand (Neumann 2017 ch. 12; cane users load about 10-20% BW, Brand &
#: Crowninshield 1980, Clin Orthop 147:181).
CANE_FRACTION = 0.15

#: Lateral distance of the cane tip from the body's midline (mm), for a cane held in the
#: opposite hand beside the foot.  Its lever about the stance HJC is
#: ``inter-HJC/2 + CANE_LATERAL_MM``.  With 15% BW this lowers the hip contact force to
#: about 60% of the no-cane value, as Brand & Crowninshield (1980) computed for gait;
#: textbook worked examples use longer levers and get larger reductions.
CANE_LATERAL_MM = 200.0

#: Passive frontal-plane stiffness of the hip when the pelvis drops, BW*mm per degree
#: (7 BW*mm/deg = 5.2 N*m/deg for the 75 kg reference body).  A teaching parameter, not a
#: measurement: chosen so that losing all abductor force tips the pelvis by about 11 deg,
#: the size of a marked Trendelenburg sign.
PASSIVE_STIFFNESS_BW_MM_PER_DEG = 7.0

#: Largest pelvic drop the model shows (deg).  Beyond it the passive structures cannot hold
#: the pelvis and the person must lean, use a support, or fall (``balanced`` is False).
MAX_DROP_DEG = 12.0

#: Allowed input ranges.
STRENGTH_RANGE = (0.0, 150.0)
LEAN_RANGE = (-10.0, 30.0)
SIDES = ("right", "left")

#: Pelvic drops (deg) at which the model's abductor lever and line are sampled.
DROP_SAMPLES_DEG = (0.0, 3.0, 6.0, 9.0, 12.0)

#: Stance posture of the stance hip (deg): standing, femur neutral.
STANCE_POSTURE = {"flexion": 0.0, "adduction": 0.0, "rotation": 0.0, "pelvic_drop": 0.0}


@dataclass(frozen=True)
class StanceGeometry:
    """Frontal-plane levers of single-leg stance.

    ``abductor_lever_mm``: moment arm of the abductors about the stance HJC;
    ``abductor_angle_deg``: their line of action from vertical;
    ``half_inter_hjc_mm``: distance from the stance HJC to the body's midline;
    ``body_weight_lever_mm``: lever of the supported weight before any lean;
    ``drop_deg``, ``drop_levers_mm``, ``drop_angles_deg``: optional samples of the abductor
    lever and line angle with the pelvis dropped (empty: they stay as at level stance).
    """

    abductor_lever_mm: float
    abductor_angle_deg: float
    half_inter_hjc_mm: float
    body_weight_lever_mm: float
    source: str
    drop_deg: tuple = ()
    drop_levers_mm: tuple = ()
    drop_angles_deg: tuple = ()

    def lever_at(self, drop_deg: float) -> float:
        """Abductor lever (mm) with the pelvis dropped ``drop_deg`` (linear interpolation
        between the samples)."""
        if not self.drop_deg:
            return self.abductor_lever_mm
        return float(np.interp(drop_deg, self.drop_deg, self.drop_levers_mm))

    def angle_at(self, drop_deg: float) -> float:
        """Abductor line angle from vertical (deg) with the pelvis dropped ``drop_deg``."""
        if not self.drop_deg:
            return self.abductor_angle_deg
        return float(np.interp(drop_deg, self.drop_deg, self.drop_angles_deg))


# --------------------------------------------------------------------------- pure levers


def body_weight_lever_mm(
    half_inter_hjc_mm: float,
    leg_fraction: float = STANCE_LEG_FRACTION,
    leg_com_lateral_mm: float = 0.0,
) -> float:
    """Lever of the weight of the body minus the stance leg about the stance HJC (mm).

    Assumptions: the whole body's centre of mass lies on the midline (half the inter-HJC
    distance from the stance HJC); the stance leg's centre of mass lies
    ``leg_com_lateral_mm`` lateral of the stance HJC (0: straight below it).  Taking the leg
    out of the whole-body moment balance (Pauwels 1965):
    ``L = (d/2 + f_leg * z_leg) / (1 - f_leg)``.  For d/2 = 80 mm this gives about 95 mm;
    Pauwels' drawing gives 110 mm.
    """
    return (half_inter_hjc_mm + leg_fraction * leg_com_lateral_mm) / (1.0 - leg_fraction)


def leaned_lever_mm(lever_mm: float, lean_deg: float, height_mm: float = LEAN_HEIGHT_MM) -> float:
    """Body-weight lever after leaning the trunk ``lean_deg`` toward the stance side:
    ``L - h sin(lambda)`` (rigid trunk turning about the hip level; a negative lean, away
    from the stance side, lengthens the lever).  May become negative (weight medial of
    the HJC: the abductors are then not needed)."""
    return lever_mm - height_mm * math.sin(math.radians(lean_deg))


def cane_lever_mm(half_inter_hjc_mm: float, lateral_mm: float = CANE_LATERAL_MM) -> float:
    """Lever of a cane in the opposite hand about the stance HJC: to the midline plus the
    cane tip's lateral distance from it (Blount 1956; Neumann 2017 ch. 12)."""
    return half_inter_hjc_mm + lateral_mm


def required_moment_bw_mm(
    body_weight_lever: float,
    cane_fraction: float = 0.0,
    cane_lever: float = 0.0,
    leg_fraction: float = STANCE_LEG_FRACTION,
) -> float:
    """Abduction moment needed to hold the pelvis level (BW*mm):
    ``M = (1 - f_leg) L - C L_c`` (moment balance about the stance HJC, Pauwels 1965),
    never below zero (a negative value would call for the adductors)."""
    return max(0.0, (1.0 - leg_fraction) * body_weight_lever - cane_fraction * cane_lever)


def available_force_bw(strength_pct: float, normal_force_n: float = NORMAL_ABDUCTOR_FORCE_N,
                       body_weight_n: float = BODY_WEIGHT_N) -> float:
    """Largest abductor force at ``strength_pct`` % of normal, in body weights."""
    return strength_pct / 100.0 * normal_force_n / body_weight_n


def joint_force_bw(
    abductor_force: float,
    abductor_angle_deg: float,
    cane_fraction: float = 0.0,
    leg_fraction: float = STANCE_LEG_FRACTION,
) -> tuple[float, float]:
    """Hip joint reaction (magnitude in BW, angle from vertical in deg) on the free body.

    Force balance (Pauwels 1965): vertical ``S + F cos(theta) - C``, horizontal
    ``F sin(theta)`` (medial); ``R = sqrt(Rx^2 + Ry^2)``.
    """
    th = math.radians(abductor_angle_deg)
    ry = (1.0 - leg_fraction) + abductor_force * math.cos(th) - cane_fraction
    rz = abductor_force * math.sin(th)
    return math.hypot(ry, rz), math.degrees(math.atan2(rz, ry))


def pelvic_drop_deg(
    required_moment: float,
    available_moment: float,
    stiffness: float = PASSIVE_STIFFNESS_BW_MM_PER_DEG,
    max_drop_deg: float = MAX_DROP_DEG,
) -> float:
    """Drop of the unsupported side (deg, >= 0) when the abductors fall short.

    Linear-elastic passive model: the pelvis tips until ``k delta`` makes up the missing
    moment, ``delta = (M_required - M_available) / k``, 0 when the abductors suffice,
    capped at ``max_drop_deg``.  Monotonic: less strength, more drop.
    """
    deficit = required_moment - available_moment
    if deficit <= 0.0:
        return 0.0
    return min(max_drop_deg, deficit / stiffness)


def equilibrium_drop_deg(
    required_moment: float,
    available_force: float,
    lever_at,
    stiffness: float = PASSIVE_STIFFNESS_BW_MM_PER_DEG,
    max_drop_deg: float = MAX_DROP_DEG,
) -> float:
    """Pelvic drop (deg) at which ``F_max a(delta) + k delta = M_required``.

    As the pelvis drops about the stance HJC the hip adducts by the same angle, so the
    abductor lever ``a(delta)`` (``lever_at``, from the hip model) changes a little; the
    drop solves the moment balance with the linear-elastic passive moment ``k delta``
    (:func:`pelvic_drop_deg`) by Brent's method.  With a constant lever it equals
    :func:`pelvic_drop_deg`.  0 when the abductors suffice; ``max_drop_deg`` when even
    that drop cannot restore equilibrium.
    """
    from scipy.optimize import brentq

    def residual(d: float) -> float:
        return required_moment - available_force * lever_at(d) - stiffness * d

    if residual(0.0) <= 0.0:
        return 0.0
    if residual(max_drop_deg) > 0.0:
        return max_drop_deg
    return float(brentq(residual, 0.0, max_drop_deg, xtol=1e-6))


def compensated_lean_deg(
    available_moment: float,
    body_weight_lever: float,
    cane_fraction: float = 0.0,
    cane_lever: float = 0.0,
    height_mm: float = LEAN_HEIGHT_MM,
    leg_fraction: float = STANCE_LEG_FRACTION,
) -> float | None:
    """Trunk lean toward the stance side (deg) that brings the required abductor moment
    down to what the abductors can give -- the compensated Trendelenburg (Duchenne) lurch.

    Solves ``S (L - h sin(lambda)) - C L_c = M_available`` for ``lambda``; 0 if no lean is
    needed, ``None`` if no lean could do it.
    """
    s = 1.0 - leg_fraction
    excess = s * body_weight_lever - cane_fraction * cane_lever - available_moment
    if excess <= 0.0:
        return 0.0
    x = excess / (s * height_mm)
    if x > 1.0:
        return None
    return math.degrees(math.asin(x))


# --------------------------------------------------------------------------- geometry


def pauwels_geometry() -> StanceGeometry:
    """Pauwels' (1965) published levers: abductor 40 mm at 21 deg from vertical, body
    weight 110 mm; the inter-HJC distance (not given by him) is set to 170 mm."""
    return StanceGeometry(40.0, 21.0, 85.0, 110.0, "Pauwels 1965")


def line_angle_from_paths(paths_by_group: dict, weights: dict = GMED_MAX_FORCE_N) -> float:
    """Frontal-plane angle from vertical (deg) of the abductors' combined pull on the pelvis.

    Each fibre pulls its origin along its first segment (origin toward insertion); each
    group's unit vectors are averaged and weighted by the group's maximum force
    (:data:`GMED_MAX_FORCE_N`); the resultant is projected on the frontal (Y, Z) plane and
    its angle from the downward vertical returned (Pauwels: about 21 deg).
    """
    total = np.zeros(3)
    for g, paths in paths_by_group.items():
        units = []
        for p in paths:
            p = np.asarray(p, dtype=float)
            d = p[1] - p[0]
            n = np.linalg.norm(d)
            if n > 0:
                units.append(d / n)
        if units:
            total += weights.get(g, 1.0) * np.mean(units, axis=0)
    return float(np.degrees(np.arctan2(abs(total[2]), -total[1])))


def half_inter_hjc_from_model(model) -> float:
    """Distance (mm) from the right HJC (the origin) to the midline, from the model: the
    bone dimensions' inter-HJC distance if published, else the ASIS midpoint."""
    try:
        from meshes.bones import PELVIS_DIMENSIONS

        return float(PELVIS_DIMENSIONS["inter_hjc_mm"]) / 2.0
    except (ImportError, KeyError):
        lm = model.landmarks()
        mid = (np.asarray(lm["asis_right"]) + np.asarray(lm["asis_left"])) / 2.0
        return float(abs(mid[2]))


def model_geometry(model) -> StanceGeometry:
    """Stance levers from the hip model at the stance posture (:data:`STANCE_POSTURE`).

    Abductor lever: force-weighted mean gluteus medius abduction moment arm
    (``HipModel.moment_arms()[group]["abduction"]``); line angle from the fibre paths
    (:func:`line_angle_from_paths`), both also sampled with the pelvis dropped
    (``HipModel.pelvic_drop`` at :data:`DROP_SAMPLES_DEG`, which adducts the stance hip);
    body-weight lever from the inter-HJC distance (:func:`body_weight_lever_mm`), taken
    as unchanged by the drop (the trunk stays upright).  The model passed in is not changed.
    """
    m = clone_model(model)
    m.param.update(**{k: v for k, v in STANCE_POSTURE.items() if k in m.param})
    levers, angles = [], []
    for d in DROP_SAMPLES_DEG:
        m.pelvic_drop = d
        arms = m.moment_arms()
        levers.append(float(whole_muscle_arms(arms)["abduction"]))
        angles.append(line_angle_from_paths({g: m.fibres(g) for g in GROUPS if g in arms}))
    half = half_inter_hjc_from_model(m)
    return StanceGeometry(levers[0], angles[0], half, body_weight_lever_mm(half), "model",
                          tuple(DROP_SAMPLES_DEG), tuple(levers), tuple(angles))


_GEOMETRY_CACHE: dict = {}


def cached_model_geometry(model) -> StanceGeometry:
    """:func:`model_geometry`, computed once per bone set (the stance levers do not depend
    on the posture the student has set, only on the bones and muscles)."""
    bones = getattr(model, "_bones", None)
    key = (type(model), id(bones))
    hit = _GEOMETRY_CACHE.get(key)
    if hit is None or hit[0] is not bones:
        hit = (bones, model_geometry(model))
        _GEOMETRY_CACHE[key] = hit
    return hit[1]


@functools.lru_cache(maxsize=1)
def default_geometry() -> StanceGeometry:
    """Geometry of a default :class:`meshes.model.HipModel`; Pauwels' levers if the model
    package cannot be built."""
    try:
        from meshes.model import HipModel
    except ImportError:
        return pauwels_geometry()
    return cached_model_geometry(HipModel())


# --------------------------------------------------------------------------- report


def check_stance_args(side: str = "right", strength: float = 100.0, cane: bool = False, lean: float = 0.0) -> None:
    """Raise ``ValueError`` with a one-line message for an input the model does not cover."""
    if side not in SIDES:
        raise ValueError(f"side must be 'right' or 'left', not {side!r}")
    for name, value, (lo, hi), unit in (
        ("strength", strength, STRENGTH_RANGE, "% of normal"),
        ("lean", lean, LEAN_RANGE, "degrees toward the stance side"),
    ):
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number, not {value!r}") from None
        if not math.isfinite(v) or not lo <= v <= hi:
            raise ValueError(f"{name} must be between {lo:g} and {hi:g} ({unit}), not {value!r}")
    if not isinstance(cane, (bool, np.bool_)):
        raise ValueError(f"cane must be true or false, not {cane!r}")


def stance_report(
    side: str = "right",
    strength: float = 100.0,
    cane: bool = False,
    lean: float = 0.0,
    model=None,
    geometry: StanceGeometry | None = None,
) -> dict:
    """Single-leg stance on ``side`` with abductors at ``strength`` % of normal.

    Keys: ``abductor_force_bw`` (what the abductors pull), ``passive_force_bw`` (the pull
    of passive tissue that makes up the rest once the pelvis has dropped, taken along the
    abductor line; 0 when the abductors suffice), ``required_abductor_force_bw``
    (to hold the pelvis level), ``available_abductor_force_bw``, ``joint_force_bw`` and
    ``joint_force_angle_deg`` (from vertical), ``pelvic_drop_deg`` (+: the unsupported side
    drops; feed it to ``HipModel.pelvic_drop`` for a right stance), ``balanced`` (False when
    the drop reached :data:`MAX_DROP_DEG` without equilibrium), ``compensated_lean_deg``
    (total lean from upright that would make the available force enough; ``None`` if no
    lean would),
    ``lever_arms_mm`` (``abductor`` at the resulting posture, ``body_weight`` after lean,
    ``cane`` or ``None``), ``abductor_angle_deg`` (at the resulting posture), ``geometry``
    (where the levers came from), and the inputs
    ``side``, ``strength_pct``, ``cane``, ``lean_deg``.

    Geometry: ``geometry`` if given, else from ``model`` (:func:`model_geometry`), else a
    default :class:`meshes.model.HipModel`.  The equations are in the module docstring.
    """
    check_stance_args(side, strength, cane, lean)
    geo = geometry or (cached_model_geometry(model) if model is not None else default_geometry())
    a = geo.abductor_lever_mm
    bw_lever = leaned_lever_mm(geo.body_weight_lever_mm, lean)
    c = CANE_FRACTION if cane else 0.0
    c_lever = cane_lever_mm(geo.half_inter_hjc_mm) if cane else 0.0

    m_req = required_moment_bw_mm(bw_lever, c, c_lever)
    f_req = m_req / a
    f_avail = available_force_bw(strength)
    m_avail = f_avail * a
    drop = equilibrium_drop_deg(m_req, f_avail, geo.lever_at)
    balanced = drop < MAX_DROP_DEG or (
        m_req - f_avail * geo.lever_at(drop) - PASSIVE_STIFFNESS_BW_MM_PER_DEG * drop <= 1e-9)
    # Passive structures are taken to pull along the abductor line, so the total lateral
    # tension, and with it the joint force, is the one that holds the moment.
    tension = m_req / geo.lever_at(drop)
    r, r_angle = joint_force_bw(tension, geo.angle_at(drop), c)
    lean_needed = compensated_lean_deg(m_avail, geo.body_weight_lever_mm, c, c_lever)
    return {
        "side": side,
        "strength_pct": float(strength),
        "cane": bool(cane),
        "lean_deg": float(lean),
        "abductor_force_bw": round(min(f_req, f_avail), 3),
        "passive_force_bw": round(max(0.0, tension - f_avail), 3) if drop > 0.0 else 0.0,
        "required_abductor_force_bw": round(f_req, 3),
        "available_abductor_force_bw": round(f_avail, 3),
        "joint_force_bw": round(r, 3),
        "joint_force_angle_deg": round(r_angle, 1),
        "pelvic_drop_deg": round(drop, 2),
        "balanced": bool(balanced),
        "compensated_lean_deg": None if lean_needed is None else round(lean_needed, 1),
        "lever_arms_mm": {
            "abductor": round(geo.lever_at(drop), 1),
            "body_weight": round(bw_lever, 1),
            "cane": round(c_lever, 1) if cane else None,
        },
        "abductor_angle_deg": round(geo.angle_at(drop), 1),
        "geometry": geo.source,
    }


#: What holds the pelvis when the abductors fall short, in this model (the passive moment
#: ``k delta`` of :func:`pelvic_drop_deg`).
PASSIVE_TISSUES = "the hip joint capsule, the iliotibial tract and the fascia of the thigh"


def force_source_text(report: dict) -> str:
    """Where the pull that holds the pelvis comes from, in plain words, for a
    :func:`stance_report`.  With the abductors short of what is needed (at 0 % none at all)
    the pelvis drops until passive tissue (:data:`PASSIVE_TISSUES`) is stretched enough to
    hold it: the pelvis then hangs on that tissue, and the joint force counts its pull."""
    drop = float(report["pelvic_drop_deg"])
    avail = float(report["available_abductor_force_bw"])
    need = float(report["required_abductor_force_bw"])
    passive = float(report.get("passive_force_bw", 0.0))
    if drop <= 0.0:
        return (f"The abductors pull {report['abductor_force_bw']:.2f} BW, enough to hold the pelvis level; "
                f"that pull and body weight press the femoral head into the socket.")
    if avail <= 0.0:
        who = "With no abductor force at all, the pelvis hangs on passive tissue alone"
    else:
        who = (f"The abductors give only {avail:.2f} of the {need:.2f} BW needed; the rest of the pull comes from "
               "passive tissue")
    text = (f"{who} ({PASSIVE_TISSUES}), which only tightens once stretched, so the pelvis drops "
            f"{drop:.1f}° on the unsupported side. In this model that passive pull, about {passive:.2f} BW, "
            "and body weight make the hip joint force.")
    if not report.get("balanced", True):
        text += " Even stretched this far it cannot hold the pelvis: the person must lean, use a support or fall."
    return text


def compensated_lean(strength: float = 100.0, cane: bool = False, geometry: StanceGeometry | None = None,
                     model=None) -> float | None:
    """Trunk lean (deg toward the stance side) at which abductors at ``strength`` % can hold
    the pelvis level; 0 if none is needed, ``None`` if no lean would do
    (:func:`compensated_lean_deg`)."""
    check_stance_args("right", strength, cane, 0.0)
    geo = geometry or (cached_model_geometry(model) if model is not None else default_geometry())
    c = CANE_FRACTION if cane else 0.0
    c_lever = cane_lever_mm(geo.half_inter_hjc_mm) if cane else 0.0
    return compensated_lean_deg(available_force_bw(strength) * geo.abductor_lever_mm, geo.body_weight_lever_mm,
                                c, c_lever)


def threshold_strength_pct(cane: bool = False, lean: float = 0.0, geometry: StanceGeometry | None = None) -> float:
    """Lowest strength (% of normal) that still holds the pelvis level."""
    geo = geometry or default_geometry()
    c = CANE_FRACTION if cane else 0.0
    c_lever = cane_lever_mm(geo.half_inter_hjc_mm) if cane else 0.0
    m_req = required_moment_bw_mm(leaned_lever_mm(geo.body_weight_lever_mm, lean), c, c_lever)
    return 100.0 * m_req / geo.abductor_lever_mm / available_force_bw(100.0)


def stance_posture(report: dict) -> dict[str, float]:
    """``HipModel`` parameters that show a report's stance on the right hip: femur upright
    in the room (flexion, adduction, rotation 0) and the pelvis dropped by
    ``pelvic_drop_deg`` (which adducts the hip by the same angle).  The hip model moves the
    right hip only; a left stance is shown as its mirror image, the same numbers."""
    return {**STANCE_POSTURE, "pelvic_drop": float(report["pelvic_drop_deg"])}


def drop_curve(strengths=tuple(range(0, 101, 5)), cane: bool = False, lean: float = 0.0,
               geometry: StanceGeometry | None = None) -> dict[str, list[float]]:
    """Pelvic drop (deg) and abductor forces (BW) against strength, for a plot:
    ``{"strength_pct", "pelvic_drop_deg", "abductor_force_bw", "required_abductor_force_bw"}``."""
    geo = geometry or default_geometry()
    rows = [stance_report(strength=s, cane=cane, lean=lean, geometry=geo) for s in strengths]
    keys = ("strength_pct", "pelvic_drop_deg", "abductor_force_bw", "required_abductor_force_bw")
    return {k: [r[k] for r in rows] for k in keys}


def stance_cli_report(argv_namespace) -> dict:
    """Report for ``hip-viewer stance``: reads ``side``, ``strength``, ``cane``, ``lean``
    from an argparse namespace (missing ones take their defaults); raises ``ValueError``
    on bad values."""
    ns = argv_namespace
    return stance_report(
        side=getattr(ns, "side", "right") or "right",
        strength=getattr(ns, "strength", 100.0) if getattr(ns, "strength", None) is not None else 100.0,
        cane=bool(getattr(ns, "cane", False)),
        lean=getattr(ns, "lean", 0.0) if getattr(ns, "lean", None) is not None else 0.0,
    )


def geometry_dict(geometry: StanceGeometry) -> dict:
    """Plain dict of a geometry (for JSON)."""
    return asdict(geometry)
