"""Two API hosts behind one load balancer, sharing one PostgreSQL (docs/deploy.md).

Two gunicorn servers on two loopback ports stand for two hosts: whatever one of them keeps
in its own memory must never make the other answer wrongly. A change written through host A
is seen at once through host B (B's cached schedule is keyed by what the database says now),
failed sign-ins count across both hosts (the attempts are rows in the database), and a second
scheduler, started on "host B", finds the lock of the first one taken.
"""

import signal
import subprocess
import sys
from datetime import date

import pytest
import requests

from server.scheduler import single_scheduler
from tests.conftest import BACKEND, PASSWORD, dose_change
from tests.integration.live_server import (
    GUNICORN,
    ROOT,
    Api,
    free_port,
    server_env,
    start,
    stop,
    wait_for_health,
)

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres",
    reason="several API hosts need a database server: a SQLite file serves one host only",
)


@pytest.fixture(scope="module")
def hosts(database_url, tmp_path_factory):
    """Start hosts A and B (one worker each) on the test database; yield their base URLs."""
    folder = tmp_path_factory.mktemp("hosts")
    started = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = folder / f"host-{name}.log"
            process = start(GUNICORN, server_env(database_url, port, workers=1), log)
            started.append((f"http://127.0.0.1:{port}", process, log))
        for base, process, log in started:
            wait_for_health(base, process, log)
        yield [base for base, _, _ in started]
    finally:
        for _, process, _ in started:
            process.send_signal(signal.SIGTERM)  # both at once: they shut down together
        for _, process, _ in started:
            stop(process)
    for _, _, log in started:
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_a_plan_changed_through_host_a_is_seen_at_once_through_host_b(hosts, physio, patient, plan):
    host_a, host_b = hosts
    today = date.today().isoformat()
    url = f"/plans/{plan['id']}/schedule?from={today}&to={today}"
    on_b = Api(host_b, patient.token)

    def slider_reps():
        answer = on_b.get(url)
        assert answer.status_code == 200, answer.text
        sessions = answer.json()["days"][0]["sessions"]
        return {s["dose"]["reps"] for s in sessions if s["exercise_id"] == "seated-sciatic-slider"}

    before = slider_reps()
    assert slider_reps() == before  # B's one worker now holds this week in its cache
    changed = Api(host_a, physio.token).patch(f"/plans/{plan['id']}", json=dose_change(3))
    assert changed.status_code == 200, changed.text

    assert slider_reps() == {3} != before


def test_failed_sign_ins_count_across_both_hosts(hosts, physio):
    attempt = {"email": physio.user["email"], "password": "not the password"}
    for n in range(5):  # the free failures of one (account, address): 3 on A, 2 on B
        answer = requests.post(f"{hosts[n % 2]}/api/v1/auth/tokens", json=attempt, timeout=30)
        assert answer.status_code == 401, answer.text

    for host in hosts:  # neither host saw five failures itself; both wait
        right = {**attempt, "password": PASSWORD}
        answer = requests.post(f"{host}/api/v1/auth/tokens", json=right, timeout=30)
        assert answer.status_code == 429, answer.text
        assert int(answer.headers["Retry-After"]) >= 1


def test_a_scheduler_on_a_second_host_finds_the_lock_taken(clean_app, database_url, tmp_path):
    log = tmp_path / "scheduler-b.log"
    env = server_env(database_url, free_port(), workers=1)
    with single_scheduler(clean_app):  # host A's scheduler
        with open(log, "w") as handle:
            second = subprocess.run(
                [sys.executable, "-m", "flask", "--app", "server", "scheduler", "run"],
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=60,
            )
    assert second.returncode != 0
    assert "another scheduler" in log.read_text()
