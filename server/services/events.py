"""Storing a batch of device events at once: check each, insert per table, then react.

The events come as their schemas loaded them at the API edge (plain dicts of Python values).
Each event is checked on its own (a bad one is refused without touching the others), the valid
ones go in with one multi-row "INSERT … ON CONFLICT (client_uuid) DO NOTHING" per table, and the
alerts that must not wait for a sweep (R-RED, R-POSTOP, R-STOP) are raised in the same
transaction. The level of a stop sign comes from the plan's protocol version, never the device.
Every new row joins the change feed: the patient's other devices (and the care team) pull it.
"""

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.findings import Finding
from domain.history import ExerciseEntry, PainEntry, PostopCheckEntry, RedFlagEntry
from domain.nerves import ADVICE as NERVE_ADVICE
from domain.nerves import EPISODE_ANSWERS
from domain.outcomes import score as outcome_score
from domain.postop import QUESTIONS_BY_KEY as POSTOP_QUESTIONS
from domain.postop import questions_for
from domain.postop import triage as postop_triage
from domain.protocol import Exercise
from domain.redflags import highest, triage
from domain.reports import (
    glide_numbness_findings,
    postop_check_findings,
    postop_findings,
    red_flag_findings,
    stop_findings,
)
from domain.stops import stop_outcome
from server.database import begin_writing
from server.models import (
    ClinicalEvent,
    ExerciseLog,
    OutcomeMeasure,
    PainLog,
    Patient,
    Plan,
    PostopCheck,
    ProtocolVersion,
    RedFlagCheck,
    User,
)
from server.models.types import utcnow
from server.services.changes import record_feed
from server.services.errors import Conflict, Invalid
from server.services.escalation import raise_alerts
from server.services.plans import (
    PlanFacts,
    ScheduleInputs,
    expand_inputs,
    local_today,
    plan_facts,
)

# A device a day ahead of the server's idea of the patient's date is a clock or time-zone slip,
# not fraud; two days is not.
FUTURE_TOLERANCE = timedelta(days=1)

_PAIN_ENTRY_FIELDS = [f.name for f in fields(PainEntry)]

# Built once: the start of a patient's first plan.
_FIRST_START = select(func.min(Plan.start_date)).where(Plan.patient_id == bindparam("patient_id"))

MODELS = {
    "exercise_log": ExerciseLog,
    "pain_log": PainLog,
    "red_flag_check": RedFlagCheck,
    "postop_check": PostopCheck,
    "clinical_event": ClinicalEvent,
    "outcome_measure": OutcomeMeasure,
}


@dataclass
class Stored:
    """The outcome of one event: its stored row, whether it is new, and what it set off."""

    record: Mapping | None = None  # the stored row's columns, by name
    row: object = None  # the ORM object, loaded only for single events (the REST endpoints)
    # The new row as the database handed it back (its column types' values, as a SELECT
    # reads them): what a pull that follows shows of it. None unless this event created it.
    returned: Mapping | None = None
    created: bool = False
    error: Invalid | Conflict | None = None
    # What the patient is told ("none", "stop", "review", "urgent", "emergency") and why.
    level: str | None = None
    advice: str | None = None
    alerts: list = field(default_factory=list)

    @property
    def alert_ids(self) -> list[int]:
        """Return the ids of the alerts raised or added to, each once, in order."""
        return list(dict.fromkeys(alert.id for alert in self.alerts))


