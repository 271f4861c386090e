"""`python -m tools.figure_shots`: the exercise screen while its figure moves, for every protocol.

For each shipped protocol a demo patient on it signs in; Today shows the card of an exercise
with a demonstration figure and a timed hold (its still), the card's Start opens the exercise
screen, the patient gives a pain score before starting, and the screen is photographed at
several moments of the first hold: before the start, moving in, holding, paused, moving back
and resting. The screen's clock (ExerciseScreen.now) is a fake moved on by hand, so each
picture shows the same moment on every run. Start, Pause, Continue and the pain score's "+" are
touched through the Window at the button's position, as a finger would.

The PNGs go to docs/screenshots/figures/<protocol>/, at phone size unless a size of
tools.screenshots is named (STRIDE_SCREENSHOTS_OUT writes somewhere else, e.g. a preview at
another size). Runs under Xvfb like tools.screenshots.
"""

import os
import shutil
import sys
import uuid

import yaml

from mobile.core.today import dose_text
from tools.screenshots import (
    CLINICIAN,
    OUT,
    PASSWORD,
    PHYSIO,
    ROOT,
    SIZES,
    Tour,
    reexec_under_xvfb,
    run_tour,
    sign_in,
)

PROTOCOLS_DIR = os.path.join(ROOT, "protocols")
PAIN_BEFORE = 2  # the score the patient gives before starting (NPRS 0-10)


INDEX_HEAD = """# The exercise screen while the figure moves

Written by `python -m tools.figure_shots` (`make screenshots`): for each protocol, Today's card
with its still (01), then the exercise screen before the start (02), moving in (03), holding
(04), paused (05), moving back (06 at the end of a hold with no rest after it, 07 at the start
of a rest) and resting (08). Window of the {size} size ({width} x {height}).

| protocol | patient | exercise | dose |
|---|---|---|---|
"""


class FakeClock:
    """The exercise screen's monotonic clock, moved on only by the tour."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def protocols() -> list[str]:
    """Return the ids of the shipped protocols (one YAML file each)."""
    names = sorted(os.listdir(PROTOCOLS_DIR))
    return [n.removesuffix(".yaml") for n in names if n.endswith(".yaml")]


def patients_on(protocol_id: str) -> list[str]:
    """Return the emails of the demo patients with a plan of this protocol."""
    from server.demo.stories import STORIES

    return [s.email for s in STORIES if s.protocol_id == protocol_id and not s.refused]


def new_patient(url: str, protocol_id: str) -> str:
    """Create a patient of the demo physio through the API, on the protocol from today.

    Only in the tool's own demo database: for a protocol whose demo patients have no held
    exercise today (an every-other-day exercise, say), a plan begun today shows its first phase.
    """
    from datetime import UTC, datetime

    from mobile.core.api import ApiClient

    physio, clinician = ApiClient(url), ApiClient(url)
    physio.sign_in(PHYSIO, PASSWORD)
    clinician.sign_in(CLINICIAN, PASSWORD)
    email = f"figures.{protocol_id}@stride.example"
    patient = {"email": email, "display_name": f"Figure {protocol_id}", "timezone": "UTC"}
    created = physio.post("/patients", {**patient, "care_team": [clinician.get("/me")["id"]]})
    ApiClient(url).activate(email, created["activation"]["code"], PASSWORD)
    today = datetime.now(UTC).date().isoformat()
    for note in intake_of(protocol_id):  # what the protocol's enrolment needs on record
        event = {"id": str(uuid.uuid4()), "kind": note.kind, "event_date": today}
        event["details"] = note.details
        clinician.post(f"/patients/{created['id']}/clinical-events", event)
    plan = {"protocol_id": protocol_id, "start_date": today}
    with open(os.path.join(PROTOCOLS_DIR, f"{protocol_id}.yaml"), encoding="utf-8") as file:
        if yaml.safe_load(file)["care_type"] == "post_operative":  # weeks from the surgery
            plan["surgery_date"] = today
    physio.post(f"/patients/{created['id']}/plans", plan)
    return email


def intake_of(protocol_id: str):
    """Return the intake notes of the first demo patient on the protocol (imaging, say)."""
    from server.demo.stories import STORIES

    return next(s.intake for s in STORIES if s.protocol_id == protocol_id and not s.refused)


def held_card(today):
    """Return Today's first card with a figure and a timed hold that can be started, or None."""
    cards = [c for c in reversed(today.ids.groups.children) if hasattr(c, "item")]
    return next(
        (
            c
            for c in cards
            if c.figure is not None and c.item.dose.hold_s > 0 and not c.paused and not c.undoable
        ),
        None,
    )


def tap(widget):
    """Touch the widget through the Window at its centre (down, a finger's pause, up)."""
    from kivy.base import EventLoop
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    EventLoop.post_dispatch_input("begin", touch)
    yield 0.12  # past ScrollView's wait before it hands a still touch to the button
    EventLoop.post_dispatch_input("end", touch)
    yield 0.1


class Moments:
    """Move the fake clock to moments of the timer's running time (pauses do not count)."""

    def __init__(self, tour: Tour, exercise, folder: str):
        self.tour, self.folder = tour, folder
        self.clock, self.ran = FakeClock(), 0.0
        exercise.now = self.clock

    def at(self, seconds: float) -> float:
        """Move to `seconds` of running time; return the pause before a picture (frames drawn)."""
        self.clock.now += seconds - self.ran
        self.ran = seconds
        return 0.4

    def wait(self, seconds: float) -> float:
        """Let `seconds` pass on the clock while the timer stands paused."""
        self.clock.now += seconds
        return 0.4

    def shot(self, name: str) -> None:
        """Photograph the window as <protocol>/<name>.png."""
        self.tour.shot(os.path.join(self.folder, name))


