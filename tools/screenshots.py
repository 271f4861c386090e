"""`python -m tools.screenshots [phone|small|tablet ...]`: photograph every screen at each size.

For each window size (default: all three) a child process starts a fresh demo server and the
app in a window of that size and tours every screen, writing docs/screenshots/<size>/NN-name.png.
It runs under Xvfb (re-executing itself with xvfb-run when there is no display). The tour drives
the widgets as a person would.
"""

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# STRIDE_SCREENSHOTS_OUT: write somewhere else (a preview that leaves docs/ alone).
OUT = os.environ.get("STRIDE_SCREENSHOTS_OUT") or os.path.join(ROOT, "docs", "screenshots")
# Where people meet the app: a phone, a small phone, and a tablet (or desktop) at the clinic.
SIZES = {"phone": (420, 860), "small": (360, 640), "tablet": (1024, 768)}
XVFB_SCREEN = "1280x1024x24"  # room for the largest window
PASSWORD = "stride-demo-1"
PATIENT = "amelia.hughes@stride.example"
POSTOP_PATIENT = "ethan.brooks@stride.example"  # two weeks after a hamstring repair
GLIDE_PATIENT = "ruth.adeyemi@stride.example"  # nerve sliders every day
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
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite3",
        # The number the urgent screens offer to call (a drama-range number, never a real one).
        "CLINIC_PHONE": os.environ.get("STRIDE_CLINIC_PHONE") or "0161 496 0000",
    }
    app = create_app(config)
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


def reexec_under_xvfb(module: str) -> None:
    """Run `python -m module` again under xvfb-run when there is no display to draw on."""
    if os.environ.get("DISPLAY") or os.environ.get("STRIDE_XVFB_CHILD"):
        return
    if not shutil.which("xvfb-run"):
        sys.exit("No display and no xvfb-run: install xvfb (apt-get install xvfb libgl1-mesa-dri).")
    env = dict(os.environ, STRIDE_XVFB_CHILD="1")
    command = ["xvfb-run", "-a", "-s", f"-screen 0 {XVFB_SCREEN}", sys.executable]
    sys.exit(subprocess.call([*command, "-m", module, *sys.argv[1:]], env=env))


class Tour:
    """Run a generator of steps on Kivy's clock: a step yields seconds to wait or a condition."""

    SETTLE_S = 1.5  # early frames come out black: let each screen settle before the shot
    TIMEOUT_S = 30

    def __init__(self, app, out: str, steps):
        self.app, self.out = app, out
        self.steps = steps  # the tour's generator function: steps(tour) yields its waits
        self.written: list[str] = []
        self.failure = ""

    def start(self) -> None:
        """Begin the tour once the window is up."""
        from kivy.clock import Clock

        self._steps = self.steps(self)
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
        """Save what the window shows as <name>.png in this size's folder."""
        from kivy.core.window import Window

        path = os.path.join(self.out, f"{name}.png")
        os.replace(Window.screenshot(os.path.join(tempfile.gettempdir(), "stride-shot.png")), path)
        self.written.append(path)

    def screen(self, name: str | None = None):
        """Return a screen by name, in either pane (default: the one on show on the right)."""
        shell = self.app.root
        if name is None:
            return shell.ids.sm.current_screen
        manager = next(m for m in (shell.ids.sm, shell.ids.side) if m.has_screen(name))
        return manager.get_screen(name)

    def idle(self) -> bool:
        """Tell whether no network call is in flight."""
        from mobile.screens.background import in_flight

        return in_flight() == 0 and not self.app.sync.running


def press(widget) -> None:
    """Fire a button's action (the tour sets the scene; the screen tests tap like a finger)."""
    widget.trigger_action(0)


def find(root, text: str, kind: str = "RoundButton"):
    """Return the widget with this text and class in the widget tree under `root`."""
    return next(w for w in root.walk(restrict=True) if type(w).__name__ == kind and w.text == text)


def offline(app, off: bool) -> None:
    """Point the app's sync at a dead port (off) or back at the demo server."""
    from mobile.core.api import ApiClient

    engine = app.engine
    if not hasattr(engine, "_online"):
        engine._online = engine._client_factory
    engine._client_factory = (
        (lambda _url, token: ApiClient("http://127.0.0.1:9", token, 2)) if off else engine._online
    )