class EventBatch:
    """Events of one request by one author, checked one by one and stored together."""

    def __init__(self, session: Session, author: User):
        self.session, self.author = session, author
        self._pending: dict[str, list[tuple[Patient, dict]]] = defaultdict(list)
        self._plans: dict[int, PlanFacts | None] = {}
        self._post_op: dict[int, list[Plan]] = {}
        self._today: dict[int, date] = {}
        self._first: dict[int, date] = {}

    def add(
        self, kind: str, patient: Patient, data: dict, problem: tuple[str, str] | None = None
    ) -> uuid.UUID:
        """Check one event and queue it; raise Invalid naming the field that is wrong.

        `problem` is a (field, reason) the API edge found in data it loaded (a clinical event's
        details, against the schema of their kind): it is reported in its turn, after the
        correction's target is checked, as if this batch had found it.
        """
        check = getattr(self, f"_check_{kind}")
        client_uuid = data.get("client_uuid") or uuid.uuid4()
        self._check_supersedes(kind, patient, client_uuid, data.get("supersedes"))
        if problem is not None:
            raise Invalid(*problem)
        values = {
            **check(patient, data),
            "client_uuid": client_uuid,
            "patient_id": patient.id,
            "recorded_by_id": self.author.id,
            "received_at": utcnow(),
        }
        self._pending[kind].append((patient, values))
        return values["client_uuid"]

    def store(self) -> dict[uuid.UUID, Stored]:
        """Insert every queued event (once per UUID) and raise the alerts they call for."""
        outcomes: dict[uuid.UUID, Stored] = {}
        if not self._pending:
            return outcomes  # a pull-only sync never waits for the write lock
        begin_writing(self.session)
        for kind, queued in self._pending.items():
            outcomes.update(self._insert(MODELS[kind], queued))
        reacted: set[uuid.UUID] = set()
        for kind, queued in self._pending.items():
            react = getattr(self, f"_react_{kind}", None)
            for patient, values in queued:
                key = values["client_uuid"]
                outcome = outcomes[key]
                # A UUID twice in one batch is one event: it sets things off once.
                if react and outcome.error is None and key not in reacted:
                    reacted.add(key)
                    react(patient, outcome)
        # One statement, last, so the PostgreSQL feed lock is held for as short a time as possible.
        feed = [
            (kind, *row)
            for kind, queued in self._pending.items()
            for row in _new_rows(queued, outcomes)
        ]
        record_feed(self.session, feed)
        self._pending.clear()
        return outcomes

    def _insert(self, model, queued) -> dict[uuid.UUID, Stored]:
        table, connection = model.__table__, self.session.connection()
        defaults = _DEFAULTS[table.name]
        rows = [{c: values.get(c, d) for c, d in defaults.items()} for _, values in queued]
        # One statement per table and dialect, compiled once; executemany sends the rows as
        # multi-row INSERTs ("insertmanyvalues") and returns the ids of the rows that were new.
        # As plain dicts: a dict is what the answer's planned dump reads fastest (one `get`).
        returned = {
            row.client_uuid: dict(row._mapping)
            for row in connection.execute(_insert_of(table, connection.dialect.name), rows)
        }
        new_ids = {key: row["id"] for key, row in returned.items()}
        stored: dict[uuid.UUID, Mapping] = {}
        for row in rows:  # a UUID twice in one batch: its first row is the one stored
            key = row["client_uuid"]
            if key in new_ids and key not in stored:
                stored[key] = {**row, "id": new_ids[key]}
        others = {values["client_uuid"] for _, values in queued} - new_ids.keys()
        if others:
            found = connection.execute(select(table).where(table.c.client_uuid.in_(others)))
            stored.update((row.client_uuid, row._mapping) for row in found)
        outcomes: dict[uuid.UUID, Stored] = {}
        for _, values in queued:
            key = values["client_uuid"]
            record = stored[key]
            created = key in new_ids and key not in outcomes
            returned_row = returned.get(key) if created else None
            outcome = Stored(record=record, created=created, returned=returned_row)
            if record["patient_id"] != values["patient_id"]:
                outcome = Stored(error=Invalid("id", "this UUID is already used by another record"))
            elif not outcome.created and (changed := _changed(table.name, record, values)):
                outcome = Stored(error=_reused(changed))
            outcomes.setdefault(key, outcome)
        return outcomes

    def _check_supersedes(self, kind: str, patient: Patient, key: uuid.UUID, target) -> None:
        """Refuse a correction that names no event of the same patient and kind.

        The corrected event may come earlier in the same batch (both queued offline).
        """
        if target is None:
            return
        what = kind.replace("_", " ")
        if target == key:
            raise Invalid("supersedes", f"a {what} cannot correct itself")
        queued = self._pending.get(kind, ())
        if any(v["client_uuid"] == target and p.id == patient.id for p, v in queued):
            return
        model = MODELS[kind]
        owner = self.session.scalar(select(model.patient_id).where(model.client_uuid == target))
        if owner != patient.id:
            raise Invalid("supersedes", f"names no {what} of this patient")

    def _check_date(self, patient: Patient, name: str, value: date) -> None:
        today = self._today.get(patient.id)
        if today is None:
            today = self._today[patient.id] = local_today(patient)
        if value > today + FUTURE_TOLERANCE:
            raise Invalid(name, "is in the future for the patient's time zone")

    def _plan(self, plan_id: int) -> PlanFacts | None:
        if plan_id not in self._plans:
            self._plans[plan_id] = plan_facts(self.session, plan_id)
        return self._plans[plan_id]

    def _check_exercise_log(self, patient: Patient, data: dict) -> dict:
        facts = self._plan(data["plan_id"])
        if facts is None or facts.patient_id != patient.id:
            raise Invalid("plan_id", "no such plan for this patient")
        plan = facts.inputs
        exercise = _exercise_of(plan, data["exercise_id"])
        if exercise is None:
            raise Invalid("exercise_id", "not an exercise of this plan")
        self._check_date(patient, "local_date", data["local_date"])
        if data["local_date"] < plan.start_date:
            raise Invalid("local_date", "is before the plan started")
        self._check_prescribed(facts, data)
        values = {**data, "stop_symptom": None, "stop_level": None}
        if data.get("stop_if_id"):
            sign = exercise.stop_sign(data["stop_if_id"])
            if sign is None:
                known = ", ".join(s.id for s in exercise.stop_if)
                raise Invalid(
                    "stop_if_id",
                    f"not a stop sign of {exercise.id} in this plan's protocol version "
                    f"(one of: {known})",
                )
            values.update(stop_symptom=sign.text, stop_level=sign.level)
        if data.get("nerve_symptoms") is not None and not exercise.is_neural_glide:
            raise Invalid("nerve_symptoms", "only asked after a neural-glide exercise")
        return values

    def _check_prescribed(self, facts: PlanFacts, data: dict) -> None:
        """Refuse a log that matches no prescription of its exercise, slot and local date.

        The device may not have pulled the latest revision yet: a log that matches what an
        earlier revision prescribed that day is accepted as it is (adherence is then judged
        against the current prescription, sets done capped at the sets now due).
        """
        day, exercise_id, slot = data["local_date"], data["exercise_id"], data.get("slot", 1)
        plan = facts.inputs
        if plan.end_date is not None and day > plan.end_date:
            raise Invalid("local_date", f"is after the plan ended on {plan.end_date}")
        # Newest first: "revisions 1..n" for each n, so a device one revision behind matches.
        numbers = sorted((r.number for r in plan.revisions), reverse=True)
        for upto in numbers:
            if _sets_prescribed(facts, day, upto).get((exercise_id, slot)) == data["sets_due"]:
                return
        # Explain the refusal against the newest prescription that has the exercise that day.
        versions = [_sets_prescribed(facts, day, upto) for upto in numbers]
        known = next((v for v in versions if any(e == exercise_id for e, _ in v)), None)
        if known is None:
            raise Invalid("exercise_id", f"{exercise_id} is not prescribed on {day}")
        if (exercise_id, slot) not in known:
            slots = ", ".join(str(n) for e, n in sorted(known) if e == exercise_id)
            raise Invalid("slot", f"{exercise_id} has no slot {slot} on {day} (slots: {slots})")
        sets = known[(exercise_id, slot)]
        raise Invalid("sets_due", f"{exercise_id} is prescribed {sets} sets on {day}")

    def _check_pain_log(self, patient: Patient, data: dict) -> dict:
        self._check_date(patient, "local_date", data["local_date"])
        first = self._first_day(patient)
        if data["local_date"] < first:
            raise Invalid("local_date", f"is before the patient's care began on {first}")
        return data

    def _check_outcome_measure(self, patient: Patient, data: dict) -> dict:
        # Dated like a pain log: not in the future, not before the patient's care began.
        values = self._check_pain_log(patient, data)
        try:
            score = outcome_score(data["instrument"], data["answers"])
        except ValueError as error:
            raise Invalid("answers", str(error)) from None
        return {**values, "score": score}

    def _first_day(self, patient: Patient) -> date:
        """Return the earliest day a patient's report can be about: account or first plan."""
        if patient.id not in self._first:
            # A plain row, through the connection: no ORM step for one number.
            started = self.session.connection().execute(_FIRST_START, {"patient_id": patient.id})
            started = started.scalar()
            joined = local_today(patient, patient.created_at) if patient.created_at else None
            self._first[patient.id] = min(d for d in (started, joined, date.max) if d)
        return self._first[patient.id]

    def _check_red_flag_check(self, patient: Patient, data: dict) -> dict:
        self._check_date(patient, "local_date", data["local_date"])
        result = _triage_or_invalid(lambda: triage(data["answers"], bool(patient.cancer_history)))
        return {**data, "level": result.level, "positives": list(result.positives)}

    def _check_postop_check(self, patient: Patient, data: dict) -> dict:
        self._check_date(patient, "local_date", data["local_date"])
        plan = self._post_operative_plan(patient, data["local_date"])
        if plan is None:
            reason = "no post-operative plan with a surgery date on or before it"
            raise Invalid("local_date", reason)
        days = (data["local_date"] - plan.surgery_date).days
        asked = {q.key for q in questions_for(days)}
        for key in data["answers"]:
            if key not in asked:
                reason = f"not asked on day {days} after surgery"
                raise Invalid(f"answers.{key}", reason if key in POSTOP_QUESTIONS else "unknown")
        for key in (q.key for q in questions_for(days)):
            if key not in data["answers"]:
                raise Invalid(f"answers.{key}", "Missing data for required field.")
        result = _triage_or_invalid(lambda: postop_triage(data["answers"], days))
        return {**data, "level": result.level, "positives": list(result.positives)}

    def _check_clinical_event(self, patient: Patient, data: dict) -> dict:
        details = data["details"]  # loaded by the schema of its kind (the API edge)
        self._check_date(patient, "event_date", data["event_date"])
        if details.get("mechanical_source") and self.author.role != "clinician":
            # Naming the source is what opens a surgical referral: the clinician's call.
            reason = "only a clinician names the mechanical source"
            raise Invalid("details.mechanical_source", reason)
        if details.get("cancer_history") in ("yes", "no") and self.author.role != "clinician":
            # It raises red-flag levels, as PUT /patients/{id}/cancer-history does: clinicians.
            reason = "only a clinician records the history of cancer (or send 'unknown')"
            raise Invalid("details.cancer_history", reason)
        return data

    def _react_clinical_event(self, patient: Patient, outcome: Stored) -> None:
        row = outcome.record
        answer = (row["details"] or {}).get("cancer_history") if row["kind"] == "intake" else None
        if outcome.created and answer in ("yes", "no"):
            # The intake's answer is the patient's history of cancer that the red-flag check reads.
            patient.cancer_history = answer == "yes"
            patient.cancer_history_by_id = self.author.id
            patient.cancer_history_at = utcnow()

    def _raise(self, patient: Patient, plan_id, findings: list[Finding], outcome: Stored) -> None:
        # A new report of a live episode adds its evidence; a repeat of the same UUID does not.
        raised = raise_alerts(
            self.session, patient.id, plan_id, findings, add_evidence=outcome.created
        )
        outcome.alerts += [alert for alert, _ in raised]

    def _react_red_flag_check(self, patient: Patient, outcome: Stored) -> None:
        row = outcome.record
        result = triage(row["answers"], bool(patient.cancer_history))
        outcome.level, outcome.advice = result.level, result.advice
        if result.level != "none":
            entry = RedFlagEntry(row["local_date"], row["answers"], row["recorded_at"])
            findings = red_flag_findings(entry, bool(patient.cancer_history))
            self._raise(patient, None, findings, outcome)

    def _react_postop_check(self, patient: Patient, outcome: Stored) -> None:
        row = outcome.record
        plan = self._post_operative_plan(patient, row["local_date"])
        days = (row["local_date"] - plan.surgery_date).days
        result = postop_triage(row["answers"], days)
        outcome.level, outcome.advice = result.level, result.advice
        entry = PostopCheckEntry(row["local_date"], row["answers"], row["recorded_at"])
        self._raise(patient, plan.id, postop_check_findings(entry, plan.surgery_date), outcome)

    def _react_exercise_log(self, patient: Patient, outcome: Stored) -> None:
        row = outcome.record
        if row["stop_level"] is None and row["nerve_symptoms"] not in EPISODE_ANSWERS:
            return  # nothing a person must hear about today
        plan = self._plan(row["plan_id"]).inputs
        post_operative = plan.protocol.care_type == "post_operative"
        entry = ExerciseEntry(
            row["local_date"],
            row["exercise_id"],
            row["slot"],
            row["sets_done"],
            row["sets_due"],
            row["status"],
            row["skip_reason"],
            stop_level=row["stop_level"],
            nerve_symptoms=row["nerve_symptoms"],
            recorded_at=row["recorded_at"],
        )
        findings = []
        if row["stop_level"] is not None:
            stop = stop_outcome(row["stop_level"], post_operative)
            outcome.level, outcome.advice = stop.level, stop.advice
            # A correction of a session (the nerve follow-up) repeats its stop sign, which the
            # first log already reported.
            if row["supersedes"] is None:
                sign_id, text = row["stop_if_id"], row["stop_symptom"]
                exercise = _exercise_of(plan, row["exercise_id"])
                name = exercise.name if exercise else None
                findings += stop_findings(entry, sign_id, text, post_operative, name)
        if row["nerve_symptoms"] in EPISODE_ANSWERS:
            if outcome.level is None:
                outcome.level, outcome.advice = "review", NERVE_ADVICE[row["nerve_symptoms"]]
            if post_operative and plan.surgery_date is not None:
                # After surgery, new numbness is the sciatic nerve's warning sign (R-POSTOP).
                postop = glide_numbness_findings(entry, plan.surgery_date)
                if postop:
                    outcome.level = highest([outcome.level, "urgent"])
                    outcome.advice = POSTOP_QUESTIONS["nerve_symptoms"].advice
                findings += postop
        self._raise(patient, plan.plan_id, findings, outcome)

    def _react_pain_log(self, patient: Patient, outcome: Stored) -> None:
        row = outcome.record
        if not (row["felt_pop"] or row["new_bruising"] or row["cannot_bear_weight"]):
            return  # no post-operative warning sign can be present: skip the plan lookup
        entry = PainEntry(**{name: row[name] for name in _PAIN_ENTRY_FIELDS})
        for plan in self._post_operative_plans(patient, row["local_date"]):
            findings = postop_findings(entry, plan.surgery_date)
            self._raise(patient, plan.id, findings, outcome)
            if findings:
                signs = findings[0].evidence["signs"]
                outcome.level = "urgent"
                outcome.advice = " ".join(POSTOP_QUESTIONS[s].advice for s in signs)

    def _post_operative_plan(self, patient: Patient, day: date) -> Plan | None:
        """Return the newest post-operative plan operated on by `day` (None if there is none)."""
        plans = self._post_operative_plans(patient, day)
        return max(plans, key=lambda p: p.surgery_date) if plans else None

    def _post_operative_plans(self, patient: Patient, day: date) -> list[Plan]:
        if patient.id not in self._post_op:
            self._post_op[patient.id] = list(
                self.session.scalars(
                    select(Plan)
                    .join(ProtocolVersion, Plan.protocol_version_id == ProtocolVersion.id)
                    .where(
                        Plan.patient_id == patient.id,
                        Plan.status == "active",
                        ProtocolVersion.care_type == "post_operative",
                    )
                )
            )
        return [p for p in self._post_op[patient.id] if p.surgery_date and p.surgery_date <= day]


