"""PostgreSQL read mode: reads hold no transaction open; the writes that follow are atomic."""

from datetime import date

import psycopg
import pytest
from sqlalchemy import func, inspect, select, text

from server.database import begin_writing, reset, start_reading
from server.extensions import db
from server.models import Change, User
from tests.conftest import BACKEND, sync_event

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's autocommit reads")


def _state_of(app, backend_pid: int) -> str:
    """Return pg_stat_activity's state of a backend, as seen from another connection."""
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:
        row = other.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (backend_pid,))
        return row.fetchone()[0]


def test_a_read_leaves_no_transaction_open(clean_app, patient):
    with clean_app.app_context():
        db.session.rollback()  # the mode is chosen when a transaction begins
        mode = start_reading()
        try:
            pid = db.session.scalar(text("SELECT pg_backend_pid()"))
            assert db.session.scalar(select(func.count()).select_from(User)) >= 1
            # Between statements the reading connection is idle, not "idle in transaction":
            # no snapshot held, nothing for VACUUM to wait on, no BEGIN or ROLLBACK to send.
            assert _state_of(clean_app, pid) == "idle"
        finally:
            reset(mode)
            db.session.rollback()
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        assert _state_of(clean_app, pid) == "idle in transaction", "writes keep transactions"
        db.session.rollback()


def test_writes_after_begin_writing_are_one_transaction(clean_app, patient):
    with clean_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Change))
        db.session.rollback()
        mode = start_reading()
        try:
            user = db.session.scalar(select(User).where(User.email == "pat@example.org"))
            begin_writing(db.session)
            assert not inspect(user).expired, "objects read before writing stay loaded"
            db.session.add_all([Change(kind="plan", ref_id=n, patient_id=None) for n in (1, 2)])
            db.session.flush()
            user.display_name = "Pat Renamed"
            db.session.flush()
            db.session.rollback()  # the request fails after its writes: none of them stays
        finally:
            reset(mode)
        assert db.session.scalar(select(func.count()).select_from(Change)) == before
        name = db.session.scalar(select(User.display_name).where(User.email == "pat@example.org"))
        assert name != "Pat Renamed"


def test_staff_reads_are_answered_and_audited_in_read_mode(clean_app, physio, plan):
    from server.models import AuditEvent

    answer = physio.get(f"/plans/{plan['id']}/schedule")
    assert answer.status_code == 200
    with clean_app.app_context():
        audited = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == physio.user["id"])
        ).all()
    assert audited, "the staff read was written to the audit log"


def test_a_read_on_a_connection_pinged_after_idling_is_answered(
    clean_app, patient, plan, monkeypatch
):
    """A pooled connection idle long enough is pinged when checked out; a read must still run
    in autocommit afterwards (the ping leaves no transaction open behind it)."""
    import server.database

    monkeypatch.setattr(server.database, "PING_AFTER_IDLE", 0.0)  # every checkout pings
    for n in range(3):
        # A write first, so the connection goes back to the pool out of autocommit.
        pain = {"local_date": date.today().isoformat(), "nprs": 3 + n, "context": "rest"}
        pushed = patient.post("/sync", json={"cursor": 0, "events": [sync_event("pain_log", pain)]})
        assert pushed.status_code == 200, pushed.get_json()
        assert patient.get(f"/plans/{plan['id']}/schedule").status_code == 200
