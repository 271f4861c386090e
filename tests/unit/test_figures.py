"""The figure model: poses in step with the hold timer, drawn where a body can be."""

import math

import pytest

from domain.figure_checks import figure_problems
from domain.figures import (
    JOINTS,
    LENGTHS,
    LIMB_WIDTH,
    Figure,
    Pose,
    figure_points,
    placed_points,
    points,
    pose_during,
    segments,
)


def pose(name: str, **angles) -> dict:
    return {"name": name, **{j: 0 for j in JOINTS}, **angles}


# A bridge, lying on the back: move up, hold, move back, rest.
START = pose("start", lean=-90, hip_left=41, hip_right=41, knee_left=95, knee_right=95)
UP = pose("up", lean=-108, knee_left=95, knee_right=95)
BRIDGE = {
    "view": "side",
    "props": [{"name": "floor"}],
    "poses": [START, UP],
    "phases": {"move_in": ["up"], "hold": ["up"], "move_back": ["start"]},
    "move_s": 2,
}
DOSE = {"sets": 1, "reps": 5, "hold_s": 30, "rest_s": 60}
WALK = {
    "view": "side",
    "poses": [pose("start"), pose("a", hip_right=20, hip_left=-10), pose("b", hip_left=20)],
    "phases": {"move_in": ["a"], "hold": ["b", "a"], "move_back": ["start"]},
    "cycle_s": 1.2,
    "move_s": 1,
}


def hip(p: Pose) -> float:
    return p.angle("hip_right")


def test_a_hold_moves_in_then_stays_still_until_the_rest_moves_back():
    figure = Figure.from_dict(BRIDGE)
    assert hip(pose_during(figure, "hold", 0.0, 30)) == 41  # the rep starts lying down
    assert 0 < hip(pose_during(figure, "hold", 1.0, 30)) < 41  # on the way up
    held = [pose_during(figure, "hold", t, 30) for t in (2.5, 10, 29.9)]
    assert {hip(p) for p in held} == {0} and {p.angle("lean") for p in held} == {-108}
    assert 0 < hip(pose_during(figure, "rest", 1.0, 60)) < 41  # on the way down
    assert pose_during(figure, "rest", 30, 60).angles == figure.start.angles


def test_without_a_rest_the_hold_moves_back_at_its_end():
    figure = Figure.from_dict(BRIDGE)
    assert hip(pose_during(figure, "hold", 29.9, 30, rest_follows=False)) > 35


def test_a_walk_keeps_moving_through_its_hold_and_an_untimed_set_repeats():
    figure = Figure.from_dict(WALK)
    during = {round(hip(pose_during(figure, "hold", t, 300)), 3) for t in (5.0, 5.3, 5.6, 5.9)}
    assert len(during) > 2
    reps = Figure.from_dict(BRIDGE)
    assert pose_during(reps, "reps", 0, 0).angles == pose_during(reps, "reps", 4.0, 0).angles
    assert hip(pose_during(reps, "reps", 2.0, 0)) == 0  # the top of the rep


def test_forward_kinematics_of_standing_and_a_bent_knee():
    stand = Pose.from_dict(pose("stand"))
    pts = placed_points("side", stand)
    assert pts["head"][1] > pts["neck"][1] > pts["pelvis"][1] > pts["knee_right"][1]
    assert pts["knee_right"][1] > pts["ankle_right"][1]
    assert math.isclose(
        pts["pelvis"][1] - pts["ankle_right"][1], LENGTHS["thigh"] + LENGTHS["shank"]
    )
    assert pts["toe_right"][0] > pts["ankle_right"][0]  # facing right
    bent = placed_points("side", Pose.from_dict(pose("bent", knee_right=90)))
    # A knee bends backwards only as a knee does: the shank goes behind the thigh.
    assert bent["ankle_right"][0] < bent["knee_right"][0] - 0.2


def test_a_figure_lying_down_rests_on_the_floor_and_never_below_it():
    figure = Figure.from_dict(BRIDGE)
    for p in figure.poses:
        pts = figure_points(figure, p)
        lowest = min(
            min(y for _, y in pts.values()) - LIMB_WIDTH / 2, pts["head"][1] - LENGTHS["head"]
        )
        assert lowest == pytest.approx(0)
    assert {s.part for s in segments(figure, figure.start)} >= {
        "trunk",
        "thigh_left",
        "shank_right",
    }


def problems(figure: dict, dose: dict = DOSE) -> list[tuple[tuple, str]]:
    return figure_problems(figure, dose)


