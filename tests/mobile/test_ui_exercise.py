"""The exercise screen in a real window against the real server, driven as a patient does it.

The patient's clock is a fake the test moves on by hand (the screen reads the time through
`screen.now`), so a 60 s rest passes in no time; every control is touched through the Window.
The cues go through the app's real player (silent under Xvfb, which has no audio device) with a
recorder in front of it, so the test hears what the patient would.
"""

import pytest

from domain import stops
from tests.mobile.conftest_ui import (
    _rect,
    on_screen,
    open_dialog,
    pump,
    settle,
    stride_app,
    tap,
    x_display,
)
from tests.mobile.test_screens import (
    PASSWORD,
    card_of,
    logs,
    make_patient,
    offline,
    option,
    screen,
    sign_in,
    synced,
)

__all__ = ["offline", "stride_app", "x_display"]  # fixtures used by name below


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self):
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class HeardPlayer:
    """Note each cue the screen gives, then give it with the app's own player."""

    def __init__(self, real):
        self.real, self.heard = real, []

    def play(self, cue) -> None:
        self.heard.append(cue.name)
        self.real.play(cue)


@pytest.fixture(scope="module")
def patient(live_server):
    """A patient in week 3 of the ischiofemoral plan whose physio made one exercise untimed."""
    who = make_patient(live_server, "Tamsin Timer", "ischiofemoral-impingement", 14)
    who["physio"].patch(
        f"/plans/{who['plan']['id']}",
        {
            "reason": "Count the side raises this week, no holds.",
            "operations": [
                {
                    "op": "set_dose",
                    "exercise_id": "standing-hip-abduction",
                    "dose": {"hold_s": 0, "reps": 12},
                }
            ],
        },
    )
    return who


@pytest.fixture()
def window_size():
    """Yield a switch to resize the window; the phone size comes back afterwards."""
    from kivy.core.window import Window

    before = Window.size

    def resize(size) -> None:
        Window.size = size
        pump(lambda: tuple(Window.size) == tuple(size), timeout=5, what=f"a {size} window")
        pump(seconds=0.3)

    yield resize
    resize(before)


def open_exercise(app, exercise_id: str):
    """Tap Start on an exercise's card on Today; return the exercise screen with a fake clock."""
    app.open_screen("today")
    today = screen(app, "today")
    pump(lambda: today.view is not None and synced(app), what="Today after sync")
    tap(next(b for b in on_screen(card_of(today, exercise_id), "Start", "RoundButton")))
    exercise = screen(app)
    assert exercise.name == "exercise"
    exercise.now, exercise.player = FakeClock(), HeardPlayer(exercise.player)
    return exercise


def score(stepper, value: int) -> None:
    """Tap a pain stepper's + until it shows `value` (from "–", the first + gives 0)."""
    plus = next(b for b in on_screen(stepper, "+", "RoundButton"))
    for _ in range(value + 1):
        tap(plus)
    assert stepper.value == value


def next_step(exercise) -> None:
    """Let the clock run out the step on now; wait until the screen has moved on."""
    timer, before = exercise.timer, exercise.timer.index
    exercise.now.advance(timer.step.seconds)
    pump(lambda: timer.index > before, timeout=5, what=f"the end of step {before}")


def inside_window(widget) -> bool:
    """Tell whether the whole widget is drawn inside the window."""
    from kivy.core.window import Window

    left, bottom, right, top = _rect(widget)
    return 0 <= left and right <= Window.width and 0 <= bottom and top <= Window.height


def swipe_to_bottom(view) -> None:
    """Drag the steps up with a finger until the view shows its end."""
    from kivy.base import EventLoop
    from kivy.metrics import dp

    from tests.mobile.conftest_ui import _finger

    for _ in range(20):
        if view.scroll_y <= 0.001:
            return
        x, y = view.to_window(view.center_x, view.y + view.height * 0.2)
        touch = _finger()(x, y)
        EventLoop.post_dispatch_input("begin", touch)
        # Past the scroll distance at once: a finger held still would go to the card under it.
        touch.touch_move(x, y + view.scroll_distance + dp(10))
        for step in range(1, 7):
            pump(seconds=0.02)
            touch.touch_move(x, y + view.scroll_distance + step * view.height * 0.1)
        EventLoop.post_dispatch_input("end", touch)
        pump(seconds=0.3)
    raise AssertionError(f"the steps did not scroll to the bottom (scroll_y {view.scroll_y})")


# -- the tests, in order on one patient's day


def test_the_timer_stays_in_view_while_the_steps_scroll_to_the_bottom(
    stride_app, live_server, patient, window_size
):
    sign_in(stride_app, live_server.url, patient["email"], PASSWORD)
    for size in ((420, 860), (360, 640)):
        window_size(size)
        exercise = open_exercise(stride_app, "clamshell")
        page, timer = exercise.ids.page, exercise.ids.timer
        settle(timer)
        assert page.children[0].height > page.height, (
            f"{size}: the steps are longer than their area"
        )
        before = _rect(timer)
        swipe_to_bottom(page)
        assert _rect(timer) == before and inside_window(timer), size
        last = exercise.ids.options  # the last card of the steps' area is in sight now
        assert _rect(last)[1] >= _rect(page)[1], f"{size}: the end of the steps is in view"
        tap(exercise.ids.toggle)  # Start: under the finger where it was, no scrolling
        assert exercise.mode == "hold" and inside_window(exercise.ids.toggle)
        tap(exercise.ids.toggle)
        assert exercise.mode == "paused"


