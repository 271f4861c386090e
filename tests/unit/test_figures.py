"""The figure model: poses in step with the hold timer, drawn where a body can be."""

import math

import pytest

from domain.figure_checks import figure_problems
from domain.figures import (
    CUE_COLORS,
    JOINTS,
    LENGTHS,
    LIMB_WIDTH,
    PELVIC_ZONE,
    Figure,
    Pose,
    ankle_weight_shape,
    cue_color,
    cue_shapes,
    figure_points,
    mat_box,
    placed_points,
    points,
    points3d,
    pose_during,
    segments,
    worktop_box,
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


# -- the cues, the turned and tipped front view, anchor_in, the worktop and the mat -----------

# Lying on the back with knees bent: the pelvic floor let go, then lifted; breathing out, in.
PF_START = {**START, "pelvic_floor": 0, "breath": 0}
PF_LIFT = {**START, "name": "lift", "pelvic_floor": 1, "breath": 1}
LIFT = {
    "view": "side",
    "props": [{"name": "floor"}],
    "poses": [PF_START, PF_LIFT],
    "phases": {"move_in": ["lift"], "hold": ["lift"], "move_back": ["start"]},
}


def sling_middle(figure: Figure, p: Pose) -> tuple[float, float]:
    cue = next(c for c in cue_shapes(figure, p) if c.part == "pelvic_floor")
    return cue.points[len(cue.points) // 2]


def test_the_pelvic_floor_is_drawn_lifted_or_let_go_as_plainly_either_way():
    figure = Figure.from_dict(LIFT)
    start, lift = figure.poses
    pts = figure_points(figure, start)
    up = (pts["waist"][0] - pts["pelvis"][0], pts["waist"][1] - pts["pelvis"][1])
    rise = sum(
        (b - a) * u / math.hypot(*up)
        for a, b, u in zip(sling_middle(figure, start), sling_middle(figure, lift), up, strict=True)
    )
    assert rise > 0.9 * PELVIC_ZONE  # lifted towards the head, let go back to the ring's floor
    colors = [
        cue_color(c)
        for p in figure.poses
        for c in cue_shapes(figure, p)
        if c.part == "pelvic_floor"
    ]
    assert colors[0] == pytest.approx(CUE_COLORS["let_go"])
    assert colors[1] == pytest.approx(CUE_COLORS["lifted"])
    # Half way through the release the sling is half way down: blended like a joint.
    half = pose_during(figure, "rest", figure.move_s / 2, 60)
    assert 0.3 < half.cue("pelvic_floor") < 0.7


def test_the_belly_rises_on_the_in_breath_and_a_figure_without_cues_draws_none():
    figure = Figure.from_dict(LIFT)
    out, breathed_in = (
        next(c for c in cue_shapes(figure, p) if c.part == "belly").points for p in figure.poses
    )
    front = lambda pts: max(y for _, y in pts)  # noqa: E731 (lying on the back: the belly is up)
    assert front(breathed_in) - front(out) > 0.03
    assert cue_shapes(Figure.from_dict(BRIDGE), Figure.from_dict(BRIDGE).start) == []
    assert Figure.from_dict(LIFT).cues == ("pelvic_floor", "breath")


def test_cues_survive_the_document_form_even_at_zero():
    figure = Figure.from_dict({**LIFT, "anchor": "toe_right", "anchor_in": "lift"})
    again = Figure.from_dict(figure.to_dict())
    assert again == figure and figure.to_dict()["poses"][0]["pelvic_floor"] == 0
    turned = Figure.from_dict({**CLAMSHELL, "turn": 30})
    assert Figure.from_dict(turned.to_dict()).turn == 30


def test_a_front_view_turned_shows_a_soft_knee_and_draws_the_far_side_light():
    soft = front(hip_flexion_right=10, knee_flexion_right=20)
    straight = points("front", soft)
    turned = points("front", soft, turn=40)
    # From in front a knee bent forwards is in line with hip and ankle; turned, it shows.
    assert straight["knee_right"][0] == pytest.approx(straight["ankle_right"][0], abs=1e-3)
    assert abs(turned["knee_right"][0] - turned["ankle_right"][0]) > 0.02
    figure = Figure.from_dict({**CLAMSHELL, "turn": 40})
    near = {s.part: s.near for s in segments(figure, figure.start)}
    assert near["thigh_right"] and not near["thigh_left"] and near["trunk"]
    assert all(s.near for s in segments(Figure.from_dict(CLAMSHELL), figure.start))


def test_pitch_tips_the_whole_figure_and_an_arm_flexes_towards_the_viewer():
    lying = points3d("front", front(pitch=-90))
    assert lying["head"][2] < -0.3 and lying["head"][1] == pytest.approx(0, abs=1e-9)
    forward = points3d("front", front(pitch=30))
    assert forward["head"][2] == pytest.approx(0.4 * 0.5)  # pelvis to the head centre: 0.4
    reach = points3d("front", front(shoulder_flexion_right=90))
    assert reach["hand_right"][2] == pytest.approx(
        LENGTHS["arm"] + LENGTHS["forearm"] + LENGTHS["hand"]
    )
    # A flexion too small to see draws the planar arm of a figure written before it existed.
    planar, flexed = (
        points("front", front(shoulder_left=30, elbow_left=40, **extra))
        for extra in ({}, {"shoulder_flexion_left": 1e-9})
    )
    assert flexed["hand_left"] == pytest.approx(planar["hand_left"])


# A step-down: it starts standing tall on the stair, the other foot held in front of it; the
# stair's height is where the lowered pose's heel reaches the floor.
STEP_DOWN = {
    "view": "side",
    "anchor": "ankle_right",
    "anchor_in": "lowered",
    "props": [{"name": "floor"}, {"name": "step", "at": "ankle_right"}],
    "poses": [
        pose("start", hip_left=30, knee_left=10, knee_right=5, ankle_right=5),
        pose("lowered", lean=10, hip_left=45, hip_right=80, knee_right=90, ankle_right=20),
    ],
    "phases": {"move_in": ["lowered"], "move_back": ["start"]},
}


def test_anchor_in_places_a_figure_standing_on_a_stair_by_the_pose_that_reaches_the_floor():
    figure = Figure.from_dict(STEP_DOWN)
    start, lowered = (figure_points(figure, p) for p in figure.poses)
    assert start["ankle_right"] == pytest.approx(lowered["ankle_right"])
    assert lowered["ankle_left"][1] - LIMB_WIDTH / 2 == pytest.approx(0, abs=0.01)  # heel down
    assert start["ankle_right"][1] > 0.08  # on the stair, not on the floor
    without = Figure.from_dict({k: v for k, v in STEP_DOWN.items() if k != "anchor_in"})
    assert figure_points(without, without.start)["ankle_right"][1] < 0.05


def test_a_worktop_stands_under_the_resting_hand_and_a_mat_under_a_figure_lying_on_it():
    stand = pose("start", shoulder_left=15, elbow_left=45)
    figure = Figure.from_dict(
        {
            "view": "front",
            "props": [{"name": "worktop", "at": "hand_left"}],
            "poses": [stand, stand],
            "phases": {"move_in": ["start"], "move_back": ["start"]},
        }
    )
    fixed = figure_points(figure, figure.start)
    left, right, top = worktop_box(figure, fixed, "hand_left")
    assert left < fixed["hand_left"][0] < right - 0.2  # from the hand outwards, at its side
    assert 0.45 < top < 0.58  # a kitchen worktop: about 90 cm of a 170 cm person
    lying = Figure.from_dict({**CLAMSHELL, "props": [{"name": "mat"}]})
    x0, y0, x1, y1 = mat_box(lying)
    pts = figure_points(lying, lying.start)
    assert y0 >= 0 and all(x0 < x < x1 and y0 - 0.01 < y for x, y in pts.values())


def with_cue(figure: dict, index: int, **cues) -> dict:
    poses = [dict(p) for p in figure["poses"]]
    poses[index].update(cues)
    return {**figure, "poses": poses}


@pytest.mark.parametrize(
    "figure, path, words",
    [
        (with_cue(LIFT, 1, pelvic_floor=1.5), ("poses", 1, "pelvic_floor"), "1.5 is outside 0..1"),
        (with_cue(LIFT, 0, breath=-0.2), ("poses", 0, "breath"), "-0.2 is outside 0..1 (0 out"),
        (with_cue(LIFT, 1, pelvic_floor="up"), ("poses", 1, "pelvic_floor"), "number from 0 to 1"),
        (with_cue(LIFT, 1, pelvic_floor=True), ("poses", 1, "pelvic_floor"), "number from 0 to 1"),
        (
            {**LIFT, "poses": [START, PF_LIFT]},
            ("poses", 0, "pelvic_floor"),
            "missing: a figure that shows pelvic_floor gives it in every pose",
        ),
        ({**BRIDGE, "turn": 30}, ("turn",), "only a front view is turned"),
        ({**BRIDGE, "anchor_in": "up"}, ("anchor_in",), "give an anchor too"),
        (
            {**BRIDGE, "anchor": "toe_right", "anchor_in": "top"},
            ("anchor_in",),
            "no pose is named 'top'",
        ),
        (
            {**BRIDGE, "props": [{"name": "worktop", "at": "knee_left"}]},
            ("props", 0, "at"),
            "a worktop stands under the hand that rests on it",
        ),
        (
            {**BRIDGE, "props": [{"name": "worktop"}]},
            ("props", 0, "at"),
            "a worktop stands under the hand that rests on it",
        ),
        ({**BRIDGE, "props": [{"name": "mat"}]}, ("props", 0, "name"), "the floor seen from above"),
        (with_pose(1, pitch=20), ("poses", 1, "pitch"), "unknown joint (the side view's joints"),
        (
            with_cue(CLAMSHELL, 1, pitch=-100),
            ("poses", 1, "pitch"),
            "-100 degrees is outside the human range -90..90",
        ),
        (
            with_cue(CLAMSHELL, 1, shoulder_flexion_left=190),
            ("poses", 1, "shoulder_flexion_left"),
            "190 degrees is outside the human range -60..180",
        ),
    ],
)
def test_a_broken_cue_view_or_prop_is_refused_at_the_path_with_the_reason(figure, path, words):
    found = problems(figure)
    assert any(p == path and words in reason for p, reason in found), found


def test_well_formed_cues_turns_worktops_and_mats_have_no_problems():
    assert problems(LIFT) == [] and problems(STEP_DOWN, {"hold_s": 0, "rest_s": 60}) == []
    lying = {
        **CLAMSHELL,
        "turn": -90,
        "props": [{"name": "mat"}],
        "poses": [{**p, "pitch": -90} for p in CLAMSHELL["poses"]],
    }
    assert problems(lying) == []
    assert problems({**LIFT, "props": [{"name": "worktop", "at": "hand_left"}]}) == []


# A figure-4: the sore hip flexed, turned out, its ankle on the other knee.
FIG4 = pose(
    "start",
    hip_flexion_left=85,
    knee_flexion_left=90,
    hip_flexion_right=105,
    hip_rotation_right=70,
    knee_flexion_right=85,
)


@pytest.mark.parametrize(
    "figure, path, words",
    [
        (
            {**CLAMSHELL, "poses": [CLAM_START, {**CLAM_OPEN, "hip_rotation_right": 70}]},
            ("poses", 1, "hip_rotation_right"),
            "70 degrees is outside the human range -45..45",  # the hip is not flexed
        ),
        (
            {
                **CLAMSHELL,
                "poses": [CLAM_START, {**FIG4, "name": "open", "hip_rotation_right": 75}],
            },
            ("poses", 1, "hip_rotation_right"),
            "75 degrees is outside the human range -45..70",  # flexed: 70 at most
        ),
        (
            {
                **CLAMSHELL,
                "poses": [
                    CLAM_START,
                    {**FIG4, "name": "open", "hip_flexion_left": 0, "hip_rotation_left": 60},
                ],
            },
            ("poses", 1, "hip_rotation_left"),
            "60 degrees is outside the human range -45..45",  # that hip is not flexed
        ),
        (with_pose(1, ankle_right=30), ("poses", 1, "ankle_right"), "human range -50..20"),
        (
            {
                **STEP_DOWN,
                "poses": [STEP_DOWN["poses"][0], {**STEP_DOWN["poses"][1], "ankle_left": 30}],
            },
            ("poses", 1, "ankle_left"),
            "30 degrees is outside the human range -50..20",  # not the foot it stands on
        ),
        (
            {
                **STEP_DOWN,
                "poses": [STEP_DOWN["poses"][0], {**STEP_DOWN["poses"][1], "ankle_right": 45}],
            },
            ("poses", 1, "ankle_right"),
            "45 degrees is outside the human range -50..40",
        ),
        (
            with_pose(1, shoulder_rotation_right=-80),
            ("poses", 1, "shoulder_rotation_right"),
            "-80 degrees is outside the human range -70..90",
        ),
        (
            {**CLAMSHELL, "poses": [CLAM_START, {**CLAM_OPEN, "shoulder_rotation_left": -30}]},
            ("poses", 1, "shoulder_rotation_left"),
            "unknown joint (the front view's joints",
        ),
        (
            {**BRIDGE, "props": [{"name": "ankle_weight", "at": "knee_right"}]},
            ("props", 0, "at"),
            "an ankle weight is strapped round an ankle: one of ankle_left, ankle_right",
        ),
        (
            {**BRIDGE, "props": [{"name": "ankle_weight"}]},
            ("props", 0, "at"),
            "an ankle weight is strapped round an ankle",
        ),
    ],
)
def test_a_joint_past_its_posture_or_a_misplaced_ankle_weight_is_refused(figure, path, words):
    found = problems(figure, {"hold_s": 30, "rest_s": 60})
    assert any(p == path and words in reason for p, reason in found), found


def test_combined_postures_standing_ankles_turned_forearms_and_ankle_weights_are_well_formed():
    fig4 = {**CLAMSHELL, "poses": [FIG4, {**FIG4, "name": "open", "pitch": 15}]}
    assert problems(fig4) == []
    deep = {**STEP_DOWN["poses"][1], "ankle_right": 40}
    assert problems({**STEP_DOWN, "poses": [STEP_DOWN["poses"][0], deep]}, {"hold_s": 0}) == []
    assert problems(with_pose(1, shoulder_rotation_right=-70, elbow_right=100)) == []
    weighted = {**CLAMSHELL, "props": [{"name": "ankle_weight", "at": "ankle_right"}]}
    assert problems(weighted) == []


def test_a_shoulder_turned_in_lays_the_forearm_across_the_body_foreshortened():
    bent = dict(lean=-90, shoulder_right=0, elbow_right=100)
    flat, turned = (
        points3d("side", Pose.from_dict(pose("p", **bent, **extra)))
        for extra in ({}, {"shoulder_rotation_right": -70})
    )
    assert turned["elbow_right"] == pytest.approx(flat["elbow_right"])  # the upper arm stays
    assert flat["hand_right"][2] == 0 and turned["hand_right"][2] < -0.15  # away, across
    seen = math.dist(turned["elbow_right"][:2], turned["hand_right"][:2])
    bend = math.radians(100)
    shorten = math.hypot(math.cos(bend), math.sin(bend) * math.cos(math.radians(70)))
    assert seen == pytest.approx(shorten * (LENGTHS["forearm"] + LENGTHS["hand"]))
    assert seen < 0.5 * math.dist(flat["elbow_right"][:2], flat["hand_right"][:2])


def test_an_ankle_weight_is_a_cuff_round_the_shin_that_moves_with_the_leg():
    figure = Figure.from_dict(
        {**CLAMSHELL, "props": [{"name": "ankle_weight", "at": "ankle_right"}]}
    )
    for p in figure.poses:
        pts = figure_points(figure, p)
        cuff = ankle_weight_shape(pts, "ankle_right")
        middle = (sum(x for x, _ in cuff) / 4, sum(y for _, y in cuff) / 4)
        # Just above the ankle, on the shin towards the knee.
        assert math.dist(middle, pts["ankle_right"]) == pytest.approx(0.04, abs=1e-9)
        assert math.dist(middle, pts["knee_right"]) < math.dist(
            pts["ankle_right"], pts["knee_right"]
        )
    a, b = (ankle_weight_shape(figure_points(figure, p), "ankle_right") for p in figure.poses)
    assert a != b
