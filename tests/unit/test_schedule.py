"""Unit tests for protocol values, plan adjustments and schedule expansion."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.adjustments import AdjustmentError, apply_operations
from domain.protocol import Dose, Protocol
from domain.schedule import (
    PhaseGate,
    PhaseSpan,
    Revision,
    expand_schedule,
    next_phase_gate,
    phase_timeline,
    sets_due_by_day,
    sets_due_by_exercise,
)

START = date(2025, 3, 3)  # a Monday
SURGERY = date(2025, 1, 6)


def day(n: int, base: date = START) -> date:
    return base + timedelta(days=n)


def ex(exercise_id: str, **dose) -> dict:
    return {
        "id": exercise_id,
        "name": exercise_id.replace("-", " ").title(),
        "category": "strength",
        "instructions": ["Move slowly."],
        "cautions": [],
        "stop_if": [{"id": "sharp-pain", "level": "stop", "text": "sharp pain"}],
        "regression": "Fewer reps.",
        "progression": "More reps.",
        "references": [],
        "dose": {"sets": 3, "reps": 10, "hold_s": 0, "rest_s": 30, "times_per_day": 1, **dose},
    }


def phase(phase_id, start_week, exercises, criteria=(), relative_to="plan_start") -> dict:
    return {
        "id": phase_id,
        "title": phase_id.title(),
        "start_week": start_week,
        "start_relative_to": relative_to,
        "goals": [],
        "criteria": list(criteria),
        "restrictions": [f"{phase_id} restriction"],
        "exercises": exercises,
    }


def protocol(*phases: dict) -> Protocol:
    return Protocol.from_dict(
        {"id": "test", "version": 1, "title": "Test", "condition": "c", "summary": "s",
         "care_type": "conservative", "conservative_trial_weeks": 12, "escalation": {},
         "notes": [], "references": [], "phases": list(phases)}
    )  # fmt: skip


ONE_PHASE = protocol(phase("a", 0, [ex("bridge"), ex("clam", times_per_day=2)]))
# "a" has criteria (stays until a physio move); "b" and "c" advance by time.
THREE = protocol(
    phase("a", 0, [ex("ankle-pumps")], criteria=["pain-free walking"]),
    phase("b", 2, [ex("bridge", days_per_week=3)]),
    phase("c", 6, [ex("squat")]),
)
NO_CRITERIA = protocol(phase("a", 0, [ex("x")]), phase("b", 2, [ex("y")]), phase("c", 4, [ex("z")]))
POST_OP = protocol(
    phase("protected", 0, [ex("ankle-pumps")], ["wound healed"], "surgery_date"),
    phase("early", 2, [ex("bridge")], relative_to="surgery_date"),
    phase("strength", 6, [ex("squat")], ["full range"], "surgery_date"),
    phase("return", 12, [ex("run")], relative_to="surgery_date"),
)
REV1 = [Revision(1, START, {})]


def expand(proto, revisions=REV1, days=28, start=START, surgery=None, end=None, date_from=None):
    date_from = date_from or start
    return expand_schedule(
        proto, start, surgery, end, revisions, date_from, date_from + timedelta(days=days - 1)
    )


def due_days(plans, exercise_id: str) -> list[int]:
    return [
        (p.date - START).days
        for p in plans
        if any(s.exercise_id == exercise_id for s in p.sessions)
    ]


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        ({"days_per_week": 3}, [0, 2, 4, 7, 9, 11]),
        ({"days_per_week": 5}, [0, 1, 2, 4, 5, 7, 8, 9, 11, 12]),
        ({"days_per_week": 2}, [0, 3, 7, 10]),
        ({"days_per_week": 1}, [0, 7]),
        ({"days_per_week": 7}, list(range(14))),
        ({"every_n_days": 2}, [0, 2, 4, 6, 8, 10, 12]),
        ({"every_n_days": 3}, [0, 3, 6, 9, 12]),
        ({}, list(range(14))),
    ],
)
def test_frequency_spreads_days_from_phase_entry(dose, expected):
    plans = expand(protocol(phase("a", 0, [ex("e", **dose)])), days=14)
    assert due_days(plans, "e") == expected


def test_frequency_counts_from_the_day_the_phase_was_entered():
    state, _ = apply_operations(THREE, {}, [{"op": "move_phase", "phase_id": "b"}], day(10))
    plans = expand(THREE, REV1 + [Revision(2, day(10), state)], days=24)
    assert due_days(plans, "bridge") == [10, 12, 14, 17, 19, 21]


@pytest.mark.parametrize(
    ("dose", "slots"),
    [
        ({"times_per_day": 1}, ("morning",)),
        ({"times_per_day": 2}, ("morning", "evening")),
        ({"times_per_day": 3}, ("morning", "midday", "evening")),
        ({"times_per_day": 4}, ("morning", "midday", "afternoon", "evening")),
        ({"times_per_day": 2, "times_of_day": ["noon", "bedtime"]}, ("noon", "bedtime")),
    ],
)
def test_times_per_day_gives_one_session_per_slot(dose, slots):
    (plan,) = expand(protocol(phase("a", 0, [ex("e", **dose)])), days=1)
    assert tuple(s.time_of_day for s in plan.sessions) == slots
    assert [s.slot_index for s in plan.sessions] == list(range(1, len(slots) + 1))
    assert Dose.from_dict(ex("e", **dose)["dose"]).sets_per_day == 3 * len(slots)
    assert sets_due_by_day([plan]) == {START: 3 * len(slots)}


def test_sets_due_by_exercise_and_slot():
    (plan,) = expand(ONE_PHASE, days=1)
    assert sets_due_by_exercise(plan) == {("bridge", 1): 3, ("clam", 1): 3, ("clam", 2): 3}


def test_rest_days_have_no_sessions_and_no_sets_due():
    plans = expand(protocol(phase("a", 0, [ex("e", days_per_week=3)])), days=7)
    assert [p.is_rest_day for p in plans] == [False, True, False, True, False, True, True]
    assert plans[1].sessions == ()
    assert list(sets_due_by_day(plans).values()) == [3, 0, 3, 0, 3, 0, 0]


def test_day_plan_carries_phase_restrictions_and_revision():
    (plan,) = expand(ONE_PHASE, days=1)
    assert (plan.phase_id, plan.phase_title, plan.restrictions, plan.revision) == (
        "a", "A", ("a restriction",), 1
    )  # fmt: skip
    assert plan.sessions[0].dose == Dose(3, 10, 0, 30, 1)


@pytest.mark.parametrize(
    ("end", "date_from", "days", "expected"),
    [
        (day(9), day(-5), 30, (day(0), day(9))),
        (day(9), day(4), 3, (day(4), day(6))),
        (None, day(-3), 5, (day(0), day(1))),
        (day(9), day(10), 5, None),
        (day(9), day(-10), 5, None),
    ],
)
def test_only_plan_dates_within_the_range_appear(end, date_from, days, expected):
    plans = expand(ONE_PHASE, end=end, date_from=date_from, days=days)
    if expected is None:
        assert plans == []
    else:
        assert (plans[0].date, plans[-1].date) == expected
        assert len(plans) == (expected[1] - expected[0]).days + 1


def test_dose_override_mid_plan_leaves_earlier_days_unchanged():
    op = {"op": "set_dose", "exercise_id": "bridge", "dose": {"sets": 5}}
    state, _ = apply_operations(ONE_PHASE, {}, [op], day(7))
    plans = expand(ONE_PHASE, REV1 + [Revision(2, day(7), state)], days=10)
    bridge = [next(s.dose.sets for s in p.sessions if s.exercise_id == "bridge") for p in plans]
    assert bridge == [3] * 7 + [5] * 3
    assert [p.revision for p in plans] == [1] * 7 + [2] * 3
    assert sets_due_by_day(plans)[day(6)] == 9
    assert sets_due_by_day(plans)[day(7)] == 11


def test_remove_add_and_restore_exercises_by_revision():
    added = ex("side-plank", every_n_days=2)
    s2, _ = apply_operations(
        ONE_PHASE,
        {},
        [
            {"op": "remove_exercise", "exercise_id": "bridge"},
            {"op": "add_exercise", "phase_id": "a", "exercise": added},
        ],
        day(3),
    )
    s3, _ = apply_operations(
        ONE_PHASE, s2, [{"op": "restore_exercise", "exercise_id": "bridge"}], day(6)
    )
    revisions = REV1 + [Revision(2, day(3), s2), Revision(3, day(6), s3)]
    plans = expand(ONE_PHASE, revisions, days=9)
    ids = [sorted({s.exercise_id for s in p.sessions}) for p in plans]
    assert ids[2] == ["bridge", "clam"]
    assert ids[3] == ["clam"]  # side-plank: every 2nd day counted from phase entry (day 0)
    assert ids[4] == ["clam", "side-plank"]
    assert ids[6] == ["bridge", "clam", "side-plank"]
    assert s2["removed_exercises"] == ["bridge"] and s3["removed_exercises"] == []


def test_phase_auto_advances_on_the_exact_gate_date():
    proto = protocol(phase("a", 0, [ex("x")]), phase("b", 2, [ex("y")]))
    plans = expand(proto, days=20)
    assert (plans[13].phase_id, plans[14].phase_id) == ("a", "b")
    assert due_days(plans, "y")[0] == 14
    assert phase_timeline(proto, START, None, []) == [
        PhaseSpan("a", START, day(13)),
        PhaseSpan("b", day(14), None),
    ]


def test_phase_with_criteria_waits_for_a_physio_move():
    assert {p.phase_id for p in expand(THREE, days=60)} == {"a"}
    state, _ = apply_operations(THREE, {}, [{"op": "move_phase", "phase_id": "b"}], day(20))
    plans = expand(THREE, REV1 + [Revision(2, day(20), state)], days=60)
    phases = [p.phase_id for p in plans]
    # "b" has no criteria, so the time gate of "c" (week 6) still advances the patient.
    assert phases[19:21] == ["a", "b"] and phases[41:43] == ["b", "c"]


def test_move_back_is_not_undone_by_a_gate_already_passed():
    spans = phase_timeline(NO_CRITERIA, START, None, [{"phase_id": "a", "from_date": "2025-03-25"}])
    assert spans == [
        PhaseSpan("a", START, day(13)),
        PhaseSpan("b", day(14), day(21)),
        PhaseSpan("a", day(22), None),
    ]
    assert next_phase_gate(
        NO_CRITERIA, START, None, [{"phase_id": "a", "from_date": day(22)}], day(30)
    ) == (PhaseGate("b", day(14), ()))


def test_post_op_plan_starts_in_the_phase_of_weeks_since_surgery():
    start = day(21, SURGERY)
    plans = expand(POST_OP, [Revision(1, start, {})], days=100, start=start, surgery=SURGERY)
    by_date = {p.date: p.phase_id for p in plans}
    assert by_date[start] == "early"
    assert by_date[day(41, SURGERY)] == "early"
    assert by_date[day(42, SURGERY)] == "strength"
    assert by_date[day(120, SURGERY)] == "strength"  # criteria: no auto-advance to "return"


@pytest.mark.parametrize(
    ("start_offset", "first_phase"),
    [(0, "protected"), (13, "protected"), (14, "early"), (42, "strength"), (90, "return")],
)
def test_post_op_plan_starts_in_the_last_phase_gated_by_its_start(start_offset, first_phase):
    start = day(start_offset, SURGERY)
    assert phase_timeline(POST_OP, start, SURGERY, [])[0] == (first_phase, start, (
        None if first_phase in ("strength", "return", "protected") else day(41, SURGERY)
    ))  # fmt: skip


@pytest.mark.parametrize(
    ("proto", "moves", "expected"),
    [
        # A move dated on the next phase's gate day keeps the chosen phase.
        (THREE, [("b", 42)], [("a", 0, 41), ("b", 42, None)]),
        # A move on the plan start replaces the first phase.
        (THREE, [("b", 0)], [("b", 0, 41), ("c", 42, None)]),
        # A move to the phase in force changes nothing.
        (THREE, [("a", 10)], [("a", 0, None)]),
        # A move back on the gate day wins over the gate: the patient never leaves "a".
        (NO_CRITERIA, [("a", 14)], [("a", 0, None)]),
        (NO_CRITERIA, [("c", 14)], [("a", 0, 13), ("c", 14, None)]),
        # The last move listed for a day wins.
        (NO_CRITERIA, [("c", 5), ("b", 5)], [("a", 0, 4), ("b", 5, 27), ("c", 28, None)]),
    ],
)
def test_phase_moves_shape_the_timeline(proto, moves, expected):
    phase_moves = [{"phase_id": p, "from_date": day(n).isoformat()} for p, n in moves]
    spans = phase_timeline(proto, START, None, phase_moves)
    assert spans == [PhaseSpan(p, day(a), None if b is None else day(b)) for p, a, b in expected]


def test_surgery_relative_phase_without_surgery_date_raises():
    with pytest.raises(ValueError, match="surgery_date"):
        phase_timeline(POST_OP, START, None, [])
    with pytest.raises(ValueError, match="surgery_date"):
        expand(POST_OP)


def set_dose(dose: dict, exercise_id: str = "bridge") -> list[dict]:
    return [{"op": "set_dose", "exercise_id": exercise_id, "dose": dose}]


def one(op: str, **fields) -> list[dict]:
    return [{"op": op, **fields}]


BAD_OPERATIONS = [
    (set_dose({"sets": 2}, "nope"), "operations[0].exercise_id"),
    ([{"op": "set_dose", "dose": {"sets": 2}}], "operations[0].exercise_id"),
    (set_dose({"sets": 21}), "operations[0].dose.sets"),
    (set_dose({"sets": 0}), "operations[0].dose.sets"),
    (set_dose({"reps": True}), "operations[0].dose.reps"),
    (set_dose({"hold_s": 601}), "operations[0].dose.hold_s"),
    (set_dose({"every_n_days": 1}), "operations[0].dose.every_n_days"),
    (set_dose({"colour": 1}), "operations[0].dose.colour"),
    (set_dose({}), "operations[0].dose"),
    (set_dose({"days_per_week": 3, "every_n_days": 2}), "operations[0].dose"),
    (set_dose({"sets": 3}), "operations[0].dose"),  # no change
    (set_dose({"times_of_day": ["noon", "night"]}), "operations[0].dose.times_of_day"),
    (set_dose({"sets": 4}, "clam"), "operations[0].exercise_id"),  # removed
    (one("remove_exercise", exercise_id="clam"), "operations[0].exercise_id"),
    (one("restore_exercise", exercise_id="bridge"), "operations[0].exercise_id"),
    (
        one("remove_exercise", exercise_id="bridge") + one("remove_exercise", exercise_id="x"),
        "operations[1].exercise_id",
    ),
    (one("add_exercise", phase_id="a", exercise=ex("clam")), "operations[0].exercise.id"),
    (one("add_exercise", phase_id="z", exercise=ex("new")), "operations[0].phase_id"),
    (one("add_exercise", phase_id="a", exercise={"name": "x"}), "operations[0].exercise.id"),
    (one("move_phase", phase_id="z"), "operations[0].phase_id"),
    (one("move_phase", phase_id="a"), "operations[0].phase_id"),  # already in force
    (one("jump"), "operations[0].op"),
    ([], "operations"),
]


@pytest.mark.parametrize(("operations", "field_path"), BAD_OPERATIONS)
def test_bad_operations_raise_with_the_field_path(operations, field_path):
    state = {"removed_exercises": ["clam"]}
    with pytest.raises(AdjustmentError) as info:
        apply_operations(ONE_PHASE, state, operations, day(5), start_date=START)
    assert info.value.field_path == field_path
    assert state == {"removed_exercises": ["clam"]}


def test_move_cannot_be_backdated_before_a_later_move():
    state = {"phase_moves": [{"phase_id": "b", "from_date": "2025-03-20"}]}
    with pytest.raises(AdjustmentError, match="backdating"):
        apply_operations(THREE, state, [{"op": "move_phase", "phase_id": "c"}], day(10))


def test_apply_operations_returns_state_and_readable_diff():
    ops = [
        {"op": "set_dose", "exercise_id": "bridge", "dose": {"every_n_days": 2}},
        {"op": "set_dose", "exercise_id": "bridge", "dose": {"days_per_week": 3, "sets": 4}},
        {"op": "remove_exercise", "exercise_id": "ankle-pumps"},
        {"op": "add_exercise", "phase_id": "b", "exercise": ex("clam", reps=12)},
        {"op": "move_phase", "phase_id": "b"},
    ]
    state, diff = apply_operations(THREE, {}, ops, day(9), start_date=START)
    assert state == {
        "dose_overrides": {"bridge": {"days_per_week": 3, "sets": 4}},
        "removed_exercises": ["ankle-pumps"],
        "added_exercises": [{"phase_id": "b", "exercise": ex("clam", reps=12)}],
        "phase_moves": [{"phase_id": "b", "from_date": "2025-03-12"}],
    }
    assert diff == [
        {"op": "set_dose", "exercise_id": "bridge",
         "before": {"days_per_week": 3, "every_n_days": None},
         "after": {"days_per_week": None, "every_n_days": 2}},
        {"op": "set_dose", "exercise_id": "bridge",
         "before": {"sets": 3, "days_per_week": None, "every_n_days": 2},
         "after": {"sets": 4, "days_per_week": 3, "every_n_days": None}},
        {"op": "remove_exercise", "exercise_id": "ankle-pumps",
         "before": "active", "after": "removed"},
        {"op": "add_exercise", "exercise_id": "clam", "phase_id": "b", "before": None,
         "after": {"name": "Clam", "dose": ex("clam", reps=12)["dose"]}},
        {"op": "move_phase", "phase_id": "b", "before": "a", "after": "b",
         "from_date": "2025-03-12"},
    ]  # fmt: skip


def test_same_day_move_corrects_the_earlier_one():
    first, _ = apply_operations(THREE, {}, [{"op": "move_phase", "phase_id": "c"}], day(9))
    second, diff = apply_operations(
        THREE, first, [{"op": "move_phase", "phase_id": "b"}], day(9), start_date=START
    )
    assert second["phase_moves"] == [{"phase_id": "b", "from_date": "2025-03-12"}]
    assert diff[0]["before"] == "c"


@pytest.mark.parametrize(
    ("moves", "on", "expected"),
    [
        ([], day(5), PhaseGate("b", day(14), ("pain-free walking",))),
        ([], day(40), PhaseGate("b", day(14), ("pain-free walking",))),
        ([{"phase_id": "b", "from_date": "2025-03-23"}], day(25), PhaseGate("c", day(42), ())),
        ([{"phase_id": "b", "from_date": "2025-03-23"}], day(42), None),
    ],
)
def test_next_phase_gate(moves, on, expected):
    assert next_phase_gate(THREE, START, None, moves, on) == expected


def test_next_phase_gate_post_op_counts_from_surgery():
    start = day(21, SURGERY)
    assert next_phase_gate(POST_OP, start, SURGERY, [], day(50, SURGERY)) == (
        PhaseGate("return", day(84, SURGERY), ("full range",))
    )


def test_dose_helpers():
    dose = Dose.from_dict({"sets": 2, "reps": 8, "every_n_days": 2, "times_per_day": 2,
                           "times_of_day": ["morning", "night"]})  # fmt: skip
    assert dose.with_overrides({"days_per_week": 4}).to_dict() == {
        "sets": 2, "reps": 8, "hold_s": 0, "rest_s": 0, "times_per_day": 2,
        "times_of_day": ["morning", "night"], "days_per_week": 4,
    }  # fmt: skip
    assert dose.with_overrides({"times_per_day": 3}).slots == ("morning", "midday", "evening")
    assert Dose.from_dict(dose.to_dict()) == dose
    assert THREE.exercise("squat").to_dict() == ex("squat")
    assert THREE.phase("b").exercises[0].id == "bridge"
    with pytest.raises(KeyError):
        THREE.exercise("nope")


@st.composite
def plans(draw):
    n_phases = draw(st.integers(1, 4))
    weeks = sorted(draw(st.lists(st.integers(0, 10), min_size=n_phases, max_size=n_phases)))
    dose = st.one_of(
        st.fixed_dictionaries({"days_per_week": st.integers(1, 7)}),
        st.fixed_dictionaries({"every_n_days": st.integers(2, 14)}),
        st.fixed_dictionaries({"times_per_day": st.integers(1, 4)}),
    )
    phases = [
        phase(f"p{i}", w, [ex(f"e{i}", **draw(dose))], criteria=["c"] * draw(st.integers(0, 1)))
        for i, w in enumerate(weeks)
    ]
    proto = protocol(*phases)
    start = draw(st.dates(date(2024, 1, 1), date(2026, 1, 1)))
    end = draw(st.none() | st.dates(start - timedelta(days=5), start + timedelta(days=120)))
    moves = draw(st.lists(st.tuples(st.integers(0, 100), st.sampled_from(phases)), max_size=3))
    adjustments = {
        "phase_moves": [{"phase_id": p["id"], "from_date": day(n, start)} for n, p in moves]
    }
    revisions = [
        Revision(1, start, {}),
        Revision(2, day(draw(st.integers(0, 60)), start), adjustments),
    ]
    date_from = draw(st.dates(start - timedelta(days=30), start + timedelta(days=150)))
    date_to = date_from + timedelta(days=draw(st.integers(-3, 130)))
    return proto, start, end, revisions, date_from, date_to


@settings(max_examples=150, deadline=None)
@given(plans())
def test_day_plans_stay_within_plan_and_range(plan):
    proto, start, end, revisions, date_from, date_to = plan
    day_plans = expand_schedule(proto, start, None, end, revisions, date_from, date_to)
    first, last = max(start, date_from), min(end or date_to, date_to)
    assert len(day_plans) == max(0, (last - first).days + 1)
    for p in day_plans:
        assert start <= p.date <= (end or p.date) and date_from <= p.date <= date_to
        assert p.is_rest_day == (not p.sessions)
        assert all(v >= 0 for v in sets_due_by_exercise(p).values())
    assert all(v >= 0 for v in sets_due_by_day(day_plans).values())
