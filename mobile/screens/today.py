"""Today: the day's sessions by time of day, marked done, partial or skipped in one tap."""

from datetime import timedelta

from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.core.formatting import date_text, plural
from mobile.core.today import dose_text, log_exercise, today_view
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.dialogs import ChoiceDialog

SKIP_REASONS = [
    ("pain", "Too painful today"),
    ("no_time", "No time"),
    ("forgot", "Forgot"),
    ("unwell", "Feeling unwell"),
    ("other", "Another reason"),
]
REASON_WORDS = dict(SKIP_REASONS) | {"stop_if": "stop symptom"}


def status_text(item) -> str:
    """Return the pill text of an item: "To do", "Done", "1 of 2 sets", "Skipped: no time"."""
    if item.status == "done":
        return "Done"
    if item.status == "partial":
        return f"{item.sets_done} of {plural(item.sets_due, 'set')}"
    if item.status == "skipped":
        return f"Skipped: {REASON_WORDS.get(item.skip_reason, 'other').lower()}"
    return "To do"


class ItemCard(BoxLayout):
    """One exercise session with its dose and the done / partial / skip buttons."""

    item = ObjectProperty()
    screen = ObjectProperty()
    exercise = StringProperty("")
    dose = StringProperty("")
    status = StringProperty("todo")
    status_text = StringProperty("")


class TodayScreen(BaseScreen):
    """Show today's plan from the local store and log what the patient did."""

    date_text = StringProperty("")
    phase_title = StringProperty("")
    progress = NumericProperty(0.0)
    progress_text = StringProperty("")
    empty_text = StringProperty("")
    reminders_text = StringProperty("")
    check_due = BooleanProperty(False)  # no red-flag check in the last 7 days
    view = ObjectProperty(None, allownone=True)

    def show(self, **_kwargs) -> None:
        """Rebuild from the store each time the tab opens."""
        self.title = "Today"
        self.refresh()

    def refresh(self) -> None:
        """Compute today's view offline and lay out its cards."""
        today = self.app.local_today()
        self.view = view = today_view(self.app.store, today)
        self.date_text = date_text(today)
        week = self.app.store.red_flag_checks(today - timedelta(days=6), today)
        self.check_due = not week
        groups, notes = self.ids.groups, self.ids.restrictions
        groups.clear_widgets()
        notes.clear_widgets()
        if view is None:
            self.phase_title, self.progress, self.progress_text = "", 0, ""
            synced = self.app.engine.state().last_success is not None
            self.empty_text = (
                "No exercises are planned for today. Your physiotherapist sets up your plan."
                if synced
                else "Your plan appears here after the first sync with your care team."
            )
            return
        self.empty_text = ""
        self.phase_title = view.phase_title
        self.progress = view.sets_done / view.sets_due if view.sets_due else 0
        if view.is_rest_day or not view.sets_due:
            self.progress_text = "A planned rest day. Gentle walking is fine."
        else:
            self.progress_text = f"{view.sets_done} of {plural(view.sets_due, 'set')} done today"
        for text in view.restrictions:
            notes.add_widget(Factory.Body(text=f"•  {text}", color=(0.36, 0.25, 0.02, 1)))
        for group in view.groups:
            groups.add_widget(Factory.GroupTitle(text=group.title))
            for item in group.items:
                groups.add_widget(
                    ItemCard(
                        item=item,
                        screen=self,
                        exercise=item.name,
                        dose=dose_text(item.dose),
                        status=item.status,
                        status_text=status_text(item),
                    )
                )
        upcoming = self.app.reminders.upcoming
        self.reminders_text = (
            "Reminders today: " + ", ".join(f"{r.at:%H:%M} {r.time_of_day}" for r in upcoming)
            if upcoming
            else ""
        )

    # -- actions (each queues an event, then the app syncs soon)

    def _log(self, item, sets_done: int, status: str, **extra) -> None:
        log_exercise(self.app.store, self.view, item, sets_done, status, **extra)
        self.app.changed()

    def mark_done(self, item) -> None:
        """Log every set of the session as done."""
        self._log(item, item.sets_due, "done")

    def mark_partial(self, item) -> None:
        """Ask how many sets were done (when there is a choice) and log a partial session."""
        if item.sets_due == 2:
            self._log(item, 1, "partial")
            return
        options = [(n, f"{n} of {item.sets_due} sets") for n in range(1, item.sets_due)]
        ChoiceDialog(
            lambda n: self._log(item, n, "partial"),
            title="How many sets did you do?",
            message=item.name,
            options=options,
        ).open()

    def skip(self, item) -> None:
        """Ask why and log the session as skipped."""
        ChoiceDialog(
            lambda reason: self._log(item, 0, "skipped", skip_reason=reason),
            title="Why are you skipping it?",
            message=f"{item.name}. It helps your physiotherapist adjust your plan.",
            options=SKIP_REASONS,
        ).open()

    def start(self, item) -> None:
        """Open the exercise with its steps and the hold timer."""
        self.go("exercise", item=item, view=self.view)


load_kv("today")
