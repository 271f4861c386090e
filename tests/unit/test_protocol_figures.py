"""Every shipped exercise has a figure that follows its dose and shows its restriction."""

import copy
import math

import pytest
import yaml

from domain.figure_checks import figure_problems
from domain.figures import (
    LENGTHS,
    LIMB_WIDTH,
    PELVIC_ZONE,
    STEP_TREAD,
    Figure,
    cue_shapes,
    figure_points,
    points3d,
    worktop_box,
)
from server.protocols.loader import parse_protocol_text
from tests.unit.shipped_protocols import PROTOCOLS_DIR, exercises, protocols  # noqa: F401
from tests.unit.test_figures import BRIDGE, CLAMSHELL, LIFT
from tests.unit.test_protocol_schema import BASE, base_text


def all_exercises(protocols):  # noqa: F811
    return [(doc["id"], e) for doc in protocols.values() for e in exercises(doc)]


def test_every_exercise_has_a_figure_whose_phases_follow_its_dose(protocols):  # noqa: F811
    for protocol_id, exercise in all_exercises(protocols):
        where = f"{protocol_id}: {exercise['id']}"
        assert "figure" in exercise, f"{where} has no figure"
        figure = exercise["figure"]
        assert figure_problems(figure, exercise["dose"]) == [], where
        phases = set(figure["phases"])
        assert ("hold" in phases) == (exercise["dose"]["hold_s"] > 0), where
        assert {"move_in", "move_back"} <= phases, where


def test_no_figure_goes_through_the_floor(protocols):  # noqa: F811
    for protocol_id, exercise in all_exercises(protocols):
        figure = Figure.from_dict(exercise["figure"])
        for pose in figure.poses:
            pts = figure_points(figure, pose)
            lowest = min(
                min(y for _, y in pts.values()) - LIMB_WIDTH / 2, pts["head"][1] - LENGTHS["head"]
            )
            assert lowest > -0.02, f"{protocol_id}: {exercise['id']} {pose.name} is below the floor"


def poses_of(doc: dict, phase_id: str):
    phase = next(p for p in doc["phases"] if p["id"] == phase_id)
    for exercise in phase["exercises"]:
        for pose in exercise["figure"]["poses"]:
            yield exercise, pose


def test_after_a_hamstring_repair_the_operated_knee_is_never_drawn_straight(protocols):  # noqa: F811
    # The brace holds the knee bent in the first weeks (the protocol defers the angle to it).
    doc = protocols["hamstring-repair"]
    for phase_id in ("protect-repair", "partial-weight-bearing"):
        for exercise, pose in poses_of(doc, phase_id):
            if exercise["figure"]["view"] == "side":
                assert pose["knee_right"] >= 15, (exercise["id"], pose["name"])


def test_ischiofemoral_walking_keeps_the_back_leg_from_swinging_far_behind(protocols):  # noqa: F811
    doc = protocols["ischiofemoral-impingement"]
    for exercise in exercises(doc):
        if "short-stride" in exercise["id"]:
            for pose in exercise["figure"]["poses"]:
                assert min(pose["hip_left"], pose["hip_right"]) >= -5, exercise["id"]


def test_stage_one_hamstring_holds_keep_the_hip_near_straight_and_nobody_sits(protocols):  # noqa: F811
    doc = protocols["hamstring-nonoperative"]
    for exercise, pose in poses_of(doc, "isometric-settle"):
        assert "chair" not in {p["name"] for p in exercise["figure"].get("props", ())}
        if exercise["figure"]["view"] == "side" and pose["lean"] < -95:  # a bridge at its top
            # not past neutral: the hip is straight, never extended beyond the line
            assert pose["hip_left"] >= 0 and pose["hip_right"] >= 0, exercise["id"]


