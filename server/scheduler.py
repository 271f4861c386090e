"""The one scheduler process: an hourly job that sweeps the patients whose local day has turned.

Run it with `flask --app server scheduler run`. Web workers never start a scheduler. A second
scheduler started by mistake finds the lock taken and exits; even without the lock, each hourly
sweep claims a unique slot row, so no sweep runs twice.
"""

import fcntl
import logging
import os
from contextlib import contextmanager
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import text

from server.extensions import db
from server.models.types import utcnow
from server.services.sweep import run_sweep
from server.sweep_workers import sweep_with_workers, workers_allowed

log = logging.getLogger(__name__)
_PG_LOCK = 7_465_822
# A sweep missed by up to this long (machine asleep, process restarted) still runs.
MISFIRE_GRACE_S = 6 * 3600


class SchedulerAlreadyRunning(RuntimeError):
    """Another scheduler process holds the lock."""


def slot_for(moment: datetime) -> str:
    """Return the unique slot name of the hourly sweep that covers a moment."""
    return f"hourly:{moment:%Y-%m-%dT%H}"


def sweep_job(app: Flask, kind: str = "scheduled", now: datetime | None = None):
    """Run the sweep of the current hour inside an app context (safe to call twice).

    With STRIDE_SWEEP_WORKERS above 1 on PostgreSQL, the sweep runs in that many processes.
    """
    now = now or utcnow()
    workers, why = workers_allowed(app, app.config.get("SWEEP_WORKERS", 1))
    if why:
        log.warning("scheduler: %s", why)
    if workers > 1:
        return sweep_with_workers(app, workers, kind=kind, slot=slot_for(now), now=now)
    with app.app_context():
        try:
            return run_sweep(db.session, kind=kind, slot=slot_for(now), now=now)
        finally:
            db.session.remove()


@contextmanager
def single_scheduler(app: Flask):
    """Hold a process-wide lock for as long as this scheduler lives."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            # Keyed on the schema too: two deployments (or test runs) in one database each get one.
            lock = "SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"
            if not connection.scalar(text(lock), {"k": _PG_LOCK}):
                raise SchedulerAlreadyRunning("another scheduler holds the database lock")
            try:
                yield
            finally:
                unlock = "SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"
                connection.execute(text(unlock), {"k": _PG_LOCK})
        return
    # Next to the database file: one lock per database, whatever the working directory.
    database = engine.url.database
    if database and database != ":memory:":
        path = os.path.abspath(database) + ".scheduler.lock"
    else:
        path = os.path.join(app.instance_path, "scheduler.lock")
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SchedulerAlreadyRunning(f"another scheduler holds {path}") from None
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def build_scheduler(app: Flask) -> BlockingScheduler:
    """Return the blocking scheduler with the hourly sweep job."""
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
    )
    scheduler.add_job(sweep_job, "cron", minute=5, args=[app], id="sweep", replace_existing=True)
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Catch up on a missed sweep, then run the hourly job until stopped."""
    with single_scheduler(app):
        log.info("scheduler: catch-up sweep on start")
        sweep_job(app, kind="catch-up")
        scheduler = build_scheduler(app)
        log.info("scheduler: hourly sweep at minute 5 (each patient once a local day)")
        scheduler.start()
