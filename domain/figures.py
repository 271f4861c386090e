"""Exercise demonstration figures: key poses as joint angles, timing and 2-D forward kinematics.

A protocol's exercise carries a `figure` (protocols/README.md, "Figure"): a view (`side` or
`front`), its props, a few named key poses (every joint angle of the view, in degrees) and which
poses the figure passes through in each phase of a rep (`move_in`, `hold`, `move_back`, `rest`).
This module is pure: `pose_during` says where the figure is at a moment of the hold timer's
step, and `segments` turns a pose into line segments that the app (Kivy canvas) and the server
(Pillow) draw alike, `cue_shapes` the pelvic floor and belly cues and `worktop_box` / `mat_box`
the props whose shape depends on the figure; domain.figure_checks checks a document (the loader
reports what it finds with the file and path).

Angles are joint angles, except `lean`, the orientation of the whole figure in the picture
(0 upright, 90 tipped forward onto the face or, in the front view, onto the left side, -90 onto
the back or the right side). In the side view the figure faces right and its right limbs are the
near ones; in the front view it faces the viewer, so its left side is on the viewer's right.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VIEWS = ("side", "front")
PROPS = (
    "floor",
    "chair",
    "step",
    "wall",
    "band",
    "cushion",
    "towel",
    "crutch",
    "worktop",
    "mat",
    "ankle_weight",
)
PHASES = ("move_in", "hold", "move_back", "rest")
SIDES = ("left", "right")
JOINTS = (
    "lean",
    "pelvis_tilt",
    "trunk",
    "neck",
    *(f"{j}_{side}" for j in ("hip", "knee", "ankle", "shoulder", "elbow") for side in SIDES),
)
# Front view only, optional (0 when left out, so a figure written before them draws as it did):
# the leg's movements towards and away from the viewer, drawn foreshortened.
DEPTH_JOINTS = tuple(
    f"{j}_{side}"
    for j in ("hip_flexion", "hip_rotation", "knee_flexion", "shoulder_flexion")
    for side in SIDES
)
# Front view only, optional: the whole figure tipped towards (+) or away from (-) the viewer,
# like `lean` but out of the picture (a lean forward from the hips on a chair, lying on the back
# seen from the feet).
PITCH = "pitch"
# Side view only, optional (0 when left out): the shoulder's rotation about the upper arm,
# external positive, which turns a bent elbow's forearm out of the picture (drawn
# foreshortened): a forearm lying across the belly is an upper arm by the side, the elbow bent
# and the shoulder rotated inwards.
SIDE_DEPTH_JOINTS = tuple(f"shoulder_rotation_{side}" for side in SIDES)
OPTIONAL_JOINTS = {"side": SIDE_DEPTH_JOINTS, "front": (*DEPTH_JOINTS, PITCH)}
# Cues, either view, optional but in every pose of a figure or in none (a figure cannot lose
# its cue half way through a rep): 0..1 each, blended like the joints. `pelvic_floor` marks the
# pelvic floor, 0 let go (soft, low and wide), 1 lifted (a contraction: raised, narrower, in
# the accent colour); the drawing shows lifted or let go, the text says how gently. `breath`
# is the belly, 0 breathed out, 1 breathed in (belly breathing: the belly rises).
CUES = ("pelvic_floor", "breath")
CUE_RANGE = (0.0, 1.0)

# Normal adult ranges of motion in degrees, (least, most), after the American Academy of
# Orthopaedic Surgeons' "Joint motion: method of measuring and recording" (1965) as tabled in
# Norkin & White, "Measurement of joint motion" (values as usually quoted; not re-checked against
# the books here). Side view, flexion positive: hip 120 / extension 30, knee 135 / none (a knee
# never bends backwards), ankle dorsiflexion 20 / plantarflexion 50, shoulder 180 / extension 60,
# elbow 150, thoracolumbar 80 / extension 25, cervical 45 / 45. Front view, abduction (or
# lateral bending to the left, or inversion) positive: hip 45 / adduction 30, shoulder 180 /
# adduction 45 (design choice: across the body), trunk and neck bending 35 and 45 each way, ankle
# inversion 35 / eversion 15. Design choices, not joint ranges: `lean` any orientation; pelvic
# tilt (side) and obliquity (front) within 20 degrees either way; in the front view the knee and
# elbow angles are the bend as it looks from in front (its projection), so they reuse the
# flexion ranges. The front view's depth joints are real joint angles with the same sources: hip
# flexion 120 / extension 30 (as the side view), hip rotation external 45 / internal 45, knee
# flexion 135, shoulder flexion 180 / extension 60 (as the side view). `pitch` is not a joint:
# the whole figure tipped towards or away from the viewer, up to lying (design choice). The
# side view's shoulder rotation: internal 70 / external 90 (AAOS, as above).
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "side": {
        "lean": (-180, 180),
        "pelvis_tilt": (-20, 20),
        "trunk": (-25, 80),
        "neck": (-45, 45),
        "hip": (-30, 120),
        "knee": (0, 135),
        "ankle": (-50, 20),
        "shoulder": (-60, 180),
        "elbow": (0, 150),
        "shoulder_rotation": (-70, 90),
    },
    "front": {
        "lean": (-180, 180),
        "pelvis_tilt": (-20, 20),
        "trunk": (-35, 35),
        "neck": (-45, 45),
        "hip": (-30, 45),
        "knee": (0, 135),
        "ankle": (-15, 35),
        "shoulder": (-45, 180),
        "elbow": (0, 150),
        "hip_flexion": (-30, 120),
        "hip_rotation": (-45, 45),
        "knee_flexion": (0, 135),
        "shoulder_flexion": (-60, 180),
        "pitch": (-90, 90),
    },
}
# Combined postures in which a joint goes further than the table above allows it alone
# (protocols/README.md, "Combined postures"), as (view, joint, limit, reason):
# - Front view, external hip rotation with that hip flexed 80 degrees or more: up to 70.
#   Normal passive external rotation with the hip flexed is usually quoted at 45-60 (AAOS);
#   the figure-4 (flexion, abduction and external rotation, the ankle on the other knee) is a
#   combined posture that normal hips reach, and the stick figure, whose thigh and shin are
#   lines through the joint centres, needs 65-75 degrees of rotation about the thigh to rest
#   its ankle on the other knee with the hip flexed 100-110 (design choice: 70).
# - Side view, dorsiflexion of the ankle the figure stands on (its anchor is that ankle or
#   toe): up to 40. The 20 degrees above are measured without weight; with the body's weight
#   driving the shin forward over a planted foot (a lunge, a step-down) it is larger, commonly
#   quoted at 35-45 degrees in the weight-bearing lunge test (design choice: 40).
HIP_ROTATION_FLEXED = (80.0, 70.0)  # (least hip flexion, most external rotation)
STANDING_DORSIFLEXION = 40.0


def joint_range(
    view: str, joint: str, pose: Mapping[str, Any], anchor: str | None = None
) -> tuple[float, float]:
    """Return the (least, most) angle of `joint` in this pose of a figure of this view."""
    base = joint.rsplit("_", 1)[0] if joint.endswith(SIDES) else joint
    low, high = RANGES[view][base]
    side = joint.rsplit("_", 1)[-1]
    if view == "front" and base == "hip_rotation":
        flexion = pose.get(f"hip_flexion_{side}", 0)
        if _number(flexion) and flexion >= HIP_ROTATION_FLEXED[0]:
            high = max(high, HIP_ROTATION_FLEXED[1])
    if view == "side" and base == "ankle" and anchor in (f"ankle_{side}", f"toe_{side}"):
        high = max(high, STANDING_DORSIFLEXION)
    return low, high


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


# Degrees the front view is seen from above (design choice: up to 40, enough to show a bent
# knee in front of the body without losing the frontal picture).
ELEVATION = (0.0, 40.0)
# Degrees the front view is turned from facing the viewer, positive to the figure's left so its
# right side comes nearer (design choice: a three-quarter view in which a soft knee and a foot
# lifted behind show while the pelvis still reads as level or not; up to 90, so a figure lying
# on its back can be seen from its side with its legs in three dimensions).
TURN = (-90.0, 90.0)

# Segment lengths as fractions of standing height, after Winter's anthropometric table
# (Biomechanics and Motor Control of Human Movement, segment lengths from Drillis & Contini):
# thigh 0.245, shank 0.246, upper arm 0.186, forearm with hand 0.254 (drawn shorter, to the
# wrist, 0.146, plus a hand), hip width 0.191, shoulder width 0.259, greater trochanter to
# shoulder 0.288 (split here into pelvis and trunk), shoulder to crown 0.182. The foot is drawn
# from the ankle to the toes (0.11).
LENGTHS = {
    "pelvis": 0.09,
    "trunk": 0.198,
    "neck": 0.05,
    "head": 0.062,  # radius
    "thigh": 0.245,
    "shank": 0.246,
    "foot": 0.11,
    "arm": 0.186,
    "forearm": 0.146,
    "hand": 0.07,
    "hip_half": 0.095,
    "shoulder_half": 0.13,
}
LIMB_WIDTH = 0.045  # drawn width of a limb, so a body lying on the floor rests on its surface
# A step's tread, from its point (x, fractions of height): in the side view from just behind
# the ankle to just past the toes, so a foot on the floor behind or in front of it stays clear.
STEP_TREAD = {"side": (-0.03, 0.125), "front": (-0.09, 0.09)}
MOVE_S = (0.5, 10.0)  # seconds per movement into or out of the hold (design choice: slow reps)
CYCLE_S = (0.5, 20.0)  # seconds per loop when a hold or rest passes through several poses
DEFAULT_MOVE_S = 2.0


@dataclass(frozen=True, slots=True)
class Pose:
    """One key pose: an angle in degrees for every joint of `JOINTS`."""

    name: str
    angles: tuple[tuple[str, float], ...]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Pose:
        """Build a pose from its document form (`name` plus one key per joint); a depth joint
        or the pitch left out is 0, so every pose has the same joints and poses blend. A cue is
        kept only where it is given (a figure gives it in every pose or in none)."""
        angles = tuple((j, float(d[j])) for j in JOINTS)
        optional = tuple(
            (j, float(d.get(j, 0))) for j in (*DEPTH_JOINTS, PITCH, *SIDE_DEPTH_JOINTS)
        )
        cues = tuple((c, float(d[c])) for c in CUES if c in d)
        return cls(d.get("name", ""), angles + optional + cues)

    def angle(self, joint: str) -> float:
        """Return the angle of one joint (or the value of a cue the pose gives)."""
        return dict(self.angles)[joint]

    def cue(self, name: str) -> float | None:
        """Return the value of a cue (0..1), or None when the figure does not show it."""
        return dict(self.angles).get(name)

    def to_dict(self) -> dict[str, Any]:
        """Return the document form (a depth joint or the pitch only where it is not 0)."""
        angles = {j: v for j, v in self.angles if j in JOINTS or j in CUES or v}
        return {"name": self.name, **angles}


@dataclass(frozen=True, slots=True)
class Prop:
    """A piece of furniture or kit, drawn at a point of the figure (and to a second point)."""

    name: str
    at: str | None = None
    to: str | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """An exercise's demonstration: view, props, key poses and which poses each phase uses."""

    view: str
    props: tuple[Prop, ...]
    poses: tuple[Pose, ...]
    phases: tuple[tuple[str, tuple[str, ...]], ...]
    move_s: float = DEFAULT_MOVE_S
    cycle_s: float = 2 * DEFAULT_MOVE_S
    # A point that stays where it is in the start pose (a foot on a step, the knees of a
    # kneeling figure); None: each pose rests its lowest part on the floor.
    anchor: str | None = None
    # Front view: degrees the figure is seen from above, so a leg bent towards the viewer shows.
    elevation: float = 0.0
    # Front view: degrees the figure is turned to its left (a three-quarter view).
    turn: float = 0.0
    # The pose whose placement on the floor fixes the anchor (None: the start pose), so a figure
    # can start standing on a step and be placed by the pose that reaches the floor below it.
    anchor_in: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Figure:
        """Build a figure from its validated document form."""
        return cls(
            view=d["view"],
            props=tuple(Prop(p["name"], p.get("at"), p.get("to")) for p in d.get("props", ())),
            poses=tuple(Pose.from_dict(p) for p in d["poses"]),
            phases=tuple((k, tuple(d["phases"][k])) for k in PHASES if k in d["phases"]),
            move_s=float(d.get("move_s", DEFAULT_MOVE_S)),
            cycle_s=float(d.get("cycle_s", 2 * d.get("move_s", DEFAULT_MOVE_S))),
            anchor=d.get("anchor"),
            elevation=float(d.get("elevation", 0)),
            turn=float(d.get("turn", 0)),
            anchor_in=d.get("anchor_in"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the document form."""
        props = [
            {k: v for k, v in (("name", p.name), ("at", p.at), ("to", p.to)) if v}
            for p in self.props
        ]
        return {
            "view": self.view,
            "props": props,
            "poses": [p.to_dict() for p in self.poses],
            "phases": {k: list(v) for k, v in self.phases},
            "move_s": self.move_s,
            "cycle_s": self.cycle_s,
            **({"anchor": self.anchor} if self.anchor else {}),
            **({"elevation": self.elevation} if self.elevation else {}),
            **({"turn": self.turn} if self.turn else {}),
            **({"anchor_in": self.anchor_in} if self.anchor_in else {}),
        }

    @property
    def cues(self) -> tuple[str, ...]:
        """Return the cues this figure shows (`CUES` its poses give)."""
        return tuple(c for c in CUES if self.start.cue(c) is not None)

    @property
    def start(self) -> Pose:
        """Return the starting position (the first pose), where every rep begins and ends."""
        return self.poses[0]

    def pose(self, name: str) -> Pose:
        """Return the key pose with this name (KeyError if there is none)."""
        return next(p for p in self.poses if p.name == name) if name else self.start

    def sequence(self, phase: str) -> tuple[Pose, ...]:
        """Return the key poses of one phase (the start pose for a rest that names none)."""
        names = dict(self.phases).get(phase)
        if names is None:
            if phase == "hold":  # a dose adjusted to have a hold: stay where the move ended
                return (self.pose(dict(self.phases)["move_in"][-1]),)
            return (self.start,)
        return tuple(self.pose(n) for n in names)


# -- timing ---------------------------------------------------------------------------------


def blend(a: Pose, b: Pose, f: float) -> Pose:
    """Return the pose a fraction `f` (0..1) of the way from `a` to `b`, eased in and out."""
    f = min(1.0, max(0.0, f))
    e = f * f * (3 - 2 * f)
    pairs = zip(a.angles, b.angles, strict=True)
    joints = tuple((j, va + (vb - va) * e) for (j, va), (_, vb) in pairs)
    return Pose(b.name if f >= 1 else a.name, joints)


def _through(poses: tuple[Pose, ...], f: float) -> Pose:
    """Return the pose a fraction `f` of the way along a path of key poses."""
    if len(poses) == 1:
        return poses[0]
    f = min(1.0, max(0.0, f)) * (len(poses) - 1)
    i = min(int(f), len(poses) - 2)
    return blend(poses[i], poses[i + 1], f - i)


def _loop(poses: tuple[Pose, ...], elapsed: float, cycle_s: float) -> Pose:
    """Return the pose of a repeating cycle through `poses` (back to the first) at `elapsed`."""
    if len(poses) == 1:
        return poses[0]
    return _through((*poses, poses[0]), (elapsed % cycle_s) / cycle_s)


def pose_during(
    figure: Figure, kind: str, elapsed: float, seconds: float, rest_follows: bool = True
) -> Pose:
    """Return the figure's pose `elapsed` seconds into a timer step of `kind` lasting `seconds`.

    `kind` is the hold timer's: a `hold` moves in, holds (cycling through several hold poses,
    as a walk does) and, when no rest follows, moves back at its end; a `rest` moves back first,
    then rests; `reps` (an untimed set) repeats move in and move back; `ready` is the start.
    """
    move_in = (figure.start, *figure.sequence("move_in"))
    move_back = (move_in[-1], *figure.sequence("move_back"))
    if kind == "hold":
        move = min(figure.move_s, seconds / 3) if seconds else 0.0
        if elapsed < move:
            return _through(move_in, elapsed / move)
        if not rest_follows and elapsed > seconds - move:
            return _through(move_back, (elapsed - (seconds - move)) / move)
        held = _loop(figure.sequence("hold"), elapsed - move, figure.cycle_s)
        return blend(move_in[-1], held, (elapsed - move) / 0.3) if held != move_in[-1] else held
    if kind == "rest":
        move = min(figure.move_s, seconds / 3) if seconds else 0.0
        if elapsed < move:
            return _through(move_back, elapsed / move)
        return _loop(figure.sequence("rest"), elapsed - move, figure.cycle_s)
    if kind == "reps":
        rep = elapsed % (2 * figure.move_s)
        if rep < figure.move_s:
            return _through(move_in, rep / figure.move_s)
        return _through(move_back, (rep - figure.move_s) / figure.move_s)
    return figure.start


def demo_steps(figure: Figure, hold_s: int, rest_s: int) -> list[tuple[str, float]]:
    """Return one rep as timer steps, shortened for a looping picture: (kind, seconds)."""
    if hold_s > 0:
        steps = [("hold", 2 * figure.move_s + min(float(hold_s), 2 * figure.cycle_s, 6.0))]
    else:
        steps = [("reps", 2 * figure.move_s)]
    if rest_s > 0 or hold_s > 0:
        steps.append(("rest", figure.move_s + 1.0))
    return steps


# -- forward kinematics ---------------------------------------------------------------------

Vector = tuple[float, float, float]

POINTS = (
    "pelvis",
    "waist",
    "neck",
    "head",
    *(
        f"{part}_{side}"
        for part in ("hip", "knee", "ankle", "toe", "shoulder", "elbow", "wrist", "hand")
        for side in SIDES
    ),
)


@dataclass(frozen=True, slots=True)
class Segment:
    """A drawn line of the figure from `a` to `b` (fractions of height); `near` is in front."""

    part: str
    a: tuple[float, float]
    b: tuple[float, float]
    near: bool = True


def _go(p: tuple[float, float], angle: float, length: float) -> tuple[float, float]:
    """Return the point `length` from `p` in direction `angle` (degrees clockwise from up)."""
    r = math.radians(angle)
    return (p[0] + length * math.sin(r), p[1] + length * math.cos(r))


def points(
    view: str, pose: Pose, elevation: float = 0.0, turn: float = 0.0
) -> dict[str, tuple[float, float]]:
    """Return every named point of the figure, before it is placed on the floor.

    The side view is planar. The front view draws the legs in three dimensions, tips the whole
    figure towards or away from the viewer by its `pitch`, turns it `turn` degrees to its left
    and projects it onto the picture, seen `elevation` degrees from above: a hip flexed or a
    knee bent towards or away from the viewer shows foreshortened (and, seen from above, lower
    or higher).
    """
    pts = points3d(view, pose, turn)
    if not elevation:
        return {k: (x, y) for k, (x, y, _) in pts.items()}
    cos, sin = math.cos(math.radians(elevation)), math.sin(math.radians(elevation))
    return {k: (x, y * cos - z * sin) for k, (x, y, z) in pts.items()}


def points3d(view: str, pose: Pose, turn: float = 0.0) -> dict[str, Vector]:
    """Return every named point in three dimensions (x right, y up, z towards the viewer),
    before the picture is seen from above; the side view's points have z 0 but for a forearm
    turned out of the picture by the shoulder's rotation."""
    a, L = dict(pose.angles), LENGTHS
    pts: dict[str, tuple[float, float]] = {"pelvis": (0.0, 0.0)}
    depth: dict[str, float] = {}  # front view: how far a point is towards the viewer
    up = a["lean"] + a["pelvis_tilt"] * (1 if view == "side" else -1)
    pts["waist"] = _go(pts["pelvis"], up, L["pelvis"])
    trunk = up + a["trunk"]
    pts["neck"] = _go(pts["waist"], trunk, L["trunk"])
    pts["head"] = _go(pts["neck"], trunk + a["neck"], L["neck"] + L["head"])
    for side in SIDES:
        out = 1 if side == "left" else -1  # front view: the figure's left is on the right
        if view == "side":
            hip, shoulder = pts["pelvis"], pts["neck"]
            thigh = up + 180 - a[f"hip_{side}"]
            shank = thigh + a[f"knee_{side}"]
            foot = shank - 90 - a[f"ankle_{side}"]
            pts[f"knee_{side}"] = _go(hip, thigh, L["thigh"])
            pts[f"ankle_{side}"] = _go(pts[f"knee_{side}"], shank, L["shank"])
            pts[f"toe_{side}"] = _go(pts[f"ankle_{side}"], foot, L["foot"])
            arm = trunk + 180 - a[f"shoulder_{side}"]
            forearm = arm - a[f"elbow_{side}"]
        else:
            hip = _go(pts["pelvis"], up + 90 * out, L["hip_half"])
            shoulder = _go(pts["neck"], trunk + 90 * out, L["shoulder_half"])
            z = 0.0
            for name, start, (dx, dy, dz) in _front_leg(a, side, up):
                x0, y0 = pts[start] if start != "hip" else hip
                pts[f"{name}_{side}"] = (x0 + dx, y0 + dy)
                z += dz
                depth[f"{name}_{side}"] = z
            arm = trunk + 180 - out * a[f"shoulder_{side}"]
            forearm = arm - out * a[f"elbow_{side}"]
        pts[f"hip_{side}"] = hip
        pts[f"shoulder_{side}"] = shoulder
        if view == "front" and a[f"shoulder_flexion_{side}"]:
            z = 0.0
            for name, start, (dx, dy, dz) in _front_arm(a, side, trunk):
                x0, y0 = pts[f"{start}_{side}"]
                pts[f"{name}_{side}"] = (x0 + dx, y0 + dy)
                z += dz
                depth[f"{name}_{side}"] = z
            continue
        pts[f"elbow_{side}"] = _go(shoulder, arm, L["arm"])
        if view == "side" and a[f"shoulder_rotation_{side}"]:
            # The forearm turned out of the picture about the upper arm: its bend away from
            # the upper arm's line foreshortened, towards the midline (away from the viewer
            # for the near arm) when the rotation is internal.
            r = math.radians(a[f"shoulder_rotation_{side}"])
            bend = math.radians(a[f"elbow_{side}"])
            along, across = math.cos(bend), math.sin(bend) * math.cos(r)
            forearm = arm - math.degrees(math.atan2(across, along))
            shorten = math.hypot(along, across)
            z = math.sin(bend) * math.sin(r) * (1 if side == "right" else -1)
            for name, start, length in (("wrist", "elbow", "forearm"), ("hand", "wrist", "hand")):
                pts[f"{name}_{side}"] = _go(pts[f"{start}_{side}"], forearm, shorten * L[length])
                depth[f"{name}_{side}"] = depth.get(f"{start}_{side}", 0.0) + z * L[length]
            continue
        pts[f"wrist_{side}"] = _go(pts[f"elbow_{side}"], forearm, L["forearm"])
        pts[f"hand_{side}"] = _go(pts[f"wrist_{side}"], forearm, L["hand"])
    out3 = {k: (x, y, depth.get(k, 0.0)) for k, (x, y) in pts.items()}
    pitch = a[PITCH] if view == "front" else 0.0
    if pitch:  # about the pelvis, at the origin; 0 leaves the planar picture exact
        out3 = {k: _rx(v, math.radians(pitch)) for k, v in out3.items()}
    if turn:
        out3 = {k: _ry(v, math.radians(turn)) for k, v in out3.items()}
    return out3


def _front_leg(a: Mapping[str, float], side: str, up: float):
    """Yield (point, from point, offset) for the knee, ankle and toe of a front-view leg.

    The leg is posed in three dimensions in the pelvis's frame (x to the figure's left, which
    is the viewer's right; y up the body; z towards the viewer), in the order the
    International Society of Biomechanics recommends for the hip (Wu et al. 2002): flexion
    forwards, then abduction outwards in the flexed thigh's frame (so a flexed hip's abduction
    lifts the knee sideways, as in a clamshell), then rotation about the thigh (external
    positive: with the knee bent, the foot swings in); the knee flexes backwards; `knee` bends
    the shank outwards in the picture's plane (the bend as seen from in front). With the depth
    joints at 0 this is the planar front view exactly. Offsets come turned by `up`, the
    pelvis's angle in the picture, with their depth last.
    """
    out = 1 if side == "left" else -1
    r = math.radians
    hip = [
        (_rx, -r(a[f"hip_flexion_{side}"])),
        (_rz, out * r(a[f"hip_{side}"])),
        (_ry, out * r(a[f"hip_rotation_{side}"])),
    ]
    knee = [*hip, (_rz, -out * r(a[f"knee_{side}"])), (_rx, r(a[f"knee_flexion_{side}"]))]
    stub = r(180 - out * (90 + a[f"ankle_{side}"]))  # the foot as seen from in front
    foot = (
        0.5 * LENGTHS["foot"] * math.sin(stub),
        0.5 * LENGTHS["foot"] * math.cos(stub),
        LENGTHS["foot"],  # and its length, pointing forward from the shin
    )
    for name, start, v, frame in (
        ("knee", "hip", (0.0, -LENGTHS["thigh"], 0.0), hip),
        ("ankle", "knee", (0.0, -LENGTHS["shank"], 0.0), knee),
        ("toe", "ankle", foot, knee),
    ):
        for turn, angle in reversed(frame):
            v = turn(v, angle)
        yield name, f"{start}_{side}" if start != "hip" else "hip", _in_picture(v, up)


def _front_arm(a: Mapping[str, float], side: str, trunk: float):
    """Yield (point, from point, offset) for the elbow, wrist and hand of a front-view arm
    flexed forwards: flexion towards the viewer, then `shoulder` (abduction) in the flexed
    arm's frame, the elbow bending in that frame as `elbow` bends it in the picture; with no
    flexion this is the planar arm exactly (which is drawn without it)."""
    out = 1 if side == "left" else -1
    r = math.radians
    arm = [(_rx, -r(a[f"shoulder_flexion_{side}"])), (_rz, out * r(a[f"shoulder_{side}"]))]
    forearm = [*arm, (_rz, out * r(a[f"elbow_{side}"]))]
    for name, start, length, frame in (
        ("elbow", "shoulder", LENGTHS["arm"], arm),
        ("wrist", "elbow", LENGTHS["forearm"], forearm),
        ("hand", "wrist", LENGTHS["hand"], forearm),
    ):
        v = (0.0, -length, 0.0)
        for turn, angle in reversed(frame):
            v = turn(v, angle)
        yield name, start, _in_picture(v, trunk)


def _in_picture(v: Vector, up: float) -> Vector:
    """Return `v` turned clockwise by `up` degrees in the picture's plane."""
    t = math.radians(up)
    return (v[0] * math.cos(t) + v[1] * math.sin(t), -v[0] * math.sin(t) + v[1] * math.cos(t), v[2])


def _rx(v: Vector, t: float) -> Vector:
    return (v[0], v[1] * math.cos(t) - v[2] * math.sin(t), v[1] * math.sin(t) + v[2] * math.cos(t))


def _ry(v: Vector, t: float) -> Vector:
    return (v[0] * math.cos(t) + v[2] * math.sin(t), v[1], -v[0] * math.sin(t) + v[2] * math.cos(t))


def _rz(v: Vector, t: float) -> Vector:
    return (v[0] * math.cos(t) - v[1] * math.sin(t), v[0] * math.sin(t) + v[1] * math.cos(t), v[2])


BONES = (
    ("pelvis", "pelvis", "waist"),
    ("trunk", "waist", "neck"),
    *(
        (f"{part}_{side}", f"{a}_{side}", f"{b}_{side}")
        for side in SIDES
        for part, a, b in (
            ("thigh", "hip", "knee"),
            ("shank", "knee", "ankle"),
            ("foot", "ankle", "toe"),
            ("arm", "shoulder", "elbow"),
            ("forearm", "elbow", "wrist"),
            ("hand", "wrist", "hand"),
        )
    ),
)


def placed_points(
    view: str, pose: Pose, ground: float = 0.0, elevation: float = 0.0, turn: float = 0.0
) -> dict[str, tuple[float, float]]:
    """Return the figure's points moved so that its lowest part rests on the floor at `ground`.

    The lowest part is the lowest point of a limb's drawn width or of the head's circle, so a
    body lying down lies on the floor, never through it.
    """
    pts = points(view, pose, elevation, turn)
    lowest = min(min(y for _, y in pts.values()) - LIMB_WIDTH / 2, pts["head"][1] - LENGTHS["head"])
    return {k: (x, y + ground - lowest) for k, (x, y) in pts.items()}


def figure_points(figure: Figure, pose: Pose) -> dict[str, tuple[float, float]]:
    """Return the points of the figure in a pose, placed on the floor or at its anchor.

    The anchor stays where the pose `anchor_in` (the start pose when none is named) puts it
    when that pose rests on the floor.
    """
    view, elevation, turn = figure.view, figure.elevation, figure.turn
    pts = placed_points(view, pose, elevation=elevation, turn=turn)
    if figure.anchor is None:
        return pts
    placed_by = figure.pose(figure.anchor_in) if figure.anchor_in else figure.start
    start = placed_points(view, placed_by, elevation=elevation, turn=turn)[figure.anchor]
    dx, dy = start[0] - pts[figure.anchor][0], start[1] - pts[figure.anchor][1]
    return {k: (x + dx, y + dy) for k, (x, y) in pts.items()}


def segments(figure: Figure, pose: Pose) -> list[Segment]:
    """Return the figure's bones as segments, placed on the floor; far limbs first."""
    view, pts = figure.view, figure_points(figure, pose)
    out = [Segment(part, pts[a], pts[b], _near(view, part, figure.turn)) for part, a, b in BONES]
    out.append(Segment("neck", pts["neck"], _toward(pts["neck"], pts["head"]), True))
    if view == "front":
        out.append(Segment("hips", pts["hip_right"], pts["hip_left"], True))
        out.append(Segment("shoulders", pts["shoulder_right"], pts["shoulder_left"], True))
    return sorted(out, key=lambda s: s.near)


def _near(view: str, part: str, turn: float = 0.0) -> bool:
    """Return whether a part is drawn as near: the side view's right limbs; in the front view
    every part, or, turned, the limbs of the side that comes nearer."""
    if view == "front" and turn:
        return not part.endswith("_left" if turn > 0 else "_right")
    return view == "front" or not part.endswith("_left")


def _toward(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """Return the point where the neck meets the head's circle, from `a` toward the centre `b`."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    f = max(0.0, (length - LENGTHS["head"]) / length)
    return (a[0] + dx * f, a[1] + dy * f)


# -- cues and the worktop -------------------------------------------------------------------

# Design choices, in fractions of height: the pelvic floor's marked zone is drawn larger than
# the pelvis (a ring about the size of the head), so that its lift and its release both show
# on a phone; the floor inside it is a sling across the ring, low, wide and sagging when let go,
# raised, narrower and domed when lifted. The belly bulges in front of the lower trunk.
PELVIC_ZONE = 0.075  # radius of the ring
BELLY = (0.012, 0.06)  # how far the belly stands out, breathed out .. breathed in
WORKTOP = {"reach": 0.3, "under": 0.04, "behind": 0.22, "slab": 0.025}
# Colours (RGB, 0..1) both renderers use: a let-go pelvic floor in a calm blue, a lifted one in
# a warm orange (a pair that colour-blind eyes tell apart too, and unlike either figure's ink),
# the belly in a light blue.
CUE_COLORS = {
    "let_go": (0.22, 0.47, 0.82),
    "lifted": (0.88, 0.38, 0.22),
    "belly": (0.62, 0.78, 0.93),
}


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue drawn on the figure: an outline through `points` (closed: a shape) with its level,
    0 (let go, breathed out) .. 1 (lifted, breathed in), which sets its colour."""

    part: str  # "pelvic_zone" (the ring), "pelvic_floor" (the sling), "belly"
    points: tuple[tuple[float, float], ...]
    level: float
    closed: bool


def cue_color(cue: Cue) -> tuple[float, float, float]:
    """Return the colour of a cue at its level (the belly keeps one colour)."""
    if cue.part == "belly":
        return CUE_COLORS["belly"]
    low, high = CUE_COLORS["let_go"], CUE_COLORS["lifted"]
    return tuple(a + (b - a) * cue.level for a, b in zip(low, high, strict=True))


def _unit(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    return (dx / length, dy / length) if length > 1e-9 else (0.0, 1.0)


def cue_shapes(figure: Figure, pose: Pose) -> list[Cue]:
    """Return the cues of the figure in this pose (none when the figure shows none)."""
    if all(pose.cue(c) is None for c in CUES):
        return []
    pts, out = figure_points(figure, pose), []
    up = _unit(pts["pelvis"], pts["waist"])
    across = (up[1], -up[0])  # the side view's front; the front view's figure's right

    def at(c, u, v):  # a point u across and v up the body from c
        return (c[0] + across[0] * u + up[0] * v, c[1] + across[1] * u + up[1] * v)

    lift = pose.cue("pelvic_floor")
    if lift is not None:
        r = PELVIC_ZONE
        centre = at(pts["pelvis"], 0.0, 0.2 * r)
        ring = tuple(
            at(centre, r * math.cos(2 * math.pi * i / 32), r * math.sin(2 * math.pi * i / 32))
            for i in range(32)
        )
        out.append(Cue("pelvic_zone", ring, lift, True))
        half = r * (0.9 - 0.25 * lift)
        ends = (at(centre, -half, -0.3 * r), at(centre, half, -0.3 * r))
        middle = at(centre, 0.0, r * (-0.88 + 1.08 * lift))  # sags to the ring, or domes up
        control = tuple(2 * m - (e0 + e1) / 2 for m, e0, e1 in zip(middle, *ends, strict=True))
        out.append(Cue("pelvic_floor", _curve(ends[0], control, ends[1]), lift, False))
    breath = pose.cue("breath")
    if breath is not None:
        out.append(Cue("belly", _belly(figure, pts, breath), breath, True))
    return out


def _curve(a, control, b, n: int = 12) -> tuple[tuple[float, float], ...]:
    """Return `n` + 1 points of the quadratic curve from `a` to `b` bent towards `control`."""
    out = []
    for i in range(n + 1):
        t = i / n
        out.append(
            tuple(
                (1 - t) ** 2 * p + 2 * t * (1 - t) * c + t * t * q
                for p, c, q in zip(a, control, b, strict=True)
            )
        )
    return tuple(out)


def _belly(figure: Figure, pts, breath: float) -> tuple[tuple[float, float], ...]:
    """Return the belly's outline: a half-ellipse in front of the lower trunk in the side view,
    an ellipse across the lower trunk in the front view (wider breathed in)."""
    waist, neck = pts["waist"], pts["neck"]
    t = _unit(waist, neck)
    front = (t[1], -t[0])
    length = math.dist(waist, neck)
    size = BELLY[0] + (BELLY[1] - BELLY[0]) * breath
    centre = (waist[0] + t[0] * 0.3 * length, waist[1] + t[1] * 0.3 * length)
    if figure.view == "side":
        steps = [math.pi * i / 16 for i in range(17)]
        out, depth = 0.3 * length, LIMB_WIDTH / 2 + size
    else:
        steps = [2 * math.pi * i / 32 for i in range(32)]
        out, depth = 0.22 * length, LIMB_WIDTH / 2 + 0.8 * size
    return tuple(
        (
            centre[0] + t[0] * out * math.cos(s) + front[0] * depth * math.sin(s),
            centre[1] + t[1] * out * math.cos(s) + front[1] * depth * math.sin(s),
        )
        for s in steps
    )


def worktop_box(figure: Figure, fixed: Mapping[str, tuple[float, float]], at: str):
    """Return (left, right, top) of a worktop under the point `at` (a hand) in the start pose.

    In the front view the worktop stands at the figure's side, from just inside the hand
    outwards; in the side view it stands beside the figure, so it is drawn behind it, from
    behind the pelvis to just past the hand. Its top is where the hand rests.
    """
    x, y = fixed[at]
    top = y - LIMB_WIDTH / 2
    if figure.view == "side":
        ends = (fixed["pelvis"][0], x)
        return min(ends) - WORKTOP["behind"], max(ends) + WORKTOP["under"], top
    outwards = 1 if x >= fixed["pelvis"][0] else -1
    ends = (x - outwards * WORKTOP["under"], x + outwards * WORKTOP["reach"])
    return min(ends), max(ends), top


# An ankle weight: a cuff strapped round the shin just above the ankle, drawn over the leg
# and moving with it (design choice, in fractions of height: about 11 cm long, 14 cm across).
ANKLE_WEIGHT = {"above": 0.04, "length": 0.065, "across": 0.085}
WEIGHT_COLOR = (0.45, 0.45, 0.48)  # a grey between the near and the far limbs


def ankle_weight_shape(pts: Mapping[str, tuple[float, float]], at: str):
    """Return the four corners of an ankle weight's cuff at `at` (an ankle) in these points."""
    side = at.rsplit("_", 1)[-1]
    ankle, knee = pts[at], pts[f"knee_{side}"]
    u = _unit(ankle, knee)
    across = (u[1], -u[0])
    centre = (ankle[0] + u[0] * ANKLE_WEIGHT["above"], ankle[1] + u[1] * ANKLE_WEIGHT["above"])
    half_l, half_w = ANKLE_WEIGHT["length"] / 2, ANKLE_WEIGHT["across"] / 2
    return tuple(
        (
            centre[0] + u[0] * half_l * i + across[0] * half_w * j,
            centre[1] + u[1] * half_l * i + across[1] * half_w * j,
        )
        for i, j in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    )


MAT_MARGIN = 0.1  # how far a mat reaches beyond the figure lying on it (design choice)


def mat_box(figure: Figure) -> tuple[float, float, float, float]:
    """Return (left, bottom, right, top) of the mat a figure lies on, in the picture.

    A front view seen from above shows the floor as a plane, not a line: the mat is that plane
    under the start pose, from its near edge (where the picture's floor line is) to its far
    edge, drawn higher the further away it is.
    """
    start = figure.start
    flat = figure_points(figure, start)
    pts = points3d(figure.view, start, figure.turn)
    floor = min(y for _, y, _ in pts.values()) - LIMB_WIDTH / 2
    far = min(z for _, _, z in pts.values()) - MAT_MARGIN
    near = max(z for _, _, z in pts.values()) + MAT_MARGIN
    cos, sin = math.cos(math.radians(figure.elevation)), math.sin(math.radians(figure.elevation))
    shift = flat["pelvis"][1] - (pts["pelvis"][1] * cos - pts["pelvis"][2] * sin)
    xs = [x for x, _ in flat.values()]
    bottom = max(0.0, floor * cos - near * sin + shift)
    return min(xs) - MAT_MARGIN, bottom, max(xs) + MAT_MARGIN, floor * cos - far * sin + shift
