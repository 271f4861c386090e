"""Benchmark the escalation sweep: 10,000 patients with 16 weeks of history on SQLite.

Prints the full sweep and an incremental sweep (1 % of patients with new data) as seconds and
patients/second, each as a ratio to a single SQL aggregate over the same rows, measured in the
same run. Goals (issue 3): full sweep < 60 s, incremental < 3 s on a 2-core machine.

    .venv/bin/python bench/sweep.py [--patients 10000] [--weeks 16] [--keep DIR]
                                    [--history-patients 2000]

After the full and the incremental sweep, every plan is made due again and judged from the
sums the first sweep carried (server.services.carried), as each weekly look does in steady
state; --history-patients builds that many patients with 16 weeks and with 2 years of logs and
prints what each costs per patient in the first sweep and in the later ones (goal: flat).

On PostgreSQL (issue 15; data loaded with COPY, 1 and 2 worker processes, their peak memory,
each size in its own schema; --history-patients compares 16 weeks of logs with 2 years):

    .venv/bin/python bench/sweep.py --postgres postgresql+psycopg://postgres@127.0.0.1/test \
        --patients 5000 50000 [--history-patients 2000]
"""

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from domain.protocol import Protocol  # noqa: E402
from domain.schedule import Revision, expand_schedule  # noqa: E402
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402

PROTOCOL = "piriformis-neural-gliding"
HASH = "$argon2id$v=19$m=19456,t=2,p=1$bench$bench"


def migrated_schedule(url: str, weeks: int, today: date) -> tuple[date, list]:
    """Migrate the database at `url` and load the protocols; return the plans' start and days.

    The days are the bench protocol's prescribed sessions from `weeks` ago to yesterday, the
    history both benchmarks (SQLite here, PostgreSQL in sweep_pg.py) write for each patient.
    """
    from flask_migrate import upgrade

    from server.protocols.loader import validate_files
    from server.services.protocols import load_documents

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        docs, _ = validate_files(None)
        load_documents(db.session, list(docs.values()))
        content = next(d for d in docs.values() if d["id"] == PROTOCOL)
        db.engine.dispose()
    start = today - timedelta(weeks=weeks)
    days = expand_schedule(
        Protocol.from_dict(content),
        start,
        None,
        None,
        [Revision(1, start, {})],
        start,
        today - timedelta(days=1),
    )
    return start, days


def build_database(path: str, patients: int, weeks: int, today: date) -> None:
    """Create a migrated database holding `patients` plans with `weeks` of logged history."""
    start, days = migrated_schedule(f"sqlite:///{path}", weeks, today)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")  # set-up speed only; the sweep runs normally
    _insert(connection, patients, days, start, random.Random(7))
    connection.close()


