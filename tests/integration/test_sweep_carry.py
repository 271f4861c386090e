"""A sweep reads only a plan's recent rows once an earlier sweep carried its adherence sums, and
must still judge what the whole history says (server.services.carried).

The course is logged through /sync as the app does: a piriformis trial of 100 days, most
sessions done, pain flat, so R-FAIL fires on the adherence of the whole plan. Each check
compares the sweep's own reading (load_sweep_rows with the stored carry) with a reading of the
whole history, as of the same day, and the alerts the real sweep stores with the latter.
"""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain.adherence import carry_to
from domain.rules import RULES
from server.extensions import db
from server.models import Alert, ExerciseLog, Plan, PlanEvaluation
from server.services.carried import load_sweep_rows, stored_carry
from server.services.escalation import SWEEP_RULES, thresholds_of
from server.services.histories import history_of, load_history_rows
from server.services.plans import protocol_of
from server.services.sweep import run_sweep
from tests.conftest import assign, push_all, sessions_done, sync_event

TODAY = date.today()
START = TODAY - timedelta(days=100)


@pytest.fixture()
def course(clean_app, physio, patient):
    """A 100-day plan with about 85 % of its sessions logged done and pain flat at 6."""
    plan = assign(physio, patient, start=START)
    rng = random.Random(15)
    events = [e for e in sessions_done(patient, plan["id"], START, TODAY) if rng.random() < 0.85]
    for n in range(0, 101, 2):
        day = (START + timedelta(days=n)).isoformat()
        events.append(sync_event("pain_log", {"local_date": day, "nprs": 6, "context": "sitting"}))
    push_all(patient, events)
    return clean_app, patient, plan["id"]


def _judged(plan_id: int, today: date):
    """Return (the sweep's reading, the whole history's) as (findings, next due day), and the
    sweep's PlanRead."""
    plan = db.session.get(Plan, plan_id)
    evaluation = db.session.get(PlanEvaluation, plan_id)
    held = stored_carry(evaluation.carry if evaluation else None, plan)
    thr = thresholds_of(protocol_of(plan.protocol))
    rows, reads = load_sweep_rows(
        db.session, [plan], {plan_id: today}, {plan_id: held}, {plan_id: thr}
    )
    carried, carried_due = history_of(plan, today, rows, reads[plan_id].carry)
    whole_rows = load_history_rows(db.session, [plan_id], [plan.patient_id])
    whole, whole_due = history_of(plan, today, whole_rows)

    def findings(history):
        return [f for rule in SWEEP_RULES for f in RULES[rule](history)]

    return (findings(carried), carried_due), (findings(whole), whole_due), reads[plan_id], carried


def _row_count_before(plan_id: int, until: date) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ExerciseLog)
        .where(ExerciseLog.plan_id == plan_id, ExerciseLog.local_date < until)
    )


def test_later_sweeps_read_recent_rows_and_judge_as_the_whole_history(course):
    app, _, plan_id = course
    with app.app_context():
        run_sweep(db.session, as_of=TODAY - timedelta(days=20))
        # Eight days on the plan is due again (its weekly look); the sweep reads from its carry.
        carried, whole, read, history = _judged(plan_id, TODAY - timedelta(days=12))
        assert read.carry is not None
        assert carried == whole
        assert {f.rule_id for f in whole[0]} == {"R-FAIL", "R-PHASE"}
        everything = len(
            load_history_rows(db.session, [plan_id], [history.patient_id]).exercise.get(plan_id, [])
        )
        assert len(history.exercise_entries) < everything / 2, "only recent rows were read"
        run = run_sweep(db.session, as_of=TODAY - timedelta(days=12))
        assert run.plans_evaluated == 1 and run.errors == 0
        # What the sweep stored carries on correctly: its count and sums are the whole history's.
        plan = db.session.get(Plan, plan_id)
        stored = db.session.get(PlanEvaluation, plan_id).carry
        carry, rows_before = stored_carry(stored, plan)
        assert rows_before == _row_count_before(plan_id, carry.until)
        whole_rows = load_history_rows(db.session, [plan_id], [plan.patient_id])
        full_history, _ = history_of(plan, TODAY - timedelta(days=12), whole_rows)
        assert carry == carry_to(full_history, carry.until)
        alert = db.session.scalar(select(Alert).where(Alert.rule_id == "R-FAIL"))
        assert alert.evidence == whole[0][0].evidence


