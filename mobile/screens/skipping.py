"""Skipping a session: why, and for "Another reason" a few words of the patient's own."""

from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

from mobile.widgets.dialogs import ChoiceDialog

SKIP_REASONS = [
    ("pain", "Too painful today"),
    ("no_time", "No time"),
    ("forgot", "Forgot"),
    ("unwell", "Feeling unwell"),
    ("other", "Another reason"),
]
REASON_WORDS = dict(SKIP_REASONS) | {"stop_if": "stop symptom"}
# Design choice: a short box, a line or two for the physio to read in the patient's feed.
REASON_MAX = 200


class ReasonDialog(ModalView):
    """Ask for the reason in the patient's words; `on_reason(text or None)` gets it once."""

    title = StringProperty("What is the reason?")
    message = StringProperty("")
    error = StringProperty("")

    def __init__(self, on_reason, **kwargs):
        super().__init__(**kwargs)
        self._on_reason = on_reason

    def save(self) -> None:
        """Close and report the words (None when the box was left empty)."""
        text = " ".join(self.ids.text.text.split())
        if len(text) > REASON_MAX:
            self.error = f"Keep it short: at most {REASON_MAX} characters (this is {len(text)})."
            return
        self.dismiss()
        self._on_reason(text or None)


def ask_skip(item, on_skip) -> None:
    """Ask why a session is skipped; `on_skip(reason, note)` gets the answer."""

    def chosen(reason: str) -> None:
        if reason != "other":
            on_skip(reason, None)
            return
        ReasonDialog(
            lambda note: on_skip("other", note),
            message=f"{item.name}. A few words help your physiotherapist (you may leave it empty).",
        ).open()

    ChoiceDialog(
        chosen,
        title="Why are you skipping it?",
        message=f"{item.name}. It helps your physiotherapist adjust your plan.",
        options=SKIP_REASONS,
    ).open()
