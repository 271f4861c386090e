"""One exercise: steps, cautions, stop signs, the hold timer with set counter, and logging."""

import time

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from mobile.core.formatting import plural
from mobile.core.today import dose_text, hold_plan, log_exercise, stop_outcome_for
from mobile.screens import glide
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.dialogs import ChoiceDialog

TICK_S = 0.1


def _set_ends(steps, index: int) -> bool:
    """Tell whether step `index` is the last working step of its set."""
    step = steps[index]
    later = [s for s in steps[index + 1 :] if s.kind != "rest"]
    return step.kind != "rest" and (not later or later[0].set_number != step.set_number)


class ExerciseScreen(BaseScreen):
    """Run the timer the dose asks for and log the session (or the stop symptom)."""

    item = ObjectProperty(None, allownone=True)
    view = ObjectProperty(None, allownone=True)
    exercise_name = StringProperty("")
    dose = StringProperty("")
    ring = NumericProperty(0.0)
    big_text = StringProperty("")
    small_text = StringProperty("")
    counter_text = StringProperty("")
    running = BooleanProperty(False)
    untimed = BooleanProperty(False)
    finished = BooleanProperty(False)
    sets_completed = NumericProperty(0)
    has_stop_signs = BooleanProperty(False)
    stopped_text = StringProperty("")  # "Stopped: <symptom>" once a stop sign was logged
    stopped_advice = StringProperty("")

    def show(self, item=None, view=None, **_kwargs) -> None:
        """Load an exercise from Today (a bare return keeps the one on show)."""
        self.title, self.back_to = "Exercise", "today"
        if item is None:
            return
        self.item, self.view = item, view
        self.exercise_name, self.dose = item.name, dose_text(item.dose)
        self.stopped_text = self.stopped_advice = ""
        self.has_stop_signs = bool(item.stop_if)
        self.ids.pain_before.value = self.ids.pain_after.value = None
        for box, lines, numbered in (
            (self.ids.steps, item.instructions, True),
            (self.ids.cautions, item.cautions, False),
            (self.ids.stops, [sign.text for sign in item.stop_if], False),
        ):
            box.clear_widgets()
            for n, line in enumerate(lines, 1):
                box.add_widget(Factory.Body(text=f"{n}.  {line}" if numbered else f"•  {line}"))
        self.reset()

    def on_leave(self, *_args):
        self.pause()

    # -- timer

    def reset(self) -> None:
        """Go back to the first hold of the first set."""
        self.pause()
        self.steps = hold_plan(self.item.dose) if self.item else []
        self.index, self.sets_completed, self.finished = 0, 0, False
        self.remaining = self.steps[0].seconds if self.steps else 0
        self._render()

    def toggle(self) -> None:
        """Start, pause or resume; on an untimed set of reps, mark that set done."""
        if self.finished:
            return
        if self.untimed:
            self.next_step()
        elif self.running:
            self.pause()
        else:
            self.running = True
            self._last = time.monotonic()
            self._event = Clock.schedule_interval(self._tick, TICK_S)
            self._render()

    def pause(self) -> None:
        """Stop the clock, keeping the time left."""
        if getattr(self, "_event", None) is not None:
            self._event.cancel()
            self._event = None
        self.running = False
        if getattr(self, "steps", None):
            self._render()

    def next_step(self) -> None:
        """Finish the current step now (end a rest early, or confirm a set of reps)."""
        if self.finished or not self.steps:
            return
        if _set_ends(self.steps, self.index):
            self.sets_completed += 1
        self.index += 1
        if self.index >= len(self.steps):
            self.finished = True
            self.pause()
        else:
            self.remaining = self.steps[self.index].seconds
        self._render()

    def _tick(self, _dt) -> None:
        now = time.monotonic()
        # Wall time, not frame count: a slow frame must not stretch a 30 s hold.
        self.remaining -= now - self._last
        self._last = now
        if self.remaining <= 0:
            self.next_step()
        else:
            self._render()

    def _render(self) -> None:
        due = self.item.sets_due if self.item else 0
        self.counter_text = f"{self.sets_completed} of {plural(due, 'set')} done"
        if self.finished or not self.steps:
            self.ring, self.untimed = 1.0, False
            self.big_text, self.small_text = "Done", "Every set finished. Well done!"
            return
        step = self.steps[self.index]
        self.untimed = step.kind == "reps"
        self.small_text = step.label
        if self.untimed:
            self.ring, self.big_text = 0.0, str(step.reps)
        else:
            left = max(self.remaining, 0)
            self.ring = 1 - left / step.seconds if step.seconds else 1
            self.big_text = f"{int(left + 0.999)}"

    # -- logging

    def _pain(self) -> dict:
        return {"pain_before": self.ids.pain_before.value, "pain_after": self.ids.pain_after.value}

    def _log(self, sets_done: int, status: str, **extra) -> str:
        event_id = log_exercise(self.app.store, self.view, self.item, sets_done, status, **extra)
        self.pause()
        self.app.changed()
        return event_id

    def _log_done(self, sets_done: int, status: str) -> None:
        """Log a done or partial session; after a glide, ask about nerve symptoms first."""

        def save(nerve_symptoms=None) -> None:
            extra = {"nerve_symptoms": nerve_symptoms} if nerve_symptoms else {}
            self._log(sets_done, status, **self._pain(), **extra)
            self.go("today", notice=glide.advice(nerve_symptoms or ""))

        if self.item.is_neural_glide:
            glide.ask_after_glide(self.item, save)
        else:
            save()

    def save_done(self) -> None:
        """Log every set done, with any pain scores given."""
        self._log_done(self.item.sets_due, "done")

    def save_partial(self) -> None:
        """Log the sets the counter shows as done."""
        done = int(self.sets_completed)
        if 0 < done < self.item.sets_due:
            self._log_done(done, "partial")

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
        done = int(min(self.sets_completed, self.item.sets_due - 1))
        status = "partial" if done else "skipped"
        self._log(done, status, skip_reason="stop_if", stop_if_id=sign_id, **self._pain())
        if outcome.needs_someone_today:  # at once, before any network: the advice is local
            self.go("urgent", level=outcome.level, advice=outcome.advice, reasons=[sign.text])
            return
        self.stopped_text = f"Stopped: {sign.text}"
        self.stopped_advice = outcome.advice
        self.ids.page.scroll_y = 1


load_kv("exercise")
