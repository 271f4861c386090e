"""The full red screen with urgent advice; shown before anything reaches the server."""

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.core import urgent
from mobile.core.today import is_post_operative
from mobile.screens import followthrough
from mobile.screens.base import BaseScreen, load_kv


class UrgentScreen(BaseScreen):
    """Say what to do now, who to call, what the patient told us, and whether it was sent."""

    level = StringProperty("urgent")
    headline = StringProperty("")
    advice = StringProperty("")
    reasons = ListProperty()
    reasons_text = StringProperty("")
    sent_text = StringProperty("")
    waiting = BooleanProperty(False)  # the urgent entry is still in the outbox
    sending = BooleanProperty(False)
    calls = ListProperty()  # [(label, number)] for the call buttons

    def on_kv_post(self, base):
        super().on_kv_post(base)
        # The sync line changes when a pass starts and ends: follow "Send now" as it goes.
        self.app.bind(sync_text=self._data_changed)

    def show(self, level="urgent", advice="", reasons=(), **_kwargs) -> None:
        """Show the advice of an urgent or emergency level, with what the patient answered."""
        self.title = "Urgent advice"
        self.level, self.advice = level, advice
        self.headline = followthrough.headline(level, is_post_operative(self.app.store))
        self.reasons = list(reasons)
        self.reasons_text = "\n".join(f"•  {r}" for r in self.reasons)
        self.refresh()

    def refresh(self) -> None:
        """Say whether the care team has been told, and offer to send again while not."""
        store = self.app.store
        contacts = urgent.contacts(store)
        self.calls = followthrough.call_choices(self.level, contacts)
        state = followthrough.sent_state(store)
        self.waiting = state == "waiting"
        self.sending = self.waiting and self.app.sync.running
        self.sent_text = followthrough.status_text(state, self.level, contacts)

    def call(self, number: str) -> None:
        """Call the number tapped."""
        followthrough.call(number)

    def send_now(self) -> None:
        """Try to send the waiting entry at once."""
        self.sending = True
        self.app.sync.request()

    def close(self) -> None:
        """Return to the day (its banner keeps the advice and the numbers), or to sign-in."""
        self.go("today" if self.app.store.get_session() else "signin")


load_kv("urgent")
