"""The production recipe under load: gunicorn (2 workers) plus the scheduler, 20 devices at once.

Each device is a patient with its own token. For a bounded time it logs offline and pushes,
retries a push while the first is still in flight, re-pushes old batches, pushes batches holding
one event twice, and pulls. Afterwards every acknowledged event is stored exactly once, no
request got a 500, and the catch-up sweep ran exactly once (a second scheduler refuses to start).
"""

import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import requests
from flask import current_app
from sqlalchemy import func, select

from server.demo import seed_demo
from server.demo.stories import PASSWORD as DEMO_PASSWORD
from server.extensions import db
from server.models import ExerciseLog, PainLog, Patient, Plan, SweepRun, User
from server.services import auth
from server.services.accounts import create_patient
from server.services.plans import create_plan, local_today, schedule_of
from tests.conftest import exercise_log_data
from tests.integration.live_server import (
    GUNICORN,
    Api,
    free_port,
    server_env,
    start,
    stop,
    wait_for_health,
)

DEVICES = 20
SECONDS = float(os.environ.get("STRIDE_LOAD_SECONDS", "15"))
PASSWORD = "amber lantern river 9"


def _wait_for_sweep(deadline_s: float = 40) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        done = db.session.scalar(select(func.count()).where(SweepRun.status == "done"))
        # End the read: on SQLite every transaction holds the write lock (BEGIN IMMEDIATE).
        db.session.rollback()
        if done:
            return
        time.sleep(0.3)
    pytest.fail("the scheduler's catch-up sweep did not finish")


