"""Start the production recipe (gunicorn with server/gunicorn_conf.py) for tests over real HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "server/gunicorn_conf.py"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_for_health(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if requests.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within 30 s:\n{log.read_text()}")


class Api(requests.Session):
    """A keep-alive HTTP session that sends one caller's token to paths under /api/v1."""

    def __init__(self, base: str, token: str):
        super().__init__()
        self.prefix = base + "/api/v1"
        self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 60)
        return super().request(method, self.prefix + url, *args, **kwargs)


def server_env(database_url: str, port: int, workers: int, threads: int = 1) -> dict:
    """Return the environment of a gunicorn serving `database_url` on 127.0.0.1:`port`."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "STRIDE_BIND": f"127.0.0.1:{port}",
        "STRIDE_WORKERS": str(workers),
        "STRIDE_THREADS": str(threads),
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def gunicorn(database_url: str, log: Path, workers: int = 2, threads: int = 1):
    """Run gunicorn on the database until the block ends; yield its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(GUNICORN, server_env(database_url, port, workers, threads), log)
    try:
        wait_for_health(base, process, log)
        yield base
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
