"""Today: the day's sessions by time of day, the safety checks due, and any urgent advice."""

from datetime import timedelta

from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from mobile.core import urgent
from mobile.core.formatting import date_text, plural
from mobile.core.today import (
    answer_nerve_followup,
    dose_text,
    is_post_operative,
    log_exercise,
    nerve_followups_due,
    postop_check_days,
    today_view,
)
from mobile.screens import followthrough, glide
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.dialogs import ChoiceDialog
from mobile.widgets.surfaces import Card
from domain import nerves

SKIP_REASONS = [
    ("pain", "Too painful today"),
    ("no_time", "No time"),
    ("forgot", "Forgot"),
    ("unwell", "Feeling unwell"),
    ("other", "Another reason"),
]
REASON_WORDS = dict(SKIP_REASONS) | {"stop_if": "stop symptom"}
CARE_CONFIRMED = (
    "Thank you. Your exercises are back on today's list. Follow what you were told when you "
    "were seen."
)


def status_text(item, paused: bool = False) -> str:
    """Return the pill text of an item: "To do", "Done", "1 of 2 sets", "Skipped: no time"."""
    if item.status == "done":
        return "Done"
    if item.status == "partial":
        return f"{item.sets_done} of {plural(item.sets_due, 'set')}"
    if item.status == "skipped":
        return f"Skipped: {REASON_WORDS.get(item.skip_reason, 'other').lower()}"
    return "Paused" if paused else "To do"


class ItemCard(BoxLayout):
    """One exercise session with its dose and the start / done / partial / skip buttons."""

    item = ObjectProperty()
    screen = ObjectProperty()
    exercise = StringProperty("")
    dose = StringProperty("")
    status = StringProperty("todo")
    status_text = StringProperty("")
    paused = BooleanProperty(False)  # an urgent episode is open: no exercise buttons at all


class FollowUpCard(Card):
    """A day after "still there": is the tingling or numbness after a glide still there?"""

    log = DictProperty()
    screen = ObjectProperty()
    question = StringProperty("")
    when = StringProperty("")
    choices = ListProperty(nerves.FOLLOW_UP_CHOICES)


