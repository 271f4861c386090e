"""One exercise: a pinned timer with cues, the steps scrolling below it, pain before and after.

The modes, each drawn by the .kv file: `ready` (pain before, then Start), `hold` and `rest` (the
clock runs; rests start on their own), `reps` (an untimed set waits for "Set done"), `paused`,
`finish` (pain after, then "Save: 3 of 3 sets done") and `stopped` (what to do after a stop sign
that needs no one today; the others open the urgent screen).
"""

import os
import time

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.utils import escape_markup

from domain.figures import pose_during
from mobile.core.cues import CuePlayer, HoldTimer
from mobile.core.formatting import plural
from mobile.core.today import dose_text, hold_plan, log_exercise, stop_outcome_for
from mobile.screens import glide
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.stage import FigureStage
from mobile.widgets.dialogs import ChoiceDialog

TICK_S = 0.1
TOGGLE_TEXT = {"ready": "Start", "hold": "Pause", "rest": "Pause", "paused": "Continue"}  # timed


def _step_text(step) -> str:
    """Return the step's label one part a line ("Hold 2 of 15" over "Set 1 of 3"): narrow phones."""
    return "\n".join(part[0].upper() + part[1:] for part in step.label.split(" · "))


def _line(label: str, text: str) -> str:
    """Return "[b]label[/b] text" with the protocol's text kept literal."""
    return f"[b]{label}[/b] {escape_markup(text)}" if text else ""