def glide_still_there_yesterday(app) -> None:
    """Log yesterday's glide as "still there", as another phone of the patient would have."""
    from datetime import UTC, datetime, timedelta

    from mobile.core.api import ApiClient
    from mobile.core.today import today_view

    session = app.store.get_session()
    client = ApiClient(session["server_url"], session["token"])
    view = today_view(app.store, app.local_today())
    glide = next(i for i in view.items if i.is_neural_glide)
    moment = datetime.now(UTC) - timedelta(hours=25)
    client.post(
        f"/patients/{session['user']['patient_id']}/exercise-logs",
        {
            "id": str(uuid.uuid4()),
            "plan_id": view.plan_id,
            "exercise_id": glide.exercise_id,
            "local_date": (view.local_date - timedelta(days=1)).isoformat(),
            "slot": glide.slot_index,
            "sets_done": glide.sets_due,
            "sets_due": glide.sets_due,
            "status": "done",
            "nerve_symptoms": "ongoing",
            "recorded_at": moment.isoformat(),
        },
    )


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
    """Visit every screen as the demo patients, physio and clinician."""
    yield from patient_steps(tour)
    yield from sync_steps(tour)
    yield from glide_steps(tour)
    yield from postop_steps(tour)
    yield from staff_steps(tour)


def scroll_to(tour: Tour, widget):
    """Scroll the page of the screen on show so that `widget` is in view."""
    tour.screen().ids.page.scroll_to(widget, animate=False)
    yield tour.SETTLE_S


def exercise_finished(tour: Tour):
    """The exercise tapped through to its end: pain after, then "Save: 3 of 3 sets done"."""
    today = tour.screen()
    today.start(max(today.view.items, key=lambda i: i.sets_due))
    exercise = tour.screen()
    press(exercise.ids.toggle)
    while exercise.mode != "finish":  # "Next" and "Skip rest" on the clock, else "Set done"
        press(exercise.ids.skip if exercise.mode in ("hold", "rest") else exercise.ids.toggle)
    exercise.ids.pain_after.value = 2
    yield tour.SETTLE_S
    tour.shot("05-exercise-save")


def questionnaire(tour: Tour, start: str, name: str):
    """Open a questionnaire from its Today card, take its picture, and go back to Today."""
    app = tour.app
    press(tour.screen().ids[start])
    yield lambda: tour.screen().name == "outcome" and not app.root.ids.sm.transition.is_active
    tour.shot(name)
    app.go_back()
    yield lambda: tour.screen().name == "today" and not app.root.ids.sm.transition.is_active


def patient_steps(tour: Tour):
    """The demo patient's day: exercise, stop signs, glides, checks and urgent advice."""
    app = tour.app
    tour.screen("signin").ids.email.text = PATIENT
    yield tour.SETTLE_S
    tour.shot("01-sign-in")
    form = tour.screen("signin")
    press(form.ids.advanced)
    form.ids.password.text = PASSWORD
    press(form.ids.reveal_password)
    yield tour.SETTLE_S
    tour.shot("01a-sign-in-advanced")
    press(form.ids.reveal_password)
    press(form.ids.advanced)
    yield from sign_in(tour, PATIENT)
    yield lambda: tour.screen().view is not None and tour.idle()  # the first sync brought the plan
    tour.shot("02-today")
    press(app.root.ids.reminder_times)
    yield lambda: tour.screen().name == "reminders" and not app.root.ids.sm.transition.is_active
    tour.shot("02a-reminder-times")
    app.go_back()
    yield tour.SETTLE_S
    press(tour.screen().ids.week)
    yield lambda: tour.screen().name == "week" and not app.root.ids.sm.transition.is_active
    tour.shot("02b-week-ahead")
    app.go_back()
    yield tour.SETTLE_S
    yield from questionnaire(tour, "start_lefs", "02c-activities-lefs")
    yield from questionnaire(tour, "start_pgic", "02d-change-so-far-pgic")
    today = tour.screen()
    item = next(i for i in today.view.items if any(s.level == "review" for s in i.stop_if))
    today.start(item)
    yield 0.5
    press(tour.screen().ids.toggle)  # the hold timer runs while we take the picture
    yield 2.5
    tour.shot("03-exercise-timer")
    press(tour.screen().ids.stop_button)
    yield tour.SETTLE_S
    tour.shot("04-exercise-stop")
    sign = next(s for s in item.stop_if if s.level == "review")
    press(next(b for b in dialog("ChoiceDialog").ids.options.children if b.text == sign.text))
    yield tour.SETTLE_S
    tour.shot("05-exercise-stop-review")
    press(tour.screen().ids.back_today)
    yield lambda: tour.idle()
    yield from exercise_finished(tour)
    app.open_screen("pain")
    pain = tour.screen()
    yield tour.SETTLE_S
    tour.shot("06a-pain-tap-the-scale")
    pain.ids.slider.value = 4
    pain.ids.context.select("after_exercise")
    yield tour.SETTLE_S
    tour.shot("06-pain-check-in")
    app.open_screen("redflag")
    yield tour.SETTLE_S
    tour.shot("07-red-flag-check")
    check = tour.screen()
    yield from scroll_to(tour, check.ids.submit)
    tour.shot("08-red-flag-none-of-these")
    offline(app, True)
    check.cards["saddle_numbness"].set_answer("yes")
    yield lambda: tour.screen().name == "urgent" and tour.idle()
    yield tour.SETTLE_S
    tour.shot("09-urgent-not-sent")
    offline(app, False)
    press(tour.screen().ids.send_now)
    yield lambda: tour.idle() and tour.screen().ids.sent.text.startswith("Your care team")
    yield tour.SETTLE_S
    tour.shot("10-urgent-emergency")
    press(tour.screen().ids.close)
    yield lambda: tour.idle()
    yield tour.SETTLE_S
    tour.shot("11-today-urgent-banner")
    today = tour.screen()
    first = next(c for c in reversed(today.ids.groups.children) if getattr(c, "item", None))
    yield from scroll_to(tour, first)
    tour.shot("12-today-exercises-paused")
    app.open_screen("progress")
    yield tour.SETTLE_S
    tour.shot("13-progress")


