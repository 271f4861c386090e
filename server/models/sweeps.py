"""Records of escalation sweeps and of when each plan was last evaluated."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class SweepRun(db.Model):
    """One sweep: when it ran, what it saw and found; `slot` makes a scheduled run unique."""

    __tablename__ = "sweep_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # scheduled | catch-up | manual
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    as_of: Mapped[date | None]
    plans_seen: Mapped[int] = mapped_column(default=0)
    plans_evaluated: Mapped[int] = mapped_column(default=0)
    findings: Mapped[int] = mapped_column(default=0)
    alerts_created: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    error_log: Mapped[list] = mapped_column(JSON, default=list)
    # Highest row ids seen per table when the sweep started: rows above them are "new data".
    watermarks: Mapped[dict] = mapped_column(JSON, default=dict)


class PlanEvaluation(db.Model):
    """When a plan was last judged, and the day by which time alone calls for a new look."""

    __tablename__ = "plan_evaluations"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    evaluated_on: Mapped[date]
    next_due_on: Mapped[date]
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sweep_run_id: Mapped[int | None] = mapped_column(ForeignKey("sweep_runs.id"))
    # Adherence sums of the plan's days before a date, kept for the next sweep
    # (server.services.carried); None until a sweep stored them.
    carry: Mapped[dict | None] = mapped_column(JSON)


class SweepQueueItem(db.Model):
    """A plan a sweep run by several workers still has to judge; deleted once judged.

    Workers claim rows with `FOR UPDATE SKIP LOCKED` and delete them in the transaction that
    stores the plan's evaluation, so each plan is judged once per run; a worker killed midway
    leaves its rows for the others (its transaction is rolled back).
    """

    __tablename__ = "sweep_queue"

    sweep_run_id: Mapped[int] = mapped_column(
        ForeignKey("sweep_runs.id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    # The patient's local date the plan is judged as of (as the single-process sweep does).
    local_today: Mapped[date]