# What a retry must repeat to be the same event: staff enter these by hand, so a UUID sent
# again with other content is a mistake to show (409), not a retry to answer with the old row.
_SAME_EVENT = {"clinical_events": ("kind", "event_date", "details", "note", "supersedes")}


def _changed(table: str, record: Mapping, values: dict) -> list[str]:
    """Return the fields in which a repeat of a stored event differs from it."""
    return [name for name in _SAME_EVENT.get(table, ()) if record[name] != values.get(name)]


def _reused(changed: list[str]) -> Conflict:
    reason = "this id is already stored with other content; send a new id for a new event"
    return Conflict(f"id: {reason} ({', '.join(changed)} differ).", {"json": {"id": [reason]}})


def _new_rows(queued, outcomes: dict[uuid.UUID, Stored]) -> list[tuple[int, int]]:
    """Return (id, patient_id) of each row this batch created, once each."""
    rows = {}
    for _, values in queued:
        outcome = outcomes[values["client_uuid"]]
        if outcome.created:
            rows[outcome.record["id"]] = outcome.record["patient_id"]
    return list(rows.items())


# The sets each session of a day is prescribed, by plan part, day and revisions 1..n, per worker:
# a device pushes the logs of the same few days again and again. Held as plain numbers.
_PRESCRIBED: dict[tuple, dict[tuple[str, int], int]] = {}
_PRESCRIBED_HELD = 16_384


