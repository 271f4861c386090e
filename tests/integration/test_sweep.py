"""The escalation sweep on real data: each alert type, no duplicates, incremental, resilient."""

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.demo import seed_demo
from server.extensions import db
from server.models import Alert, Plan, PlanRevision, SweepRun
from server.scheduler import slot_for, sweep_job
from server.services.plans import local_today
from server.services.sweep import open_run, run_sweep

STORY_DAY = "2026-11-20"
AS_OF = date(2026, 11, 20)


@pytest.fixture()
def seeded(clean_app):
    with clean_app.app_context():
        seed_demo(db.session, STORY_DAY)
    return clean_app


def _alerts(app):
    with app.app_context():
        return [
            (a.patient_id, a.rule_id, a.episode_key)
            for a in db.session.scalars(select(Alert).order_by(Alert.id))
        ]


def test_demo_data_produces_every_alert_type(seeded):
    with seeded.app_context():
        run = run_sweep(db.session, as_of=AS_OF)
        assert run.errors == 0
        rules = {a.rule_id for a in db.session.scalars(select(Alert))}
        fails = list(db.session.scalars(select(Alert).where(Alert.rule_id == "R-FAIL")))
    assert rules == {
        "R-RED",
        "R-POSTOP",
        "R-STOP",
        "R-ENROL",
        "R-FAIL",
        "R-ADH",
        "R-WORSE",
        "R-NEURO",
        "R-PHASE",
    }
    checklists = {}
    for fail in fails:
        assert fail.route_to == "clinician"
        assert fail.evidence["weeks_in_care"] >= fail.evidence["trial_weeks"]
        assert fail.evidence["adherence"]["ratio"] >= 0.7
        assert fail.evidence["pain"]["series"], "the pain series it judged is kept"
        checklist = {item["key"]: item["met"] for item in fail.checklist}
        checklists[next(iter(checklist))] = (checklist, fail.evidence["next_steps"])
    # Two failed trials, each judged along its condition's pathway. Deep gluteal syndrome: the
    # work-up recorded over the course (spine excluded at week 2, MR neurography, a
    # peri-piriformis block, EMG/NCS) is complete but for the mechanical source.
    dgs, dgs_next = checklists["lumbar_spine"]
    assert dgs == {
        "lumbar_spine": True,
        "peri_sciatic_injection": True,
        "mr_neurography": True,
        "emg_ncs": True,
        "mechanical_source": False,
    }
    assert len(dgs_next) == 1, "the missing item becomes the next step"
    # Pudendal neuralgia: Nantes at intake and the pudendal block done; medication review next.
    pudendal, pudendal_next = checklists["nantes"]
    assert pudendal == {"nantes": True, "pudendal_block": True, "medication_review": False}
    assert len(pudendal_next) == 1 and "medication" in pudendal_next[0].lower()


def test_non_adherent_patient_is_never_sent_to_surgery(seeded):
    with seeded.app_context():
        run_sweep(db.session, as_of=AS_OF)
        by_patient = Counter()
        routes = {}
        for alert in db.session.scalars(select(Alert)):
            by_patient[alert.patient_id] += 1
            routes.setdefault(alert.patient_id, set()).add((alert.rule_id, alert.route_to))
    low = [p for p, r in routes.items() if ("R-ADH", "physio") in r]
    assert low, "the non-adherent demo patient gets a physio follow-up"
    for patient_id in low:
        assert not any(rule == "R-FAIL" for rule, _ in routes[patient_id])


def test_running_the_sweep_twice_creates_nothing_new(seeded):
    with seeded.app_context():
        first = run_sweep(db.session, as_of=AS_OF).alerts_created
        second = run_sweep(db.session, as_of=AS_OF).alerts_created
    assert first > 0
    assert second == 0
    keys = _alerts(seeded)
    assert len(keys) == len(set(keys))


def test_a_sweep_whose_process_died_is_superseded_by_the_next(seeded):
    with seeded.app_context():
        # A sweep's process killed after it claimed its slot: its run never finishes.
        died, _ = open_run(db.session, kind="scheduled", slot="scheduled:died", as_of=AS_OF)
        died_id = died.id
        db.session.commit()
        assert db.session.get(SweepRun, died_id).status == "running"

        run = run_sweep(db.session, as_of=AS_OF)

        dead = db.session.get(SweepRun, died_id)
        assert dead.status == "superseded" and dead.finished_at is not None
        assert run.status == "done" and run.alerts_created > 0