@dataclass
class Device:
    """One patient's phone: its token, what it may log, and what the server told it."""

    name: str
    token: str
    plan_id: int
    today: date
    slots: list[tuple[date, str, int, int]]  # (day, exercise, slot, sets due)
    rng: random.Random
    cursor: int = 0
    acked: dict[str, str] = field(default_factory=dict)  # uuid -> type
    created: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    events_sent: int = 0
    history: list[list[dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_event(self) -> dict:
        """Log one thing offline: a pain score or an exercise slot."""
        event_id = str(uuid.uuid4())
        if self.slots and self.rng.random() < 0.6:
            slot = self.rng.choice(self.slots)
            done = self.rng.randint(0, slot[3])
            data = exercise_log_data(self.plan_id, slot, done, "no_time")
            return {"id": event_id, "type": "exercise_log", "data": data}
        day = self.today - timedelta(days=self.rng.randint(0, 3))
        data = {"local_date": day.isoformat(), "nprs": self.rng.randint(0, 6), "context": "rest"}
        return {"id": event_id, "type": "pain_log", "data": data}

    def push(self, http: requests.Session, events: list[dict]) -> None:
        """POST /sync and record what the server acknowledged."""
        response = http.post("/sync", json={"cursor": self.cursor, "events": events}, timeout=30)
        with self.lock:
            self.statuses[response.status_code] += 1
            self.events_sent += len(events)
            if response.status_code != 200:
                self.problems.append(f"{response.status_code}: {response.text[:300]}")
                return
            body = response.json()
            self.cursor = max(self.cursor, body["cursor"])
            for sent, result in zip(events, body["results"], strict=True):
                if result["id"] != sent["id"]:
                    self.problems.append(f"result for {result['id']} in place of {sent['id']}")
                elif result["status"] in ("created", "duplicate"):
                    self.acked[result["id"]] = sent["type"]
                    self.created[result["id"]] += result["status"] == "created"
                else:
                    self.problems.append(f"rejected {sent}: {result}")

    def run(self, http: requests.Session, retry_http: requests.Session, until: float) -> None:
        """Act like a phone with a flaky network until the deadline."""
        while time.monotonic() < until:
            batch = [self.new_event() for _ in range(self.rng.randint(1, 8))]
            roll = self.rng.random()
            if roll < 0.15:
                # A retry fired while the first push is still in flight.
                retry = threading.Thread(target=self.push, args=(retry_http, batch))
                retry.start()
                self.push(http, batch)
                retry.join()
            elif roll < 0.3:
                self.push(http, batch + batch[: self.rng.randint(1, len(batch))])
            elif roll < 0.45 and self.history:
                self.push(http, self.rng.choice(self.history))
                continue
            elif roll < 0.6:
                self.push(http, [])  # a pull only
                continue
            else:
                self.push(http, batch)
            self.history.append(batch)


def _devices(seed: int) -> list[Device]:
    """Sign in every demo patient and enough new ones (with a plan) to make 20 devices."""
    physio = db.session.scalar(select(User).where(User.email == "physio@stride.example"))
    while db.session.scalar(select(func.count()).select_from(Patient)) < DEVICES:
        number = db.session.scalar(select(func.count()).select_from(Patient))
        patient, _ = create_patient(
            db.session,
            physio,
            {
                "email": f"device{number}@example.org",
                "display_name": f"Device {number}",
                "timezone": "Europe/London",
            },
            password=PASSWORD,
        )
        start = local_today(patient) - timedelta(days=20)
        create_plan(
            db.session,
            physio,
            patient,
            {"protocol_id": "piriformis-neural-gliding", "start_date": start},
        )
    rng = random.Random(seed)
    devices = []
    for patient in db.session.scalars(select(Patient).order_by(Patient.id)):
        plan = db.session.scalar(
            select(Plan).where(Plan.patient_id == patient.id).order_by(Plan.id.desc()).limit(1)
        )
        if plan is None:
            continue  # the demo's refused enrolment has no plan to log against
        today = local_today(patient)
        first = max(plan.start_date, today - timedelta(days=3))
        slots = [
            (s.date, s.exercise_id, s.slot_index, s.dose.sets)
            for day in (schedule_of(plan, first, today) if first <= today else [])
            for s in day.sessions
            if s.dose.sets >= 1
        ]
        email = patient.user.email
        password = DEMO_PASSWORD if email.endswith("@stride.example") else PASSWORD
        raw, _ = auth.sign_in(db.session, email, password, current_app.config["TOKEN_TTL"])
        devices.append(Device(email, raw, plan.id, today, slots, random.Random(rng.random())))
    return devices


def _stored(model) -> set[str]:
    return {str(u) for u in db.session.scalars(select(model.client_uuid))}


@pytest.fixture()
def seeded(clean_app):
    with clean_app.app_context():
        seed_demo(db.session, None)
        db.session.remove()
    return clean_app


def test_twenty_devices_push_and_pull_against_the_deployment(seeded, database_url, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(database_url, port, workers=2)
    flask = [sys.executable, "-m", "flask", "--app", "server"]
    logs = {name: tmp_path / f"{name}.log" for name in ("web", "scheduler", "second")}
    processes = []
    try:
        with seeded.app_context():
            devices = _devices(seed=5)
            before = {ExerciseLog: _stored(ExerciseLog), PainLog: _stored(PainLog)}
            db.session.remove()
        processes.append(start(GUNICORN, env, logs["web"]))
        processes.append(start([*flask, "scheduler", "run"], env, logs["scheduler"]))
        wait_for_health(base, processes[0], logs["web"])
        with seeded.app_context():
            _wait_for_sweep()
            db.session.remove()

        began = time.monotonic()
        until = began + SECONDS
        sessions = [(Api(base, d.token), Api(base, d.token)) for d in devices]
        threads = [
            threading.Thread(target=d.run, args=(*pair, until), name=d.name)
            for d, pair in zip(devices, sessions, strict=True)
        ]
        for thread in threads:
            thread.start()
        # Mid-load, a second scheduler is started by mistake: it must refuse to run.
        second = start([*flask, "scheduler", "run"], env, logs["second"])
        processes.append(second)
        assert second.wait(timeout=60) != 0, logs["second"].read_text()
        assert "another scheduler" in logs["second"].read_text()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        elapsed = time.monotonic() - began
        assert not any(t.is_alive() for t in threads), "a device hung"
        assert processes[1].poll() is None, logs["scheduler"].read_text()
    finally:
        for process in processes:
            stop(process)

    statuses = sum((d.statuses for d in devices), Counter())
    problems = [f"{d.name}: {p}" for d in devices for p in d.problems]
    acked = {k: v for d in devices for k, v in d.acked.items()}
    created = sum((d.created for d in devices), Counter())
    requests_made = sum(statuses.values())
    print(
        f"\nload: {len(devices)} devices, {requests_made} requests in {elapsed:.1f} s "
        f"({requests_made / elapsed:.0f} req/s), {sum(d.events_sent for d in devices)} events "
        f"sent, {len(acked)} distinct events acknowledged; statuses {dict(statuses)}"
    )
    assert not [s for s in statuses if s >= 500], (statuses, problems[:5])
    assert problems == [], problems[:10]
    assert requests_made >= 100 and len(acked) >= 100, "the load was too light to prove much"
    assert set(created) == set(acked)
    assert all(count == 1 for count in created.values()), "an event was created twice"

    with seeded.app_context():
        for model, kind in ((ExerciseLog, "exercise_log"), (PainLog, "pain_log")):
            mine = {k for k, v in acked.items() if v == kind}
            assert _stored(model) - before[model] == mine, model.__tablename__
            rows = db.session.scalar(select(func.count()).select_from(model))
            assert rows == len(before[model]) + len(mine), f"{model.__tablename__}: extra rows"
        runs = db.session.scalars(select(SweepRun)).all()
        assert [(r.kind, r.status) for r in runs] == [("catch-up", "done")]
        assert runs[0].errors == 0
    for name in ("web", "scheduler"):
        assert "Traceback" not in logs[name].read_text(), logs[name].read_text()[-3000:]
