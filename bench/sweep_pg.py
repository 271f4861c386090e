"""The sweep benchmark on PostgreSQL (`bench/sweep.py --postgres URL`): data loaded with COPY.

Each size gets its own schema in the given database (dropped at the end unless --keep). For 1
and 2 workers it prints the full sweep and an incremental one (1 % of patients with a new pain
log), and each worker's peak memory (its ru_maxrss, and what it was when forked). The workers
are forked as `sweep run --workers N` forks them (server.sweep_workers), one worker included.
"""

import logging
import multiprocessing
import random
import re
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url

from server import create_app
from server.extensions import db

PROTOCOL = "piriformis-neural-gliding"
HASH = "$argon2id$v=19$m=19456,t=2,p=1$bench$bench"
SWEEP_TABLES = "alert_events, changes, alerts, plan_evaluations, sweep_queue, sweep_runs"


class Schema:
    """A private schema of the benchmark's database: its app URL and a psycopg connection."""

    def __init__(self, url: str, name: str):
        self.name = name
        self.app_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
        plain = make_url(url).set(drivername="postgresql")
        self.conninfo = plain.render_as_string(hide_password=False)
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, options=f"-csearch_path={self.name}")

    def drop(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{self.name}" CASCADE')


def build(schema: Schema, patients: int, weeks: int, today: date) -> tuple[float, int]:
    """Migrate the schema, load the protocols, COPY the patients in; return (seconds, rows)."""
    from sweep import migrated_schedule

    start, days = migrated_schedule(schema.app_url, weeks, today)
    began = time.perf_counter()
    with schema.connect() as connection:
        # Set-up speed only: the data is consistent by construction, so no foreign-key
        # triggers per row (needs a superuser), and the logs' secondary indexes built after.
        connection.execute("SET session_replication_role = replica")
        indexes = connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename IN ('exercise_logs', 'pain_logs') AND indexname LIKE 'ix_%'"
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        rows = _copy_patients(connection, patients, days, start, random.Random(7))
        for _, definition in indexes:
            connection.execute(definition)
        connection.execute("SET session_replication_role = DEFAULT")
        for table in ("users", "patients", "plans", "plan_revisions", "exercise_logs", "pain_logs"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        connection.commit()
        for table in ("exercise_logs", "pain_logs", "plans", "patients", "plan_revisions"):
            connection.execute(f"ANALYZE {table}")
    return time.perf_counter() - began, rows


def _copy_patients(connection, patients: int, days, start: date, rng: random.Random) -> int:
    """COPY users, patients, plans and their logs; return the number of log rows."""
    now = datetime.now(UTC).isoformat()
    version = connection.execute(
        "SELECT id FROM protocol_versions WHERE protocol_id = %s", (PROTOCOL,)
    ).fetchone()[0]
    people = range(1, patients + 1)
    _copy(
        connection,
        "users (id, email, display_name, role, password_hash, is_active, created_at)",
        [(1, "physio@bench", "Physio", "physio", HASH, True, now)]
        + [(n + 1, f"p{n}@bench", f"Patient {n}", "patient", HASH, True, now) for n in people],
    )
    _copy(
        connection,
        "patients (id, user_id, timezone, created_at, created_by_id)",
        [(n, n + 1, "Europe/London", now, 1) for n in people],
    )
    _copy(
        connection,
        "care_team_members (patient_id, staff_id, added_at)",
        [(n, 1, now) for n in people],
    )
    _copy(
        connection,
        "plans (id, patient_id, protocol_version_id, start_date, status,"
        " current_revision, created_by_id, created_at)",
        [(n, n, version, start, "active", 1, 1, now) for n in people],
    )
    _copy(
        connection,
        "plan_revisions (id, plan_id, number, effective_from, author_id,"
        " created_at, reason, operations, diff, adjustments)",
        [(n, n, 1, start, 1, now, "assigned", "[]", "[]", "{}") for n in people],
    )
    rows = 0
    serial = 0
    exercise_columns = (
        "exercise_logs (client_uuid, patient_id, received_at, recorded_by_id, plan_id,"
        " exercise_id, local_date, slot, sets_done, sets_due, status, skip_reason)"
    )
    pain_columns = (
        "pain_logs (client_uuid, patient_id, received_at, recorded_by_id, local_date, nprs,"
        " context, tingling, numbness, felt_pop, new_bruising, cannot_bear_weight)"
    )
    # COPY's text format written in chunks: a row tuple per log costs more than the load.
    cursor = connection.cursor()
    with cursor.copy(f"COPY {exercise_columns} FROM STDIN") as copy:
        for pid in people:
            adherence = rng.choice((0.95, 0.85, 0.6, 0.3))
            head = f"{pid}\t{now}\t{pid + 1}\t{pid}\t"
            lines = []
            for day in days:
                local = day.date.isoformat()
                for s in day.sessions:
                    serial += 1
                    sets = s.dose.sets
                    done = (
                        f"{sets}\t{sets}\tdone\t\\N"
                        if rng.random() < adherence
                        else (f"0\t{sets}\tskipped\tno_time")
                    )
                    lines.append(
                        f"{serial:032x}\t{head}{s.exercise_id}\t{local}\t{s.slot_index}\t{done}\n"
                    )
            copy.write("".join(lines))
            rows += len(lines)
    with cursor.copy(f"COPY {pain_columns} FROM STDIN") as copy:
        for pid in people:
            baseline = rng.randint(4, 8)
            lines = []
            for index, day in enumerate(days):
                serial += 1
                nprs = max(0, min(10, baseline - (index // 21) + rng.randint(-1, 1)))
                lines.append(
                    f"{serial:032x}\t{pid}\t{now}\t{pid + 1}\t{day.date.isoformat()}\t{nprs}"
                    "\trest\tf\tf\tf\tf\tf\n"
                )
            copy.write("".join(lines))
            rows += len(lines)
    connection.commit()
    return rows


def _copy(connection, target: str, rows) -> None:
    with connection.cursor().copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def add_new_data(schema: Schema, share: float, today: date, seed: int) -> int:
    """COPY one new pain log for a share of the patients (as if they synced today)."""
    with schema.connect() as connection:
        patients = [r[0] for r in connection.execute("SELECT id FROM patients ORDER BY id")]
        chosen = random.Random(seed).sample(patients, max(1, int(len(patients) * share)))
        now = datetime.now(UTC).isoformat()
        rows = [
            (uuid.uuid4(), pid, now, pid + 1, today, 5, "rest", False, False, False, False, False)
            for pid in chosen
        ]
        _copy(
            connection,
            "pain_logs (client_uuid, patient_id, received_at, recorded_by_id,"
            " local_date, nprs, context, tingling, numbness, felt_pop, new_bruising,"
            " cannot_bear_weight)",
            rows,
        )
        connection.commit()
    return len(chosen)


def forget_sweeps(schema: Schema) -> None:
    """Remove every sweep's results, so the next sweep is a full one again."""
    with schema.connect() as connection:
        connection.execute(f"TRUNCATE {SWEEP_TABLES}")
        connection.commit()


def make_all_due(schema: Schema, today: date) -> None:
    """Make every plan due again as of `today`, keeping the sums its last sweep carried.

    The sweep that follows judges every plan the way a weekly look does in steady state: from
    its stored carry and its recent rows, not its whole history (server.services.carried).
    """
    with schema.connect() as connection:
        connection.execute(
            "UPDATE plan_evaluations SET next_due_on = %s, evaluated_on = %s",
            (today, today - timedelta(days=1)),
        )
        connection.commit()


def timed_sweep(schema: Schema, workers: int, as_of: date):
    """Queue a sweep and fork `workers` workers on it; return (seconds, run, peaks in MiB).

    The same steps as `sweep run --workers N` (server.sweep_workers), one worker included, so
    every count is measured the same way; each worker logs its peak memory to a file read here.
    """
    from server.services.sweep_queue import finished, open_queued_run
    from server.sweep_workers import _worker

    app = create_app({"SQLALCHEMY_DATABASE_URI": schema.app_url})
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log_file:
        handler = logging.FileHandler(log_file.name)
        worker_log = logging.getLogger("server.sweep_workers")
        worker_log.addHandler(handler)
        try:
            began = time.perf_counter()
            with app.app_context():
                run_id = open_queued_run(db.session, as_of=as_of).id
                db.session.remove()
                db.engine.dispose()
            context = multiprocessing.get_context("fork")
            children = [
                context.Process(target=_worker, args=(app, run_id, 200)) for _ in range(workers)
            ]
            for child in children:
                child.start()
            for child in children:
                child.join()
            seconds = time.perf_counter() - began
        finally:
            worker_log.removeHandler(handler)
            handler.close()
        peaks = [
            (int(m[0]), int(m[1]))
            for m in re.findall(r"peak memory (\d+) MiB \((\d+) MiB when forked", log_file.read())
        ]
    assert all(c.exitcode == 0 for c in children), "a worker failed"
    with app.app_context():
        run = finished(db.session, run_id)
        db.session.expunge(run)
        db.engine.dispose()
    return seconds, run, peaks


def bench_size(url: str, patients: int, weeks: int, workers: tuple, keep: bool) -> dict:
    """Build one size, sweep it full and incrementally with each worker count; print figures."""
    today = date.today()
    schema = Schema(url, f"stride_bench_{patients}_{weeks}w_{uuid.uuid4().hex[:6]}")
    result = {}
    try:
        seconds, rows = build(schema, patients, weeks, today)
        print(
            f"{patients:,} patients x {weeks} weeks: {rows:,} log rows COPied in {seconds:.0f} s"
            f" (schema {schema.name})",
            flush=True,
        )
        for seed, count in enumerate(workers):
            forget_sweeps(schema)
            full, run, peaks = timed_sweep(schema, count, today)
            assert run.status == "done" and run.errors == 0, run.error_log[:3]
            changed = add_new_data(schema, 0.01, today, seed)
            incremental, inc_run, inc_peaks = timed_sweep(schema, count, today)
            make_all_due(schema, today)
            carried, carried_run, carried_peaks = timed_sweep(schema, count, today)
            assert carried_run.plans_evaluated == run.plans_evaluated, "not every plan was judged"
            result[count] = (full, incremental, max(p for p, _ in peaks), carried)
            print(
                f"  {count} worker(s): full {full:.1f} s ({run.plans_evaluated / full:,.0f}"
                f" patients/s, {full / patients * 1000:.2f} ms/patient, {run.alerts_created:,}"
                f" alerts); incremental ({changed:,} changed) {incremental:.2f} s,"
                f" {inc_run.plans_evaluated:,} judged; every plan again from carried sums"
                f" {carried:.1f} s ({carried / patients * 1000:.2f} ms/patient);"
                f" peak memory per worker"
                f" {', '.join(f'{p} ({f} when forked)' for p, f in peaks)} MiB,"
                f" from carried sums {', '.join(str(p) for p, _ in carried_peaks)} MiB",
                flush=True,
            )
    finally:
        if not keep:
            schema.drop()
    return result