def test_a_broken_figure_in_a_file_is_refused_with_the_file_path_and_reason():
    doc = copy.deepcopy(BASE)
    figure = copy.deepcopy(BRIDGE)
    figure["poses"][1]["knee_left"] = -20
    figure["props"].append({"name": "trampoline"})
    doc["phases"][0]["exercises"][0]["figure"] = figure
    loaded, problems = parse_protocol_text(base_text(doc), "broken.yaml")
    assert loaded is None
    shown = {str(p) for p in problems}
    assert (
        "broken.yaml: phases[0].exercises[0].figure.poses[1].knee_left: "
        "-20 degrees is outside the human range 0..135"
    ) in shown
    assert any(
        s.startswith("broken.yaml: phases[0].exercises[0].figure.props[1].name") for s in shown
    )


def test_a_figure_that_does_not_follow_the_dose_is_refused():
    doc = copy.deepcopy(BASE)
    figure = copy.deepcopy(BRIDGE)
    del figure["phases"]["hold"]
    doc["phases"][0]["exercises"][0]["figure"] = figure  # the dose holds for 30 s
    _, problems = parse_protocol_text(base_text(doc), "nohold.yaml")
    assert [str(p) for p in problems] == [
        "nohold.yaml: phases[0].exercises[0].figure.phases.hold: missing: the dose holds for 30 s"
    ]


def test_the_figure_is_part_of_the_stored_version():
    # The figure is inside the document, so a changed figure changes content_hash: loading it
    # under the same version is refused (tests/integration/test_protocol_load.py).
    from server.protocols.loader import content_hash

    doc = copy.deepcopy(BASE)
    doc["phases"][0]["exercises"][0]["figure"] = copy.deepcopy(BRIDGE)
    first, _ = parse_protocol_text(base_text(doc), "a.yaml")
    doc["phases"][0]["exercises"][0]["figure"]["poses"][1]["lean"] = -100
    second, _ = parse_protocol_text(yaml.safe_dump(doc), "a.yaml")
    assert content_hash(first) != content_hash(second)