def with_pose(index: int, **angles) -> dict:
    figure = {**BRIDGE, "poses": [dict(p) for p in BRIDGE["poses"]]}
    figure["poses"][index].update(angles)
    return figure


def test_a_well_formed_figure_has_no_problems():
    assert problems(BRIDGE) == [] and problems(WALK, {"hold_s": 300}) == []


@pytest.mark.parametrize(
    "figure, path, words",
    [
        (with_pose(1, knee_left=-10), ("poses", 1, "knee_left"), "outside the human range 0..135"),
        (
            with_pose(1, hip_right=130),
            ("poses", 1, "hip_right"),
            "outside the human range -30..120",
        ),
        (with_pose(0, elbow_left="bent"), ("poses", 0, "elbow_left"), "number of degrees"),
        (with_pose(0, wrist_left=3), ("poses", 0, "wrist_left"), "unknown joint"),
        ({**BRIDGE, "view": "top"}, ("view",), "must be one of: side, front"),
        ({**BRIDGE, "props": [{"name": "sofa"}]}, ("props", 0, "name"), "unknown prop"),
        (
            {**BRIDGE, "props": [{"name": "chair", "at": "tail"}]},
            ("props", 0, "at"),
            "unknown point",
        ),
        (
            {**BRIDGE, "phases": {**BRIDGE["phases"], "move_in": ["top"]}},
            ("phases", "move_in", 0),
            "no pose is named 'top'",
        ),
        (
            {**BRIDGE, "phases": {**BRIDGE["phases"], "move_back": ["up"]}},
            ("phases", "move_back"),
            "must end at the start pose 'start'",
        ),
        (
            {**BRIDGE, "phases": {"move_in": ["up"], "move_back": ["start"]}},
            ("phases", "hold"),
            "the dose holds for 30 s",
        ),
    ],
)
def test_a_broken_figure_is_refused_at_the_path_with_the_reason(figure, path, words):
    found = problems(figure)
    assert any(p == path and words in reason for p, reason in found), found


def test_a_pose_missing_a_joint_is_incomplete():
    figure = with_pose(1)
    del figure["poses"][1]["ankle_right"]
    assert (("poses", 1, "ankle_right"), "missing: every pose gives every joint") in problems(
        figure
    )


def test_the_phases_follow_the_dose_not_the_other_way_round():
    no_hold = {"hold_s": 0, "rest_s": 0}
    reasons = dict(problems(BRIDGE, no_hold))
    assert reasons[("phases", "hold")] == "the dose has no hold (hold_s is 0)"
    resting = {**BRIDGE, "phases": {**BRIDGE["phases"], "rest": ["start"]}}
    assert dict(problems(resting, {"hold_s": 30}))[("phases", "rest")] == (
        "the dose has no rest (rest_s is 0)"
    )


def test_a_figure_survives_its_document_form():
    figure = Figure.from_dict({**BRIDGE, "anchor": "toe_right"})
    assert Figure.from_dict(figure.to_dict()) == figure


def test_a_dose_adjusted_to_hold_holds_where_the_movement_ended():
    # A physio may give a hold to an exercise whose figure has none: it stays at the top.
    figure = Figure.from_dict({**BRIDGE, "phases": {"move_in": ["up"], "move_back": ["start"]}})
    assert pose_during(figure, "hold", 10, 20).angles == figure.pose("up").angles
    assert pose_during(figure, "rest", 10, 20).angles == figure.start.angles


# A clamshell, lying on the left side seen from in front and a little from above: hips and
# knees bent towards the viewer, the top (right) knee opens.
CLAM_START = pose(
    "start",
    lean=90,
    hip_right=-25,
    hip_flexion_left=45,
    hip_flexion_right=45,
    knee_flexion_left=90,
    knee_flexion_right=90,
)
CLAM_OPEN = {**CLAM_START, "name": "open", "hip_right": 10, "hip_rotation_right": 40}
CLAMSHELL = {
    "view": "front",
    "elevation": 35,
    "poses": [CLAM_START, CLAM_OPEN],
    "phases": {"move_in": ["open"], "hold": ["open"], "move_back": ["start"]},
}


def front(**angles) -> Pose:
    return Pose.from_dict(pose("p", **angles))


def length(pts, a: str, b: str) -> float:
    return math.dist(pts[a], pts[b])


