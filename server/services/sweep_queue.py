"""A sweep spread over worker processes (PostgreSQL): a queue of due plans, claimed in batches.

`open_queued_run` claims the sweep's slot and queues every plan that is due, with the local date
it is judged as of, exactly as the single-process sweep would choose them. Each worker then
loops: in one transaction it claims a small batch with `FOR UPDATE SKIP LOCKED`, judges it, adds
its counts to the run and deletes the batch's rows. A plan is therefore judged once per run: a
row is either locked by the one worker judging it, or gone.

A worker killed midway loses only its open transaction: PostgreSQL rolls it back, its rows are
claimable again, and the other workers of the same run judge them. When the queue is empty,
the worker that finds it so marks the run done. If every worker dies, the next sweep (whose
changed-data and due tests start from the last *finished* run) judges those plans, marks the
dead run "superseded" and deletes its rows (server.services.sweep._supersede_unfinished).
"""

import logging
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import delete, exists, insert, select, text, update
from sqlalchemy.orm import Session

from server.models import SweepQueueItem, SweepRun
from server.models.types import utcnow
from server.services.sweep import _evaluate_batch, open_run

log = logging.getLogger(__name__)

_CLAIM = text(
    "SELECT q.plan_id, q.local_today FROM sweep_queue q JOIN plans p ON p.id = q.plan_id"
    " WHERE q.sweep_run_id = :run ORDER BY q.plan_id LIMIT :n"
    # NO KEY UPDATE on the plan: a sweep of another slot skips it, patients' syncs
    # (which take KEY SHARE through their foreign keys) go on.
    " FOR UPDATE OF q SKIP LOCKED FOR NO KEY UPDATE OF p SKIP LOCKED"
)


def open_queued_run(
    session: Session,
    *,
    kind: str = "manual",
    slot: str | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> SweepRun | None:
    """Claim the slot and queue its due plans; return the run, or None if the slot is taken."""
    opened = open_run(session, kind=kind, slot=slot, as_of=as_of, now=now)
    if opened is None:
        return None
    run, todo = opened
    if todo:
        session.execute(
            insert(SweepQueueItem),
            [{"sweep_run_id": run.id, "plan_id": p, "local_today": d} for p, d in todo],
        )
    session.commit()
    return run


def work_on(session: Session, run_id: int, batch_size: int = 200) -> int:
    """Judge queued plans of a run until none is left to claim; return how many this worker judged.

    Marks the run done when its queue is empty. Safe to run in any number of processes at once.
    """
    judged = 0
    while True:
        claimed = session.execute(_CLAIM, {"run": run_id, "n": batch_size}).all()
        if not claimed:
            session.rollback()
            break
        todo = [(plan_id, _day(today)) for plan_id, today in claimed]
        # A stand-in record collects this batch's counts; the run's row takes them at commit.
        tally = SimpleNamespace(
            id=run_id, plans_evaluated=0, findings=0, alerts_created=0, errors=0, error_log=[]
        )
        _evaluate_batch(session, tally, todo, shared=True)
        plan_ids = [plan_id for plan_id, _ in todo]
        session.execute(
            delete(SweepQueueItem).where(
                SweepQueueItem.sweep_run_id == run_id, SweepQueueItem.plan_id.in_(plan_ids)
            )
        )
        _add_counts(session, run_id, tally)
        session.commit()
        judged += len(todo)
    _finish_if_empty(session, run_id)
    return judged


def _add_counts(session: Session, run_id: int, tally: SimpleNamespace) -> None:
    """Add a batch's counts to the run's row (locked until commit: workers take turns).

    NO KEY UPDATE, the last lock a batch takes: the batch's plan evaluations hold KEY SHARE on
    this row through their foreign key, and a full FOR UPDATE would wait for another
    worker's batch while holding the feed lock that batch waits for (a deadlock).
    """
    run = session.get(SweepRun, run_id, with_for_update={"key_share": True}, populate_existing=True)
    run.plans_evaluated += tally.plans_evaluated
    run.findings += tally.findings
    run.alerts_created += tally.alerts_created
    run.errors += tally.errors
    if tally.error_log:
        run.error_log = [*run.error_log, *tally.error_log]


def _finish_if_empty(session: Session, run_id: int) -> None:
    """Mark the run done once no queued plan is left (rows still locked count as left)."""
    left = session.scalar(select(exists().where(SweepQueueItem.sweep_run_id == run_id)))
    if not left:
        done = session.execute(
            update(SweepRun)
            .where(SweepRun.id == run_id, SweepRun.status == "running")
            .values(status="done", finished_at=utcnow())
        )
        if done.rowcount:
            log.info("sweep run %s: queue empty, run done", run_id)
    session.commit()


def finished(session: Session, run_id: int) -> SweepRun:
    """Return the run's record as stored now (for the process that started the workers)."""
    session.expire_all()
    return session.get(SweepRun, run_id)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
