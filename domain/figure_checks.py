"""Checks of an exercise's figure document: every pose complete and humanly possible, props
that exist, and phases that follow the dose (protocols/README.md, "Figure").

`figure_problems` returns (path, reason) pairs; the protocol loader reports each with the file
and the path inside it, e.g. `phases[0].exercises[1].figure.poses[1].knee_right`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from domain.figures import (
    CUE_RANGE,
    CUES,
    JOINTS,
    OPTIONAL_JOINTS,
    PHASES,
    POINTS,
    PROPS,
    RANGES,
    SIDES,
    VIEWS,
    joint_range,
)


def figure_problems(d: Mapping[str, Any], dose: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """Return (path, reason) for every problem of a figure document, given the exercise's dose."""
    problems: list[tuple[tuple, str]] = []
    view = d.get("view")
    ranges = RANGES.get(view) if isinstance(view, str) else None
    if ranges is None:
        problems.append((("view",), f"must be one of: {', '.join(VIEWS)}"))
    names = []
    for i, pose in enumerate(d.get("poses") or ()):
        found = _pose(pose, view if ranges is not None else None, d.get("anchor"))
        problems.extend(((("poses", i) + path), reason) for path, reason in found)
        names.append(pose.get("name") if isinstance(pose, Mapping) else None)
    for i, name in enumerate(names):
        if name is not None and name in names[:i]:
            problems.append((("poses", i, "name"), f"duplicate pose name '{name}'"))
    problems.extend(_cue_problems(d.get("poses") or ()))
    if d.get("elevation") and view != "front":
        problems.append((("elevation",), "only a front view is seen from above"))
    if d.get("turn") and view != "front":
        problems.append((("turn",), "only a front view is turned (a side view is seen side-on)"))
    if d.get("anchor") is not None and d.get("anchor") not in POINTS:
        problems.append((("anchor",), f"unknown point (the points are: {', '.join(POINTS)})"))
    if "anchor_in" in d:
        if d.get("anchor") is None:
            problems.append((("anchor_in",), "places the anchor: give an anchor too"))
        if d["anchor_in"] not in names:
            problems.append((("anchor_in",), f"no pose is named '{d['anchor_in']}'"))
    for i, prop in enumerate(d.get("props") or ()):
        problems.extend(((("props", i) + path), reason) for path, reason in _prop(prop))
        if isinstance(prop, Mapping) and prop.get("name") == "mat" and not d.get("elevation"):
            reason = "a mat is the floor seen from above: only a front view with an elevation"
            problems.append((("props", i, "name"), reason))
    problems.extend(_phase_problems(d.get("phases") or {}, names, dose))
    return problems