def test_the_front_view_draws_a_flexed_hip_and_a_bent_knee_foreshortened():
    standing = placed_points("front", front())
    # Sitting seen from in front: the thigh points at the viewer, the shank hangs straight down.
    sitting = placed_points("front", front(hip_flexion_right=90, knee_flexion_right=90))
    assert length(sitting, "hip_right", "knee_right") == pytest.approx(0, abs=1e-9)
    assert length(sitting, "knee_right", "ankle_right") == pytest.approx(LENGTHS["shank"])
    assert length(standing, "hip_right", "knee_right") == pytest.approx(LENGTHS["thigh"])
    # Seen from above, a knee in front of the body is drawn lower than the hip, by its depth.
    above = points("front", front(hip_flexion_right=90), elevation=30)
    assert above["knee_right"][1] == pytest.approx(above["hip_right"][1] - LENGTHS["thigh"] / 2)
    assert points("front", front(hip_flexion_right=90))["knee_right"][1] == pytest.approx(0)


def test_with_the_depth_joints_at_zero_the_front_view_stays_planar():
    # A figure written before the depth joints draws as it did: a bent knee is the bend seen.
    pts = points("front", front(hip_left=20, knee_left=40, ankle_left=10))
    thigh = 180 - 20
    knee = (
        pts["hip_left"][0] + LENGTHS["thigh"] * math.sin(math.radians(thigh)),
        pts["hip_left"][1] + LENGTHS["thigh"] * math.cos(math.radians(thigh)),
    )
    shank = thigh + 40
    ankle = (
        knee[0] + LENGTHS["shank"] * math.sin(math.radians(shank)),
        knee[1] + LENGTHS["shank"] * math.cos(math.radians(shank)),
    )
    assert pts["knee_left"] == pytest.approx(knee) and pts["ankle_left"] == pytest.approx(ankle)


def test_a_clamshell_opens_the_top_knee_while_the_feet_stay_together():
    figure = Figure.from_dict(CLAMSHELL)
    start, opened = (figure_points(figure, p) for p in figure.poses)
    knees = length(start, "knee_left", "knee_right")
    assert length(opened, "knee_left", "knee_right") > knees + 0.1  # the shell opens
    assert length(opened, "ankle_left", "ankle_right") < knees  # the feet stay together
    # External rotation with the knee bent swings the foot in: without it the feet part.
    unrotated = figure_points(figure, Pose.from_dict({**CLAM_OPEN, "hip_rotation_right": 0}))
    assert (
        length(unrotated, "ankle_left", "ankle_right")
        > length(opened, "ankle_left", "ankle_right") + 0.1
    )


def test_a_front_view_pose_with_depth_joints_is_well_formed():
    assert problems(CLAMSHELL) == []


@pytest.mark.parametrize(
    "joint, value, words",
    [
        ("hip_flexion_right", 125, "outside the human range -30..120"),
        ("hip_flexion_left", -35, "outside the human range -30..120"),
        ("hip_rotation_right", 50, "outside the human range -45..45"),
        ("hip_rotation_left", -50, "outside the human range -45..45"),
        ("knee_flexion_left", -5, "outside the human range 0..135"),
        ("knee_flexion_right", 140, "outside the human range 0..135"),
        ("knee_flexion_right", "bent", "must be a number of degrees"),
    ],
)
def test_a_depth_joint_outside_its_range_is_refused(joint, value, words):
    figure = {**CLAMSHELL, "poses": [CLAM_START, {**CLAM_OPEN, joint: value}]}
    assert [(p, r) for p, r in problems(figure) if words in r] == [
        (("poses", 1, joint), next(r for _, r in problems(figure) if words in r))
    ]


def test_depth_joints_belong_to_the_front_view_only():
    side = with_pose(1, hip_flexion_right=30)
    assert any(
        p == ("poses", 1, "hip_flexion_right") and "unknown joint (the side view's joints" in r
        for p, r in problems(side)
    )
    twisted = {**CLAMSHELL, "poses": [CLAM_START, {**CLAM_OPEN, "hip_twist_right": 5}]}
    assert any(p == ("poses", 1, "hip_twist_right") for p, _ in problems(twisted))
    assert (("elevation",), "only a front view is seen from above") in problems(
        {**BRIDGE, "elevation": 20}
    )


def test_a_front_figure_with_depth_joints_survives_its_document_form():
    figure = Figure.from_dict(CLAMSHELL)
    again = Figure.from_dict(figure.to_dict())
    assert again == figure and again.elevation == 35
    assert figure.to_dict()["poses"][1]["hip_rotation_right"] == 40
    assert "hip_rotation_left" not in figure.to_dict()["poses"][1]  # 0 is left out
