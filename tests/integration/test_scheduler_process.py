"""The real scheduler process: catch-up sweep on start, and a second one refuses to run."""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from server.demo import seed_demo
from server.extensions import db
from server.models import Alert, SweepRun


def _scheduler(database_url, log_path):
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "server", "scheduler", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _finished_sweeps(app):
    with app.app_context():
        db.session.expire_all()
        return db.session.scalars(select(SweepRun).where(SweepRun.status == "done")).all()


@pytest.fixture()
def seeded(clean_app):
    with clean_app.app_context():
        seed_demo(db.session, None)
    return clean_app


def test_scheduler_catches_up_on_start_and_runs_alone(seeded, database_url, tmp_path):
    first = _scheduler(database_url, tmp_path / "first.log")
    try:
        deadline = time.monotonic() + 90
        while not _finished_sweeps(seeded) and time.monotonic() < deadline:
            assert first.poll() is None, (tmp_path / "first.log").read_text()
            time.sleep(0.5)
        runs = _finished_sweeps(seeded)
        assert [run.kind for run in runs] == ["catch-up"]
        assert runs[0].plans_evaluated > 0 and runs[0].errors == 0

        second = _scheduler(database_url, tmp_path / "second.log")
        assert second.wait(timeout=60) != 0
        assert "another scheduler" in (tmp_path / "second.log").read_text()
        assert first.poll() is None, "the first scheduler keeps running"
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=30)
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(SweepRun)) == 1
        keys = db.session.scalars(select(Alert.open_key).where(Alert.open_key.is_not(None)))
        keys = list(keys)
        assert len(keys) == len(set(keys)) > 0
