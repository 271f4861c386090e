"""The demo seed: sign-in works, each story shows what it is meant to, a rerun changes nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from server.demo import seed_demo
from server.demo.stories import PASSWORD, STORIES
from server.domain.adherence import adherence
from server.domain.history import ClinicalEntry, ExerciseEntry
from server.domain.readiness import readiness_checklist
from server.domain.schedule import sets_due_by_day
from server.extensions import db
from server.models import ClinicalEvent, ExerciseLog, PainLog, Plan, RedFlagCheck, User
from server.services.plans import schedule_of
from tests.conftest import sign_in

TODAY = date(2026, 11, 20)
YESTERDAY = TODAY - timedelta(days=1)


def _seed(app) -> list[str]:
    with app.app_context():
        return seed_demo(db.session, TODAY.isoformat())


def _patient_user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _plan(email: str) -> Plan:
    return db.session.scalar(select(Plan).where(Plan.patient_id == _patient_user(email).patient.id))


def _adherence_last_14_days(email: str) -> float:
    """Score the stored logs against the plan's own schedule, as the rules do."""
    plan = _plan(email)
    start = TODAY - timedelta(days=14)
    due = sets_due_by_day(schedule_of(plan, start, YESTERDAY))
    rows = db.session.scalars(
        select(ExerciseLog).where(ExerciseLog.plan_id == plan.id).order_by(ExerciseLog.id)
    )
    entries = [
        ExerciseEntry(
            r.local_date, r.exercise_id, r.slot, r.sets_done, r.sets_due, r.status, r.skip_reason
        )
        for r in rows
    ]
    return adherence(due, entries, start, YESTERDAY).ratio


def test_physio_signs_in_and_sees_only_their_own_patients(clean_app):
    lines = _seed(clean_app)
    client = clean_app.test_client()

    physio = sign_in(client, "physio@stride.example", PASSWORD)
    response = physio.get("/patients")
    assert response.status_code == 200
    seen = {p["email"] for p in response.get_json()}
    own = {s.email for s in STORIES if s.physio == "physio"}
    assert seen == own and len(own) >= 8
    assert "oliver.bennett@stride.example" not in seen

    other = sign_in(client, "physio2@stride.example", PASSWORD)
    assert [p["email"] for p in other.get("/patients").get_json()] == [
        "oliver.bennett@stride.example"
    ]
    for email in ("admin@stride.example", "clinician@stride.example", STORIES[0].email):
        sign_in(client, email, PASSWORD)

    assert "physio@stride.example / stride-demo-1 / physio" in [line.strip() for line in lines]
    assert sum(s.summary in line for s in STORIES for line in lines) == len(STORIES)


def test_each_story_has_the_history_it_tells(clean_app):
    _seed(clean_app)
    with clean_app.app_context():
        for story in STORIES:
            plan = _plan(story.email)
            assert plan.protocol.protocol_id == story.protocol_id
            weeks = (TODAY - plan.start_date).days / 7
            assert 8 <= weeks <= 14, (story.name, weeks)
            days = db.session.execute(
                select(func.min(PainLog.local_date), func.max(PainLog.local_date)).where(
                    PainLog.patient_id == plan.patient_id
                )
            ).one()
            # Logged from the first day of the plan until the last day or two.
            assert days[0] == plan.start_date, story.name
            assert YESTERDAY - days[1] <= timedelta(days=2), story.name

        assert _adherence_last_14_days("daniel.okafor@stride.example") >= 0.7
        assert _adherence_last_14_days("amelia.hughes@stride.example") >= 0.7
        assert _adherence_last_14_days("priya.nair@stride.example") < 0.5

        # The post-op plans are timed from surgery and were moved on by the physio.
        liam = _plan("liam.oconnor@stride.example")
        assert 0 < (liam.start_date - liam.surgery_date).days <= 7
        assert [op["op"] for r in liam.revisions for op in r.operations] == ["move_phase"] * 2

        # A dose change with a reason, effective from a past day (earlier days keep their dose).
        marcus = _plan("marcus.webb@stride.example")
        change = next(
            r for r in marcus.revisions if r.operations[:1] and r.operations[0]["op"] == "set_dose"
        )
        assert change.reason and change.effective_from < TODAY
        assert change.diff[0]["before"] == {"days_per_week": None, "every_n_days": 2}


def test_red_flag_and_clinical_stories_are_triaged(clean_app):
    _seed(clean_app)
    with clean_app.app_context():
        flagged = db.session.scalars(select(RedFlagCheck).where(RedFlagCheck.level != "none"))
        hannah = _patient_user("hannah.fischer@stride.example").patient.id
        assert [(c.patient_id, c.local_date, c.level, c.positives) for c in flagged] == [
            (hannah, TODAY - timedelta(days=2), "emergency", ["saddle_numbness"])
        ]

        pops = db.session.scalars(select(PainLog).where(PainLog.felt_pop.is_(True))).all()
        assert [(p.local_date, p.nprs) for p in pops] == [(YESTERDAY, 8)]
        assert pops[0].patient_id == _patient_user("grace.kim@stride.example").patient.id

        daniel = _patient_user("daniel.okafor@stride.example").patient.id
        events = db.session.scalars(select(ClinicalEvent).where(ClinicalEvent.patient_id == daniel))
        items = readiness_checklist(ClinicalEntry(e.kind, e.event_date, e.details) for e in events)
        assert {i.key: i.met for i in items} == {
            "imaging": True,
            "guided_injection": True,
            "mechanical_source": False,
        }


def test_a_second_run_changes_nothing(clean_app):
    _seed(clean_app)
    with clean_app.app_context():

        def counts():
            return {
                t.name: db.session.scalar(select(func.count()).select_from(t))
                for t in db.metadata.sorted_tables
            }

        before = counts()
        assert before["exercise_logs"] > 1000
        assert seed_demo(db.session, None) == ["demo data already present; nothing changed"]
        assert counts() == before


def test_a_future_today_is_refused_before_anything_is_stored(clean_app):
    with clean_app.app_context():
        with pytest.raises(ValueError, match="future"):
            seed_demo(db.session, "2999-01-01")
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
