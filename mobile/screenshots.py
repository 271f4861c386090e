"""`python -m mobile.screenshots`: start a demo server and the app, and photograph every screen.

Runs under Xvfb at 420×860 (re-executing itself with xvfb-run when there is no display) and
writes docs/screenshots/NN-name.png. The tour drives the widgets as a person would.
"""

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "screenshots")
SIZE = (420, 860)
PASSWORD = "stride-demo-1"
PATIENT = "amelia.hughes@stride.example"
PHYSIO = "physio@stride.example"
CLINICIAN = "clinician@stride.example"


def serve_demo(folder: str) -> str:
    """Start the API on a seeded SQLite file in a daemon thread; return its base URL."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from server import create_app
    from server.demo import seed_demo
    from server.extensions import db
    from server.services.sweep import run_sweep

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite3"})
    with app.app_context():
        upgrade()
        seed_demo(db.session, None)
        run_sweep(db.session, kind="manual")  # the queue a clinician finds in the morning
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def kivy_environment(folder: str) -> None:
    """Keep Kivy's config and logs out of ~/.kivy and its hands off our arguments."""
    os.environ["KIVY_HOME"] = os.path.join(folder, "kivy")
    os.makedirs(os.environ["KIVY_HOME"], exist_ok=True)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")


def _reexec_under_xvfb() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("STRIDE_XVFB_CHILD"):
        return
    if not shutil.which("xvfb-run"):
        sys.exit("No display and no xvfb-run: install xvfb (apt-get install xvfb libgl1-mesa-dri).")
    env = dict(os.environ, STRIDE_XVFB_CHILD="1")
    screen = f"{SIZE[0]}x{SIZE[1]}x24"
    command = ["xvfb-run", "-a", "-s", f"-screen 0 {screen}", sys.executable]
    sys.exit(subprocess.call([*command, "-m", "mobile.screenshots", *sys.argv[1:]], env=env))


class Tour:
    """Run a generator of steps on Kivy's clock: a step yields seconds to wait or a condition."""

    SETTLE_S = 1.5  # early frames come out black: let each screen settle before the shot
    TIMEOUT_S = 30

    def __init__(self, app, out: str):
        self.app, self.out = app, out
        self.written: list[str] = []
        self.failure = ""

    def start(self) -> None:
        """Begin the tour once the window is up."""
        from kivy.clock import Clock

        self._steps = tour_steps(self)
        Clock.schedule_once(self._next, self.SETTLE_S)

    def _next(self, _dt=None) -> None:
        from kivy.clock import Clock

        try:
            wait = next(self._steps)
        except StopIteration:
            self.app.stop()
            return
        except Exception as error:  # report the step that broke, then end the app
            logging.exception("tour step failed")
            self.failure = f"{type(error).__name__}: {error}"
            self.app.stop()
            return
        if callable(wait):
            self._poll(wait, self.TIMEOUT_S)
        else:
            Clock.schedule_once(self._next, wait)

    def _poll(self, ready, left: float) -> None:
        from kivy.clock import Clock

        if ready():
            Clock.schedule_once(self._next, self.SETTLE_S)
        elif left <= 0:
            self.failure = "timed out waiting for the screen"
            self.app.stop()
        else:
            Clock.schedule_once(lambda _dt: self._poll(ready, left - 0.1), 0.1)

    def shot(self, name: str) -> None:
        """Save what the window shows as docs/screenshots/<name>.png."""
        from kivy.core.window import Window

        path = os.path.join(self.out, f"{name}.png")
        os.replace(Window.screenshot(os.path.join(tempfile.gettempdir(), "stride-shot.png")), path)
        self.written.append(path)

    def screen(self, name: str | None = None):
        """Return a screen by name (default: the one on show)."""
        manager = self.app.root.ids.sm
        return manager.get_screen(name) if name else manager.current_screen

    def idle(self) -> bool:
        """Tell whether no network call is in flight."""
        from mobile.screens.background import in_flight

        return in_flight() == 0 and not self.app.sync.running


def press(widget) -> None:
    """Tap a button as a finger would (press, then release)."""
    widget.trigger_action(0)


def dialog(kind: str):
    """Return the open modal dialog of a class name."""
    from kivy.core.window import Window

    return next(w for w in Window.children if type(w).__name__ == kind)