def sync_steps(tour: Tour):
    """Offline with an entry not sent: the status line, then the warning on signing out."""
    from mobile.core.today import log_pain

    app = tour.app
    app.open_screen("today")
    offline(app, True)
    log_pain(app.store, app.local_today(), 3, "rest")  # a pain score saved offline
    app.changed()
    yield lambda: tour.idle() and app.engine.failures
    tour.shot("13a-sync-offline")
    press(app.root.ids.sign_out)
    yield tour.SETTLE_S
    tour.shot("13b-sign-out-warning")
    dialog("ChoiceDialog").dismiss()
    offline(app, False)
    press(app.root.ids.sync_now)
    yield lambda: tour.idle() and not app.store.pending_count()


def glide_steps(tour: Tour):
    """After a nerve glide: the question, and a day after "still there" the follow-up."""
    app = tour.app
    app.sign_out()
    yield from sign_in(tour, GLIDE_PATIENT)
    yield lambda: tour.screen().view is not None and tour.idle()
    today = tour.screen()
    glide = next(
        c for c in today.ids.groups.children if getattr(c, "item", None) and c.item.is_neural_glide
    )
    yield from scroll_to(tour, glide)
    press(find(glide, "Done"))
    yield tour.SETTLE_S
    tour.shot("14-post-glide-question")
    press(next(b for b in dialog("ChoiceDialog").ids.options.children if b.text == "No"))
    glide_still_there_yesterday(app)
    app.sync.request()
    yield lambda: tour.idle() and today.followups_due
    today.ids.page.scroll_y = 1
    yield tour.SETTLE_S
    tour.shot("15-today-nerve-follow-up")


def postop_steps(tour: Tour):
    """Two weeks after a hamstring repair: the daily check, and a yes that needs care today."""
    app = tour.app
    app.sign_out()
    yield from sign_in(tour, POSTOP_PATIENT)
    yield lambda: tour.screen().view is not None and tour.idle()
    tour.shot("16-today-postop-check-due")
    press(tour.screen().ids.start_postop)
    yield tour.SETTLE_S
    tour.shot("17-postop-check")
    check = tour.screen()
    check.cards["calf_pain_swelling"].set_answer("yes")
    yield lambda: tour.screen().name == "urgent" and tour.idle()
    yield tour.SETTLE_S
    tour.shot("18-urgent-same-day")


def physio_steps(tour: Tour):
    """The patient detail's charts and log; a new patient, their activation code, assigning."""
    detail = tour.screen()
    for name, widget in (("charts", detail.ids.bars), ("log", detail.ids.feed)):
        detail.ids.page.scroll_to(widget, animate=False)
        yield tour.SETTLE_S
        tour.shot(f"20-physio-patient-{name}")
    tour.app.go_back()  # a phone shows the list again; a tablet had it beside the patient
    yield lambda: tour.screen("patients").get_root_window() and tour.idle()
    press(tour.screen("patients").ids.new_patient)
    yield tour.SETTLE_S
    tour.shot("21-physio-new-patient")
    form = dialog("NewPatientDialog")
    form.ids.display_name.text, form.ids.email.text = "Sam Taylor", "sam.taylor@stride.example"
    press(form.ids.create)
    yield lambda: form.mode == "created" and tour.idle()
    tour.shot("21-physio-new-patient-password")
    press(form.ids.assign)
    yield lambda: dialog("AssignDialog").protocol_choices and tour.idle()
    dialog("AssignDialog").ids.protocol.select("hamstring-repair")
    yield tour.SETTLE_S
    tour.shot("21-physio-assign")
    dialog("AssignDialog").dismiss()
    yield 0.5