def _insert(connection, patients: int, days, start: date, rng: random.Random) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    c = connection.cursor()
    c.execute(
        "INSERT INTO users (id, email, display_name, role, password_hash, is_active, created_at)"
        " VALUES (1, 'physio@bench', 'Physio', 'physio', ?, 1, ?)",
        (HASH, now),
    )
    version_id = c.execute(
        "SELECT id FROM protocol_versions WHERE protocol_id = ?", (PROTOCOL,)
    ).fetchone()[0]
    for first in range(0, patients, 500):
        users, people, team, plans, revisions, exercise, pain = [], [], [], [], [], [], []
        for n in range(first, min(first + 500, patients)):
            uid, pid = n + 2, n + 1
            users.append((uid, f"p{n}@bench", f"Patient {n}", "patient", HASH, 1, now))
            people.append((pid, uid, "Europe/London", now, 1))
            team.append((pid, 1, now))
            plans.append((pid, pid, version_id, start.isoformat(), "active", 1, 1, now))
            revisions.append((pid, 1, start.isoformat(), 1, now, "assigned", "[]", "[]", "{}"))
            adherence = rng.choice((0.95, 0.85, 0.6, 0.3))
            baseline = rng.randint(4, 8)
            for index, day in enumerate(days):
                local = day.date.isoformat()
                for s in day.sessions:
                    if rng.random() < adherence:
                        done, status, reason = s.dose.sets, "done", None
                    else:
                        done, status, reason = 0, "skipped", "no_time"
                    exercise.append(
                        (
                            uuid.uuid4().hex,
                            pid,
                            now,
                            uid,
                            pid,
                            s.exercise_id,
                            local,
                            s.slot_index,
                            done,
                            s.dose.sets,
                            status,
                            reason,
                        )
                    )
                nprs = max(0, min(10, baseline - (index // 21) + rng.randint(-1, 1)))
                pain.append((uuid.uuid4().hex, pid, now, uid, local, nprs, "rest", 0, 0, 0, 0, 0))
        c.executemany(
            "INSERT INTO users (id, email, display_name, role, password_hash,"
            " is_active, created_at) VALUES (?,?,?,?,?,?,?)",
            users,
        )
        c.executemany(
            "INSERT INTO patients (id, user_id, timezone, created_at, created_by_id)"
            " VALUES (?,?,?,?,?)",
            people,
        )
        c.executemany(
            "INSERT INTO care_team_members (patient_id, staff_id, added_at) VALUES (?,?,?)", team
        )
        c.executemany(
            "INSERT INTO plans (id, patient_id, protocol_version_id, start_date, status,"
            " current_revision, created_by_id, created_at) VALUES (?,?,?,?,?,?,?,?)",
            plans,
        )
        c.executemany(
            "INSERT INTO plan_revisions (plan_id, number, effective_from, author_id,"
            " created_at, reason, operations, diff, adjustments)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            revisions,
        )
        c.executemany(
            "INSERT INTO exercise_logs (client_uuid, patient_id, received_at,"
            " recorded_by_id, plan_id, exercise_id, local_date, slot, sets_done,"
            " sets_due, status, skip_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            exercise,
        )
        c.executemany(
            "INSERT INTO pain_logs (client_uuid, patient_id, received_at,"
            " recorded_by_id, local_date, nprs, context, tingling, numbness, felt_pop,"
            " new_bruising, cannot_bear_weight) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            pain,
        )
        connection.commit()


def aggregate_seconds(path: str) -> tuple[float, int]:
    """Time one SQL aggregate over every row the sweep reads."""
    connection = sqlite3.connect(path)
    began = time.perf_counter()
    rows = connection.execute(
        "SELECT plan_id, count(*), sum(sets_done), sum(sets_due) FROM exercise_logs"
        " GROUP BY plan_id"
    ).fetchall()
    pain = connection.execute(
        "SELECT patient_id, count(*), avg(nprs) FROM pain_logs GROUP BY patient_id"
    ).fetchall()
    seconds = time.perf_counter() - began
    total = connection.execute(
        "SELECT (SELECT count(*) FROM exercise_logs) + (SELECT count(*) FROM pain_logs)"
    ).fetchone()[0]
    connection.close()
    assert rows and pain
    return seconds, total


def add_new_data(path: str, share: float, today: date) -> int:
    """Give a share of the patients one new pain log (as if they synced today)."""
    connection = sqlite3.connect(path)
    patients = [row[0] for row in connection.execute("SELECT id FROM patients")]
    chosen = random.Random(11).sample(patients, max(1, int(len(patients) * share)))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    connection.executemany(
        "INSERT INTO pain_logs (client_uuid, patient_id, received_at, recorded_by_id, local_date,"
        " nprs, context, tingling, numbness, felt_pop, new_bruising, cannot_bear_weight)"
        " VALUES (?,?,?,?,?,?,?,0,0,0,0,0)",
        [(uuid.uuid4().hex, pid, now, 1, today.isoformat(), 5, "rest") for pid in chosen],
    )
    connection.commit()
    connection.close()
    return len(chosen)


def timed_sweep(path: str, as_of: date):
    """Run one sweep in a fresh app and return (seconds, run)."""
    from server.services.sweep import run_sweep

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        began = time.perf_counter()
        run = run_sweep(db.session, as_of=as_of)
        seconds = time.perf_counter() - began
        db.engine.dispose()
    return seconds, run


def main() -> None:
    """Build the data, run the sweeps, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[10_000])
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--keep", help="directory for the database (default: a temp dir)")
    parser.add_argument("--postgres", metavar="URL", help="benchmark PostgreSQL at this URL")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--history-patients", type=int, default=0, help="also compare 16 weeks with 2 years"
    )
    args = parser.parse_args()
    import logging

    if args.postgres:
        logging.basicConfig(level=logging.WARNING)
        logging.getLogger("server.sweep_workers").setLevel(logging.INFO)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        main_postgres(args)
        return
    logging.disable(logging.INFO)
    bench_sqlite(args.patients[0], args.weeks, args.keep)
    if args.history_patients:
        n = args.history_patients
        short_full, short_carried = bench_sqlite(n, 16, None)
        long_full, long_carried = bench_sqlite(n, 104, None)
        print_history_cost(n, short_full, long_full, short_carried, long_carried)


def bench_sqlite(patients: int, weeks: int, keep: str | None) -> tuple[float, float]:
    """Build (or reuse, with `keep`) one SQLite size, sweep it, print the figures.

    Returns the seconds of the first (whole history) sweep and of judging every plan again
    from the sums it carried.
    """
    folder = keep or tempfile.mkdtemp(prefix="stride-bench-")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "sweep.sqlite3")
    today = date.today()
    if not os.path.exists(path):
        began = time.perf_counter()
        build_database(path, patients, weeks, today)
        print(
            f"set-up: {patients} patients x {weeks} weeks in "
            f"{time.perf_counter() - began:.1f} s ({path})"
        )
    aggregate, rows = aggregate_seconds(path)
    full, run = timed_sweep(path, today)
    print(f"rows read: {rows:,}; SQL aggregate over them: {aggregate:.2f} s")
    print(
        f"full sweep: {full:.1f} s for {run.plans_evaluated} plans "
        f"({run.plans_evaluated / full:,.0f} patients/s), {run.alerts_created} alerts, "
        f"{run.errors} errors; {full / aggregate:.1f}x the aggregate  [goal < 60 s]"
    )
    changed = add_new_data(path, 0.01, today)
    incremental, run = timed_sweep(path, today)
    print(
        f"incremental sweep ({changed} patients with new data): {incremental:.2f} s, "
        f"{run.plans_evaluated} plans evaluated of {run.plans_seen}; "
        f"{incremental / aggregate:.2f}x the aggregate  [goal < 3 s]"
    )
    make_all_due(path, today)
    carried, run = timed_sweep(path, today)
    print(
        f"every plan again from carried sums (as a weekly look does): {carried:.1f} s for"
        f" {run.plans_evaluated} plans ({carried / patients * 1000:.2f} ms/patient;"
        f" first sweep {full / patients * 1000:.2f} ms/patient)"
    )
    return full, carried


def make_all_due(path: str, today: date) -> None:
    """Make every plan due again as of `today`, keeping the sums its last sweep carried."""
    connection = sqlite3.connect(path)
    connection.execute(
        "UPDATE plan_evaluations SET next_due_on = ?, evaluated_on = ?",
        (today.isoformat(), (today - timedelta(days=1)).isoformat()),
    )
    connection.commit()
    connection.close()


def main_postgres(args) -> None:
    """Run the PostgreSQL sizes, then the history-length comparison; print the goals."""
    from sweep_pg import bench_size

    workers, keep = tuple(args.workers), bool(args.keep)
    for patients in args.patients:
        figures = bench_size(args.postgres, patients, args.weeks, workers, keep)
        top = max(figures)
        full, incremental, peak, _ = figures[top]
        fewest = min(figures)
        rate = (
            f"; rate with {top} vs {fewest} worker(s): {figures[fewest][0] / full:.2f}x"
            if fewest != top
            else ""
        )
        print(
            f"  goals at {patients:,} patients, {top} workers: full {full:.0f} s"
            f" [goal < 300 s at 50,000], incremental {incremental:.1f} s [goal < 10 s]{rate}",
            flush=True,
        )
    if args.history_patients:
        n = args.history_patients
        short = bench_size(args.postgres, n, 16, workers[-1:], keep)[workers[-1]]
        long = bench_size(args.postgres, n, 104, workers[-1:], keep)[workers[-1]]
        print_history_cost(n, short[0], long[0], short[3], long[3])


def print_history_cost(n: int, short_full, long_full, short_carried, long_carried) -> None:
    """Print what a patient costs the sweep with 16 weeks of logs and with 2 years."""
    print(
        f"cost per patient, first sweep (whole history read): 16 weeks"
        f" {short_full / n * 1000:.2f} ms, 2 years {long_full / n * 1000:.2f} ms"
        f" ({long_full / short_full:.2f}x)"
    )
    print(
        f"cost per patient, every later sweep (carried sums + recent rows): 16 weeks"
        f" {short_carried / n * 1000:.2f} ms, 2 years {long_carried / n * 1000:.2f} ms"
        f" ({long_carried / short_carried:.2f}x) [goal: flat]"
    )


if __name__ == "__main__":
    main()
