"""Time the app's sync of 1,000 queued events against a real server on loopback.

Prints events/s and the ratio to a raw bulk insert of the same 1,000 rows into the server's
SQLite, measured in the same run, then what one more entry costs to sync once those 1,000 are
the patient's history (the sync after every action). No assertions.
Run: .venv/bin/python bench/app_sync.py
"""

import logging
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from mobile.core.api import ApiClient
from mobile.core.store import Store
from mobile.core.sync import SyncEngine
from mobile.core.today import log_exercise, log_pain, today_view

EVENTS = 1000
PAIN_SHARE = 0.3
PASSWORD = "quiet orchard lantern 9"
AFTER_ACTION_RUNS = 5


def start_server(db_path: str):
    """Start the real app over loopback HTTP on a migrated SQLite file with the protocols."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from server import create_app
    from server.extensions import db
    from server.protocols.loader import validate_files
    from server.services.accounts import create_user
    from server.services.protocols import load_documents

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"})
    for name in ("werkzeug", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        docs, problems = validate_files(None)
        assert not problems, problems
        load_documents(db.session, list(docs.values()))
        create_user(
            db.session,
            email="physio@bench.example",
            display_name="Bench Physio",
            role="physio",
            password=PASSWORD,
        )
        db.session.commit()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return app, httpd, f"http://127.0.0.1:{httpd.server_port}"


def make_patient(url: str) -> dict:
    """Create a patient with a 14-day-old plan through the API, as a physio would."""
    physio = ApiClient(url)
    physio.sign_in("physio@bench.example", PASSWORD)
    email = f"patient.{uuid.uuid4().hex[:8]}@bench.example"
    body = {"email": email, "display_name": "Bench Patient", "timezone": "UTC"}
    patient = physio.post("/patients", body)
    ApiClient(url).activate(email, patient["activation"]["code"], PASSWORD)
    start = datetime.now(UTC).date() - timedelta(days=14)
    physio.post(
        f"/patients/{patient['id']}/plans",
        {"protocol_id": "piriformis-neural-gliding", "start_date": start.isoformat()},
    )
    client = ApiClient(url)
    answer = client.sign_in(email, PASSWORD)
    return answer


def queue_events(store: Store, today: date) -> None:
    """Queue EVENTS entries as a patient would make them: exercise logs and pain scores."""
    views = [v for v in (today_view(store, today - timedelta(days=d)) for d in range(14)) if v]
    items = [(view, item) for view in views for item in view.items]
    for n in range(EVENTS):
        if n % 10 < PAIN_SHARE * 10:
            log_pain(store, today - timedelta(days=n % 14), n % 11, "rest")
        else:
            view, item = items[n % len(items)]
            log_exercise(store, view, item, item.sets_due, "done")


def bulk_insert(app, store: Store, patient_id: int, user_id: int, only: set[str]) -> float:
    """Insert the same rows (fresh UUIDs) straight into the server's tables; return seconds.

    The median of three runs: one bulk insert takes tens of milliseconds, so it is noisy.
    """
    return sorted(_bulk_insert_once(app, store, patient_id, user_id, only) for _ in range(3))[1]


def _bulk_insert_once(app, store: Store, patient_id: int, user_id: int, only: set[str]) -> float:
    from sqlalchemy import insert

    from server.extensions import db
    from server.models import ExerciseLog, PainLog

    rows = {ExerciseLog: [], PainLog: []}
    now = datetime.now(UTC)
    for table, kind in ((ExerciseLog, store.exercise_logs), (PainLog, store.pain_logs)):
        for row in (r for r in kind() if r["id"] in only):
            values = {k: v for k, v in row.items() if k not in ("id", "pending", "received_at")}
            values.update(
                client_uuid=uuid.uuid4(),
                patient_id=patient_id,
                recorded_by_id=user_id,
                received_at=now,
                local_date=date.fromisoformat(values["local_date"]),
                recorded_at=datetime.fromisoformat(values["recorded_at"]),
            )
            values.pop("supersedes", None)
            rows[table].append(values)
    with app.app_context():
        started = time.perf_counter()
        for table, values in rows.items():
            db.session.execute(insert(table), values)
        db.session.commit()
        return time.perf_counter() - started


def one_more_entry(store: Store) -> float:
    """Return the median seconds of syncing one new pain score, as after each action."""
    times = []
    for n in range(AFTER_ACTION_RUNS):
        log_pain(store, datetime.now(UTC).date(), n % 11, "rest")
        started = time.perf_counter()
        SyncEngine(store).sync_once()
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def main() -> None:
    """Run the benchmark and print its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        app, httpd, url = start_server(str(Path(tmp) / "server.sqlite3"))
        try:
            signed_in = make_patient(url)
            store = Store(str(Path(tmp) / "device.sqlite3"))
            store.save_session(url, signed_in["token"], signed_in["user"])
            engine = SyncEngine(store)
            engine.sync_once()  # pull the plan first, as the app does after sign-in
            queue_events(store, datetime.now(UTC).date())
            pushes: list[float] = []

            def timed_client(base_url, token):
                client = ApiClient(base_url, token, timeout=60)
                plain = client.sync

                def sync(cursor, events):
                    started = time.perf_counter()
                    try:
                        return plain(cursor, events)
                    finally:
                        pushes.append(time.perf_counter() - started)

                client.sync = sync
                return client

            queued, made = store.pending_count(), {e["id"] for e in store.outbox(EVENTS)}
            started = time.perf_counter()
            state = SyncEngine(store, timed_client).sync_once()
            total = time.perf_counter() - started
            after_action = one_more_entry(store)
            user = signed_in["user"]
            bulk = bulk_insert(app, store, user["patient_id"], user["id"], made)
            store.close()
        finally:
            httpd.shutdown()
    push = sum(pushes)
    print(
        f"queued events        {queued}  "
        f"(left after sync: {state.pending}, error: {state.last_error})"
    )
    print(
        f"sync_once            {total:.3f} s  = {queued / total:,.0f} events/s  "
        f"({len(pushes)} /sync requests and the rest of the pass)"
    )
    print(f"/sync requests only  {push:.3f} s  = {queued / push:,.0f} events/s")
    print(
        f"raw bulk insert      {bulk:.4f} s  = {queued / bulk:,.0f} rows/s "
        "(same rows, same SQLite, median of 3)"
    )
    print(f"ratio sync/bulk      {total / bulk:.1f}x  (/sync requests only: {push / bulk:.1f}x)")
    print(
        f"after one action     {after_action * 1000:.0f} ms  (sync of 1 entry with "
        f"{queued} logs of history, median of {AFTER_ACTION_RUNS})"
    )


if __name__ == "__main__":
    main()
