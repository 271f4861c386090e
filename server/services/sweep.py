"""The escalation sweep: judge each care plan that needs it and raise or clear alerts.

A plan is evaluated when its data changed since the last finished sweep (new rows above that
sweep's id watermarks), when it was never evaluated, or when its `next_due_on` has come (see
`server.services.histories.next_due`). Everything else is skipped: that is what makes the daily
sweep incremental.
"""

import gc
import logging
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from domain.readiness import readiness_checklist
from domain.review import WATCHED_DECISIONS, reraise_reason
from domain.rules import RULES
from server.models import (
    Alert,
    Change,
    ClinicalEvent,
    ExerciseLog,
    OutcomeMeasure,
    PainLog,
    Patient,
    Plan,
    PlanEvaluation,
    RedFlagCheck,
    SweepQueueItem,
    SweepRun,
)
from server.models.types import utcnow
from server.services.carried import load_sweep_rows, next_carry, stored_carry
from server.services.escalation import (
    SWEEP_RULES,
    clear_finished_episodes,
    decision_snapshot,
    episode_key,
    live_alerts,
    publish,
    raise_again,
    raise_alerts,
    refresh_evidence,
    thresholds_of,
)
from server.services.histories import history_of
from server.services.plans import protocol_of

log = logging.getLogger(__name__)

WATERMARK_TABLES = {
    "exercise_logs": ExerciseLog,
    "pain_logs": PainLog,
    "red_flag_checks": RedFlagCheck,
    "clinical_events": ClinicalEvent,
    # A new LEFS or PGIC can end a failed trial (R-FAIL): judge the plan again at once.
    "outcome_measures": OutcomeMeasure,
    "changes": Change,
}
# A scheduled sweep judges a patient's day only after this local hour, so "yesterday" is over.
LOCAL_SWEEP_HOUR = 2
_SWEEP_LOCK = 7_465_823


def run_sweep(
    session: Session,
    *,
    kind: str = "manual",
    slot: str | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
    batch_size: int = 400,
) -> SweepRun | None:
    """Run one sweep; return its record, or None when another process holds the same slot."""
    opened = open_run(session, kind=kind, slot=slot, as_of=as_of, now=now)
    if opened is None:
        return None
    run, todo = opened
    for start in range(0, len(todo), batch_size):
        _evaluate_batch(session, run, todo[start : start + batch_size])
        session.commit()
    return finish_run(session, run)


def open_run(
    session: Session,
    *,
    kind: str,
    slot: str | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> tuple[SweepRun, list[tuple[int, date]]] | None:
    """Claim the sweep's slot and return its record with the (plan, local today) pairs due.

    Return None when another process holds the same slot.
    """
    now = now or utcnow()
    run = SweepRun(
        slot=slot or f"{kind}:{now.isoformat()}",
        kind=kind,
        as_of=as_of,
        started_at=now,
        watermarks=_watermarks(session),
    )
    try:
        session.add(run)
        session.commit()
    except IntegrityError:
        session.rollback()
        log.info("sweep slot %s already taken; not running it twice", run.slot)
        return None
    previous = session.scalar(
        select(SweepRun)
        .where(SweepRun.status == "done", SweepRun.id < run.id)
        .order_by(SweepRun.id.desc())
        .limit(1)
    )
    changed = _changed_patients(session, previous.watermarks) if previous else None
    todo = _plans_to_evaluate(session, run, changed, now)
    _supersede_unfinished(session, run)
    return run, todo


def _supersede_unfinished(session: Session, run: SweepRun) -> None:
    """Close the runs started before `run` that have not finished, and drop what they left.

    A run whose every process died stays "running" with its queued plans; this run's due test
    starts from the last finished run, so it judges those plans itself. Their old rows are
    deleted unless a live worker holds them (it deletes them when its batch commits), and the
    old run is marked "superseded": an operator never sees a crashed sweep as still running.
    """
    session.execute(
        update(SweepRun)
        .where(SweepRun.id < run.id, SweepRun.status == "running")
        .values(status="superseded", finished_at=utcnow())
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "DELETE FROM sweep_queue q USING (SELECT sweep_run_id, plan_id FROM sweep_queue"
                " WHERE sweep_run_id < :run FOR UPDATE SKIP LOCKED) AS left_over"
                " WHERE q.sweep_run_id = left_over.sweep_run_id"
                " AND q.plan_id = left_over.plan_id"
            ),
            {"run": run.id},
        )
    else:  # one writer at a time: no worker can hold a row now
        session.execute(delete(SweepQueueItem).where(SweepQueueItem.sweep_run_id < run.id))
    session.commit()