def expect(exercise, mode: str, after: str) -> None:
    """Stop the tour unless the screen is in `mode` (a tap that missed its button, say)."""
    if exercise.mode != mode:
        name = exercise.item.exercise_id
        raise RuntimeError(f"{name}: after {after} the screen is {exercise.mode!r}, not {mode!r}")


def hold_moments(tour: Tour, protocol_id: str):
    """On the exercise screen just opened: the ready screen, then the first hold and rest."""
    exercise = tour.screen()
    figure, steps = exercise.figure, exercise.timer.steps
    moments = Moments(tour, exercise, protocol_id)
    plus = next(w for w in exercise.ids.pain_before.walk() if getattr(w, "text", "") == "+")
    for _ in range(PAIN_BEFORE + 1):  # the first tap gives 0; the timer then shows the score
        yield from tap(plus)
    if exercise.ids.pain_before.value != PAIN_BEFORE:
        raise RuntimeError(f"{protocol_id}: the pain score before is not {PAIN_BEFORE}")
    yield tour.SETTLE_S
    moments.shot("02-ready")
    hold = steps[0].seconds
    move = min(figure.move_s, hold / 3)
    yield from tap(exercise.ids.toggle)
    expect(exercise, "hold", "Start")
    yield moments.at(move / 2)
    moments.shot("03-moving-in")
    yield moments.at(hold / 2)
    moments.shot("04-holding")
    yield from tap(exercise.ids.toggle)
    expect(exercise, "paused", "Pause")
    yield moments.wait(20)
    moments.shot("05-paused")
    yield from tap(exercise.ids.toggle)
    expect(exercise, "hold", "Continue")
    if not exercise.timer.rest_follows:  # no rest after this hold: it moves back at its end
        yield moments.at(hold - move / 2)
        moments.shot("06-moving-back")
    rest_at = next((i for i, s in enumerate(steps) if s.kind == "rest"), None)
    if rest_at is None:
        return
    start = sum(s.seconds for s in steps[:rest_at])
    rest = steps[rest_at].seconds
    back = min(figure.move_s, rest / 3)
    if steps[rest_at - 1].kind == "hold":  # after a hold the rest begins by moving back
        yield moments.at(start + back / 2)
        moments.shot("07-rest-moving-back")
    yield moments.at(start + back + (rest - back) / 2)
    expect(exercise, "rest", "the clock moved to mid-rest")
    moments.shot("08-resting")


def protocol_steps(tour: Tour, protocol_id: str):
    """Sign in a patient on the protocol; photograph Today's still and the exercise's moments."""
    app = tour.app
    for email in [*patients_on(protocol_id), None]:
        if email is None:  # no demo patient has one today: a new patient, in their first phase
            email = new_patient(app.server_url, protocol_id)
        yield from sign_in(tour, email)
        yield lambda: tour.screen().view is not None and tour.idle()
        today = tour.screen()
        card = held_card(today)
        if card is not None:
            break
        app.sign_out()
        yield lambda: tour.screen().name == "signin"
    if card is None:
        raise RuntimeError(f"{protocol_id}: Today has no held exercise with a figure to start")
    os.makedirs(os.path.join(tour.out, protocol_id), exist_ok=True)
    today.ids.page.scroll_to(card, animate=False)
    yield tour.SETTLE_S
    tour.shot(os.path.join(protocol_id, "01-today-still"))
    start = next(w for w in card.walk(restrict=True) if getattr(w, "text", None) == "Start")
    yield from tap(start)
    yield lambda: tour.screen().name == "exercise" and not app.root.ids.sm.transition.is_active
    if tour.screen().item is not card.item:
        raise RuntimeError(f"{protocol_id}: Start opened another exercise")
    item = card.item
    exercise = f"{item.name} (`{item.exercise_id}`)"
    tour.picked.append(f"| {protocol_id} | {email} | {exercise} | {dose_text(item.dose)} |")
    yield from hold_moments(tour, protocol_id)
    app.sign_out()
    yield lambda: tour.screen().name == "signin"


def figure_steps(tour: Tour):
    """Every shipped protocol in turn."""
    tour.picked = []  # one index line per protocol: who, which exercise
    for protocol_id in protocols():
        yield from protocol_steps(tour, protocol_id)


def main(argv: list[str]) -> None:
    """Serve the demo, run the tour in a window of one size (phone by default), write the PNGs."""
    reexec_under_xvfb("tools.figure_shots")
    size = argv[0] if argv else "phone"
    if size not in SIZES or len(argv) > 1:
        sys.exit(f"usage: python -m tools.figure_shots [{'|'.join(SIZES)}]")
    width, height = SIZES[size]
    out = os.path.join(OUT, "figures")
    shutil.rmtree(out, ignore_errors=True)  # a protocol or moment dropped leaves no stale PNG
    os.makedirs(out)
    tour = run_tour(size, out, figure_steps)
    if tour.failure:
        sys.exit(f"figure screenshots failed: {tour.failure}")
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as index:
        index.write(INDEX_HEAD.format(size=size, width=width, height=height))
        index.write("\n".join(tour.picked) + "\n")
    print(f"wrote {len(tour.written)} screenshots to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
