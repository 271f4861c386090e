"""The demo seed: sign-in works, each story shows what it is meant to, a rerun changes nothing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain.adherence import adherence
from domain.history import ClinicalEntry, ExerciseEntry
from domain.readiness import readiness_checklist
from domain.schedule import sets_due_by_day
from server.demo import seed_demo
from server.demo.stories import ADMIN_TOTP_SECRET, PASSWORD, STORIES
from server.extensions import db
from server.models import (
    Alert,
    ClinicalEvent,
    ExerciseLog,
    PainLog,
    Plan,
    PostopCheck,
    RedFlagCheck,
    User,
)
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
    assert seen == own and len(own) >= 11
    assert "oliver.bennett@stride.example" not in seen

    other = sign_in(client, "physio2@stride.example", PASSWORD)
    assert [p["email"] for p in other.get("/patients").get_json()] == [
        "oliver.bennett@stride.example"
    ]
    for email in ("clinician@stride.example", STORIES[0].email):
        sign_in(client, email, PASSWORD)
    # The demo admin needs the documented authenticator key, and nothing else does it.
    admin = {"email": "admin@stride.example", "password": PASSWORD}
    asked = client.post("/api/v1/auth/tokens", json=admin)
    assert (asked.status_code, asked.get_json()["second_factor"]) == (202, "code")
    sign_in(client, "admin@stride.example", PASSWORD, totp_secret=ADMIN_TOTP_SECRET)

    assert "physio@stride.example / stride-demo-1 / physio" in [line.strip() for line in lines]
    assert sum(s.summary in line for s in STORIES for line in lines) == len(STORIES)


def test_each_story_has_the_history_it_tells(clean_app):
    _seed(clean_app)
    with clean_app.app_context():
        for story in STORIES:
            plan = _plan(story.email)
            if story.refused:
                assert plan is None, story.name
                continue
            assert plan.protocol.protocol_id == story.protocol_id
            weeks = (TODAY - plan.start_date).days / 7
            assert weeks == story.days / 7 and 1 <= weeks <= 14, (story.name, weeks)
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


def _patient_id(email: str) -> int:
    return _patient_user(email).patient.id


def _alerts() -> dict[tuple[str, str], Alert]:
    """Return the alerts raised at submission, by (patient's email, rule)."""
    rows = db.session.scalars(select(Alert).order_by(Alert.id))
    return {(a.patient.user.email, a.rule_id): a for a in rows}


def test_red_flag_and_clinical_stories_are_triaged(clean_app):
    _seed(clean_app)
    with clean_app.app_context():
        flagged = db.session.scalars(
            select(RedFlagCheck).where(RedFlagCheck.level != "none").order_by(RedFlagCheck.id)
        )
        hannah = _patient_id("hannah.fischer@stride.example")
        ruth = _patient_id("ruth.adeyemi@stride.example")
        assert [(c.patient_id, c.local_date, c.level, c.positives) for c in flagged] == [
            (hannah, TODAY - timedelta(days=2), "emergency", ["saddle_numbness"]),
            (hannah, TODAY - timedelta(days=2), "emergency", ["urine_starting", "saddle_numbness"]),
            (ruth, YESTERDAY, "urgent", ["night_pain"]),
        ]
        alerts = _alerts()
        # Hannah's second check that evening is in the same alert's evidence.
        red = alerts["hannah.fischer@stride.example", "R-RED"]
        assert red.evidence_updated_at is not None
        assert red.evidence["positives"] == ["saddle_numbness", "urine_starting"]
        # Grace: a pop with pain 6 in the daily post-op check reaches the surgical team.
        pop = alerts["grace.kim@stride.example", "R-POSTOP"]
        assert (pop.route_to, pop.evidence["signs"]) == ("surgical_team", ["pop_or_strength_loss"])
        assert (
            db.session.scalar(
                select(func.max(PainLog.nprs)).where(
                    PainLog.patient_id == pop.patient_id, PainLog.local_date == YESTERDAY
                )
            )
            <= 6
        )
        calf = alerts["ethan.brooks@stride.example", "R-STOP"]
        assert (calf.severity, calf.route_to) == ("urgent", "surgical_team")
        assert calf.evidence["stop_if_id"] == "calf-pain-swelling"
        glide = alerts["marcus.webb@stride.example", "R-STOP"]
        assert (glide.severity, glide.route_to) == ("review", "physio")
        refused = alerts["tomas.silva@stride.example", "R-ENROL"]
        assert (refused.severity, refused.route_to) == ("urgent", "clinician")
        assert _plan("tomas.silva@stride.example") is None
        # Every other stop in the stories needs nobody: background noise stays quiet.
        stops = db.session.scalars(
            select(ExerciseLog).where(ExerciseLog.stop_level.is_not(None))
        ).all()
        noisy = [s for s in stops if s.stop_level != "stop"]
        assert {(s.patient_id, s.stop_if_id) for s in noisy} == {
            (calf.patient_id, "calf-pain-swelling"),
            (glide.patient_id, "tingling-during-glide"),
        }
        # Marcus answered the post-glide question after each glide: two episodes this week.
        answers = db.session.scalars(
            select(ExerciseLog.nerve_symptoms).where(
                ExerciseLog.patient_id == glide.patient_id,
                ExerciseLog.nerve_symptoms.is_not(None),
            )
        ).all()
        assert answers.count("settled") == 2 and set(answers) == {"none", "settled"}
        post_op_checks = db.session.scalar(
            select(func.count()).select_from(PostopCheck).where(PostopCheck.level == "none")
        )
        assert post_op_checks > 50

        daniel = _patient_user("daniel.okafor@stride.example").patient.id
        events = db.session.scalars(select(ClinicalEvent).where(ClinicalEvent.patient_id == daniel))
        items = readiness_checklist(ClinicalEntry(e.kind, e.event_date, e.details) for e in events)
        # Without a pathway, the surgical checklist (the sweep test checks his DGS pathway).
        assert {i.key: i.met for i in items} == {
            "lumbar_spine": True,
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