def finish_run(session: Session, run: SweepRun) -> SweepRun:
    """Mark a sweep done (its watermarks now count for the next one) and log what it did."""
    run.status = "done"
    run.finished_at = utcnow()
    session.commit()
    session.refresh(run)  # loaded, so callers can read it after the session closes
    log.info(
        "sweep %s: %d plans seen, %d evaluated, %d findings, %d new alerts, %d errors",
        run.slot,
        run.plans_seen,
        run.plans_evaluated,
        run.findings,
        run.alerts_created,
        run.errors,
    )
    return run


def _watermarks(session: Session) -> dict[str, int]:
    return {
        name: session.scalar(select(func.coalesce(func.max(model.id), 0)))
        for name, model in WATERMARK_TABLES.items()
    }


def _changed_patients(session: Session, marks: dict[str, int]) -> set[int]:
    """Return the patients with any row added after the previous sweep's watermarks."""
    queries = []
    for name, model in WATERMARK_TABLES.items():
        query = select(model.patient_id).where(model.id > marks.get(name, 0))
        if model is Change:
            # Plan revisions are new data; the sweep's own alerts are not.
            query = query.where(Change.kind == "plan")
        queries.append(query)
    return set(session.scalars(union(*queries)))


def _plans_to_evaluate(session, run, changed, now) -> list[tuple[int, date]]:
    # Plain columns, not evaluation records: every active plan is looked at, and building an
    # ORM object for each cost more than the rest of a 1 %-changed sweep.
    rows = session.execute(
        select(
            Plan.id,
            Plan.patient_id,
            Plan.start_date,
            Patient.timezone,
            PlanEvaluation.evaluated_on,
            PlanEvaluation.next_due_on,
        )
        .join(Patient, Plan.patient_id == Patient.id)
        .outerjoin(PlanEvaluation, PlanEvaluation.plan_id == Plan.id)
        .where(Plan.status == "active")
        .order_by(Plan.id)
    ).all()
    moments: dict[str, datetime] = {}
    todo = []
    for plan_id, patient_id, start, tz, evaluated_on, next_due_on in rows:
        local = moments.get(tz)
        if local is None:
            local = moments[tz] = now.astimezone(ZoneInfo(tz))
        today = run.as_of or local.date()
        if today < start:
            continue
        run.plans_seen += 1
        data_changed = changed is None or patient_id in changed
        never = evaluated_on is None  # evaluated_on is never empty on a stored evaluation
        time_due = never or (next_due_on <= today and evaluated_on < today)
        if run.kind != "manual" and run.as_of is None and local.hour < LOCAL_SWEEP_HOUR:
            time_due = time_due and never
        if data_changed or time_due:
            todo.append((plan_id, today))
    return todo