class ExerciseScreen(FigureStage, BaseScreen):
    """Run the timer the dose asks for and log the session (or the stop symptom)."""

    item = ObjectProperty(None, allownone=True)
    view = ObjectProperty(None, allownone=True)
    exercise_name = StringProperty("")
    dose = StringProperty("")
    mode = StringProperty("ready")
    ring = NumericProperty(0.0)
    big_text = StringProperty("")
    ring_text = StringProperty("")  # under the number: "seconds" or "reps"
    small_text = StringProperty("")  # the step: "Hold 2 of 15\nSet 1 of 3", "Rest 1 min"
    counter_text = StringProperty("")
    pain_before_text = StringProperty("")  # "Pain before: 3", once given
    resting = BooleanProperty(False)  # the step on now is a rest (running or paused)
    running = BooleanProperty(False)  # the clock runs
    toggle_text = StringProperty("Start")
    can_end_early = BooleanProperty(False)
    ended_early = BooleanProperty(False)  # the finish panel opened before the last set
    finish_title = StringProperty("")
    save_text = StringProperty("")
    easier = StringProperty("")
    harder = StringProperty("")
    has_cautions = BooleanProperty(False)
    has_stop_signs = BooleanProperty(False)
    stopped_text = StringProperty("")  # "Stopped: <symptom>" once a stop sign was logged
    stopped_advice = StringProperty("")
    figure = ObjectProperty(None, allownone=True)  # the demonstration (None: text only)
    figure_pose = ObjectProperty(None, allownone=True)  # where it is now, in step with the timer

    def __init__(self, **kwargs):
        self.timer = HoldTimer([])
        self._event = None
        self._frames = None  # the per-frame animation, while the figure moves
        self._reps_from = None  # when the untimed set on show began
        super().__init__(**kwargs)
        self.now = time.monotonic  # the timer's clock: a test puts a fake one here
        self.player = CuePlayer(os.path.dirname(self.app.store.path))  # a test wraps it

    def on_kv_post(self, base):
        super().on_kv_post(base)
        self.watch_stage()

    def show(self, item=None, view=None, **_kwargs) -> None:
        """Load an exercise from Today (a bare return keeps the one on show)."""
        self.title, self.back_to = "Exercise", "today"
        if item is None:
            return
        self.item, self.view = item, view
        self.figure = getattr(item, "figure", None)
        self.exercise_name, self.dose = item.name, dose_text(item.dose)
        self.stopped_text = self.stopped_advice = ""
        self.easier = _line("If it is too much:", item.regression)
        self.harder = _line("If it is easy:", item.progression)
        self.has_cautions, self.has_stop_signs = bool(item.cautions), bool(item.stop_if)
        self.ids.pain_before.value = self.ids.pain_after.value = None
        for box, lines, numbered in (
            (self.ids.steps, item.instructions, True),
            (self.ids.cautions, item.cautions, False),
            (self.ids.stops, [sign.text for sign in item.stop_if], False),
        ):
            box.clear_widgets()
            for n, line in enumerate(lines, 1):
                box.add_widget(Factory.Body(text=f"{n}.  {line}" if numbered else f"•  {line}"))
        self.ids.page.scroll_y = 1
        self.reset()

    def on_leave(self, *_args):
        self.pause()
        if self._frames is not None:  # an untimed set animates without the clock
            self._frames.cancel()
            self._frames = None

    # -- the timer (HoldTimer keeps the state; this drives its clock and shows it)

    def reset(self) -> None:
        """Go back to the first hold of the first set."""
        self.pause()
        self.timer = HoldTimer(hold_plan(self.item.dose) if self.item else [])
        self.ended_early = False
        self._render()

    def toggle(self) -> None:
        """Start, pause or go on; on an untimed set of reps, mark that set done."""
        if not self.timer.timed:
            self.skip()
        elif self.timer.running:
            self.pause()
        else:
            self.timer.start(self.now())
            self._follow_clock()

    def skip(self) -> None:
        """End the step on now (a hold, a rest, a set of reps); what follows starts on its own."""
        self.timer.finish_step(self.now())
        self._follow_clock()

    def pause(self) -> None:
        """Stop the clock, keeping the time left."""
        self._cue(self.timer.pause(self.now()))
        self._follow_clock()

    def end_early(self) -> None:
        """Stop here and offer to save the sets done so far."""
        self.pause()
        self.ended_early = True
        self._render()

    def carry_on(self) -> None:
        """Back from the finish panel to the timer, paused where it was."""
        self.ended_early = False
        self._render()

    def _follow_clock(self) -> None:
        """Tick while the timer runs, not otherwise; show where it is."""
        if self.timer.running and self._event is None:
            self._event = Clock.schedule_interval(self._tick, TICK_S)
        elif not self.timer.running and self._event is not None:
            self._event.cancel()
            self._event = None
        self._render()

    def _tick(self, _dt) -> None:
        self._cue(self.timer.advance(self.now()))
        self._follow_clock()

    def _cue(self, cues) -> None:
        """Give the latest cue: after a long gap (a phone that slept) one chime, not a burst."""
        if cues:
            self.player.play(cues[-1])

    def _sets_text(self) -> str:
        """Return "2 of 3 sets done"."""
        due = self.item.sets_due if self.item else 0
        return f"{self.timer.sets_completed} of {plural(due, 'set')} done"

    def _render(self) -> None:
        timer, due = self.timer, self.item.sets_due if self.item else 0
        self.mode, self.running = self._mode(), timer.running
        self.can_end_early = self.mode in ("paused", "reps") and 0 < timer.sets_completed < due
        self.toggle_text = TOGGLE_TEXT.get(self.mode, "") if timer.timed else "Set done"
        before = self.ids.pain_before.value
        self.pain_before_text = "" if before is None else f"Pain before: {before}"
        self.counter_text = self._sets_text()
        if timer.started and before is not None:
            self.counter_text += f"\n{self.pain_before_text}"
        self.save_text = f"Save: {self._sets_text()}"
        self.finish_title = (
            "Every set done. Well done!" if timer.finished else f"So far: {self._sets_text()}."
        )
        step = timer.step
        self.ring = timer.fraction
        self.resting = step is not None and step.kind == "rest"
        self.small_text = _step_text(step) if step else ""
        if step is None:
            self.big_text, self.ring_text = "✓", ""
        elif timer.timed:
            left = int(max(timer.remaining, 0) + 0.999)
            self.big_text, self.ring_text = str(left), "second" if left == 1 else "seconds"
        else:
            self.big_text, self.ring_text = str(step.reps), "rep" if step.reps == 1 else "reps"
        self._follow_figure()

    # -- the figure: it moves with the clock, holds with the hold, rests with the rest

    def _follow_figure(self) -> None:
        """Animate every frame while the clock runs (or an untimed set is on), else stand still."""
        if self.mode == "reps":
            self._reps_from = self._reps_from if self._reps_from is not None else self.now()
        else:
            self._reps_from = None
        moving = self.figure is not None and self.mode in ("hold", "rest", "reps")
        if moving and self._frames is None:
            self._frames = Clock.schedule_interval(self._animate, 0)
        elif not moving and self._frames is not None:
            self._frames.cancel()
            self._frames = None
        self._animate()

    def _animate(self, *_args) -> None:
        self.figure_pose = self.pose_now()

    def pose_now(self):
        """Return the figure's pose at this moment of the timer (None without a figure)."""
        figure, timer = self.figure, self.timer
        step = timer.step
        if figure is None or step is None or not timer.started:
            return figure.start if figure else None
        if step.kind == "reps":  # an untimed set on show (or ended early: its start)
            since = self._reps_from if self._reps_from is not None else self.now()
            return pose_during(figure, "reps", self.now() - since, 0)
        elapsed = step.seconds - timer.remaining_at(self.now())
        return pose_during(figure, step.kind, elapsed, step.seconds, timer.rest_follows)

    def _mode(self) -> str:
        timer = self.timer
        if self.stopped_text:
            return "stopped"
        if timer.finished or self.ended_early:
            return "finish"
        if not timer.started:
            return "ready"
        if not timer.timed:
            return "reps"
        return timer.step.kind if timer.running else "paused"

    # -- logging (the same path as Today's buttons: log_exercise queues one exercise_log)

    def _pain(self) -> dict:
        return {"pain_before": self.ids.pain_before.value, "pain_after": self.ids.pain_after.value}

    def _log(self, sets_done: int, status: str, **extra) -> str:
        event_id = log_exercise(self.app.store, self.view, self.item, sets_done, status, **extra)
        self.pause()
        self.app.changed()
        return event_id

    def save(self) -> None:
        """Log the sets done (done when every set is, partial otherwise) with the pain scores."""
        done = self.timer.sets_completed
        status = "done" if done == self.item.sets_due else "partial"

        def log(nerve_symptoms=None) -> None:
            extra = {"nerve_symptoms": nerve_symptoms} if nerve_symptoms else {}
            self._log(done, status, **self._pain(), **extra)
            saved = f"Saved: {self.item.name}, {self._sets_text()}."
            self.go("today", notice=glide.advice(nerve_symptoms or "") or saved)

        if self.item.is_neural_glide:
            glide.ask_after_glide(self.item, log)
        else:
            log()

    def stop_symptom(self) -> None:
        """Ask which stop sign happened; what to do next depends on its level."""
        ChoiceDialog(
            self._stopped,
            title="Which of these happened?",
            message="Stop the exercise now. Choose what happened and we tell you what to do next.",
            options=[(sign.id, sign.text) for sign in self.item.stop_if],
            variant="danger_soft",
        ).open()

    def _stopped(self, sign_id: str) -> None:
        sign = self.item.stop_sign(sign_id)
        outcome = stop_outcome_for(self.app.store, self.item, sign_id)
        done = int(min(self.timer.sets_completed, self.item.sets_due - 1))
        status = "partial" if done else "skipped"
        self._log(done, status, skip_reason="stop_if", stop_if_id=sign_id, **self._pain())
        if outcome.needs_someone_today:  # at once, before any network: the advice is local
            self.go("urgent", level=outcome.level, advice=outcome.advice, reasons=[sign.text])
            return
        self.stopped_text = f"Stopped: {sign.text}"
        self.stopped_advice = outcome.advice
        self._render()
        self.ids.page.scroll_y = 1


load_kv("exercise")
