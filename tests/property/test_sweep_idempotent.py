"""The sweep is idempotent: over random patient histories, a second sweep raises nothing new.

Each example is a new patient with a random story (protocol, weeks in care, pain curve, missed
days, tingling after glides, a red flag, a pop after surgery, a plan change), simulated day by
day like the demo and stored through the same schemas and services as the API.
"""

import random
import uuid
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.postop import QUESTIONS as POSTOP
from domain.redflags import QUESTIONS
from server.demo.diary import simulate
from server.demo.seed import record_intake
from server.demo.stories import ClinicalNote, Story, ramp, tear
from server.extensions import db
from server.models import Alert, User
from server.schemas.logs import (
    ClinicalEventSchema,
    ExerciseLogSchema,
    PainLogSchema,
    PostopCheckSchema,
    RedFlagCheckSchema,
)
from server.services import logs
from server.services.accounts import create_patient, create_user
from server.services.errors import ServiceError
from server.services.plans import create_plan, local_today, protocol_of, revise_plan, schedule_of
from server.services.sweep import run_sweep

PROTOCOLS = (
    "piriformis-neural-gliding",
    "ischiofemoral-impingement",
    "pelvic-floor-downtraining",
    "hamstring-nonoperative",
    "hamstring-repair",
)
EVENTS = (
    ("exercise_logs", ExerciseLogSchema(), "exercise_log"),
    ("pain_logs", PainLogSchema(), "pain_log"),
    ("red_flag_checks", RedFlagCheckSchema(), "red_flag_check"),
    ("postop_checks", PostopCheckSchema(), "postop_check"),
)


@st.composite
def stories(draw) -> tuple[Story, int]:
    protocol_id = draw(st.sampled_from(PROTOCOLS))
    post_op = protocol_id == "hamstring-repair"
    days = draw(st.integers(1, 110))
    story = Story(
        name="Property Patient",
        timezone=draw(st.sampled_from(["Europe/London", "Pacific/Auckland", "America/Denver"])),
        protocol_id=protocol_id,
        days=days,
        summary="generated",
        pain=ramp(draw(st.integers(0, 10)), draw(st.integers(0, 10))),
        missed=ramp(draw(st.floats(0, 1)), draw(st.floats(0, 1))),
        surgery_before_start=draw(st.integers(0, 30)) if post_op else None,
        clinical=tuple(
            ClinicalNote(
                draw(st.integers(0, days - 1)), "imaging", {"modality": "MRI", "finding": "Seen."}
            )
            for _ in range(draw(st.integers(0, 1)))
        ),
        neuro_days=draw(st.integers(0, 3)),
        red_flag_days_ago=draw(st.none() | st.integers(1, min(days, 20))),
        red_flag_positives=tuple(
            draw(st.lists(st.sampled_from([q.key for q in QUESTIONS]), max_size=2, unique=True))
        ),
        pop_days_ago=draw(st.none() | st.integers(1, min(days, 20))) if post_op else None,
        postop_signs_days_ago=draw(st.none() | st.integers(1, min(days, 20))) if post_op else None,
        postop_signs=tuple(
            draw(st.lists(st.sampled_from([q.key for q in POSTOP]), max_size=2, unique=True))
        ),
        # Non-operative hamstring care needs its imaging on record before it is assigned.
        intake=(tear(0, 0, "Tendinopathy, no tear."),)
        if protocol_id == "hamstring-nonoperative"
        else (),
        cancer_history=draw(st.none() | st.booleans()),
    )
    return story, draw(st.integers(0, 2**32))


def _store(session, staff, story: Story, seed: int) -> date:
    """Create the patient and plan, then store the simulated history through the services."""
    physio, clinician = staff
    patient, _ = create_patient(
        session,
        physio,
        {
            "email": f"{uuid.uuid4().hex}@example.org",
            "display_name": story.name,
            "timezone": story.timezone,
            "care_team": [clinician.id],
        },
    )
    today = local_today(patient)
    start, surgery = story.plan_dates(today)
    record_intake(session, clinician, patient, story, start, uuid_of=lambda: str(uuid.uuid4()))
    plan = create_plan(
        session,
        physio,
        patient,
        {"protocol_id": story.protocol_id, "start_date": start, "surgery_date": surgery},
    )
    if story.days > 30:
        second = plan.protocol.content["phases"][1]["id"]
        day = start + timedelta(days=story.days // 2)
        move = {
            "reason": "Criteria met.",
            "effective_from": day,
            "operations": [{"op": "move_phase", "phase_id": second}],
        }
        try:
            revise_plan(session, physio, plan, move, today=day)
        except ServiceError:
            session.rollback()  # already in that phase by then: no revision, as in the API
    day_plans = schedule_of(plan, start, today - timedelta(days=1))
    diary = simulate(
        random.Random(seed), story, plan.id, protocol_of(plan.protocol), day_plans, today
    )
    for attribute, schema, kind in EVENTS:
        for payload in getattr(diary, attribute):
            # Fresh UUIDs: the same seed drawn twice must not collide with an earlier example.
            data = schema.load({**payload, "id": str(uuid.uuid4())})
            logs.record_patient_event(session, patient.user, kind, patient, data)
    for payload in diary.clinical_events:
        data = ClinicalEventSchema().load({**payload, "id": str(uuid.uuid4())})
        logs.record_clinical_event(session, clinician, patient, data)
    session.commit()
    return today


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=stories())
def test_a_second_sweep_raises_nothing_new(clean_app, generated):
    story, seed = generated
    with clean_app.app_context():
        session = db.session
        staff = _staff(session)
        today = _store(session, staff, story, seed)
        first = run_sweep(session, as_of=today)
        second = run_sweep(session, as_of=today)
        assert first.errors == 0, first.error_log
        assert second.errors == 0, second.error_log
        assert second.alerts_created == 0
        keys = list(session.scalars(select(Alert.open_key).where(Alert.open_key.is_not(None))))
        assert len(keys) == len(set(keys))
        session.remove()


def _staff(session):
    """The care team, created once per test and reused by every example."""
    physio = session.scalar(select(User).where(User.email == "prop-physio@example.org"))
    if physio is None:
        for role in ("physio", "clinician"):
            create_user(
                session,
                email=f"prop-{role}@example.org",
                display_name=role,
                role=role,
                password="correct horse battery",
            )
        session.commit()
        return _staff(session)
    clinician = session.scalar(select(User).where(User.email == "prop-clinician@example.org"))
    return physio, clinician
