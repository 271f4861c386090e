"""Adherence: sets done / sets due, with rest days, stop_if skips, gaps and corrections."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.adherence import adherence, adherence_by_day, latest_entries
from domain.history import ExerciseEntry

D0 = date(2026, 3, 2)
D1 = D0 + timedelta(days=1)
D2 = D0 + timedelta(days=2)


def ex(day, ex_id="bridge", done=3, due=3, status=None, reason=None, slot=0):
    """Build an exercise entry; status follows from the numbers unless given."""
    if status is None:
        status = "done" if done >= due else "partial" if done else "skipped"
    return ExerciseEntry(day, ex_id, slot, done, due, status, reason)


CASES = [
    # id, due_by_day, entries, (done, due, ratio, days_due, days_missed)
    ("all done", {D0: 3}, [ex(D0)], (3, 3, 1.0, 1, 0)),
    ("day without data is missed", {D0: 3, D1: 3}, [ex(D0)], (3, 6, 0.5, 2, 1)),
    ("rest day ignored, even if logged", {D0: 3, D1: 0}, [ex(D0), ex(D1)], (3, 3, 1.0, 1, 0)),
    ("absent day is a rest day", {D0: 3}, [ex(D0), ex(D1)], (3, 3, 1.0, 1, 0)),
    (
        "stop_if skip is not missed",
        {D0: 6},
        [ex(D0, "bridge"), ex(D0, "glide", done=0, reason="stop_if")],
        (3, 3, 1.0, 1, 0),
    ),
    (
        "stop_if partial excuses only the rest",
        {D0: 3},
        [ex(D0, done=1, reason="stop_if")],
        (1, 1, 1.0, 1, 0),
    ),
    (
        "other skip reasons are missed",
        {D0: 6},
        [ex(D0, "bridge"), ex(D0, "glide", done=0, reason="pain")],
        (3, 6, 0.5, 1, 0),
    ),
    (
        "all due excused leaves nothing due",
        {D0: 3},
        [ex(D0, done=0, reason="stop_if")],
        (0, 0, None, 0, 0),
    ),
    (
        "over-doing one exercise cannot hide another",
        {D0: 6},
        [ex(D0, "bridge", done=6, due=3)],
        (3, 6, 0.5, 1, 0),
    ),
    (
        "last entry for a slot wins (correction up)",
        {D0: 3},
        [ex(D0, done=0, reason="forgot"), ex(D0, done=3)],
        (3, 3, 1.0, 1, 0),
    ),
    (
        "last entry for a slot wins (correction down)",
        {D0: 3},
        [ex(D0, done=3), ex(D0, done=0, reason="forgot")],
        (0, 3, 0.0, 1, 1),
    ),
    (
        "slots are separate",
        {D0: 6},
        [ex(D0, slot=0), ex(D0, slot=1)],
        (6, 6, 1.0, 1, 0),
    ),
    (
        "device due larger than server schedule is capped",
        {D0: 3},
        [ex(D0, done=5, due=5)],
        (3, 3, 1.0, 1, 0),
    ),
    ("nothing due: ratio None, not 1.0", {}, [], (0, 0, None, 0, 0)),
    ("everything missed", {D0: 3, D1: 3, D2: 3}, [], (0, 9, 0.0, 3, 3)),
    (
        "plan adjusted mid-window",
        {D0: 6, D1: 3, D2: 3},
        [ex(D0), ex(D1), ex(D2)],
        (9, 12, 0.75, 3, 0),
    ),
]


@pytest.mark.parametrize(
    ("due_by_day", "entries", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_adherence_cases(due_by_day, entries, expected):
    result = adherence(due_by_day, entries, D0, D2)
    assert (result.done, result.due, result.ratio, result.days_due, result.days_missed) == expected


def test_window_is_inclusive_and_ignores_outside_days():
    due = {D0 - timedelta(days=1): 3, D0: 3, D1: 3, D2: 3}
    entries = [ex(D0 - timedelta(days=1)), ex(D0), ex(D2)]
    result = adherence(due, entries, D0, D1)
    assert (result.done, result.due, result.days_missed) == (3, 6, 1)


def test_empty_window_has_no_ratio():
    assert adherence({D0: 3}, [ex(D0)], D1, D0).ratio is None


def test_per_day_adherence():
    by_day = adherence_by_day({D0: 3, D2: 4}, [ex(D0, done=2), ex(D2, done=1, due=4)], D0, D2)
    assert [(d, a.done, a.due, a.ratio) for d, a in by_day.items()] == [
        (D0, 2, 3, 2 / 3),
        (D1, 0, 0, None),
        (D2, 1, 4, 0.25),
    ]


def test_latest_entries_keeps_last_per_slot_in_receive_order():
    first, other, correction = ex(D0, done=0), ex(D0, "glide"), ex(D0, done=3)
    assert latest_entries([first, other, correction]) == [other, correction]


def test_evidence_is_json_ready():
    evidence = adherence({D0: 3}, [ex(D0, done=2)], D0, D0).as_evidence()
    assert evidence == {"done": 2, "due": 3, "ratio": 0.6667, "days_due": 1, "days_missed": 0}


@pytest.mark.parametrize(
    ("field", "value"), [("status", "finished"), ("skip_reason", "bored"), ("sets_done", -1)]
)
def test_entry_rejects_bad_values(field, value):
    kwargs = {"status": "done", "skip_reason": None, "sets_done": 3}
    kwargs[field] = value
    with pytest.raises(ValueError):
        ExerciseEntry(
            D0, "bridge", 0, kwargs["sets_done"], 3, kwargs["status"], kwargs["skip_reason"]
        )


entry_strategy = st.builds(
    ExerciseEntry,
    local_date=st.dates(D0, D0 + timedelta(days=6)),
    exercise_id=st.sampled_from(["bridge", "glide", "clam"]),
    slot=st.integers(0, 2),
    sets_done=st.integers(0, 8),
    sets_due=st.integers(0, 8),
    status=st.sampled_from(["done", "partial", "skipped"]),
    skip_reason=st.one_of(
        st.none(), st.sampled_from(["stop_if", "pain", "no_time", "forgot", "unwell", "other"])
    ),
)


@given(
    due_by_day=st.dictionaries(st.dates(D0, D0 + timedelta(days=6)), st.integers(0, 12)),
    entries=st.lists(entry_strategy, max_size=30),
    span=st.integers(-1, 8),
)
def test_ratio_always_in_unit_interval_or_none(due_by_day, entries, span):
    result = adherence(due_by_day, entries, D0, D0 + timedelta(days=span))
    if result.due == 0:
        assert result.ratio is None
    else:
        assert 0.0 <= result.ratio <= 1.0
    assert 0 <= result.done <= result.due
    assert 0 <= result.days_missed <= result.days_due
