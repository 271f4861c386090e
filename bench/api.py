"""Benchmark the API over loopback: the health ceiling, schedule reads and sync pushes.

Starts the production recipe (gunicorn with server/gunicorn_conf.py) on a fresh copy of the demo
data, then measures, in one run and at the same concurrency:
- GET /api/v1/health: no token, no database; the ceiling of this server setup;
- GET /api/v1/plans/{id}/schedule: the demo patient's next 7 days, with its token; the same
  week every time, as the app re-reads it (served from the worker's schedule cache after the
  first request), and a random week of the next 100 years each time (nearly every request
  expands and serializes the schedule: the cost of a cache miss);
- POST /api/v1/sync: 20 new events per request (10 exercise logs, 10 pain scores).
Each is printed as requests/s and as a ratio to the ceiling, with p50/p95 latency; sync also as
events/s; then each endpoint's CPU per request, from /proc (Linux): the gunicorn processes, the
PostgreSQL server's processes on this host (any other job's too: run it alone), the Python load
generator (wrk's own CPU is not counted), every core, and how busy the cores were. Goals (issue
15, both databases): the same-week schedule >= 0.5 of the ceiling with p95 < 50 ms at 20
concurrent clients, random weeks >= 0.3, sync >= 0.25 with p95 < 50 ms. Uses
wrk when installed (apt-get install wrk), else a Python load generator (threads + keep-alive
http.client), which is slower than the server: its ratios read high.

    .venv/bin/python bench/api.py [--seconds 10] [--clients 20] [--workers N] [--threads 1]
                                  [--postgres postgresql+psycopg://USER@HOST:5432/DB]
                                  [--python-client] [--reads-only] [--rounds N]
                                  [--fixed-cursor]
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402

PATIENT = "amelia.hughes@stride.example"
PASSWORD = "stride-demo-1"
EVENTS = 20
START = ""  # the demo plan's start date, set by prepare()
RANDOM_DAYS = 36_500


def prepare(database_url: str, devices: int = 0) -> dict:
    """Migrate, load protocols, seed the demo; return the demo patient's token and plan.

    With `devices`, also that many patients of one device each, for the sync run.
    """
    from flask_migrate import upgrade
    from sqlalchemy import select

    from server.demo import seed_demo
    from server.models import Plan, User
    from server.services import auth
    from server.services.plans import local_today

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        seed_demo(db.session, None)
        user = db.session.scalar(select(User).where(User.email == PATIENT))
        plan = db.session.scalar(select(Plan).where(Plan.patient_id == user.patient.id))
        today = local_today(user.patient)
        token, _ = auth.sign_in(db.session, PATIENT, PASSWORD, timedelta(hours=1))
        global START
        START = plan.start_date.isoformat()
        setup = {
            "token": token,
            "plan_id": plan.id,
            "today": today.isoformat(),
            "week_end": (today + timedelta(days=6)).isoformat(),
            "sessions": last_week(plan, today),
            "devices": [device_of(user, plan, n, auth.sign_in) for n in range(devices)],
        }
        if setup["devices"]:
            # The devices' plans have the protocol and dates of the demo plan, not the physio's
            # later revisions of it: their logs are of what their own plans prescribe.
            setup["device_sessions"] = last_week(
                db.session.get(Plan, setup["devices"][0]["plan_id"]), today
            )
        db.engine.dispose()
    return setup


def last_week(plan, today: date) -> list[tuple]:
    """Return (date, exercise, slot, sets) of each session a plan prescribed in the last 7 days."""
    from server.services.plans import schedule_of

    days = schedule_of(plan, today - timedelta(days=6), today)
    return [
        (s.date.isoformat(), s.exercise_id, s.slot_index, s.dose.sets)
        for d in days
        for s in d.sessions
    ]


def device_of(amelia, plan, n: int, sign_in) -> dict:
    """Create patient n of the sync run (the demo patient's protocol and dates); one device.

    Each sync client is the one device of a patient of its own, as in the field: it pushes
    its events and pulls what changed since its own cursor (its own events, mostly).
    """
    from server.services.accounts import create_patient
    from server.services.plans import create_plan

    physio = db.session.get(type(amelia), plan.created_by_id)
    email = f"bench.device{n}@stride.example"
    profile = {"email": email, "display_name": f"Bench {n}", "timezone": "Europe/London"}
    patient, _ = create_patient(db.session, physio, profile, password=PASSWORD)
    assignment = {
        "protocol_id": plan.protocol.protocol_id,
        "start_date": plan.start_date,
        "surgery_date": plan.surgery_date,
    }
    own = create_plan(db.session, physio, patient, assignment)
    db.session.commit()
    token, _ = sign_in(db.session, email, PASSWORD, timedelta(hours=1))
    return {"token": token, "plan_id": own.id}


def sync_body(setup: dict, cursor: int, plan_id: int | None = None) -> str:
    """Return a sync request with 20 new events, as the app sends after a day offline.

    With `plan_id` (a device's plan), the exercise logs are of what the devices' plans prescribe.
    """
    events = []
    sessions = setup["device_sessions"] if plan_id else setup["sessions"]
    for n in range(EVENTS):
        if n % 2 == 0 and sessions:
            day, exercise, slot, sets = sessions[n % len(sessions)]
            data = {
                "plan_id": plan_id or setup["plan_id"],
                "exercise_id": exercise,
                "local_date": day,
                "slot": slot,
                "sets_done": sets,
                "sets_due": sets,
                "status": "done",
            }
            events.append({"id": str(uuid.uuid4()), "type": "exercise_log", "data": data})
        else:
            data = {"local_date": setup["today"], "nprs": n % 8, "context": "rest"}
            events.append({"id": str(uuid.uuid4()), "type": "pain_log", "data": data})
    return json.dumps({"cursor": cursor, "events": events})


def current_cursor(base: str, token: str) -> int:
    """Pull until up to date, as a device does before it settles into pushing."""
    host, port = base.split("//")[1].split(":")
    cursor, more = 0, True
    while more:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        body = json.dumps({"cursor": cursor})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection.request("POST", "/api/v1/sync", body, headers)
        answer = json.loads(connection.getresponse().read())
        connection.close()
        cursor, more = answer["cursor"], answer["has_more"]
    return cursor


LUA = r"""
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  wrk.headers["Authorization"] = "Bearer TOKEN"
  wrk.headers["Content-Type"] = "application/json"
end

local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

wrk.method = "METHOD"
local template = [==[TEMPLATE]==]
local path = [==[PATH]==]
local first_day = FIRST_DAY  -- seconds since the epoch of the plan's start (0: fixed path)
request = function()
  if wrk.method == "POST" then
    local body = string.gsub(template, "UUID", uuid4)
    return wrk.format("POST", nil, nil, body)
  end
  if first_day > 0 then
    local from = first_day + math.random(0, DAYS - 1) * 86400
    local week = string.format("from=%s&to=%s", os.date("!%Y-%m-%d", from),
                               os.date("!%Y-%m-%d", from + 6 * 86400))
    return wrk.format("GET", (string.gsub(path, "RANDOM_WEEK", week)))
  end
  return wrk.format("GET")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_ms": %f, "p95_ms": %f, "p99_ms": %f, ' ..
    '"errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


# Sync as devices do it: wrk thread n (one connection each) is patient n's device; it pushes
# 20 new events with the cursor of its last answer, so it pulls only what changed since.
DEVICES_LUA = r"""
local counter = 0
local tokens = {TOKENS}
local plans = {PLANS}
local cursors = {CURSORS}
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  token, plan, cursor = tokens[id], plans[id], cursors[id]
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

wrk.method = "POST"
local template = [==[TEMPLATE]==]
request = function()
  local body = string.gsub(template, "UUID", uuid4)
  body = string.gsub(body, "%-424242", plan)
  body = string.gsub(body, "%-737373", cursor)
  return wrk.format("POST", nil, nil, body)
end

response = function(status, headers, body)
  local next_cursor = string.match(body, '"cursor": ?(%d+)')
  if next_cursor then cursor = next_cursor end
end
""" + LUA[LUA.index("function done") :]


def run_wrk_devices(url: str, setup: dict, cursors: list[int], seconds: int) -> dict:
    """Push from each device (one wrk thread and connection each); return the summary."""
    devices = setup["devices"]
    template = sync_body(setup, -737373, -424242)
    for event in json.loads(template)["events"]:
        template = template.replace(event["id"], "UUID")

    def table(values):
        return "{" + ", ".join(f'"{v}"' for v in values) + "}"

    script = (
        DEVICES_LUA.replace("{TOKENS}", table(d["token"] for d in devices))
        .replace("{PLANS}", table(d["plan_id"] for d in devices))
        .replace("{CURSORS}", table(cursors))
        .replace("TEMPLATE", template)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    n = len(devices)
    command = ["wrk", f"-t{n}", f"-c{n}", f"-d{seconds}s", "--timeout", "5s", "-s", handle.name]
    try:
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    return json.loads(output.strip().splitlines()[-1])


def run_wrk(url: str, method: str, token: str, body: str, clients: int, seconds: int) -> dict:
    """Drive one endpoint with wrk; return its summary.

    Every POST gets fresh event UUIDs; a URL with RANDOM_WEEK gets a random week each time.
    """
    template = body
    for event in json.loads(body)["events"] if body else []:
        template = template.replace(event["id"], "UUID")
    first_day = 0
    if "RANDOM_WEEK" in url:
        first_day = int(datetime.fromisoformat(f"{START}T12:00:00+00:00").timestamp())
    script = (
        LUA.replace("METHOD", method)
        .replace("TOKEN", token)
        .replace("TEMPLATE", template)
        .replace("[==[PATH]==]", f"[==[/{url.split('/', 3)[3]}]==]")
        .replace("FIRST_DAY", str(first_day))
        .replace("DAYS", str(RANDOM_DAYS))
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = [
        "wrk",
        f"-t{min(clients, 4)}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        handle.name,
        url,
    ]
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    return json.loads(output.strip().splitlines()[-1])


def random_week() -> str:
    """Return a query for a random week of the next 100 years from START."""
    first = date.fromisoformat(START) + timedelta(days=random.randrange(RANDOM_DAYS))
    return f"from={first.isoformat()}&to={(first + timedelta(days=6)).isoformat()}"


def run_python(
    url: str, method: str, token: str, body_for, args, devices=None, seconds=None
) -> dict:
    """Drive one endpoint with threads and keep-alive connections; return its summary.

    For `seconds` (default: args.seconds); the summary keeps every latency, for `merged`.

    With `devices` (a list of (token, plan_id, cursor)), client n is device n: it sends its
    own token and plan and the cursor of its last answer (`body_for(cursor, plan_id)`).
    """
    host_port, path = url.split("//")[1].split("/", 1)
    host, port = host_port.split(":")
    deadline = time.monotonic() + (seconds or args.seconds)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client(n):
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        own, plan_id, cursor = devices[n] if devices else (token, None, None)
        headers = {"Authorization": f"Bearer {own}", "Content-Type": "application/json"}
        mine = []
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                target = "/" + path.replace("RANDOM_WEEK", random_week())
                body = None
                if method == "POST":
                    body = body_for(cursor, plan_id) if devices else body_for()
                connection.request(method, target, body, headers)
                response = connection.getresponse()
                answer = response.read()
                ok = 200 <= response.status < 300
                if ok and devices:
                    answer = json.loads(answer)
                    cursor = answer["cursor"]
                    # A refused event would be a cheaper request: count it as a failure.
                    ok = all(r["status"] == "created" for r in answer["results"])
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
            mine.append(time.perf_counter() - began)
            if not ok:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    latencies.sort()

    def pick(share):
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "p50_ms": pick(0.5),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "errors": 0,
        "non_2xx": failures[0],
        "latencies": latencies,
    }


def merged(before: dict | None, found: dict) -> dict:
    """Add the summary of a further round of an endpoint to its earlier rounds' summary.

    Percentiles come from every latency when the Python client kept them; from wrk, whose
    summaries hold only percentiles, they are the rounds' means weighted by requests.
    """
    if before is None:
        return found
    total = {k: before[k] + found[k] for k in ("requests", "seconds", "errors", "non_2xx")}
    if before.get("cpu") and found.get("cpu"):
        cpu = {}
        for key in before["cpu"]:
            weight = "seconds" if key == "busy" else "requests"  # busy: a share of the time
            both = before["cpu"][key] * before[weight] + found["cpu"][key] * found[weight]
            cpu[key] = both / max(1, total[weight])
        total["cpu"] = cpu
    if "latencies" in before and "latencies" in found:
        latencies = sorted(before["latencies"] + found["latencies"])
        total["latencies"] = latencies
        for key, share in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)):
            total[key] = latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000
        return total
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        weighted = before[key] * before["requests"] + found[key] * found["requests"]
        total[key] = weighted / max(1, total["requests"])
    return total


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_snapshot(server_pid: int) -> dict[str, int] | None:
    """Return CPU ticks used so far: the gunicorn processes, PostgreSQL's, this one's, all.

    From /proc (Linux; None elsewhere). "postgres" counts every process of that name on the
    host (backends and background writers alike); "machine" is every core's busy time.
    """
    if not os.path.exists("/proc/stat"):
        return None
    ticks = {"workers": 0, "database": 0, "load generator": 0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().split(b"\0", 1)[0]
        except OSError:
            continue  # it ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        used, parent = int(fields[11]) + int(fields[12]), int(fields[1])
        if int(entry) == server_pid or parent == server_pid:
            ticks["workers"] += used
        elif int(entry) == os.getpid():
            ticks["load generator"] += used
        elif command.startswith(b"postgres"):
            ticks["database"] += used
    with open("/proc/stat") as handle:
        cpu = [int(n) for n in handle.readline().split()[1:]]
    ticks["machine"] = sum(cpu) - cpu[3] - cpu[4]  # all but idle and iowait
    ticks["cores"] = os.cpu_count() or 1
    return ticks


def cpu_used(before: dict | None, after: dict | None, summary: dict) -> dict | None:
    """Return ms of CPU per request by whom, and how busy the cores were, between snapshots."""
    if before is None or after is None:
        return None
    requests = max(1, summary["requests"])
    spent = {k: (after[k] - before[k]) * 1000 / TICK for k in before if k != "cores"}
    per_request = {k: v / requests for k, v in spent.items()}
    per_request["busy"] = spent["machine"] / (summary["seconds"] * 1000 * before["cores"])
    return per_request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str, port: int, args) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STRIDE_BIND": f"127.0.0.1:{port}",
        "STRIDE_THREADS": str(args.threads),
    }
    if args.workers:
        env["STRIDE_WORKERS"] = str(args.workers)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "server/gunicorn_conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def postgres_schema(url: str):
    """Create a private schema on PostgreSQL; return (database URL, cleanup)."""
    from sqlalchemy import create_engine, text

    schema = f"stride_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", drop


