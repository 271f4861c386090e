"""Seed the demo through the service layer: accounts, plans, adjustments and weeks of history."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.demo.diary import simulate
from server.demo.stories import ADMIN_TOTP_SECRET, PASSWORD, STAFF, STORIES, Story
from server.models import ProtocolVersion, User
from server.protocols.loader import validate_files
from server.schemas.logs import (
    ClinicalEventSchema,
    ExerciseLogSchema,
    PainLogSchema,
    PostopCheckSchema,
    RedFlagCheckSchema,
    load_details,
)
from server.services import logs
from server.services import protocols as protocol_service
from server.services.accounts import create_patient, create_user, record_cancer_history
from server.services.auth import email_taken
from server.services.errors import Invalid
from server.services.mfa import enrol_with_secret
from server.services.plans import create_plan, local_today, protocol_of, revise_plan, schedule_of

ALREADY_SEEDED = "demo data already present; nothing changed"
SEED = 2026

# Each kind of event: its schema (the API's validation) and the service that stores it.
_EVENTS = (
    ("exercise_logs", ExerciseLogSchema(), "exercise_log"),
    ("pain_logs", PainLogSchema(), "pain_log"),
    ("red_flag_checks", RedFlagCheckSchema(), "red_flag_check"),
    ("postop_checks", PostopCheckSchema(), "postop_check"),
)


def seed_demo(session: Session, today: str | None) -> list[str]:
    """Create the demo accounts and patient histories; return what was done, line by line."""
    if email_taken(session, STAFF[1].email):
        return [ALREADY_SEEDED]
    story_today = _parse_today(today)
    rng = random.Random(SEED)
    lines = _ensure_protocols(session)
    staff = {}
    for member in STAFF:
        staff[member.key] = create_user(
            session,
            email=member.email,
            display_name=member.name,
            role=member.role,
            password=PASSWORD,
        )
        lines.append(f"created {member.role} {member.email}")
        if member.role == "admin":
            enrol_with_secret(session, staff[member.key], ADMIN_TOTP_SECRET)
    session.commit()
    for story in STORIES:
        lines.append(_seed_patient(session, rng, staff, story, story_today))
    return lines + _summary()


def _parse_today(today: str | None) -> date | None:
    """Return the story's today, refusing a date that has not begun in any demo time zone."""
    if today is None:
        return None
    day = date.fromisoformat(today)
    now = datetime.now(ZoneInfo("UTC"))
    latest = max(now.astimezone(ZoneInfo(s.timezone)).date() for s in STORIES)
    if day > latest:
        raise ValueError(f"today {day} is in the future (latest allowed: {latest})")
    return day


def _ensure_protocols(session: Session) -> list[str]:
    """Load the shipped protocols when a demo protocol is missing."""
    stored = set(session.scalars(select(ProtocolVersion.protocol_id)))
    if {s.protocol_id for s in STORIES} <= stored:
        return []
    docs, problems = validate_files(None)
    if problems:
        raise ValueError("protocol files are invalid: " + "; ".join(map(str, problems)))
    outcomes = protocol_service.load_documents(session, list(docs.values()))
    loaded = sum(o.status == "loaded" for o in outcomes)
    return [f"loaded {loaded} protocol version(s)"]


def _seed_patient(
    session: Session,
    rng: random.Random,
    staff: dict[str, User],
    story: Story,
    story_today: date | None,
) -> str:
    """Create one patient with their plan and history; commit once; return a summary line."""
    physio, clinician = staff[story.physio], staff["clinician"]
    patient, _ = create_patient(
        session,
        physio,
        {
            "email": story.email,
            "display_name": story.name,
            "timezone": story.timezone,
            "care_team": [clinician.id],
            "date_of_birth": story.born,
        },
        password=PASSWORD,  # the documented demo password; real patients activate with a code
    )
    today = story_today or local_today(patient)
    start, surgery = story.plan_dates(today)
    record_intake(session, clinician, patient, story, start)
    assignment = {"protocol_id": story.protocol_id, "start_date": start, "surgery_date": surgery}
    if story.refused:
        try:
            create_plan(session, physio, patient, assignment)
        except Invalid as refusal:
            return f"refused plan for {story.email}: {refusal.message}"
        raise ValueError(f"{story.name}: the assignment was meant to be refused")
    plan = create_plan(session, physio, patient, assignment)
    for change in story.changes:
        # Made on that day of the story, so it changes only that day and the days after it.
        day = start + timedelta(days=change.day)
        revise_plan(
            session,
            physio,
            plan,
            {
                "reason": change.reason,
                "effective_from": day,
                "operations": [dict(op) for op in change.operations],
            },
            today=day,
        )
    day_plans = schedule_of(plan, start, today - timedelta(days=1))
    diary = simulate(rng, story, plan.id, protocol_of(plan.protocol), day_plans, today)
    author = patient.user
    for attribute, schema, kind in _EVENTS:
        for payload in getattr(diary, attribute):
            logs.record_patient_event(session, author, kind, patient, schema.load(payload))
    clinical_schema = ClinicalEventSchema()
    for payload in diary.clinical_events:
        data, problem = load_details(clinical_schema.load(payload))
        logs.record_clinical_event(session, clinician, patient, data, problem)
    session.commit()
    return (
        f"created patient {story.email} ({story.timezone}): {story.protocol_id} from {start}, "
        f"{len(story.changes) + 1} plan revision(s), {len(diary.exercise_logs)} exercise logs, "
        f"{len(diary.pain_logs)} pain logs, {len(diary.red_flag_checks)} red-flag checks, "
        f"{len(diary.postop_checks)} post-op checks, {len(diary.clinical_events)} clinical events"
    )


def record_intake(
    session: Session, clinician: User, patient, story: Story, start: date, uuid_of=None
) -> None:
    """Record what the clinician knows before the plan: imaging, a history of cancer."""
    schema = ClinicalEventSchema()
    for note in story.intake:
        payload = {"kind": note.kind, "event_date": start.isoformat(), "details": note.details}
        if uuid_of is not None:
            payload["id"] = uuid_of()
        data, problem = load_details(schema.load(payload))
        logs.record_clinical_event(session, clinician, patient, data, problem)
    if story.cancer_history is not None:
        record_cancer_history(session, clinician, patient, story.cancer_history)


def _summary() -> list[str]:
    """Return the closing block: every login, then one line per patient story."""
    lines = ["", "Demo logins (email / password / role):"]
    lines += [f"  {member.email} / {PASSWORD} / {member.role}" for member in STAFF]
    lines += [
        f"  admins also give a code from an authenticator app with the key {ADMIN_TOTP_SECRET}"
        " (README: Demo data)"
    ]
    lines += [f"  {story.email} / {PASSWORD} / patient" for story in STORIES]
    lines += ["", "Patient stories:"]
    lines += [f"  {story.name}: {story.summary}" for story in STORIES]
    return lines