def staff_steps(tour: Tour):
    """The physio's caseload and plan change; the clinician's queue, evidence and decision."""
    app = tour.app
    app.sign_out()
    yield from sign_in(tour, PHYSIO)
    tour.shot("19-physio-patients")
    rows = list(reversed(tour.screen("patients").ids.rows.children))
    press(next(r for r in rows if r.name == "Marcus Webb"))
    yield lambda: tour.screen().name == "patient" and tour.screen().data and tour.idle()
    tour.shot("20-physio-patient")
    tour.screen().adjust(tour.screen().ids.prompts.children[-1].alert)
    yield tour.SETTLE_S
    tour.shot("21-physio-adjust")
    dialog("AdjustDialog").dismiss()
    yield from physio_steps(tour)
    app.sign_out()
    yield from sign_in(tour, CLINICIAN)
    tour.shot("22-clinician-alert-queue")
    rows = list(reversed(tour.screen("alerts").ids.rows.children))
    press(next(r for r in rows if r.alert["rule_id"] == "R-FAIL"))
    yield lambda: tour.screen().name == "alert" and tour.screen().rationale and tour.idle()
    tour.shot("23-clinician-alert-evidence")
    yield from scroll_to(tour, tour.screen().ids.record_card)
    tour.shot("23a-clinician-clinical-record")
    tour.screen().ids.page.scroll_y = 0
    yield tour.SETTLE_S
    tour.shot("24-clinician-readiness")
    press(tour.screen().ids.record)
    form = tour.screen()
    form.ids.tendons.value, form.ids.retraction.value = 1, 5
    yield tour.SETTLE_S
    tour.shot("25-clinician-record-imaging")
    form.ids.kind.select("guided_injection")
    yield tour.SETTLE_S
    tour.shot("25-clinician-record-result")
    form.ids.kind.select("exam_finding")
    yield tour.SETTLE_S
    tour.shot("25-clinician-record-exam")
    form.ids.kind.select("intake")
    yield tour.SETTLE_S
    tour.shot("25-clinician-record-intake")
    form.ids.kind.select("guided_injection")
    yield tour.SETTLE_S
    press(form.ids.date)
    yield tour.SETTLE_S
    tour.shot("25-clinician-date-picker")
    dialog("DatePickerDialog").dismiss()
    yield 0.5
    app.go_back()
    yield lambda: tour.idle()
    press(tour.screen().ids.decide)
    yield tour.SETTLE_S
    tour.shot("26-clinician-decision")
    dialog("DecisionDialog").ids.decision.select("continue_conservative")
    yield tour.SETTLE_S
    tour.shot("26-clinician-decision-review-date")
    dialog("DecisionDialog").dismiss()


def run_tour(size_name: str, out: str, steps) -> Tour:
    """Serve a fresh demo, run the tour `steps` in a window of one size; return the tour."""
    width, height = SIZES[size_name]
    folder = tempfile.mkdtemp(prefix="stride-shots-")
    kivy_environment(folder)
    url = serve_demo(folder)
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    from mobile.app import StrideApp

    app = StrideApp(server_url=url, data_dir=os.path.join(folder, "app"))
    tour = Tour(app, out, steps)
    app.bind(on_start=lambda *_: tour.start())
    app.run()
    shutil.rmtree(folder, ignore_errors=True)
    return tour


def photograph(size_name: str) -> None:
    """Serve the demo, run the tour in a window of one size, save one PNG per screen."""
    out = os.path.join(OUT, size_name)
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):  # a screen renamed or dropped from the tour leaves no stale PNG
        if old.endswith(".png"):
            os.remove(os.path.join(out, old))
    tour = run_tour(size_name, out, tour_steps)
    if tour.failure:
        sys.exit(f"screenshot tour failed at {size_name} size: {tour.failure}")
    print(f"wrote {len(tour.written)} screenshots to {out}")


def main(argv: list[str]) -> None:
    """Photograph each size asked for (all by default), one child process per size."""
    reexec_under_xvfb("tools.screenshots")
    if argv[:1] == ["--one"]:
        photograph(argv[1])
        return
    names = argv or list(SIZES)
    unknown = [n for n in names if n not in SIZES]
    if unknown:
        sys.exit(f"unknown size {unknown[0]!r}: choose from {', '.join(SIZES)}")
    for name in names:  # one app per process: Kivy has one window, sized before it opens
        code = subprocess.call([sys.executable, "-m", "tools.screenshots", "--one", name])
        if code:
            sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