def sign_in(tour: Tour, email: str):
    """Fill the sign-in form and submit it; wait until the home screen has loaded."""
    screen = tour.screen("signin")
    screen.ids.email.text, screen.ids.password.text = email, PASSWORD
    press(screen.ids.submit)
    yield lambda: tour.app.role and tour.idle()


def tour_steps(tour: Tour):
    """Visit every screen as the demo patient, physio and clinician."""
    app = tour.app
    tour.screen("signin").ids.email.text = PATIENT
    yield tour.SETTLE_S
    tour.shot("01-sign-in")
    yield from sign_in(tour, PATIENT)
    yield lambda: tour.screen().view is not None and tour.idle()  # the first sync brought the plan
    tour.shot("02-today")
    today = tour.screen()
    today.start(today.view.items[0])
    yield 0.5
    press(tour.screen().ids.toggle)  # the hold timer runs while we take the picture
    yield 2.5
    tour.shot("03-exercise-timer")
    press(tour.screen().ids.stop_button)
    yield tour.SETTLE_S
    tour.shot("04-exercise-stop")
    dialog("ChoiceDialog").dismiss()
    app.open_screen("pain")
    pain = tour.screen()
    pain.ids.slider.value = 4
    pain.ids.context.select("walking")
    yield tour.SETTLE_S
    tour.shot("05-pain-check-in")
    app.open_screen("redflag")
    yield tour.SETTLE_S
    tour.shot("06-red-flag-check")
    tour.screen().groups["saddle_numbness"].select("yes")
    yield tour.SETTLE_S
    tour.shot("07-urgent-advice")
    app.open_screen("progress")
    yield tour.SETTLE_S
    tour.shot("08-progress")
    app.sign_out()
    yield from sign_in(tour, PHYSIO)
    tour.shot("09-physio-patients")
    rows = list(reversed(tour.screen().ids.rows.children))
    press(next(r for r in rows if r.name == "Marcus Webb"))
    yield lambda: tour.screen().data and tour.idle()
    tour.shot("10-physio-patient")
    tour.screen().adjust(tour.screen().ids.prompts.children[-1].alert)
    yield tour.SETTLE_S
    tour.shot("11-physio-adjust")
    dialog("AdjustDialog").dismiss()
    app.sign_out()
    yield from sign_in(tour, CLINICIAN)
    tour.shot("12-clinician-alert-queue")
    rows = list(reversed(tour.screen().ids.rows.children))
    press(next(r for r in rows if r.alert["rule_id"] == "R-FAIL"))
    yield lambda: tour.screen().name == "alert" and tour.screen().rationale and tour.idle()
    tour.shot("13-clinician-alert-evidence")
    tour.screen().ids.page.scroll_y = 0
    yield tour.SETTLE_S
    tour.shot("14-clinician-readiness")
    press(tour.screen().ids.record)
    tour.screen().ids.kind.select("guided_injection")
    yield tour.SETTLE_S
    tour.shot("15-clinician-record-result")
    app.go_back()
    yield lambda: tour.idle()
    press(tour.screen().ids.decide)
    yield tour.SETTLE_S
    tour.shot("16-clinician-decision")
    dialog("DecisionDialog").dismiss()


def main() -> None:
    """Serve the demo, run the tour in the app, and save one PNG per screen."""
    _reexec_under_xvfb()
    folder = tempfile.mkdtemp(prefix="stride-shots-")
    kivy_environment(folder)
    url = serve_demo(folder)
    from kivy.config import Config

    Config.set("graphics", "width", str(SIZE[0]))
    Config.set("graphics", "height", str(SIZE[1]))
    Config.set("graphics", "resizable", "0")
    from mobile.app import StrideApp

    os.makedirs(OUT, exist_ok=True)
    app = StrideApp(server_url=url, data_dir=os.path.join(folder, "app"))
    tour = Tour(app, OUT)
    app.bind(on_start=lambda *_: tour.start())
    app.run()
    shutil.rmtree(folder, ignore_errors=True)
    if tour.failure:
        sys.exit(f"screenshot tour failed: {tour.failure}")
    print(f"wrote {len(tour.written)} screenshots to {OUT}")


if __name__ == "__main__":
    main()