def test_a_late_log_for_a_carried_day_makes_the_sweep_read_everything(course):
    app, patient, plan_id = course
    with app.app_context():
        run_sweep(db.session, as_of=TODAY - timedelta(days=20))
        before = db.session.get(PlanEvaluation, plan_id).carry
        # A device that was offline for weeks syncs a session of the plan's sixth day.
        missed = [e for e in sessions_done(patient, plan_id, START, START + timedelta(days=6))]
        stored_days = {
            (log.local_date, log.exercise_id, log.slot)
            for log in db.session.scalars(select(ExerciseLog).where(ExerciseLog.plan_id == plan_id))
        }
        late = [
            e
            for e in missed
            if (
                date.fromisoformat(e["data"]["local_date"]),
                e["data"]["exercise_id"],
                e["data"]["slot"],
            )
            not in stored_days
        ]
        assert late, "the course left sessions of its first week unlogged"
        push_all(patient, late[:1])
        assert date.fromisoformat(late[0]["data"]["local_date"]) < date.fromisoformat(
            before["until"]
        )
        carried, whole, read, _ = _judged(plan_id, TODAY - timedelta(days=12))
        assert read.carry is None, "the carry no longer matches the stored rows"
        assert carried == whole
        # The sweep then stores a carry that counts the late row.
        run_sweep(db.session, as_of=TODAY - timedelta(days=12))
        plan = db.session.get(Plan, plan_id)
        carry, rows_before = stored_carry(db.session.get(PlanEvaluation, plan_id).carry, plan)
        assert rows_before == _row_count_before(plan_id, carry.until)


def test_a_correction_across_the_carry_makes_the_sweep_read_everything(course):
    app, patient, plan_id = course
    with app.app_context():
        run_sweep(db.session, as_of=TODAY - timedelta(days=20))
        first = db.session.scalar(
            select(ExerciseLog).where(ExerciseLog.plan_id == plan_id).order_by(ExerciseLog.id)
        )
        # The patient corrects the plan's first logged session: not done after all. The
        # correction is dated today, its target before the carry's day.
        fixed = {
            "plan_id": plan_id,
            "exercise_id": first.exercise_id,
            "local_date": (TODAY - timedelta(days=1)).isoformat(),
            "slot": first.slot,
            "sets_done": 0,
            "sets_due": first.sets_due,
            "status": "skipped",
            "skip_reason": "forgot",
            "supersedes": str(first.client_uuid),
        }
        push_all(patient, [sync_event("exercise_log", fixed)])
        carried, whole, read, _ = _judged(plan_id, TODAY - timedelta(days=12))
        assert read.carry is None
        assert carried == whole


def test_two_plans_of_one_patient_in_a_batch_read_each_pain_log_once(course, physio):
    """One plan read from its carry (pain windows), the other whole: the patient's pain logs
    come once each, as in a whole read, not once per plan that selects them."""
    app, patient, plan_id = course
    second = assign(physio, patient, "pelvic-floor-downtraining", start=TODAY - timedelta(days=30))
    with app.app_context():
        run_sweep(db.session, as_of=TODAY - timedelta(days=20))
        today = TODAY - timedelta(days=12)
        plans = [db.session.get(Plan, i) for i in (plan_id, second["id"])]
        first_carry = db.session.get(PlanEvaluation, plan_id).carry
        # The second plan's carry is left out: it is read whole, as after a revision.
        carries = {plan_id: stored_carry(first_carry, plans[0]), second["id"]: None}
        assert carries[plan_id] is not None
        thresholds = {p.id: thresholds_of(protocol_of(p.protocol)) for p in plans}
        rows, reads = load_sweep_rows(
            db.session, plans, {p.id: today for p in plans}, carries, thresholds
        )
        assert reads[plan_id].carry is not None and reads[second["id"]].carry is None
        whole = load_history_rows(db.session, [p.id for p in plans], [plans[0].patient_id])
        assert rows.pain[plans[0].patient_id] == whole.pain[plans[0].patient_id]
