"""`make run`: start the API server and the one scheduler process (and the app, given a display).

Run after the database is migrated and seeded; stops every child on Ctrl-C.
"""

import importlib.util
import os
import signal
import subprocess
import sys
import time
import urllib.request

HOST = os.environ.get("STRIDE_HOST", "127.0.0.1")
PORT = int(os.environ.get("STRIDE_PORT", "5000"))
DEMO_PASSWORD = "stride-demo-1"
DEMO_LOGINS = [
    ("patient", "amelia.hughes@stride.example"),
    ("physio", "physio@stride.example"),
    ("clinician", "clinician@stride.example"),
    ("admin", "admin@stride.example"),
]


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "server", *args]


def _wait_until_up(url: str, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _app_command(base: str) -> list[str] | None:
    """Return the command that opens the app signed in as the demo patient, if it can run."""
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not has_display or importlib.util.find_spec("kivy") is None:
        return None
    if importlib.util.find_spec("mobile.__main__") is None:
        return None
    email = DEMO_LOGINS[0][1]
    return [
        sys.executable,
        "-m",
        "mobile",
        "--server",
        base,
        "--email",
        email,
        "--password",
        DEMO_PASSWORD,
    ]


# A demo clinic line (Ofcom's range for drama), so the app's tap-to-call shows both buttons.
DEMO_CLINIC_PHONE = "020 7946 0000"


def main() -> int:
    """Start the processes, print where to go, and wait."""
    base = f"http://{HOST}:{PORT}"
    os.environ.setdefault("STRIDE_CLINIC_PHONE", DEMO_CLINIC_PHONE)
    children = [
        subprocess.Popen(_flask("run", "--host", HOST, "--port", str(PORT), "--no-reload")),
        subprocess.Popen(_flask("scheduler", "run")),
    ]
    try:
        if not _wait_until_up(f"{base}/api/v1/openapi.json"):
            print("The API server did not start; see the messages above.", file=sys.stderr)
            return 1
        app = _app_command(base)
        if app:
            children.append(subprocess.Popen(app))
        print(f"\nStride is running: API {base}/api/v1  (docs: {base}/api/v1/docs)")
        print("Scheduler: one process, hourly sweep (each patient once per local day).")
        print(f"Demo logins (password {DEMO_PASSWORD}):")
        for role, email in DEMO_LOGINS:
            print(f"  {role:10} {email}")
        print(
            "The app: "
            + (
                "opened, signed in as the demo patient."
                if app
                else "no display here; run `make app` where there is one."
            )
        )
        print("Press Ctrl-C to stop.\n")
        while all(child.poll() is None for child in children[:2]):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