@contextmanager
def bench_database(postgres_url: str | None, prefix: str):
    """Yield the URL of a fresh database: a private PostgreSQL schema, else a SQLite file.

    Both are removed afterwards. Logging below WARNING is silenced, as in every bench run.
    """
    import logging

    logging.disable(logging.INFO)
    folder = tempfile.mkdtemp(prefix=prefix)
    cleanup = None
    try:
        if postgres_url:
            database_url, cleanup = postgres_schema(postgres_url)
        else:
            database_url = f"sqlite:///{folder}/bench.sqlite3"
        yield database_url
    finally:
        if cleanup:
            cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Set up, measure the three endpoints, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per endpoint (default 10)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="default: 2 x cores")
    parser.add_argument("--threads", type=int, default=1, help="per worker (>1: gthread)")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a private schema is used)")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--reads-only", action="store_true", help="the ceiling and the schedule reads, no sync"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure the reads in turn this many times, --seconds / rounds each (a machine "
        "shared with other jobs: the ceiling and the reads then see the same load)",
    )
    parser.add_argument(
        "--fixed-cursor",
        action="store_true",
        help="sync as before issue 15: every client is the demo patient and sends the same "
        "cursor, so every push also pulls a full page (500) of changes",
    )
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    folder = tempfile.mkdtemp(prefix="stride-bench-api-")
    cleanup = None
    if args.postgres:
        database_url, cleanup = postgres_schema(args.postgres)
    else:
        database_url = f"sqlite:///{folder}/bench.sqlite3"
    server = None
    try:
        setup = prepare(database_url, 0 if args.fixed_cursor or args.reads_only else args.clients)
        port = free_port()
        server = start_server(database_url, port, args)
        base = f"http://127.0.0.1:{port}"
        cursor = current_cursor(base, setup["token"])
        use_wrk = shutil.which("wrk") and not args.python_client
        schedule = (
            f"{base}/api/v1/plans/{setup['plan_id']}/schedule"
            f"?from={setup['today']}&to={setup['week_end']}"
        )
        random_weeks = f"{base}/api/v1/plans/{setup['plan_id']}/schedule?RANDOM_WEEK"
        targets = [
            ("health (ceiling)", f"{base}/api/v1/health", "GET"),
            ("schedule, 7 days", schedule, "GET"),
            ("  random weeks", random_weeks, "GET"),
            (f"sync, {EVENTS} events", f"{base}/api/v1/sync", "POST"),
        ][: 3 if args.reads_only else 4]
        workers = args.workers or 2 * os.cpu_count()
        print(
            f"gunicorn: {workers} workers x {args.threads} thread(s), "
            f"{'PostgreSQL' if args.postgres else 'SQLite'}; {args.clients} clients, "
            f"{args.seconds} s per endpoint"
            + (f" (reads in {args.rounds} rounds)" if args.rounds > 1 else "")
            + f"; load from {'wrk' if use_wrk else 'Python'}; "
            + (
                "sync: one patient, a fixed cursor (a full page pulled each time)"
                if args.fixed_cursor
                else f"sync: {args.clients} patients of one device each, cursors advancing"
            )
        )
        results = {}
        cursors = [current_cursor(base, d["token"]) for d in setup["devices"]]
        devices = [
            (d["token"], d["plan_id"], c) for d, c in zip(setup["devices"], cursors, strict=True)
        ]
        # The reads in turn, `rounds` times, so that a ceiling and the reads it is compared
        # with share the same moments of a machine that other jobs load; then sync, once.
        share = max(1, round(args.seconds / args.rounds))
        reads = [target for target in targets if target[2] == "GET"]
        for _ in range(args.rounds):
            for name, url, method in reads:
                if use_wrk:
                    run_wrk(url, method, setup["token"], "", args.clients, 1)  # warm-up
                before = cpu_snapshot(server.pid)
                if use_wrk:
                    found = run_wrk(url, method, setup["token"], "", args.clients, share)
                else:
                    found = run_python(url, method, setup["token"], None, args, seconds=share)
                found["cpu"] = cpu_used(before, cpu_snapshot(server.pid), found)
                results[name] = merged(results.get(name), found)
        for name, url, method in targets:
            if method != "POST":
                continue
            if devices:
                if use_wrk:
                    run_wrk_devices(url, setup, cursors, 1)  # warm-up
                    # The warm-up moved the feed on: start from the cursors it reached.
                    cursors = [current_cursor(base, d["token"]) for d in setup["devices"]]
                    before = cpu_snapshot(server.pid)
                    results[name] = run_wrk_devices(url, setup, cursors, args.seconds)
                else:
                    before = cpu_snapshot(server.pid)
                    results[name] = run_python(
                        url, method, "", lambda c, p: sync_body(setup, c, p), args, devices
                    )
            elif use_wrk:
                body = sync_body(setup, cursor)
                run_wrk(url, method, setup["token"], body, args.clients, 1)  # warm-up
                before = cpu_snapshot(server.pid)
                results[name] = run_wrk(
                    url, method, setup["token"], body, args.clients, args.seconds
                )
            else:
                before = cpu_snapshot(server.pid)
                results[name] = run_python(
                    url, method, setup["token"], lambda: sync_body(setup, cursor), args
                )
            results[name]["cpu"] = cpu_used(before, cpu_snapshot(server.pid), results[name])
        report(results, setup)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        if cleanup:
            cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def report(results: dict, setup: dict) -> None:
    ceiling = None
    print(
        f"{'endpoint':18} {'req/s':>8} {'ratio':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}  goal"
    )
    # Issue 15's goals, on both databases: (least ratio, whether p95 < 50 ms is asked too).
    goals = {"schedule": (0.5, True), "random weeks": (0.3, False), "sync": (0.25, True)}
    for name, r in results.items():
        rate = r["requests"] / r["seconds"]
        ceiling = ceiling or rate
        ratio = rate / ceiling
        key = name.strip().split(",")[0]
        goal = ""
        if key in goals:
            target, with_p95 = goals[key]
            met = ratio >= target and (r["p95_ms"] < 50 or not with_p95)
            text = f"ratio >= {target:.2f}" + (", p95 < 50 ms" if with_p95 else "")
            goal = f"{text}: {'met' if met else 'MISSED'}"
        print(
            f"{name:18} {rate:8.0f} {ratio:7.2f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
            f"{r['errors'] + r['non_2xx']:7d}  {goal}"
        )
        if key == "sync":
            events = rate * EVENTS
            print(
                f"{'':18} {events:8.0f} events/s = {events / ceiling:.1f} x the ceiling's "
                f"requests/s"
            )
    print_cpu(results)


def print_cpu(results: dict) -> None:
    """Print where each endpoint's CPU went, per request (wrk's own CPU is not counted)."""
    rows = [(name, r["cpu"]) for name, r in results.items() if r.get("cpu")]
    if not rows:
        return
    print(
        f"CPU per request, ms: {'endpoint':18} {'workers':>8} {'database':>9} "
        f"{'load gen':>9} {'machine':>8}  cores busy"
    )
    for name, cpu in rows:
        print(
            f"{'':21}{name:18} {cpu['workers']:8.2f} {cpu['database']:9.2f} "
            f"{cpu['load generator']:9.2f} {cpu['machine']:8.2f}  {cpu['busy']:.0%}"
        )


if __name__ == "__main__":
    main()