@contextmanager
def _collector_paused():
    """Pause Python's cycle collector while a batch is read and judged.

    A batch builds about 100,000 small tuples (log rows) that live until it ends, and the
    collector would otherwise walk every live object again and again while they are made: 40 %
    of a full sweep's CPU (bench/sweep.py --postgres, 2,000 patients: 10.6 s of CPU with it,
    6.5 s without). The batch's garbage is freed by reference counting as usual; its few cycles
    wait for the collector's next pass after the batch. Re-enabled only if it was on before.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _evaluate_batch(
    session: Session, run: SweepRun, todo: list[tuple[int, date]], shared: bool = False
) -> None:
    with _collector_paused():
        _judge_batch(session, run, todo, shared)


def _judge_batch(session, run, todo, shared) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Two sweeps at once take turns batch by batch, so the second sees what the first
        # stored (SQLite gets the same from BEGIN IMMEDIATE). The workers of one sweep share
        # the lock: their plans never overlap (server.services.sweep_queue).
        # Keyed by the schema too: deployments (or test runs) sharing one database in
        # separate schemas never wait on each other's sweeps.
        lock = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        key = {"key": _SWEEP_LOCK}
        session.execute(text(f"SELECT {lock}(:key, hashtext(current_schema()))"), key)
    today_of = dict(todo)
    plans = session.scalars(
        select(Plan)
        .where(Plan.id.in_(today_of))
        .options(selectinload(Plan.revisions), joinedload(Plan.protocol))
    ).all()
    live = live_alerts(session, today_of)
    evaluations = {
        e.plan_id: e
        for e in session.scalars(select(PlanEvaluation).where(PlanEvaluation.plan_id.in_(today_of)))
    }
    carries = {
        plan.id: stored_carry(getattr(evaluations.get(plan.id), "carry", None), plan)
        for plan in plans
    }
    thresholds = {plan.id: thresholds_of(protocol_of(plan.protocol)) for plan in plans}
    rows, reads = load_sweep_rows(session, plans, today_of, carries, thresholds)
    new_alerts = []
    for plan in plans:
        today = today_of[plan.id]
        try:
            # Pure computation first: bad data fails here, before anything is written.
            history, next_due = history_of(plan, today, rows, reads[plan.id].carry)
            findings = [f for rule in SWEEP_RULES for f in RULES[rule](history)]
            carry = next_carry(plan, history, reads[plan.id])
        except Exception as error:  # one patient's bad data must not stop the sweep
            log.exception("sweep: plan %s of patient %s failed", plan.id, plan.patient_id)
            run.errors += 1
            run.error_log = [*run.error_log, {"plan_id": plan.id, "error": repr(error)[:300]}]
            continue
        plan_live = live[plan.id]
        new_alerts += _follow_up(session, plan.patient_id, plan.id, findings, plan_live, history)
        raised = raise_alerts(session, plan.patient_id, plan.id, findings, plan_live)
        firing = {episode_key(plan.patient_id, plan.id, f) for f in findings}
        clear_finished_episodes(session, firing, SWEEP_RULES, plan_live)
        next_due = min([next_due, *_review_dates(plan_live, today)])
        _remember(session, evaluations.get(plan.id), plan.id, today, next_due, run, carry)
        run.plans_evaluated += 1
        run.findings += len(findings)
        new_alerts += [alert for alert, created in raised if created]
    publish(session, new_alerts)
    run.alerts_created += len(new_alerts)


def _follow_up(session, patient_id, plan_id, findings, live, history) -> list[Alert]:
    """Refresh the evidence of live undecided alerts; raise decided ones again when due.

    A decided R-FAIL alert is raised again, once, on its review date or when new evidence came
    in since the decision (domain.review); other decided alerts keep their episode.
    """
    again = []
    items = None
    for finding in findings:
        alert = live.get(episode_key(patient_id, plan_id, finding))
        if alert is None:
            continue
        if alert.status != "decided":
            refresh_evidence(session, alert, finding)
            continue
        # Watched: a decision that set a review date (or, stored before review dates, one of
        # the surgical pathway's watched decisions).
        watched = alert.review_on is not None or alert.decision in WATCHED_DECISIONS
        if finding.rule_id != "R-FAIL" or not watched:
            continue
        if items is None:
            items = readiness_checklist(history.clinical_entries, history.pathway)
        reason = reraise_reason(
            history.today,
            alert.review_on,
            alert.decided_at,
            decision_snapshot(alert),
            items,
            history.clinical_entries,
        )
        if reason:
            again.append(raise_again(session, alert, finding, reason, live))
    return again


def _review_dates(live: dict[str, Alert], today: date) -> list[date]:
    """Return the review dates still ahead of the plan's decided alerts."""
    return [
        a.review_on
        for a in live.values()
        if a.status == "decided" and a.review_on is not None and a.review_on > today
    ]


def _remember(session, evaluation, plan_id, today, next_due, run, carry) -> None:
    if evaluation is None:
        session.add(
            PlanEvaluation(
                plan_id=plan_id,
                evaluated_on=today,
                next_due_on=next_due,
                sweep_run_id=run.id,
                carry=carry,
            )
        )
        return
    evaluation.carry = carry
    evaluation.evaluated_on = today
    evaluation.next_due_on = next_due
    evaluation.evaluated_at = utcnow()
    evaluation.sweep_run_id = run.id
