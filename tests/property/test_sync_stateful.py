"""Stateful sync: a device logs offline, pushes (sometimes losing the answer), pushes duplicates,
sends logs online, reinstalls and pulls, in random order.

Invariants after every step: the server holds exactly one row per distinct UUID it received,
every event the device saw acknowledged is stored, and no UUID was ever "created" twice.
"""

import uuid
from collections import Counter
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from server.extensions import db
from server.models import ExerciseLog, PainLog, Patient, Plan
from server.services.plans import local_today, schedule_of
from tests.conftest import exercise_log_data


class Device(RuleBasedStateMachine):
    """One patient's phone. The test sets `caller`, `app`, `plan_id`, `slots` and `today`."""

    caller = app = plan_id = slots = today = None

    def __init__(self):
        super().__init__()
        self.outbox: dict[str, dict] = {}  # logged, not yet acknowledged
        self.events: dict[str, dict] = {}  # every event ever logged on this device
        self.delivered: set[str] = set()  # in a request the server answered with 200
        self.acked: set[str] = set()
        self.created: Counter = Counter()
        self.cursor = 0
        self.baseline = self.server_rows()

    def server_rows(self) -> set[str]:
        with self.app.app_context():
            rows = {
                str(u)
                for model in (PainLog, ExerciseLog)
                for u in db.session.scalars(select(model.client_uuid))
            }
            db.session.remove()
        return rows

    def _log(self, event: dict) -> None:
        self.outbox[event["id"]] = self.events[event["id"]] = event

    @rule(nprs=st.integers(0, 10), days_ago=st.integers(0, 3))
    def log_pain_offline(self, nprs, days_ago):
        day = self.today - timedelta(days=days_ago)
        data = {"local_date": day.isoformat(), "nprs": nprs, "context": "rest"}
        self._log({"id": str(uuid.uuid4()), "type": "pain_log", "data": data})

    @rule(pick=st.integers(0, 10_000), done=st.integers(0, 20))
    def log_exercise_offline(self, pick, done):
        slot = self.slots[pick % len(self.slots)]
        data = exercise_log_data(self.plan_id, slot, min(done, slot[3]), "pain")
        self._log({"id": str(uuid.uuid4()), "type": "exercise_log", "data": data})

    @rule(nprs=st.integers(0, 10), answer_lost=st.booleans())
    def log_pain_online(self, nprs, answer_lost):
        """The app posts a log at once; if the answer is lost it stays in the outbox."""
        event_id = str(uuid.uuid4())
        data = {"local_date": self.today.isoformat(), "nprs": nprs, "context": "sitting"}
        self._log({"id": event_id, "type": "pain_log", "data": data})
        patient_id = self.caller.user["patient_id"]
        response = self.caller.post(
            f"/patients/{patient_id}/pain-logs", json={"id": event_id, **data}
        )
        assert response.status_code == 201, response.get_json()
        self.delivered.add(event_id)
        self.created[event_id] += 1
        if not answer_lost:
            self.acked.add(event_id)
            del self.outbox[event_id]

    def _sync(self, events: list[dict]) -> dict:
        response = self.caller.post("/sync", json={"cursor": self.cursor, "events": events})
        assert response.status_code == 200, response.get_json()
        self.delivered.update(e["id"] for e in events)
        return response.get_json()

    def _take(self, events: list[dict], body: dict) -> None:
        assert [r["id"] for r in body["results"]] == [e["id"] for e in events]
        for result in body["results"]:
            assert result["status"] in ("created", "duplicate"), result
            self.created[result["id"]] += result["status"] == "created"
            self.acked.add(result["id"])
            self.outbox.pop(result["id"], None)
        assert body["cursor"] >= self.cursor
        self.cursor = body["cursor"]

    @precondition(lambda self: self.outbox)
    @rule(repeats=st.integers(0, 3), answer_lost=st.booleans())
    def push(self, repeats, answer_lost):
        """Push the outbox, some events twice in one batch; the answer may never arrive."""
        events = list(self.outbox.values())
        events += events[:repeats]
        body = self._sync(events)
        if not answer_lost:
            self._take(events, body)

    @precondition(lambda self: self.acked)
    @rule(data=st.data())
    def push_acknowledged_again(self, data):
        """A retry of events the server already acknowledged: every one is a duplicate."""
        ids = data.draw(st.lists(st.sampled_from(sorted(self.acked)), min_size=1, max_size=6))
        events = [self.events[i] for i in ids]
        body = self._sync(events)
        assert {r["status"] for r in body["results"]} == {"duplicate"}
        self._take(events, body)

    @rule()
    def pull(self):
        self._take([], self._sync([]))

    @rule()
    def reinstall(self):
        """The app's local state is wiped but the outbox kept: a pull from 0 gets the plan back."""
        self.cursor = 0
        body = self._sync([])
        assert self.plan_id in [p["id"] for p in body["changes"]["plans"]]
        self._take([], body)

    @invariant()
    def server_rows_are_the_distinct_events_received(self):
        stored = self.server_rows() - self.baseline
        assert stored == self.delivered
        assert self.acked <= stored, "an acknowledged event is missing"
        assert not [k for k, n in self.created.items() if n > 1], "an event was created twice"


def test_random_interleavings_keep_every_acknowledged_event_exactly_once(clean_app, patient, plan):
    with clean_app.app_context():
        stored = db.session.get(Plan, plan["id"])
        today = local_today(db.session.get(Patient, patient.user["patient_id"]))
        first = max(stored.start_date, today - timedelta(days=3))
        slots = [
            (s.date, s.exercise_id, s.slot_index, s.dose.sets)
            for day in schedule_of(stored, first, today)
            for s in day.sessions
        ]
        db.session.remove()
    assert slots, "the plan prescribes something in the last days"

    class ThisDevice(Device):
        pass

    ThisDevice.caller, ThisDevice.app, ThisDevice.plan_id = patient, clean_app, plan["id"]
    ThisDevice.slots, ThisDevice.today = slots, today
    run_state_machine_as_test(
        ThisDevice,
        settings=settings(max_examples=25, stateful_step_count=20, deadline=None, derandomize=True),
    )