@pytest.mark.parametrize("path", sorted(PROTOCOLS_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_each_shipped_file_stays_well_under_the_size_limit(path):
    assert path.stat().st_size < 128 * 1024


def test_ischiofemoral_bridges_stop_at_a_straight_line_never_beyond(protocols):  # noqa: F811
    # Hip extension narrows the ischiofemoral space: the bridge rises to neutral, not past it.
    doc = protocols["ischiofemoral-impingement"]
    bridges = [e for e in exercises(doc) if "bridge" in e["id"]]
    assert len(bridges) == 2
    for exercise in bridges:
        for pose in exercise["figure"]["poses"]:
            assert pose["hip_left"] >= 0 and pose["hip_right"] >= 0, exercise["id"]


def test_an_elevation_beyond_the_design_limit_is_refused_with_the_file_path():
    doc = copy.deepcopy(BASE)
    doc["phases"][0]["exercises"][0]["figure"] = {**copy.deepcopy(CLAMSHELL), "elevation": 60}
    loaded, problems = parse_protocol_text(base_text(doc), "high.yaml")
    assert loaded is None
    assert [str(p) for p in problems] == [
        "high.yaml: phases[0].exercises[0].figure.elevation: must be <= 40.0"
    ]


def named(protocols, words: str):  # noqa: F811
    found = [(d, e) for d, e in all_exercises(protocols) if words in e["name"].lower()]
    assert found, words
    return found


def test_every_clamshell_bends_hips_and_knees_and_opens_with_the_feet_together(protocols):  # noqa: F811
    # "Lie on your good side with hips and knees bent and feet together ... lift the top knee."
    for protocol_id, exercise in named(protocols, "clamshell"):
        figure = Figure.from_dict(exercise["figure"])
        start, top = figure.start, figure.pose(exercise["figure"]["phases"]["move_in"][-1])
        for side in ("left", "right"):
            assert start.angle(f"hip_flexion_{side}") >= 30, (protocol_id, exercise["id"])
            assert start.angle(f"knee_flexion_{side}") >= 60, (protocol_id, exercise["id"])
        a, b = figure_points(figure, start), figure_points(figure, top)
        knees = math.dist(a["knee_left"], a["knee_right"])
        assert math.dist(b["knee_left"], b["knee_right"]) > knees + 0.05, exercise["id"]
        assert math.dist(b["ankle_left"], b["ankle_right"]) <= knees, exercise["id"]


def test_every_butterfly_sits_with_the_knees_out_and_the_soles_together(protocols):  # noqa: F811
    # "Sit ... with the soles of your feet together. Let your knees fall out to the sides."
    for _, exercise in named(protocols, "butterfly"):
        figure = Figure.from_dict(exercise["figure"])
        assert figure.view == "front", exercise["id"]
        held = figure_points(figure, figure.pose(exercise["figure"]["phases"]["hold"][0]))
        hips = math.dist(held["hip_left"], held["hip_right"])
        assert math.dist(held["knee_left"], held["knee_right"]) > 2.5 * hips, exercise["id"]
        assert math.dist(held["ankle_left"], held["ankle_right"]) < hips, exercise["id"]
        assert "chair" not in {p["name"] for p in exercise["figure"]["props"]}, exercise["id"]


def test_a_foot_on_the_floor_is_never_drawn_inside_a_step(protocols):  # noqa: F811
    # A step-up starts with the other foot on the floor behind the step, a step-down ends with
    # its heel on the floor in front of it: neither foot may stand inside the step's block.
    checked = 0
    for protocol_id, exercise in all_exercises(protocols):
        figure = Figure.from_dict(exercise["figure"])
        for prop in figure.props:
            if prop.name != "step" or not prop.at.startswith("ankle_"):
                continue
            at = figure_points(figure, figure.start)[prop.at]
            back, front = STEP_TREAD[figure.view]
            for pose in figure.poses:
                pts = figure_points(figure, pose)
                for point in ("ankle_left", "ankle_right", "toe_left", "toe_right"):
                    x, y = pts[point]
                    if y < at[1] - LIMB_WIDTH:  # below the top of the step
                        inside = at[0] + back < x < at[0] + front
                        assert not inside, (protocol_id, exercise["id"], pose.name, point)
                        checked += 1
    assert checked >= 3, checked  # the step-up and the step-down


def test_a_side_lying_lift_with_the_bottom_knee_bent_is_drawn_so(protocols):  # noqa: F811
    # "Lie on your good side with the bottom knee bent and the top leg straight."
    found = [
        (d, e)
        for d, e in all_exercises(protocols)
        if any("bottom knee bent" in line for line in e["instructions"])
    ]
    assert len(found) >= 3
    for protocol_id, exercise in found:
        for pose in Figure.from_dict(exercise["figure"]).poses:
            where = (protocol_id, exercise["id"], pose.name)
            assert pose.angle("knee_flexion_left") >= 45, where  # lying on the left side
            assert pose.angle("knee_flexion_right") == pose.angle("knee_right") == 0, where


def test_a_broken_cue_worktop_or_turn_in_a_file_is_refused_with_the_file_path_and_reason():
    doc = copy.deepcopy(BASE)
    figure = copy.deepcopy(LIFT)
    figure["poses"][1]["pelvic_floor"] = 2
    del figure["poses"][0]["breath"]
    figure["props"].append({"name": "worktop", "at": "knee_left"})
    figure["turn"] = 20
    doc["phases"][0]["exercises"][0]["figure"] = figure
    loaded, problems = parse_protocol_text(base_text(doc), "cues.yaml")
    assert loaded is None
    where = "cues.yaml: phases[0].exercises[0].figure"
    assert {str(p) for p in problems} == {
        f"{where}.poses[1].pelvic_floor: 2 is outside 0..1 (0 let go, 1 lifted)",
        f"{where}.poses[0].breath: missing: a figure that shows breath gives it in every pose",
        f"{where}.props[1].at: a worktop stands under the hand that rests on it: one of "
        "hand_left, hand_right, wrist_left, wrist_right",
        f"{where}.turn: only a front view is turned (a side view is seen side-on)",
    }


def test_a_turn_beyond_the_design_limit_is_refused_with_the_file_path():
    doc = copy.deepcopy(BASE)
    doc["phases"][0]["exercises"][0]["figure"] = {**copy.deepcopy(CLAMSHELL), "turn": 120}
    _, problems = parse_protocol_text(base_text(doc), "turned.yaml")
    assert [str(p) for p in problems] == [
        "turned.yaml: phases[0].exercises[0].figure.turn: must be <= 90.0"
    ]


def lowest(figure: Figure, pose) -> float:
    pts = figure_points(figure, pose)
    return min(min(y for _, y in pts.values()) - LIMB_WIDTH / 2, pts["head"][1] - LENGTHS["head"])


def test_every_pelvic_floor_exercise_marks_the_pelvic_floor_and_lifts_it_only_to_a_lift(protocols):  # noqa: F811
    # Down-training is about the release: the floor is drawn let go in every breathing,
    # relaxation, sit-to-stand and walking pose and in each rest; it lifts only where the
    # text asks for a gentle lift, and the release is drawn as plainly as the lift.
    lifts = 0
    for exercise in exercises(protocols["pelvic-floor-downtraining"]):
        figure = Figure.from_dict(exercise["figure"])
        assert "pelvic_floor" in figure.cues, exercise["id"]
        levels = {p.name: p.cue("pelvic_floor") for p in figure.poses}
        assert levels[figure.start.name] == 0, exercise["id"]  # where every rest is held
        asks = any("lift the pelvic floor" in line for line in exercise["instructions"])
        if not asks:
            assert set(levels.values()) == {0}, exercise["id"]
            continue
        lifts += 1
        held = figure.sequence("hold")
        assert all(p.cue("pelvic_floor") == 1 for p in held), exercise["id"]
        assert figure.sequence("move_back")[-1].cue("pelvic_floor") == 0, exercise["id"]
        shapes = [
            next(c for c in cue_shapes(figure, p) if c.part == "pelvic_floor").points
            for p in (figure.start, held[0])
        ]
        middle = [s[len(s) // 2] for s in shapes]
        assert math.dist(*middle) > 0.9 * PELVIC_ZONE, exercise["id"]
    assert lifts == 2  # lying, then standing


def test_the_belly_breathing_figures_breathe(protocols):  # noqa: F811
    for _, exercise in named(protocols, "breathing"):
        if exercise["category"] != "relaxation":
            continue  # sit-to-stand breathing out: a breath held still in its rest would mislead
        figure = Figure.from_dict(exercise["figure"])
        assert {p.cue("breath") for p in figure.poses} == {0, 1}, exercise["id"]


def test_a_figure_whose_text_names_a_worktop_holds_a_worktop(protocols):  # noqa: F811
    found = 0
    for protocol_id, exercise in all_exercises(protocols):
        if not any("worktop" in line for line in exercise["instructions"]):
            continue
        found += 1
        figure = Figure.from_dict(exercise["figure"])
        props = {p.name: p for p in figure.props}
        assert "worktop" in props and "wall" not in props, (protocol_id, exercise["id"])
        fixed = figure_points(figure, figure.start)
        _, _, top = worktop_box(figure, fixed, props["worktop"].at)
        assert 0.45 < top < 0.6, (protocol_id, exercise["id"])  # about 90 cm of 170 cm
    assert found == 4  # two single-leg stances, two standing abductions


def test_a_single_leg_stance_keeps_the_standing_knee_soft_and_the_other_foot_clear(protocols):  # noqa: F811
    # "Lift the good foot off the floor ... keep the standing knee soft."
    stances = named(protocols, "single-leg stance") + named(protocols, "single-leg balance")
    assert len(stances) == 2
    for protocol_id, exercise in stances:
        figure = Figure.from_dict(exercise["figure"])
        held = figure.sequence("hold")[0]
        pts = figure_points(figure, held)
        side = "right" if pts["ankle_left"][1] > pts["ankle_right"][1] else "left"
        lifted = "left" if side == "right" else "right"
        knee = held.angle(f"knee_flexion_{side}" if figure.view == "front" else f"knee_{side}")
        assert 15 <= knee <= 30, (protocol_id, exercise["id"])
        assert pts[f"ankle_{lifted}"][1] - pts[f"ankle_{side}"][1] > 0.12, exercise["id"]
        assert lowest(figure, held) == pytest.approx(0, abs=0.01)  # the standing foot is down


def test_every_figure_4_rests_the_sore_ankle_on_the_other_knee_with_the_shin_across(protocols):  # noqa: F811
    # "Cross the ankle of the sore side over the opposite knee" (lying), "rest the ankle of
    # the sore side on the opposite knee" (seated): from in front, where the shin shows across.
    found = [
        (d, e)
        for d, e in all_exercises(protocols)
        if any(
            "ankle of the sore side" in line and "opposite knee" in line
            for line in e["instructions"]
        )
    ]
    assert {e["id"] for _, e in found} == {"supine-piriformis-stretch", "seated-piriformis-stretch"}
    for _, exercise in found:
        figure = Figure.from_dict(exercise["figure"])
        assert figure.view == "front", "in a side view the crossed shin points at the viewer"
        for pose in figure.poses:
            where = (exercise["id"], pose.name)
            pts = points3d(figure.view, pose, figure.turn)
            gap = math.dist(pts["ankle_right"], pts["knee_left"])
            assert gap < 1.5 * LIMB_WIDTH, (where, gap)  # resting on it, not beside it
            across = abs(pts["ankle_right"][0] - pts["knee_right"][0])
            assert across > 0.1 or abs(pts["ankle_right"][2] - pts["knee_right"][2]) > 0.1
            # In the picture the sore shin runs over the other knee, not along the line of sight.
            seen = figure_points(figure, pose)
            assert math.dist(seen["knee_right"], seen["ankle_right"]) > 0.6 * LENGTHS["shank"], (
                where
            )
            assert math.dist(seen["ankle_right"], seen["knee_left"]) < 1.5 * LIMB_WIDTH, where


def test_a_step_down_bends_the_standing_knee_only_as_far_as_its_stair_needs(protocols):  # noqa: F811
    # A forward step-down from a bottom stair: the heel reaches the floor in front of it.
    ((_, exercise),) = named(protocols, "step-down")
    figure = Figure.from_dict(exercise["figure"])
    stair = figure_points(figure, figure.start)["ankle_right"][1] - LIMB_WIDTH / 2
    assert 0.085 < stair < 0.12, stair * 170  # 15 to 20 cm of a 170 cm person
    lowered = figure.pose(figure.anchor_in)
    assert lowered.angle("knee_right") <= 80  # version 7 bent it to 90 for a 15 cm stair
    pts = figure_points(figure, lowered)
    assert pts["toe_right"][1] == pytest.approx(pts["ankle_right"][1])  # the foot flat on it
    assert pts["knee_right"][0] > pts["toe_right"][0] - 0.05  # the knee over the toes


def test_a_hand_the_text_puts_on_the_belly_rests_on_it_and_rises_with_it(protocols):  # noqa: F811
    found = [
        e
        for _, e in all_exercises(protocols)
        if any("hand on your belly" in line for line in e["instructions"])
    ]
    assert [e["id"] for e in found] == ["belly-breathing-lying"]
    figure = Figure.from_dict(found[0]["figure"])
    heights = {}
    for pose in figure.poses:
        pts = figure_points(figure, pose)
        belly = next(c for c in cue_shapes(figure, pose) if c.part == "belly").points
        top = belly[len(belly) // 2]
        assert math.dist(pts["hand_right"], top) < 1.5 * LIMB_WIDTH, pose.name  # on the belly
        neck, waist = pts["neck"], pts["waist"]
        chest = (waist[0] + 0.75 * (neck[0] - waist[0]), waist[1] + 0.75 * (neck[1] - waist[1]))
        assert math.dist(pts["hand_left"], chest) < 2 * LIMB_WIDTH, pose.name  # on the chest
        heights[pose.cue("breath")] = (pts["hand_right"][1], pts["hand_left"][1])
    assert heights[1][0] > heights[0][0] + 0.01  # the belly's hand rises on the in-breath
    assert heights[1][1] == pytest.approx(heights[0][1], abs=0.005)  # the chest's stays still


def test_an_ankle_weight_the_exercise_names_is_drawn_round_its_moving_ankle(protocols):  # noqa: F811
    found = 0
    for protocol_id, exercise in all_exercises(protocols):
        text = " ".join([exercise["name"], *exercise["instructions"]]).lower()
        props = [p for p in exercise["figure"]["props"] if p["name"] == "ankle_weight"]
        names = "ankle weight" in text and "no ankle weight" not in text
        assert bool(props) == names, (protocol_id, exercise["id"])
        if props:
            found += 1
            figure = Figure.from_dict(exercise["figure"])
            moved = {figure_points(figure, p)[props[0]["at"]] for p in figure.poses}
            assert len(moved) == len(figure.poses), exercise["id"]  # on the leg that lifts
    assert found == 1


def test_a_seated_nerve_glide_straightens_only_the_sore_leg(protocols):  # noqa: F811
    # "Slowly straighten the knee of the sore leg": the other foot stays on the floor.
    found = 0
    for protocol_id, exercise in all_exercises(protocols):
        figure = Figure.from_dict(exercise["figure"])
        if exercise["category"] != "neural_glide" or "chair" not in {p.name for p in figure.props}:
            continue
        found += 1
        for pose in figure.poses:
            pts = figure_points(figure, pose)
            assert pts["ankle_left"][1] - LIMB_WIDTH / 2 < 0.01, (protocol_id, exercise["id"])
        assert {p.angle("knee_right") for p in figure.poses} != {90}, exercise["id"]
    assert found == 4


def test_a_step_down_starts_standing_tall_on_its_stair(protocols):  # noqa: F811
    # "Stand on the sore leg on the bottom stair ... lower the other heel ... push back up":
    # every rep begins, and every rest is held, standing on the stair, not with a heel down.
    ((_, exercise),) = named(protocols, "step-down")
    figure = Figure.from_dict(exercise["figure"])
    assert figure.start.angle("knee_right") <= 10
    assert lowest(figure, figure.start) > 0.05  # nothing of the start pose is on the floor
    lowered = figure.pose(figure.anchor_in)
    assert lowest(figure, lowered) == pytest.approx(0, abs=0.01)  # the heel touches the floor


def test_a_misplaced_ankle_weight_or_a_rotation_past_its_posture_in_a_file_is_refused():
    doc = copy.deepcopy(BASE)
    figure = copy.deepcopy(CLAMSHELL)
    figure["poses"][1]["hip_rotation_right"] = 70  # a side-lying hip, not flexed to 80
    figure["props"] = [{"name": "ankle_weight", "at": "knee_right"}]
    doc["phases"][0]["exercises"][0]["figure"] = figure
    doc["phases"][0]["exercises"][0]["dose"].update(hold_s=5, rest_s=5)
    loaded, problems = parse_protocol_text(base_text(doc), "weights.yaml")
    assert loaded is None
    where = "weights.yaml: phases[0].exercises[0].figure"
    assert {str(p) for p in problems} == {
        f"{where}.poses[1].hip_rotation_right: 70 degrees is outside the human range -45..45",
        f"{where}.props[0].at: an ankle weight is strapped round an ankle: one of "
        "ankle_left, ankle_right",
    }
