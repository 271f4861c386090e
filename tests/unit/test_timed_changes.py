"""Plan changes for a set time: the schedule goes back to the lasting prescription after `until`."""

from datetime import date, timedelta

import pytest

from domain.adjustments import AdjustmentError, apply_operations
from domain.schedule import Revision, expand_schedule, in_force
from tests.unit.test_schedule import ONE_PHASE, START, day

TWO_WEEKS_FROM_DAY_7 = day(7 + 13)


def revise(state, operations, effective, until=None):
    """Apply operations as a revision would, returning the new state and diff."""
    return apply_operations(ONE_PHASE, state, operations, effective, start_date=START, until=until)


def reps_by_day(revisions, first, last) -> dict[date, int | None]:
    """Return the bridge's reps per day (None when it is not prescribed)."""
    days = expand_schedule(ONE_PHASE, START, None, None, revisions, first, last)
    return {
        d.date: next((s.dose.reps for s in d.sessions if s.exercise_id == "bridge"), None)
        for d in days
    }


def test_a_timed_dose_holds_until_its_last_day_then_the_lasting_dose_returns():
    state, diff = revise({}, [set_reps(5)], day(7), until=TWO_WEEKS_FROM_DAY_7)
    assert diff[0]["until"] == TWO_WEEKS_FROM_DAY_7.isoformat()
    assert diff[0]["before"] == {"reps": 10} and diff[0]["after"] == {"reps": 5}
    revisions = [Revision(1, START, {}), Revision(2, day(7), state)]
    reps = reps_by_day(revisions, START, day(30))
    assert reps[day(6)] == 10, "the days before the change keep what was prescribed"
    assert reps[day(7)] == 5 and reps[TWO_WEEKS_FROM_DAY_7] == 5
    assert reps[TWO_WEEKS_FROM_DAY_7 + timedelta(days=1)] == 10, "back the day after"
    assert reps[day(30)] == 10


def test_a_timed_removal_takes_the_exercise_out_and_brings_it_back_after():
    state, diff = revise({}, [remove()], day(3), until=day(9))
    assert diff[0]["until"] == day(9).isoformat()
    revisions = [Revision(1, START, {}), Revision(2, day(3), state)]
    reps = reps_by_day(revisions, START, day(12))
    assert [reps[day(n)] for n in (2, 3, 9, 10)] == [10, None, None, 10]


def test_a_later_change_to_another_exercise_keeps_the_timed_change_running():
    timed, _ = revise({}, [set_reps(5)], day(7), until=day(20))
    later, _ = revise(timed, [clam_sets(2)], day(10))
    revisions = [Revision(1, START, {}), Revision(2, day(7), timed), Revision(3, day(10), later)]
    reps = reps_by_day(revisions, START, day(25))
    assert [reps[day(n)] for n in (9, 10, 20, 21)] == [5, 5, 5, 10]


def test_a_lasting_change_to_the_same_exercise_ends_the_timed_one():
    timed, _ = revise({}, [set_reps(5)], day(7), until=day(20))
    lasting, diff = revise(timed, [set_reps(8)], day(10))
    assert diff[0]["before"] == {"reps": 5}, "the dose in force is what is changed"
    assert "timed_doses" not in lasting
    revisions = [Revision(1, START, {}), Revision(2, day(7), timed), Revision(3, day(10), lasting)]
    reps = reps_by_day(revisions, START, day(25))
    assert [reps[day(n)] for n in (9, 10, 21)] == [5, 8, 8]


def test_a_restore_brings_a_timed_out_exercise_back_early_and_a_lasting_removal_keeps_it_out():
    timed, _ = revise({}, [remove()], day(3), until=day(20))
    restored, diff = revise(timed, [{"op": "restore_exercise", "exercise_id": "bridge"}], day(5))
    assert diff[0]["before"] == "removed" and "timed_removals" not in restored
    for_good, _ = revise(timed, [remove()], day(5))
    assert for_good["removed_exercises"] == ["bridge"] and "timed_removals" not in for_good
    with pytest.raises(AdjustmentError, match="restore it first"):
        revise(timed, [set_reps(4)], day(5))


def test_an_ended_timed_change_is_dropped_from_the_next_revision():
    timed, _ = revise({}, [set_reps(5)], day(7), until=day(9))
    later, diff = revise(timed, [set_reps(12)], day(15))
    assert diff[0]["before"] == {"reps": 10}, "the timed change was over: the lasting dose"
    assert "timed_doses" not in later


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "move_phase", "phase_id": "a"},
        {"op": "restore_exercise", "exercise_id": "bridge"},
    ],
)
def test_only_dose_changes_and_removals_can_be_for_a_set_time(operation):
    with pytest.raises(AdjustmentError) as error:
        revise({}, [operation], day(3), until=day(9))
    assert error.value.field_path == "operations[0].op"


def test_the_last_day_cannot_come_before_the_change_starts():
    with pytest.raises(AdjustmentError) as error:
        revise({}, [set_reps(5)], day(7), until=day(6))
    assert error.value.field_path == "until"


def test_in_force_leaves_state_without_timed_changes_alone_and_lays_timed_ones_over():
    assert in_force({"dose_overrides": {}}, day(1)) == {"dose_overrides": {}}
    state, _ = revise({}, [set_reps(5), remove("clam")], day(1), until=day(2))
    on = in_force(state, day(2))
    assert on["dose_overrides"]["bridge"]["reps"] == 5 and on["removed_exercises"] == ["clam"]
    after = in_force(state, day(3))
    assert "bridge" not in after["dose_overrides"] and after["removed_exercises"] == []


def set_reps(reps: int) -> dict:
    return {"op": "set_dose", "exercise_id": "bridge", "dose": {"reps": reps}}


def clam_sets(sets: int) -> dict:
    return {"op": "set_dose", "exercise_id": "clam", "dose": {"sets": sets}}


def remove(exercise_id: str = "bridge") -> dict:
    return {"op": "remove_exercise", "exercise_id": exercise_id}
