"""CPU and wall time of one 20-event sync push, in-process (Flask's test client, no server).

One device of a patient of its own pushes 20 new events (10 exercise logs, 10 pain scores)
again and again, each time with the cursor of its last answer, as the app does (the same
device and events as bench/api.py's sync clients); every event must come back "created".
Prints milliseconds per push; with --profile, a cProfile of 100 more pushes, by cumulative
time (environment: SORT=tottime for the time in each function itself, LINES=N for more
lines). The figures include the test client's own work (building the request, reading the
answer).

    .venv/bin/python bench/sync_cpu.py [--pushes 300] [--profile]
                                       [--postgres postgresql+psycopg://USER@HOST:5432/DB]
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.api import bench_database, prepare, sync_body  # noqa: E402
from server import create_app  # noqa: E402

WARM_UP = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="then profile 100 pushes")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a private schema is used)")
    args = parser.parse_args()
    with bench_database(args.postgres, "stride-bench-sync-") as database_url:
        measure(database_url, args, "PostgreSQL" if args.postgres else "SQLite")


def measure(database_url: str, args, name: str) -> None:
    setup = prepare(database_url, devices=1)
    os.environ["DATABASE_URL"] = database_url  # the pool settings follow it, as in production
    client = create_app({"SQLALCHEMY_DATABASE_URI": database_url}).test_client()
    device = setup["devices"][0]
    headers = {"Authorization": f"Bearer {device['token']}", "Content-Type": "application/json"}
    cursor = 0

    def push() -> None:
        nonlocal cursor
        body = sync_body(setup, cursor, device["plan_id"])
        answer = client.post("/api/v1/sync", data=body, headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        refused = [r for r in answer.json["results"] if r["status"] != "created"]
        assert not refused, refused[:2]
        cursor = answer.json["cursor"]

    for _ in range(WARM_UP):  # pulls what the seed put on the feed, fills the caches
        push()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.pushes):
        push()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{name}: {args.pushes} pushes of 20 events: {cpu / args.pushes * 1000:.2f} ms CPU, "
        f"{wall / args.pushes * 1000:.2f} ms wall per push"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(100):
            push()
        profile.disable()
        stats = pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("LINES", "60")))


if __name__ == "__main__":
    main()
