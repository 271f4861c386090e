"""The full red screen with urgent advice; shown before anything reaches the server."""

from kivy.properties import ListProperty, StringProperty

from mobile.screens.base import BaseScreen, load_kv

HEADLINES = {
    "emergency": "Seek emergency care now",
    "urgent": "Get medical advice today",
    "postop": "Contact your surgical team now",
}


class UrgentScreen(BaseScreen):
    """Say what to do now, what the patient told us, and whether it has reached the team."""

    level = StringProperty("urgent")
    headline = StringProperty("")
    advice = StringProperty("")
    reasons = ListProperty()
    reasons_text = StringProperty("")
    sent_text = StringProperty("")

    def show(self, level="urgent", advice="", reasons=(), **_kwargs) -> None:
        """Show the advice of a triage level."""
        self.title = "Urgent advice"
        self.level, self.advice, self.headline = level, advice, HEADLINES.get(level, "")
        self.reasons = list(reasons)
        self.reasons_text = "\n".join(f"•  {r}" for r in self.reasons)
        self.refresh()

    def refresh(self) -> None:
        """Say whether the check has reached the care team yet."""
        waiting = any(e["type"] == "red_flag_check" for e in self.app.store.outbox(50))
        waiting = waiting or (self.level == "postop" and self.app.store.pending_count() > 0)
        self.sent_text = (
            "Saved on this phone. It goes to your care team first as soon as you are online."
            if waiting
            else "Your care team has been told."
        )

    def close(self) -> None:
        """Return to the day."""
        self.go("today")


load_kv("urgent")
