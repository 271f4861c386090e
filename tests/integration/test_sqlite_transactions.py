"""SQLite transaction modes: reads never wait for a writer; writes take the lock up front."""

import sqlite3

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import OperationalError

from server.database import begin_writing, reset, start_reading
from server.extensions import db
from server.models import Change, User
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND == "postgres", reason="SQLite's locking only")


def _database_file(app) -> str:
    with app.app_context():
        return db.engine.url.database


def test_reads_are_answered_while_another_process_holds_the_write_lock(
    clean_app, patient, physio, plan
):
    writer = sqlite3.connect(_database_file(clean_app), timeout=0)
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")
    try:
        # Were these reads to queue for the lock, they would fail after busy_timeout instead.
        schedule = patient.get(f"/plans/{plan['id']}/schedule")
        logs = patient.get(f"/patients/{patient.user['patient_id']}/pain-logs")
        pull = patient.post("/sync", json={"cursor": 0})
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert (schedule.status_code, logs.status_code, pull.status_code) == (200, 200, 200)
    assert [p["id"] for p in pull.get_json()["changes"]["plans"]] == [plan["id"]]
    # Staff reads are audited, a write: with the lock free again they are answered as usual.
    assert physio.get(f"/plans/{plan['id']}/schedule").status_code == 200


def test_a_write_in_read_mode_fails_loudly_and_stores_nothing(clean_app):
    with clean_app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Change))
        db.session.rollback()  # the mode is chosen when a transaction begins
        mode = start_reading()
        try:
            db.session.add(Change(kind="plan", ref_id=1, patient_id=None))
            with pytest.raises(OperationalError, match="readonly"):
                db.session.commit()
            db.session.rollback()
        finally:
            reset(mode)
        assert db.session.scalar(select(db.func.count()).select_from(Change)) == before


def test_an_object_added_while_reading_is_refused_when_writing_begins(clean_app):
    """begin_writing switches to writing in place, but never writes what reading added."""
    with clean_app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Change))
        db.session.rollback()
        mode = start_reading()
        try:
            db.session.scalar(select(User.id).limit(1))  # a read transaction is open
            db.session.add(Change(kind="plan", ref_id=1, patient_id=None))
            with pytest.raises(OperationalError, match="readonly"):
                begin_writing(db.session)
            db.session.rollback()
        finally:
            reset(mode)
        assert db.session.scalar(select(db.func.count()).select_from(Change)) == before


def test_begin_writing_keeps_what_was_read_and_takes_the_write_lock(clean_app, patient):
    path = _database_file(clean_app)
    with clean_app.app_context():
        mode = start_reading()
        try:
            user = db.session.scalar(select(User).where(User.email == "pat@example.org"))
            begin_writing(db.session)
            assert not inspect(user).expired, "objects read before writing stay loaded"
            user.display_name = "Pat Renamed"
            db.session.flush()
            other = sqlite3.connect(path, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
            db.session.commit()
        finally:
            reset(mode)
        db.session.expire_all()
        renamed = db.session.scalar(select(User.display_name).where(User.id == user.id))
        assert renamed == "Pat Renamed"
