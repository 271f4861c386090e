"""Properties of the domain core on the shipped protocols, adjusted the way physios adjust them.

tests/unit covers synthetic protocols without surgery dates or dose changes; here every shipped
protocol (post-operative ones timed from surgery too) gets random revisions built with the real
`apply_operations`, and then:
- no day and no session falls outside the plan's dates or the asked range;
- what was prescribed on a day does not depend on the range asked for (the app expands a week,
  the server a month: they must agree);
- the sets due per day the sweep sums directly are the ones the expanded sessions hold;
- daily adherence computed against that schedule stays in [0, 1].
"""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.adherence import adherence, adherence_by_day
from domain.adjustments import AdjustmentError, apply_operations
from domain.history import ExerciseEntry
from domain.protocol import Protocol
from domain.schedule import Revision, expand_schedule, sets_due_between, sets_due_by_day
from server.protocols.loader import validate_files

_DOCS, _PROBLEMS = validate_files(None)
assert not _PROBLEMS, _PROBLEMS
SHIPPED = {doc["id"]: Protocol.from_dict(doc) for doc in _DOCS.values()}
PROFILE = settings(max_examples=200, deadline=None, derandomize=True)


def _exercise_ids(protocol: Protocol) -> list[str]:
    return sorted({e.id for phase in protocol.phases for e in phase.exercises})


@st.composite
def operations(draw, protocol: Protocol) -> list[dict]:
    exercise = st.sampled_from(_exercise_ids(protocol))
    dose = st.one_of(
        st.fixed_dictionaries({"sets": st.integers(1, 20)}),
        st.fixed_dictionaries({"days_per_week": st.integers(1, 7)}),
        st.fixed_dictionaries({"every_n_days": st.integers(2, 14)}),
        st.fixed_dictionaries({"times_per_day": st.integers(1, 4)}),
    )
    one = st.one_of(
        st.fixed_dictionaries({"op": st.just("set_dose"), "exercise_id": exercise, "dose": dose}),
        st.fixed_dictionaries({"op": st.just("remove_exercise"), "exercise_id": exercise}),
        st.fixed_dictionaries({"op": st.just("restore_exercise"), "exercise_id": exercise}),
        st.fixed_dictionaries(
            {
                "op": st.just("move_phase"),
                "phase_id": st.sampled_from([p.id for p in protocol.phases]),
            }
        ),
    )
    return draw(st.lists(one, min_size=1, max_size=3))


@st.composite
def adjusted_plans(draw):
    """A shipped protocol, plan dates, and revisions made through apply_operations."""
    protocol = SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))]
    start = draw(st.dates(date(2024, 1, 1), date(2027, 1, 1)))
    surgery = None
    if protocol.care_type == "post_operative":
        surgery = start - timedelta(days=draw(st.integers(0, 120)))
    end = draw(st.none() | st.dates(start, start + timedelta(days=200)))
    revisions = [Revision(1, start, {})]
    state: dict = {}
    effective = start
    for number in range(2, 2 + draw(st.integers(0, 4))):
        effective += timedelta(days=draw(st.integers(0, 30)))
        try:
            state, _ = apply_operations(
                protocol,
                state,
                draw(operations(protocol)),
                effective,
                start_date=start,
                surgery_date=surgery,
            )
        except AdjustmentError:
            continue  # the service refuses it too: no revision is stored
        revisions.append(Revision(number, effective, state))
    date_from = draw(st.dates(start - timedelta(days=20), start + timedelta(days=220)))
    date_to = date_from + timedelta(days=draw(st.integers(0, 90)))
    return protocol, start, surgery, end, revisions, date_from, date_to


@PROFILE
@given(adjusted_plans(), st.integers(1, 89))
def test_no_session_outside_the_plan_and_splitting_the_range_changes_nothing(plan, cut):
    protocol, start, surgery, end, revisions, date_from, date_to = plan
    whole = expand_schedule(protocol, start, surgery, end, revisions, date_from, date_to)
    first, last = max(start, date_from), min(end or date_to, date_to)
    assert [d.date for d in whole] == [
        first + timedelta(days=n) for n in range(max(0, (last - first).days + 1))
    ]
    phases = {p.id for p in protocol.phases}
    for day in whole:
        assert day.phase_id in phases
        assert day.is_rest_day == (not day.sessions)
        for session in day.sessions:
            assert session.date == day.date
            assert start <= session.date <= (end or session.date)
            assert session.dose.sets >= 1
            assert 1 <= session.slot_index <= session.dose.times_per_day

    middle = min(date_from + timedelta(days=cut), date_to)
    left = expand_schedule(protocol, start, surgery, end, revisions, date_from, middle)
    right = expand_schedule(
        protocol, start, surgery, end, revisions, middle + timedelta(days=1), date_to
    )
    assert left + right == whole


@PROFILE
@given(adjusted_plans())
def test_the_sweeps_sets_due_are_the_expanded_schedules(plan):
    # The sweep sums sets without building sessions (sets_due_between); the app, the calendar
    # and the referral count them from the sessions. A patient's due sets must not depend on
    # which of the two was asked.
    assert sets_due_between(*plan) == sets_due_by_day(expand_schedule(*plan))


@st.composite
def logged_days(draw):
    """A real schedule and exercise logs a device might send for it, including nonsense ones."""
    protocol, start, surgery, end, revisions, _, _ = draw(adjusted_plans())
    days = expand_schedule(
        protocol, start, surgery, end, revisions, start, start + timedelta(days=27)
    )
    sessions = [s for d in days for s in d.sessions]
    entries = []
    if sessions:
        for _ in range(draw(st.integers(0, 40))):
            session = draw(st.sampled_from(sessions))
            done = draw(st.integers(0, 25))
            due = draw(st.sampled_from([session.dose.sets, draw(st.integers(0, 25))]))
            status = draw(st.sampled_from(["done", "partial", "skipped"]))
            reason = draw(st.none() | st.sampled_from(["stop_if", "pain", "no_time", "other"]))
            entries.append(
                ExerciseEntry(
                    session.date, session.exercise_id, session.slot_index, done, due, status,
                    reason,
                )
            )  # fmt: skip
    return days, entries, start


@PROFILE
@given(logged_days())
def test_daily_and_window_adherence_stay_in_the_unit_interval(data):
    days, entries, start = data
    due = sets_due_by_day(days)
    end = start + timedelta(days=27)
    for day, result in adherence_by_day(due, entries, start, end).items():
        if due.get(day, 0) == 0:
            assert result.ratio is None, day
        if result.ratio is not None:
            assert 0.0 <= result.ratio <= 1.0
        assert 0 <= result.done <= result.due
    window = adherence(due, entries, start, end)
    assert window.ratio is None or 0.0 <= window.ratio <= 1.0
    assert 0 <= window.days_missed <= window.days_due
