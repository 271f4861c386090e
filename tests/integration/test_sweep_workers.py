"""The sweep in several worker processes (PostgreSQL): each plan judged once, none lost."""

import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, text

from domain.protocol import Protocol
from domain.schedule import Revision, expand_schedule
from server.extensions import db
from server.models import (
    Alert,
    AlertEvent,
    CareTeamMember,
    Change,
    ExerciseLog,
    PainLog,
    Patient,
    Plan,
    PlanEvaluation,
    PlanRevision,
    ProtocolVersion,
    SweepQueueItem,
    SweepRun,
    User,
)
from server.scheduler import sweep_job
from server.services.sweep import _SWEEP_LOCK, run_sweep
from server.services.sweep_queue import open_queued_run
from tests.conftest import BACKEND

needs_postgres = pytest.mark.skipif(
    BACKEND != "postgres", reason="several sweep workers need PostgreSQL (SQLite: one writer)"
)

AS_OF = date(2026, 11, 20)
PATIENTS = 36
PROTOCOL = "piriformis-neural-gliding"


def _crowd(session, patients=PATIENTS, weeks=16) -> None:
    """Store patients with `weeks` of logs up to yesterday: some adherent, some not, some worse."""
    version = session.scalar(select(ProtocolVersion).where(ProtocolVersion.protocol_id == PROTOCOL))
    start = AS_OF - timedelta(weeks=weeks)
    days = expand_schedule(
        Protocol.from_dict(version.content),
        start,
        None,
        None,
        [Revision(1, start, {})],
        start,
        AS_OF - timedelta(days=1),
    )
    physio = User(email="physio@crowd", display_name="Physio", role="physio", password_hash="x")
    session.add(physio)
    session.flush()
    rng = random.Random(5)
    exercise, pain = [], []
    for n in range(patients):
        user = User(email=f"p{n}@crowd", display_name=f"P {n}", role="patient", password_hash="x")
        patient = Patient(user=user, timezone="Europe/London", created_by_id=physio.id)
        session.add(patient)
        session.flush()
        session.add(CareTeamMember(patient_id=patient.id, staff_id=physio.id))
        plan = Plan(
            patient_id=patient.id,
            protocol_version_id=version.id,
            start_date=start,
            created_by_id=physio.id,
        )
        plan.revisions.append(
            PlanRevision(number=1, effective_from=start, author_id=physio.id, reason="assigned")
        )
        session.add(plan)
        session.flush()
        adherence = (0.95, 0.85, 0.6, 0.3)[n % 4]
        baseline, drift = rng.randint(4, 8), (-1, 0, 1)[n % 3]
        for index, day in enumerate(days):
            for s in day.sessions:
                done = rng.random() < adherence
                exercise.append(
                    {
                        "client_uuid": uuid.uuid4(),
                        "patient_id": patient.id,
                        "recorded_by_id": user.id,
                        "plan_id": plan.id,
                        "exercise_id": s.exercise_id,
                        "local_date": day.date,
                        "slot": s.slot_index,
                        "sets_done": s.dose.sets if done else 0,
                        "sets_due": s.dose.sets,
                        "status": "done" if done else "skipped",
                        "skip_reason": None if done else "no_time",
                    }
                )
            nprs = max(0, min(10, baseline + drift * (index // 21)))
            pain.append(
                {
                    "client_uuid": uuid.uuid4(),
                    "patient_id": patient.id,
                    "recorded_by_id": user.id,
                    "local_date": day.date,
                    "nprs": nprs,
                    "context": "sitting",
                }
            )
    session.execute(insert(ExerciseLog), exercise)
    session.execute(insert(PainLog), pain)
    session.commit()


def _forget_sweeps(session) -> None:
    """Remove what sweeps stored (no alert here comes from elsewhere), keeping the data."""
    for model in (AlertEvent, Change, Alert, PlanEvaluation, SweepQueueItem, SweepRun):
        session.execute(model.__table__.delete())
    session.commit()


def _alerts(session) -> list[tuple]:
    return sorted(session.execute(select(Alert.patient_id, Alert.rule_id, Alert.episode_key)).all())


def _flask(database_url, *args, **popen):
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "flask", "--app", "server", "sweep", *args]
    return subprocess.Popen(command, env=env, text=True, **popen)


def _sweep_cli(database_url, *args) -> str:
    process = _flask(database_url, *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return out


@pytest.fixture(scope="module")
def crowd_data(app):
    """Store the crowd once for the module (as clean_app would, then the patients)."""
    from server.protocols.loader import validate_files
    from server.services.protocols import load_documents

    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        load_documents(db.session, list(validate_files(None)[0].values()))
        _crowd(db.session)
    return app


@pytest.fixture()
def crowd(crowd_data):
    """The crowd with no sweep done yet."""
    with crowd_data.app_context():
        _forget_sweeps(db.session)
    return crowd_data


@needs_postgres
def test_two_workers_judge_each_plan_once_with_the_alerts_of_one_process(crowd, database_url):
    with crowd.app_context():
        single = run_sweep(db.session, as_of=AS_OF)
        expected = _alerts(db.session)
        assert single.plans_evaluated == PATIENTS and single.errors == 0
        assert {rule for _, rule, _ in expected} >= {"R-ADH", "R-FAIL", "R-WORSE"}
        _forget_sweeps(db.session)

    out = _sweep_cli(
        database_url, "run", "--workers", "2", "--batch", "4", "--date", AS_OF.isoformat()
    )

    with crowd.app_context():
        run = db.session.scalars(select(SweepRun)).one()
        assert f"sweep {run.id}: {PATIENTS} plans seen, {PATIENTS} evaluated" in out
        shares = re.findall(r"worker judged (\d+) plans", out)
        assert len(shares) == 2 and sum(map(int, shares)) == PATIENTS, out
        assert (run.status, run.plans_evaluated, run.errors) == ("done", PATIENTS, 0)
        judged = db.session.scalars(select(PlanEvaluation.sweep_run_id)).all()
        assert judged == [run.id] * PATIENTS, "every plan judged, by this run"
        alerts = _alerts(db.session)
        assert alerts == expected, "the same alerts as one process"
        assert len(alerts) == len(set(alerts)) == run.alerts_created
        assert db.session.scalar(select(func.count()).select_from(SweepQueueItem)) == 0


def _kill_a_worker_mid_batch(app, database_url, run_id, log_path):
    """Start a worker, let it claim a batch, and SIGKILL it before it can store anything."""
    holder = db.engine.connect()
    # The worker claims its batch, then waits here for the sweep lock (held exclusively).
    # The same key as the sweep's (server.services.sweep), schema included: a lock on another
    # key would not hold the worker, which could then store its batch before the kill.
    key = ":k, hashtext(current_schema())"
    holder.execute(text(f"SELECT pg_advisory_lock({key})"), {"k": _SWEEP_LOCK})
    holder.commit()
    with open(log_path, "w") as log:
        worker = _flask(
            database_url, "work", str(run_id), "--batch", "8", stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while _claimable(run_id) == _queued(run_id):
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the worker never claimed a batch"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        holder.execute(text(f"SELECT pg_advisory_unlock({key})"), {"k": _SWEEP_LOCK})
        holder.close()


def _queued(run_id) -> int:
    return db.session.scalar(select(func.count()).where(SweepQueueItem.sweep_run_id == run_id))


def _claimable(run_id) -> int:
    rows = db.session.execute(
        text("SELECT plan_id FROM sweep_queue WHERE sweep_run_id = :r FOR UPDATE SKIP LOCKED"),
        {"r": run_id},
    ).all()
    db.session.rollback()
    return len(rows)


@needs_postgres
def test_a_killed_workers_plans_go_to_the_other_workers_of_its_sweep(crowd, database_url, tmp_path):
    with crowd.app_context():
        run_id = open_queued_run(db.session, as_of=AS_OF).id
        _kill_a_worker_mid_batch(crowd, database_url, run_id, tmp_path / "worker.log")
        assert _queued(run_id) == PATIENTS, "the killed worker stored nothing"
        assert db.session.get(SweepRun, run_id).status == "running"

    out = _sweep_cli(database_url, "work", str(run_id))

    assert f"judged {PATIENTS} plans of sweep {run_id} (done)" in out
    with crowd.app_context():
        run = db.session.get(SweepRun, run_id)
        assert (run.plans_evaluated, run.errors, _queued(run_id)) == (PATIENTS, 0, 0)
        alerts = _alerts(db.session)
        assert len(alerts) == len(set(alerts)) == run.alerts_created > 0


@needs_postgres
def test_the_next_sweep_judges_what_a_killed_sweep_left(crowd, database_url, tmp_path):
    try:
        _kill_then_sweep_again(crowd, database_url, tmp_path)
    finally:
        with crowd.app_context():  # the module's other tests keep the crowd as it was
            db.session.execute(delete(PainLog).where(PainLog.local_date == AS_OF))
            db.session.commit()


def _kill_then_sweep_again(crowd, database_url, tmp_path):
    with crowd.app_context():
        run_sweep(db.session, as_of=AS_OF - timedelta(days=1))
        before = _alerts(db.session)
        changed = db.session.execute(
            select(Patient.id, Patient.user_id).order_by(Patient.id).limit(5)
        ).all()
        news = [
            {
                "client_uuid": uuid.uuid4(),
                "patient_id": pid,
                "recorded_by_id": uid,
                "local_date": AS_OF,
                "nprs": 9,
                "context": "sitting",
            }
            for pid, uid in changed
        ]
        db.session.execute(insert(PainLog), news)
        db.session.commit()
        killed = open_queued_run(db.session, as_of=AS_OF).id
        left = set(
            db.session.scalars(
                select(SweepQueueItem.plan_id).where(SweepQueueItem.sweep_run_id == killed)
            )
        )
        assert left, "the new pain logs make plans due"
        _kill_a_worker_mid_batch(crowd, database_url, killed, tmp_path / "worker.log")

    _sweep_cli(database_url, "run", "--workers", "2", "--date", AS_OF.isoformat())

    with crowd.app_context():
        latest = db.session.scalars(select(SweepRun).order_by(SweepRun.id.desc())).first()
        assert latest.id != killed and latest.status == "done"
        judged = set(
            db.session.scalars(
                select(PlanEvaluation.plan_id).where(PlanEvaluation.sweep_run_id == latest.id)
            )
        )
        assert judged == left, "the next sweep judged the plans the killed one left"
        alerts = _alerts(db.session)
        assert len(alerts) == len(set(alerts)) and set(before) <= set(alerts)
        # The killed run is not shown as still running, and its queue is gone.
        dead = db.session.get(SweepRun, killed)
        assert dead.status == "superseded" and dead.finished_at is not None
        assert db.session.scalar(select(func.count()).select_from(SweepQueueItem)) == 0


@pytest.mark.skipif(BACKEND == "postgres", reason="SQLite's answer to --workers")
def test_sqlite_sweeps_in_one_process_and_says_so(clean_app):
    result = clean_app.test_cli_runner().invoke(args=["sweep", "run", "--workers", "3"])

    assert result.exit_code == 0, result.output
    assert "sqlite: the sweep runs in one process" in result.stderr
    assert "--workers 3 needs PostgreSQL" in result.stderr
    assert re.match(r"sweep \d+: 0 plans seen, 0 evaluated", result.stdout), result.stdout


@needs_postgres
def test_the_scheduler_starts_the_configured_workers(crowd):
    crowd.config["SWEEP_WORKERS"] = 2
    try:
        run = sweep_job(crowd)
    finally:
        crowd.config["SWEEP_WORKERS"] = 1

    with crowd.app_context():
        assert run.slot.startswith("hourly:") and run.status == "done"
        assert (run.plans_seen, run.plans_evaluated, run.errors) == (PATIENTS, PATIENTS, 0)
        assert (
            db.session.scalar(select(func.count()).where(PlanEvaluation.sweep_run_id == run.id))
            == PATIENTS
        )
        alerts = _alerts(db.session)
        assert len(alerts) == len(set(alerts)) == run.alerts_created > 0
