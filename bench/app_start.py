"""Time from launching the app to the Today screen being drawn, signed in as the demo patient.

`python bench/app_start.py [--runs 5]` starts an in-process demo server, then launches the app
in fresh subprocesses under Xvfb at 420x860 and prints the median of:
- first launch: sign in from the command line, first sync, then Today drawn;
- later launch: the sign-in is remembered and Today is drawn from the local store.
The clock starts before the subprocess is spawned, so interpreter and Kivy start-up count.
Prints figures only; nothing is asserted.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tools.screenshots import (  # noqa: E402
    PASSWORD,
    PATIENT,
    SIZES,
    kivy_environment,
    serve_demo,
)

SIZE = SIZES["phone"]


def child(url: str, data_dir: str, sign_in: bool) -> None:
    """Run the app until Today (with the plan) is on screen, then print the wall time."""
    kivy_environment(data_dir)
    from kivy.config import Config

    Config.set("graphics", "width", str(SIZE[0]))
    Config.set("graphics", "height", str(SIZE[1]))
    from kivy.clock import Clock
    from kivy.core.window import Window

    from mobile.app import StrideApp

    credentials = {"email": PATIENT, "password": PASSWORD} if sign_in else {}
    app = StrideApp(server_url=url, data_dir=os.path.join(data_dir, "app"), **credentials)

    def drawn(*_args):
        print(json.dumps({"drawn_at": time.time()}), flush=True)
        Window.unbind(on_flip=drawn)
        app.stop()

    def check(_dt):
        manager = app.root.ids.sm
        if manager.current == "today" and manager.current_screen.view is not None:
            Window.bind(on_flip=drawn)  # the next flip puts Today on the screen
            Window.canvas.ask_update()  # Kivy flips only when something changed
            return False
        return True

    def started(*_args):
        Clock.schedule_interval(check, 0)  # returns nothing: a truthy handler stops on_start

    app.bind(on_start=started)
    app.run()


def launch(url: str, data_dir: str, sign_in: bool) -> float:
    """Start one app process and return the seconds until it drew Today."""
    command = [sys.executable, __file__, "--child", url, data_dir]
    if sign_in:
        command.append("--sign-in")
    started = time.time()
    out = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if out.returncode:
        sys.exit(f"the app failed to start:\n{out.stderr[-3000:]}")
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])["drawn_at"] - started


def main() -> None:
    """Parse arguments; run the parent (timing) or a child (one app launch)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("URL", "DATA_DIR"))
    parser.add_argument("--sign-in", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.sign_in)
        return
    if not os.environ.get("DISPLAY"):
        screen = f"-screen 0 {SIZE[0]}x{SIZE[1]}x24"
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", screen, sys.executable, *sys.argv])
    folder = tempfile.mkdtemp(prefix="stride-bench-")
    try:
        url = serve_demo(folder)
        first, later = [], []
        for run in range(args.runs):
            device = os.path.join(folder, f"device-{run}")
            first.append(launch(url, device, sign_in=True))
            later.append(launch(url, device, sign_in=False))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"app start to Today drawn, median of {args.runs} runs (420x860, Xvfb + Mesa):")
    print(f"  first launch (sign in + first sync): {statistics.median(first):.2f} s")
    print(f"  later launch (remembered sign-in):   {statistics.median(later):.2f} s")
    print(
        f"  range: first {min(first):.2f}-{max(first):.2f} s, later {min(later):.2f}-"
        f"{max(later):.2f} s"
    )


if __name__ == "__main__":
    main()
