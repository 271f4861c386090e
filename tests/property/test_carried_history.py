"""A sweep that reads only recent rows, with adherence sums carried from earlier sweeps, must
find exactly what reading the whole history finds (domain.history.AdherenceCarry).

Histories are random courses of care on the shipped protocols, adjusted by physios the way
test_domain_properties builds them, with adherent and lapsed patients, repeated and corrected
logs, stops, nerve symptoms and pain that improves, stays or worsens. The carried history is
built as the server builds it: carried once, then carried on from there by a later sweep, with
the exercise entries and due days before the carry dropped and pain kept only in the trend's
two windows.
"""

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.adherence import carry_to, plan_adherence
from domain.history import ExerciseEntry, PainEntry, PatientHistory
from domain.pain import pain_windows
from domain.rules import RULES, carry_until
from domain.ruleset import thresholds_for
from domain.schedule import expand_schedule, sets_due_by_day
from tests.property.test_domain_properties import adjusted_plans

# The rules a sweep runs (server.services.escalation.SWEEP_RULES: R-RED and R-POSTOP are judged
# when a report arrives, on the whole report).
SWEEP_RULES = ("R-FAIL", "R-ADH", "R-WORSE", "R-NEURO", "R-PHASE")
PROFILE = settings(max_examples=150, deadline=None, derandomize=True)


@st.composite
def courses(draw) -> PatientHistory:
    """A whole history: the plan's schedule and what the patient logged, up to a random today."""
    protocol, start, surgery, end, revisions, _, _ = draw(adjusted_plans())
    today = start + timedelta(days=draw(st.integers(0, 200)))
    rng = random.Random(draw(st.integers(0, 2**32)))
    days = expand_schedule(protocol, start, surgery, end, revisions, start, today)
    logging = draw(st.sampled_from([0.0, 0.3, 0.8, 0.97, 0.97, 1.0]))
    lapse = start + timedelta(days=rng.randint(0, 200))  # after it, logs thin out
    neural = frozenset(
        e.id for phase in protocol.phases for e in phase.exercises if e.category == "neural_glide"
    )
    entries = []
    for plan_day in days:
        share = logging if plan_day.date < lapse else logging / 4
        for s in plan_day.sessions:
            if rng.random() >= share:
                continue
            for _ in range(1 + (rng.random() < 0.1)):  # now and then logged twice: the later wins
                done = rng.choice([s.dose.sets, s.dose.sets, rng.randint(0, s.dose.sets + 2)])
                reason = "stop_if" if rng.random() < 0.05 else None
                nerve = rng.choice([None, None, "none", "settled", "lasting"])
                entries.append(
                    ExerciseEntry.stored(
                        plan_day.date, s.exercise_id, s.slot_index, done, s.dose.sets,
                        "done" if done >= s.dose.sets else "partial", reason, None, None, None,
                        nerve if s.exercise_id in neural else None,
                    )
                )  # fmt: skip
    base, slope = rng.randint(0, 9), rng.choice([-0.05, 0.0, 0.03])
    pain = [
        PainEntry.stored(
            start + timedelta(days=n),
            max(0, min(10, round(base + slope * n + rng.randint(-1, 1)))),
            rng.choice(["sitting", "walking", "rest", "other"]),
        )
        for n in range((today - start).days + 1)
        if rng.random() < 0.6
    ]
    return PatientHistory(
        patient_id="1",
        today=today,
        plan_start=start,
        care_type=protocol.care_type,
        trial_weeks=protocol.conservative_trial_weeks,
        thresholds=thresholds_for(protocol.escalation),
        due_by_day=sets_due_by_day(days),
        neural_exercise_ids=neural,
        exercise_entries=entries,
        pain_entries=pain,
        surgery_date=surgery,
        meaningful_context=protocol.meaningful_context,
    )


def _from(whole: PatientHistory, carry) -> PatientHistory:
    """Return the history a sweep holds with `carry`: rows from its day on, pain in windows."""
    windows = pain_windows(whole.plan_start, whole.today, whole.thresholds)
    return replace(
        whole,
        adherence_carry=carry,
        exercise_entries=[e for e in whole.exercise_entries if e.local_date >= carry.until],
        due_by_day={d: n for d, n in whole.due_by_day.items() if d >= carry.until},
        pain_entries=[
            e for e in whole.pain_entries if any(a <= e.local_date <= b for a, b in windows)
        ],
    )


def _findings(history: PatientHistory) -> list:
    return [f for rule in SWEEP_RULES for f in RULES[rule](history)]


@PROFILE
@given(courses(), st.data())
def test_a_carried_history_finds_what_the_whole_history_finds(whole, data):
    latest = carry_until(whole.plan_start, whole.today, whole.thresholds)
    first = data.draw(st.dates(whole.plan_start, latest))
    second = data.draw(st.dates(first, latest))
    # One sweep carries to `first`; a later one, holding only rows from there, carries on.
    earlier = _from(whole, carry_to(whole, first))
    carried = _from(whole, carry_to(earlier, second))
    assert _findings(carried) == _findings(whole)
    active = [e.local_date for e in whole.exercise_entries if e.sets_done and e.local_date < second]
    assert carried.adherence_carry.last_active == max(active, default=None)
    yesterday = whole.today - timedelta(days=1)
    assert plan_adherence(carried, whole.plan_start, yesterday) == plan_adherence(
        whole, whole.plan_start, yesterday
    )


def test_a_window_a_carry_cannot_answer_is_refused():
    """Sums from the plan's start cannot give a window that starts inside them."""
    whole = PatientHistory(
        patient_id="1",
        today=date_(60),
        plan_start=date_(0),
        due_by_day={date_(n): 3 for n in range(61)},
    )
    carried = _from(whole, carry_to(whole, date_(30)))
    with pytest.raises(ValueError, match="cannot be taken from sums carried"):
        plan_adherence(carried, date_(10), date_(50))
    with pytest.raises(ValueError, match="cannot carry sums back"):
        carry_to(carried, date_(20))


def date_(n: int) -> date:
    return date(2026, 1, 1) + timedelta(days=n)