class TodayScreen(BaseScreen):
    """Show today's plan from the local store and log what the patient did."""

    date_text = StringProperty("")
    phase_title = StringProperty("")
    progress = NumericProperty(0.0)
    progress_text = StringProperty("")
    empty_text = StringProperty("")
    reminders_text = StringProperty("")
    notice = StringProperty("")  # what the last action means ("Do no more glides today")
    check_due = BooleanProperty(False)  # no red-flag check in the last 7 days
    postop_days = NumericProperty(-1)  # days after surgery when today's post-op check is due
    has_restrictions = BooleanProperty(False)
    followups_due = BooleanProperty(False)
    view = ObjectProperty(None, allownone=True)
    # The urgent episode: its banner stays until a clinician has it or the patient had care.
    episode = BooleanProperty(False)
    paused = BooleanProperty(False)
    episode_headline = StringProperty("")
    episode_advice = StringProperty("")
    episode_status = StringProperty("")
    episode_waiting = BooleanProperty(False)
    calls = ListProperty()  # [(label, number)] for the call buttons

    def on_kv_post(self, base):
        super().on_kv_post(base)
        self.app.bind(sync_text=self._data_changed)  # "Not sent yet" ends when the sync does

    def show(self, notice: str = "", **_kwargs) -> None:
        """Rebuild from the store each time the tab opens (with a word on what just happened)."""
        self.title = "Today"
        self.notice = notice
        self.refresh()

    def refresh(self) -> None:
        """Compute today's view offline and lay out its cards."""
        store, today = self.app.store, self.app.local_today()
        self._show_episode(store)
        days = postop_check_days(store, today)
        self.postop_days = -1 if days is None else days
        self._show_followups(store)
        self.view = view = today_view(store, today)
        self.date_text = date_text(today)
        self.check_due = not store.red_flag_checks(today - timedelta(days=6), today)
        groups, notes = self.ids.groups, self.ids.restrictions
        groups.clear_widgets()
        notes.clear_widgets()
        self.has_restrictions = bool(view and view.restrictions)
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
                        status_text=status_text(item, self.paused),
                        paused=self.paused,
                    )
                )
        upcoming = self.app.reminders.upcoming
        self.reminders_text = (
            "Reminders today: " + ", ".join(f"{r.at:%H:%M} {r.time_of_day}" for r in upcoming)
            if upcoming and not self.paused
            else ""
        )

    def _show_episode(self, store) -> None:
        episode = urgent.active_episode(store)
        self.episode = episode is not None
        self.paused = urgent.exercises_paused(store)
        if episode is None:
            return
        contacts = urgent.contacts(store)
        level = episode["level"]
        self.calls = followthrough.call_choices(level, contacts)
        self.episode_headline = followthrough.headline(level, is_post_operative(store))
        self.episode_advice = episode["advice"]
        state = followthrough.sent_state(store)
        self.episode_waiting = state == "waiting"
        self.episode_status = followthrough.status_text(state, level, contacts)

    def _show_followups(self, store) -> None:
        box = self.ids.followups
        box.clear_widgets()
        due = nerve_followups_due(store)
        self.followups_due = bool(due)
        for log in due:
            box.add_widget(
                FollowUpCard(
                    log=log,
                    screen=self,
                    question=glide.follow_up_question(log.get("name")),
                    when=f"After your session on {date_text(log['local_date'])}",
                )
            )

    # -- the urgent episode

    def call(self, number: str) -> None:
        """Call the number tapped on the banner."""
        followthrough.call(number)

    def send_now(self) -> None:
        """Try to send the waiting urgent entry at once."""
        self.app.sync.request()

    def had_care(self) -> None:
        """Ask the patient to confirm they were seen, then close the episode."""
        ChoiceDialog(
            self._care_confirmed,
            title="Have you had care for this?",
            message=(
                "Tap yes once a doctor, nurse or your care team has seen you about what you "
                "reported. Your exercises then come back."
            ),
            options=[("yes", "Yes, I have had care")],
        ).open()

    def _care_confirmed(self, _value) -> None:
        urgent.confirm_care(self.app.store)
        self.notice = CARE_CONFIRMED
        self.app.changed()

    # -- the nerve follow-up

    def answer_followup(self, log: dict, answer: str) -> None:
        """Queue the follow-up answer ("settled" or "lasting") of a "still there" glide."""
        answer_nerve_followup(self.app.store, log, still_there=answer == "lasting")
        self.notice = glide.advice(answer)
        self.app.changed()

    # -- actions (each queues an event, then the app syncs soon)

    def _log(self, item, sets_done: int, status: str, **extra) -> None:
        log_exercise(self.app.store, self.view, item, sets_done, status, **extra)
        self.notice = glide.advice(extra.get("nerve_symptoms") or "")
        self.app.changed()

    def _log_done(self, item, sets_done: int, status: str) -> None:
        """Log a done or partial session, asking about nerve symptoms after a glide."""
        if item.is_neural_glide:
            glide.ask_after_glide(
                item, lambda answer: self._log(item, sets_done, status, nerve_symptoms=answer)
            )
        else:
            self._log(item, sets_done, status)

    def mark_done(self, item) -> None:
        """Log every set of the session as done."""
        self._log_done(item, item.sets_due, "done")

    def mark_partial(self, item) -> None:
        """Ask how many sets were done (when there is a choice) and log a partial session."""
        if item.sets_due == 2:
            self._log_done(item, 1, "partial")
            return
        options = [(n, f"{n} of {item.sets_due} sets") for n in range(1, item.sets_due)]
        ChoiceDialog(
            lambda n: self._log_done(item, n, "partial"),
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
