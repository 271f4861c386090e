"""Today: the day's sessions by time of day, the safety checks due, and any urgent advice."""

from datetime import timedelta

from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.utils import escape_markup

from mobile.core import outcomes, urgent
from mobile.core.formatting import date_text, plural
from mobile.core.revisions import new_revision_notes
from mobile.core.seen import first_sight
from mobile.core.today import (
    answer_nerve_followup,
    is_post_operative,
    log_exercise,
    nerve_followups_due,
    postop_check_days,
    today_view,
)
from mobile.screens import followthrough, glide
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.skipping import ask_skip
from mobile.screens.todaycards import FollowUpCard, SessionCards
from mobile.screens.undo import HOLD_S, UndoWindows
from mobile.widgets.dialogs import ChoiceDialog

CARE_CONFIRMED = (
    "Thank you. Your exercises are back on today's list. Follow what you were told when you "
    "were seen."
)


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
    lefs_due = BooleanProperty(False)  # "How are you managing?": the LEFS, every 14 days
    pgic_due = BooleanProperty(False)  # the global impression of change, every 4 weeks
    view = ObjectProperty(None, allownone=True)
    # The urgent episode: its banner stays until a clinician has it or the patient had care.
    episode = BooleanProperty(False)
    paused = BooleanProperty(False)
    episode_headline = StringProperty("")
    episode_advice = StringProperty("")
    episode_status = StringProperty("")
    episode_waiting = BooleanProperty(False)
    calls = ListProperty()  # [(label, number)] for the call buttons
    important_open = BooleanProperty(True)  # the phase's points in full (first view) or one line
    revision_notes = ListProperty()  # plan changes that arrived while Today was on show

    def __init__(self, **kwargs):
        self._serial = None  # the sign-in this screen last showed
        self._important_key = None  # the phase whose "Important" box was decided on this visit
        self._shown = None  # the follow-ups on show (their cards are redrawn when they change)
        super().__init__(**kwargs)

    def on_kv_post(self, base):
        super().on_kv_post(base)
        self.undo_windows = UndoWindows(self.app)
        self.cards = SessionCards(self.ids.groups, self)
        self.app.bind(sync_text=self._data_changed)  # "Not sent yet" ends when the sync does
        self.app.bind(session_serial=self._signed_in_or_out)

    def show(self, notice: str = "", **_kwargs) -> None:
        """Rebuild from the store each time the tab opens (with a word on what just happened)."""
        self.title = "Today"
        self.notice = notice
        if self._serial != self.app.session_serial:  # another sign-in: its own fresh start
            self._serial = self.app.session_serial
            self.ids.page.scroll_y = 1
            # Entries a closed app left in their undo window were kept: they go with this sync.
            self.app.store.release()
        self._important_key, self.revision_notes = None, []
        self.refresh()

    def refresh(self) -> None:
        """Compute today's view offline and lay out its cards."""
        store, today = self.app.store, self.app.local_today()
        self._show_episode(store)
        days = postop_check_days(store, today)
        self.postop_days = -1 if days is None else days
        self._show_followups(store)
        self.lefs_due, self.pgic_due = outcomes.due(store, today)
        self.view = view = today_view(store, today)
        self.date_text = date_text(today)
        self.check_due = not store.red_flag_checks(today - timedelta(days=6), today)
        self.has_restrictions = bool(view and view.restrictions)
        self.cards.show(view, self.paused, lambda log_id: log_id in self.undo_windows)
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
        self._show_important(store, view)
        self._show_revisions(store, today)
        self.phase_title = view.phase_title
        self.progress = view.sets_done / view.sets_due if view.sets_due else 0
        if view.is_rest_day or not view.sets_due:
            self.progress_text = "A planned rest day. Gentle walking is fine."
        else:
            self.progress_text = f"{view.sets_done} of {plural(view.sets_due, 'set')} done today"
        upcoming = self.app.reminders.upcoming
        self.reminders_text = (
            "Reminders today: " + ", ".join(f"{r.at:%H:%M} {r.time_of_day}" for r in upcoming)
            if upcoming and not self.paused
            else ""
        )

    def _show_important(self, store, view) -> None:
        """Show the phase's points in full the first time, then as one line to open."""
        key = f"{view.plan_id}:{view.phase_id}"
        if view.restrictions and key != self._important_key:
            self._important_key = key
            self.important_open = first_sight(store, "important", key)
            notes = self.ids.restrictions
            notes.clear_widgets()
            for text in view.restrictions:
                notes.add_widget(Factory.Body(text=f"•  {text}", color=(0.36, 0.25, 0.02, 1)))

    def _show_revisions(self, store, today) -> None:
        """Tell the plan changes not told before; they stay until Today is left or "Got it"."""
        told = new_revision_notes(store, today)
        if told:
            self.revision_notes = [*self.revision_notes, *told]
        box = self.ids.revisions
        box.clear_widgets()
        for note in self.revision_notes:
            if note.starts:
                box.add_widget(Factory.Caption(text=note.starts, color=(0.21, 0.39, 0.55, 1)))
            for change in note.changes:
                box.add_widget(Factory.Body(text=f"•  {escape_markup(change)}"))
            if note.reason:
                box.add_widget(Factory.Body(text=f"Because: “{escape_markup(note.reason)}”"))

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
        due = nerve_followups_due(store)
        self.followups_due = bool(due)
        if [log["id"] for log in due] == self._shown:
            return  # the same cards: none is rebuilt under a finger
        self._shown = [log["id"] for log in due]
        box = self.ids.followups
        box.clear_widgets()
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

    def _log(self, item, sets_done: int, status: str, hold: bool = False, **extra) -> None:
        hold_s = HOLD_S if hold else 0
        event_id = log_exercise(
            self.app.store, self.view, item, sets_done, status, hold_s=hold_s, **extra
        )
        if hold:
            self.undo_windows.open(event_id)
        self.notice = glide.advice(extra.get("nerve_symptoms") or "")
        self.app.changed()

    def _log_done(self, item, sets_done: int, status: str, hold: bool = False) -> None:
        """Log a done or partial session, asking about nerve symptoms after a glide."""
        if item.is_neural_glide:
            glide.ask_after_glide(
                item,
                lambda answer: self._log(item, sets_done, status, hold, nerve_symptoms=answer),
            )
        else:
            self._log(item, sets_done, status, hold)

    def mark_done(self, item) -> None:
        """Log every set of the session as done, with a few seconds to undo it."""
        self._log_done(item, item.sets_due, "done", hold=True)

    def undo(self, item) -> None:
        """Take back a Done still in its undo window: it never leaves the phone."""
        if self.undo_windows.undo(item.log_id):
            self.notice = f"Undone: {item.name} is back on your list."
        else:
            self.notice = "That was already sent, so it stays done."
        self.app.changed()

    def on_pre_leave(self, *_args) -> None:
        """Leaving Today keeps what is in its undo window: it goes with the next sync."""
        if self.undo_windows.keep_all():
            self.app.sync.request()

    def _signed_in_or_out(self, *_args) -> None:
        self.undo_windows.keep_all()  # for the account it belongs to, sent at its next sync

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
        """Ask why (in the patient's words for another reason) and log the session as skipped."""
        ask_skip(
            item, lambda reason, note: self._log(item, 0, "skipped", skip_reason=reason, note=note)
        )

    def start(self, item) -> None:
        """Open the exercise with its steps and the hold timer."""
        self.go("exercise", item=item, view=self.view)


load_kv("today")