def _pose(pose: Any, view: str | None, anchor: Any = None) -> list[tuple[tuple, str]]:
    """Check one pose: every joint of the view given, a number, within its human range."""
    if not isinstance(pose, Mapping):
        return [((), "must be a mapping of joint: angle")]
    found = []
    name = pose.get("name")
    if not isinstance(name, str) or not name.strip():
        found.append((("name",), "every pose needs a name (the phases refer to it)"))
    optional = OPTIONAL_JOINTS.get(view, ()) if view else ()
    known = (*JOINTS, *optional)
    for key in pose:
        if key != "name" and key not in known and key not in CUES:
            view_joints = f"the {view} view's joints" if view else "the joints"
            cues = f"; the cues are: {', '.join(CUES)}"
            found.append(((key,), f"unknown joint ({view_joints} are: {', '.join(known)}{cues})"))
    for cue in CUES:
        value = pose.get(cue, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            found.append(((cue,), "must be a number from 0 to 1"))
        elif not CUE_RANGE[0] <= value <= CUE_RANGE[1]:
            meaning = "0 let go, 1 lifted" if cue == "pelvic_floor" else "0 out, 1 in"
            found.append(((cue,), f"{value:g} is outside 0..1 ({meaning})"))
    for joint in known:
        if joint not in pose:
            if joint not in optional:
                found.append(((joint,), "missing: every pose gives every joint"))
            continue
        value = pose[joint]
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            found.append(((joint,), "must be a number of degrees"))
            continue
        if view is None:
            continue
        low, high = joint_range(view, joint, pose, anchor if isinstance(anchor, str) else None)
        if not low <= value <= high:
            found.append(
                ((joint,), f"{value:g} degrees is outside the human range {low:g}..{high:g}")
            )
    return found


def _cue_problems(poses) -> list[tuple[tuple, str]]:
    """A cue is shown in every pose or in none: a pose without it could not be drawn."""
    found = []
    poses = [p for p in poses if isinstance(p, Mapping)]
    for cue in CUES:
        if any(cue in p for p in poses):
            for i, pose in enumerate(poses):
                if cue not in pose:
                    reason = f"missing: a figure that shows {cue} gives it in every pose"
                    found.append((("poses", i, cue), reason))
    return found


# Where a worktop can be: under a hand that rests on it.
WORKTOP_POINTS = tuple(f"{part}_{side}" for part in ("hand", "wrist") for side in SIDES)
# Where an ankle weight can be: round an ankle (it moves with the leg).
ANKLE_POINTS = tuple(f"ankle_{side}" for side in SIDES)


def _prop(prop: Any) -> list[tuple[tuple, str]]:
    if not isinstance(prop, Mapping):
        return [((), "must be a mapping with a name")]
    found = []
    if prop.get("name") not in PROPS:
        found.append((("name",), f"unknown prop (the props are: {', '.join(PROPS)})"))
    for key in ("at", "to"):
        if key in prop and prop[key] not in POINTS:
            found.append(((key,), f"unknown point (the points are: {', '.join(POINTS)})"))
    if "to" in prop and prop.get("name") != "band":
        found.append((("to",), "only a band runs to a second point"))
    if prop.get("name") == "ankle_weight" and prop.get("at") not in ANKLE_POINTS:
        where = ", ".join(ANKLE_POINTS)
        found.append((("at",), f"an ankle weight is strapped round an ankle: one of {where}"))
    if prop.get("name") == "worktop" and prop.get("at") not in WORKTOP_POINTS:
        where = ", ".join(WORKTOP_POINTS)
        found.append((("at",), f"a worktop stands under the hand that rests on it: one of {where}"))
    return found


def _phase_problems(phases: Mapping, names: list, dose: Mapping) -> list[tuple[tuple, str]]:
    found: list[tuple[tuple, str]] = []
    for key, value in phases.items():
        if key not in PHASES:
            found.append((("phases", key), f"unknown phase (the phases are: {', '.join(PHASES)})"))
        elif not isinstance(value, list) or not value:
            found.append((("phases", key), "must be a list of pose names"))
        else:
            for i, name in enumerate(value):
                if name not in names:
                    found.append((("phases", key, i), f"no pose is named '{name}'"))
    for key in ("move_in", "move_back"):
        if key not in phases:
            found.append((("phases", key), "missing: every rep moves in and back"))
    back = phases.get("move_back")
    if isinstance(back, list) and back and names and back[-1] != names[0]:
        found.append((("phases", "move_back"), f"must end at the start pose '{names[0]}'"))
    # The figure follows the dose: a hold only where the dose holds, a rest only where it rests.
    if dose.get("hold_s", 0) > 0 and "hold" not in phases:
        found.append((("phases", "hold"), f"missing: the dose holds for {dose['hold_s']} s"))
    if dose.get("hold_s", 0) == 0 and "hold" in phases:
        found.append((("phases", "hold"), "the dose has no hold (hold_s is 0)"))
    if dose.get("rest_s", 0) == 0 and "rest" in phases:
        found.append((("phases", "rest"), "the dose has no rest (rest_s is 0)"))
    used = {n for v in phases.values() if isinstance(v, list) for n in v}
    for i, name in enumerate(names[1:], start=1):
        if name not in used:
            found.append((("poses", i, "name"), f"pose '{name}' is not used by any phase"))
    return found
