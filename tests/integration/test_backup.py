"""`flask --app server db backup PATH`: a restored backup holds every record, even a live one."""

import os
import shutil
import subprocess
import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from server import create_app
from server.demo import seed_demo
from server.extensions import db
from server.models import Alert, PainLog, Plan, User
from server.services.sweep import run_sweep
from tests.conftest import BACKEND, sign_in

DEMO_PATIENT = "amelia.hughes@stride.example"


@pytest.fixture()
def seeded(clean_app):
    with clean_app.app_context():
        seed_demo(db.session, None)
        run_sweep(db.session, as_of=date.today())
        db.session.remove()
    return clean_app


def _snapshot(app) -> dict:
    """Rows per table and a few records to compare in detail."""
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        user = db.session.scalar(select(User).where(User.email == DEMO_PATIENT))
        pain = db.session.scalars(
            select(PainLog.client_uuid, PainLog.local_date, PainLog.nprs)
            .where(PainLog.patient_id == user.patient.id)
            .order_by(PainLog.id)
        )
        plan = db.session.scalar(select(Plan).where(Plan.patient_id == user.patient.id))
        alerts = db.session.execute(select(Alert.rule_id, Alert.evidence).order_by(Alert.id)).all()
        detail = {
            "user": (user.email, user.display_name, user.password_hash),
            "pain": list(pain),
            "revisions": [(r.number, r.reason, r.adjustments) for r in plan.revisions],
            "alerts": [tuple(a) for a in alerts],
        }
        db.session.remove()
    return {"counts": counts, "detail": detail}


def _backup(app, path) -> str:
    result = app.test_cli_runner().invoke(args=["db", "backup", str(path)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


@pytest.mark.skipif(BACKEND == "postgres", reason="the SQLite backup; pg_dump is tested below")
def test_sqlite_backup_restores_every_record(seeded, tmp_path):
    path = tmp_path / "backup.sqlite3"
    before = _snapshot(seeded)
    output = _backup(seeded, path)
    for table, rows in before["counts"].items():
        assert f"  {table}: {rows}\n" in output
    assert "restore:" in output

    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    try:
        after = _snapshot(restored)
        assert after["counts"] == before["counts"]
        assert all(before["counts"][t] > 0 for t in ("users", "pain_logs", "exercise_logs"))
        assert after["detail"] == before["detail"]
        patient = sign_in(restored.test_client(), DEMO_PATIENT, "stride-demo-1")
        assert patient.get("/me").status_code == 200
    finally:
        with restored.app_context():
            db.engine.dispose()

    again = seeded.test_cli_runner().invoke(args=["db", "backup", str(path)])
    assert again.exit_code != 0 and "--force" in again.output


@pytest.mark.skipif(BACKEND == "postgres", reason="the SQLite online backup")
def test_sqlite_backup_taken_during_writes_is_consistent(seeded, tmp_path):
    """Devices keep pushing while the backup runs: the copy is a clean snapshot."""
    client = seeded.test_client()
    patient = sign_in(client, DEMO_PATIENT, "stride-demo-1")
    stop = threading.Event()
    pushed, failures = [], []

    def push():
        while not stop.is_set():
            event_id = str(uuid.uuid4())
            data = {"local_date": date.today().isoformat(), "nprs": 3, "context": "rest"}
            body = {"events": [{"id": event_id, "type": "pain_log", "data": data}]}
            response = patient.post("/sync", json=body)
            if response.status_code != 200:
                failures.append(response.get_json())
                return
            pushed.append(event_id)

    writer = threading.Thread(target=push)
    writer.start()
    try:
        while len(pushed) < 3 and writer.is_alive():
            stop.wait(0.05)
        _backup(seeded, tmp_path / "live.sqlite3")
    finally:
        stop.set()
        writer.join(timeout=30)
    assert failures == [] and len(pushed) >= 3
    live = tmp_path / "live.sqlite3"
    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{live}"})
    with restored.app_context():
        copied = {str(u) for u in db.session.scalars(select(PainLog.client_uuid))}
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.session.remove()
        db.engine.dispose()
    mine = [event_id in copied for event_id in pushed]
    # A snapshot: every push up to some point is in it, none after that point.
    assert mine[:3] == [True] * 3
    assert mine == sorted(mine, reverse=True)


@pytest.mark.skipif(BACKEND != "postgres", reason="pg_dump backs up PostgreSQL")
@pytest.mark.skipif(not shutil.which("pg_restore"), reason="needs PostgreSQL's client tools")
def test_postgres_backup_restores_every_record(seeded, database_url, tmp_path):
    path = tmp_path / "backup.dump"
    before = _snapshot(seeded)
    output = _backup(seeded, path)
    assert "pg_restore" in output
    assert path.read_bytes()[:5] == b"PGDMP"

    url = make_url(database_url)
    scratch = f"stride_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    restored = None
    try:
        target = url.set(drivername="postgresql", database=scratch, query={})
        args = ["pg_restore", "--no-owner", f"--host={target.host}", f"--port={target.port}"]
        args += [f"--username={target.username}", f"--dbname={scratch}", str(path)]
        env = {**os.environ, **({"PGPASSWORD": target.password} if target.password else {})}
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        restored_url = url.set(database=scratch).render_as_string(hide_password=False)
        restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": restored_url})
        after = _snapshot(restored)
        assert after["counts"] == before["counts"]
        assert after["detail"] == before["detail"]
    finally:
        if restored is not None:
            with restored.app_context():
                db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()