def _sets_prescribed(facts: PlanFacts, day: date, upto: int) -> dict[tuple[str, int], int]:
    """Return the sets due of each (exercise, slot) a plan prescribes on a day, revisions 1..upto.

    A function of the plan part of the plan's schedule key (its dates, current revision and
    protocol content), so kept across requests: a new revision makes another key.
    """
    key = (facts.plan_part, day, upto)
    found = _PRESCRIBED.get(key)
    if found is None:
        plan = facts.inputs
        revisions = tuple(r for r in plan.revisions if r.number <= upto)
        days = expand_inputs(plan._replace(revisions=revisions), day, day)
        sessions = days[0].sessions if days else ()
        found = {(s.exercise_id, s.slot_index): s.dose.sets for s in sessions}
        if len(_PRESCRIBED) >= _PRESCRIBED_HELD:
            _PRESCRIBED.clear()
        _PRESCRIBED[key] = found
    return found


def _triage_or_invalid(triage_it):
    """Run a triage; turn its ValueError (a missing or bad answer) into a 422 on `answers`."""
    try:
        return triage_it()
    except ValueError as error:
        raise Invalid("answers", str(error)) from None


def _exercise_of(plan: ScheduleInputs, exercise_id: str) -> Exercise | None:
    """Return the exercise of the plan's protocol version, or one a physio added to the plan."""
    protocol = plan.protocol
    if protocol.has_exercise(exercise_id):
        return protocol.exercise(exercise_id)
    added = plan.revisions[-1].adjustments.get("added_exercises") or []
    for item in added:
        if item["exercise"]["id"] == exercise_id:
            return Exercise.from_dict(item["exercise"])
    return None


