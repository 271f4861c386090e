"""Patient-reported events. Each row is immutable and keyed by the device's UUID."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow

# The kinds of event a device pushes (POST /sync), each stored in its own table; the sync schema
# accepts these and the events service stores them (server.services.events.MODELS).
EVENT_KINDS = (
    "exercise_log",
    "pain_log",
    "red_flag_check",
    "postop_check",
    "clinical_event",
    "outcome_measure",
)


# Partial indexes of the rows that correct another (few): which rows are superseded is found
# without reading a patient's whole history.
_CORRECTIONS = {
    "postgresql_where": text("supersedes IS NOT NULL"),
    "sqlite_where": text("supersedes IS NOT NULL"),
}


class _Event:
    """Columns every logged event has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    # Device clocks are not trusted for ordering: received_at (server time) is the truth.
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    supersedes: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ExerciseLog(_Event, db.Model):
    __tablename__ = "exercise_logs"
    __table_args__ = (
        Index("ix_exercise_logs_patient_date", "patient_id", "local_date"),
        # The sweep reads a batch of plans' logs by plan (and only recent days, counting the
        # older ones: server.services.carried): without it, a scan of the table.
        Index("ix_exercise_logs_plan_date", "plan_id", "local_date"),
        Index("ix_exercise_logs_corrections", "plan_id", **_CORRECTIONS),
    )

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    exercise_id: Mapped[str] = mapped_column(String(64))
    local_date: Mapped[date]
    slot: Mapped[int] = mapped_column(default=1)
    sets_done: Mapped[int]
    sets_due: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    skip_reason: Mapped[str | None] = mapped_column(String(16))
    # The device names the stop sign; its text and level come from the protocol version.
    stop_if_id: Mapped[str | None] = mapped_column(String(64))
    stop_symptom: Mapped[str | None] = mapped_column(String(2000))
    stop_level: Mapped[str | None] = mapped_column(String(16))
    nerve_symptoms: Mapped[str | None] = mapped_column(String(16))
    pain_before: Mapped[int | None]
    pain_after: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)


class PainLog(_Event, db.Model):
    __tablename__ = "pain_logs"
    __table_args__ = (
        Index("ix_pain_logs_patient_date", "patient_id", "local_date"),
        Index("ix_pain_logs_corrections", "patient_id", **_CORRECTIONS),
    )

    local_date: Mapped[date]
    nprs: Mapped[int]
    context: Mapped[str] = mapped_column(String(20))
    tingling: Mapped[bool] = mapped_column(default=False)
    numbness: Mapped[bool] = mapped_column(default=False)
    felt_pop: Mapped[bool] = mapped_column(default=False)
    new_bruising: Mapped[bool] = mapped_column(default=False)
    cannot_bear_weight: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)


class _Check(_Event):
    """A questionnaire: each question answered yes, no or None (not asked after a yes)."""

    local_date: Mapped[date]
    answers: Mapped[dict] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(16))
    positives: Mapped[list] = mapped_column(JSON, default=list)


class RedFlagCheck(_Check, db.Model):
    __tablename__ = "red_flag_checks"
    __table_args__ = (Index("ix_red_flag_checks_patient_date", "patient_id", "local_date"),)


class PostopCheck(_Check, db.Model):
    """The daily post-operative check after hamstring repair."""

    __tablename__ = "postop_checks"
    __table_args__ = (Index("ix_postop_checks_patient_date", "patient_id", "local_date"),)


class ClinicalEvent(_Event, db.Model):
    """Imaging, a diagnostic guided injection or an examination finding, entered by staff."""

    __tablename__ = "clinical_events"
    __table_args__ = (Index("ix_clinical_events_patient_date", "patient_id", "event_date"),)

    kind: Mapped[str] = mapped_column(String(20))
    event_date: Mapped[date]
    details: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class OutcomeMeasure(_Event, db.Model):
    """A completed questionnaire: the LEFS (function) or the PGIC (global impression of change)."""

    __tablename__ = "outcome_measures"
    __table_args__ = (Index("ix_outcome_measures_patient_date", "patient_id", "local_date"),)

    local_date: Mapped[date]
    instrument: Mapped[str] = mapped_column(String(8))
    answers: Mapped[list] = mapped_column(JSON)
    # Computed by the server from the answers (LEFS 0-80, PGIC 1-7), never taken from a device.
    score: Mapped[int]