def test_two_sweeps_at_once_create_no_duplicates(seeded):
    outcomes = []

    def sweep():
        with seeded.app_context():
            outcomes.append(run_sweep(db.session, as_of=AS_OF).errors)
            db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == [0, 0]
    keys = _alerts(seeded)
    assert len(keys) == len(set(keys))
    assert {rule for _, rule, _ in keys} >= {"R-FAIL", "R-ADH"}


def test_unchanged_patients_are_skipped_until_time_or_data_says_otherwise(seeded, client):
    from tests.conftest import sign_in

    with seeded.app_context():
        run_sweep(db.session, as_of=AS_OF)
        quiet = run_sweep(db.session, as_of=AS_OF)
        assert quiet.plans_evaluated == 0 and quiet.plans_seen > 0

    patient = sign_in(client, "amelia.hughes@stride.example", "stride-demo-1")
    pid = patient.user["patient_id"]
    import uuid

    response = patient.post(
        f"/patients/{pid}/pain-logs",
        json={"id": str(uuid.uuid4()), "local_date": STORY_DAY, "nprs": 3, "context": "rest"},
    )
    assert response.status_code == 201
    with seeded.app_context():
        one = run_sweep(db.session, as_of=AS_OF)
        assert one.plans_evaluated == 1
        week_later = run_sweep(db.session, as_of=AS_OF + timedelta(days=7))
        assert week_later.plans_evaluated == week_later.plans_seen


def test_one_patients_bad_data_is_logged_and_skipped(seeded):
    with seeded.app_context():
        broken_plan = db.session.scalars(select(Plan).order_by(Plan.id)).first()
        db.session.add(
            PlanRevision(
                plan_id=broken_plan.id,
                number=99,
                effective_from=date(2026, 11, 1),
                author_id=broken_plan.created_by_id,
                reason="corrupted by a bad import",
                adjustments={
                    "phase_moves": [{"phase_id": "no-such-phase", "from_date": "2026-11-01"}]
                },
            )
        )
        db.session.commit()
        broken_id = broken_plan.id
        run = run_sweep(db.session, as_of=AS_OF)
        plans = db.session.scalar(select(func.count()).select_from(Plan))
    assert run.status == "done"
    assert run.errors == 1
    assert run.error_log[0]["plan_id"] == broken_id
    assert run.plans_evaluated == plans - 1
    assert run.alerts_created > 0


def test_an_episode_ends_when_its_condition_clears(seeded, client):
    from tests.conftest import sign_in

    with seeded.app_context():
        run_sweep(db.session, as_of=AS_OF)
        phase = db.session.scalar(select(Alert).where(Alert.rule_id == "R-PHASE"))
        plan_id, next_phase = phase.plan_id, phase.evidence["phase_id"]
        # The patient's date, not the server's: ahead of UTC it is already tomorrow there.
        patient_today = local_today(phase.patient)
    physio = sign_in(client, "physio@stride.example", "stride-demo-1")
    moved = physio.patch(
        f"/plans/{plan_id}",
        json={
            "reason": "Criteria confirmed in clinic.",
            "effective_from": patient_today.isoformat(),
            "operations": [{"op": "move_phase", "phase_id": next_phase}],
        },
    )
    assert moved.status_code == 200, moved.get_json()
    with seeded.app_context():
        run_sweep(db.session, as_of=patient_today)
        alert = db.session.get(Alert, phase.id)
        assert alert.open_key is None and alert.cleared_at is not None
        assert alert.events[-1].action == "condition_cleared"


def test_a_scheduled_slot_runs_once(seeded):
    moment = datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
    first = sweep_job(seeded, now=moment)
    again = sweep_job(seeded, now=moment + timedelta(minutes=20))
    assert first is not None and again is None
    with seeded.app_context():
        slots = db.session.scalars(select(SweepRun.slot)).all()
    assert slots == [slot_for(moment)]