def _column_defaults(model) -> dict[str, object]:
    """Return each insertable column with its plain default (False for flags, 1 for slot)."""
    return {
        column.key: column.default.arg
        if column.default is not None and column.default.is_scalar
        else None
        for column in model.__table__.columns
        if column.key != "id"
    }


_DEFAULTS = {model.__tablename__: _column_defaults(model) for model in MODELS.values()}


@cache
def _insert_of(table, dialect: str):
    """Return "INSERT … ON CONFLICT (client_uuid) DO NOTHING RETURNING *".

    The whole new rows come back (the same round trip as their ids): the pull that follows a
    push shows them without reading them again.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=["client_uuid"]).returning(*table.c)


def store_one(
    session: Session,
    author: User,
    kind: str,
    patient: Patient,
    data: dict,
    problem: tuple[str, str] | None = None,
) -> Stored:
    """Store a single event (the REST endpoints); raise Invalid when it is refused.

    `problem`: what the API edge found wrong in the loaded data, as `EventBatch.add` takes it.
    """
    batch = EventBatch(session, author)
    key = batch.add(kind, patient, data, problem)
    outcome = batch.store()[key]
    if outcome.error is not None:
        raise outcome.error
    outcome.row = session.get(MODELS[kind], outcome.record["id"])
    return outcome
