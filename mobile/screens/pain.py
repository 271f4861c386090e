"""Pain check-in: NPRS 0-10 with anchors, what the patient was doing, and nerve symptoms."""

from kivy.properties import NumericProperty, StringProperty

from mobile.core.formatting import pain_label
from mobile.core.today import log_pain
from mobile.screens.base import BaseScreen, load_kv

CONTEXTS = [
    ("rest", "At rest"),
    ("sitting", "Sitting"),
    ("walking", "Walking"),
    ("night", "At night"),
    ("after_exercise", "After exercise"),
]
NERVES = [("tingling", "Tingling"), ("numbness", "Numbness")]


class PainScreen(BaseScreen):
    """Ask how much it hurts and what the patient was doing, and queue the check-in."""

    nprs = NumericProperty(0)
    nprs_text = StringProperty("")
    saved_text = StringProperty("")

    contexts = CONTEXTS
    nerves = NERVES

    def show(self, **_kwargs) -> None:
        """Start a fresh check-in."""
        self.title = "Pain check-in"
        self.error = self.saved_text = ""
        self.ids.slider.value = 0
        self.on_nprs(self, 0)
        for group in (self.ids.context, self.ids.nerves):
            group.reset()

    def on_nprs(self, _screen, value) -> None:
        """Name the chosen score ("6 – Hard to ignore")."""
        self.nprs_text = pain_label(int(value))

    def save(self) -> None:
        """Queue the check-in (post-operative warning signs have their own daily check)."""
        context = self.ids.context.selected
        if not context:
            self.error = "Choose what you were doing when you noticed the pain."
            return
        chosen = set(self.ids.nerves.chosen)
        log_pain(
            self.app.store,
            self.app.local_today(),
            int(self.nprs),
            context,
            tingling="tingling" in chosen,
            numbness="numbness" in chosen,
        )
        self.app.changed()
        saved_nprs = int(self.nprs)
        self.show()
        self.saved_text = f"Saved: pain {pain_label(saved_nprs)}. Thank you."


load_kv("pain")