def test_three_sets_run_on_the_clock_with_cues_and_save_as_3_of_3_with_pain_before_and_after(
    stride_app, patient, offline
):
    exercise = open_exercise(stride_app, "clamshell")
    item = exercise.item
    assert (item.dose.sets, item.dose.reps, item.dose.hold_s, item.dose.rest_s) == (3, 15, 3, 60)
    assert exercise.mode == "ready" and exercise.toggle_text == "Start"
    score(exercise.ids.pain_before, 3)
    tap(exercise.ids.toggle)
    assert exercise.mode == "hold" and exercise.small_text == "Hold 1 of 15\nSet 1 of 3"
    for _ in range(15):
        next_step(exercise)
    # The rest after the first set runs without a tap.
    assert exercise.mode == "rest" and exercise.small_text == "Rest 1 min"
    assert exercise.counter_text == "1 of 3 sets done\nPain before: 3"
    assert exercise.player.heard == ["relax"] * 15
    while exercise.mode != "finish":
        next_step(exercise)
    assert exercise.player.heard == (["relax"] * 15 + ["go"]) * 2 + ["relax"] * 14 + ["done"]
    assert exercise.ids.save.text == "Save: 3 of 3 sets done"
    score(exercise.ids.pain_after, 5)

    offline(True)
    tap(exercise.ids.save)
    today = screen(stride_app)
    assert today.name == "today"
    assert today.ids.notice.text == "Saved: Clamshell, 3 of 3 sets done."
    [queued] = [e for e in stride_app.store.outbox() if e["data"]["exercise_id"] == "clamshell"]
    data = queued["data"]
    assert queued["type"] == "exercise_log"
    assert (data["status"], data["sets_done"], data["sets_due"]) == ("done", 3, 3)
    assert (data["pain_before"], data["pain_after"]) == (3, 5)
    assert card_of(today, "clamshell").status_text == "Done"

    offline(False)
    stride_app.sync.request()
    pump(lambda: synced(stride_app), what="the sync")
    [row] = [r for r in logs(patient, "exercise-logs").values() if r["exercise_id"] == "clamshell"]
    assert (row["status"], row["sets_done"], row["sets_due"]) == ("done", 3, 3)
    assert (row["pain_before"], row["pain_after"]) == (3, 5)


def test_the_ring_counts_down_in_seconds_and_says_second_in_the_last_one(stride_app, patient):
    exercise = open_exercise(stride_app, "clamshell")
    tap(exercise.ids.toggle)
    assert exercise.mode == "hold"
    assert (exercise.ids.ring.big_text, exercise.ids.ring.small_text) == ("3", "seconds")
    exercise.now.advance(2.5)  # the hold's last second
    pump(lambda: exercise.ids.ring.big_text == "1", what="the last second")
    assert exercise.ids.ring.small_text == "second"


def test_after_an_untimed_set_the_rest_runs_on_its_own_and_ending_early_saves_a_partial(
    stride_app, patient
):
    exercise = open_exercise(stride_app, "standing-hip-abduction")
    assert exercise.mode == "ready" and exercise.toggle_text == "Set done"
    assert exercise.big_text == "12" and exercise.ring_text == "reps"
    tap(exercise.ids.toggle)
    assert exercise.mode == "rest" and exercise.timer.running, "the rest started by itself"
    assert exercise.ids.skip.text == "Skip rest"
    next_step(exercise)
    assert exercise.player.heard == ["go"]
    assert exercise.mode == "reps" and exercise.small_text == "12 reps\nSet 2 of 3"
    tap(exercise.ids.end_early)
    assert exercise.mode == "finish" and exercise.finish_title == "So far: 1 of 3 sets done."
    assert exercise.ids.save.text == "Save: 1 of 3 sets done"
    tap(exercise.ids.carry_on)
    assert exercise.mode == "reps" and exercise.small_text == "12 reps\nSet 2 of 3"
    tap(exercise.ids.end_early)
    tap(exercise.ids.save)
    pump(lambda: synced(stride_app), what="the sync")
    [row] = [
        r
        for r in logs(patient, "exercise-logs").values()
        if r["exercise_id"] == "standing-hip-abduction"
    ]
    assert (row["status"], row["sets_done"], row["sets_due"]) == ("partial", 1, 3)
    assert (row["pain_before"], row["pain_after"]) == (None, None)


def test_the_easier_and_harder_options_show_and_a_stop_sign_says_what_to_do(stride_app, patient):
    exercise = open_exercise(stride_app, "bridge-to-neutral")
    item = exercise.item
    assert exercise.ids.easier.text == f"[b]If it is too much:[/b] {item.regression}"
    assert exercise.ids.harder.text == f"[b]If it is easy:[/b] {item.progression}"
    tap(exercise.ids.toggle)
    next_step(exercise)
    tap(exercise.ids.stop_button)
    sign = item.stop_if[0]
    assert sign.level == "stop"
    tap(option(open_dialog("ChoiceDialog"), sign.text))
    assert screen(stride_app).name == "exercise" and exercise.mode == "stopped"
    assert exercise.stopped_text == f"Stopped: {sign.text}"
    assert exercise.ids.stopped_advice.text == stops.STOP_ONLY
    assert inside_window(exercise.ids.stopped) and not on_screen(exercise, "Pause")
    assert not on_screen(exercise, "Stop: this symptom happened")
    assert on_screen(exercise.ids.options, exercise.ids.easier.text), "the easier way stays"
    tap(exercise.ids.back_today)
    pump(lambda: synced(stride_app), what="the sync")
    [row] = [
        r for r in logs(patient, "exercise-logs").values() if r["exercise_id"] == item.exercise_id
    ]
    assert (row["status"], row["skip_reason"], row["stop_symptom"]) == (
        "skipped",
        "stop_if",
        sign.text,
    )
