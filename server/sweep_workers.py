"""Start a sweep's worker processes (PostgreSQL) and wait for them.

Used by `flask --app server sweep run --workers N` and by the scheduler (STRIDE_SWEEP_WORKERS).
The workers are forked from this process: each drops the inherited connections
(`engine.dispose(close=False)`) and opens its own. If a worker dies, this process judges what it
left before returning, so the run still finishes; see server.services.sweep_queue.
"""

import logging
import multiprocessing
import resource
from datetime import date, datetime

from flask import Flask

from server.extensions import db
from server.models import SweepRun
from server.services.sweep import run_sweep
from server.services.sweep_queue import finished, open_queued_run, work_on

log = logging.getLogger(__name__)


def workers_allowed(app: Flask, asked: int) -> tuple[int, str | None]:
    """Return how many worker processes a sweep may use here, and why fewer when so."""
    with app.app_context():
        dialect = db.engine.dialect.name
    if asked > 1 and dialect != "postgresql":
        return 1, (
            f"{dialect}: the sweep runs in one process (one writer at a time); "
            f"--workers {asked} needs PostgreSQL"
        )
    return max(1, asked), None


def sweep_with_workers(
    app: Flask,
    workers: int,
    *,
    kind: str = "manual",
    slot: str | None = None,
    as_of: date | None = None,
    now: datetime | None = None,
    batch_size: int = 200,
) -> SweepRun | None:
    """Run one sweep in `workers` processes (one: the single-process sweep, in this process)."""
    with app.app_context():
        try:
            if workers <= 1:
                return run_sweep(
                    db.session, kind=kind, slot=slot, as_of=as_of, now=now, batch_size=batch_size
                )
            run = open_queued_run(db.session, kind=kind, slot=slot, as_of=as_of, now=now)
            if run is None:
                return None
            run_id = run.id
        finally:
            db.session.remove()
            db.engine.dispose()  # the children open their own connections
    context = multiprocessing.get_context("fork")
    children = [
        context.Process(target=_worker, args=(app, run_id, batch_size), name=f"sweep-worker-{n}")
        for n in range(workers)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join()
    with app.app_context():
        try:
            died = [c.name for c in children if c.exitcode != 0]
            if died:
                log.warning("sweep run %s: %s died; judging what they left", run_id, died)
                work_on(db.session, run_id, batch_size)
            return finished(db.session, run_id)
        finally:
            db.session.remove()


def _worker(app: Flask, run_id: int, batch_size: int) -> None:
    """Judge queued plans in a forked process, then report its count and peak memory.

    The peak starts at the parent's size when forked (the pages it shares); what the worker adds
    is its batches, which do not grow with the number of patients.
    """
    forked = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with app.app_context():
        db.engine.dispose(close=False)
        judged = work_on(db.session, run_id, batch_size)
        db.session.remove()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    log.info(
        "sweep run %s: worker judged %d plans, peak memory %d MiB (%d MiB when forked)",
        run_id,
        judged,
        peak,
        forked,
    )
