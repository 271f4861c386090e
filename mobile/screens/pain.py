"""Pain check-in: NPRS 0-10 with anchors, what the patient was doing, and nerve symptoms."""

from kivy.properties import NumericProperty, StringProperty

from mobile.core.formatting import pain_label
from mobile.core.today import log_pain
from mobile.screens.base import BaseScreen, load_kv

# Answers to "What were you doing?" (the stored values are the API's pain contexts).
CONTEXTS = [
    ("rest", "Resting"),
    ("sitting", "Sitting"),
    ("walking", "Walking"),
    ("night", "In bed at night"),
    ("after_exercise", "Just exercised"),
    ("other", "Something else"),
]
NERVES = [("tingling", "Tingling"), ("numbness", "Numbness")]


UNSET = -1  # no score chosen: a score the patient did not pick must never be saved
TAP_THE_SCALE = "Tap the scale"


class PainScreen(BaseScreen):
    """Ask how much it hurts and what the patient was doing, and queue the check-in."""

    nprs = NumericProperty(UNSET)
    nprs_text = StringProperty(TAP_THE_SCALE)
    saved_text = StringProperty("")

    contexts = CONTEXTS
    nerves = NERVES

    def show(self, **_kwargs) -> None:
        """Start a fresh check-in, with no score chosen."""
        self.title = "Pain check-in"
        self.error = self.saved_text = ""
        # Below the scale's range, so a first tap on 0 is a change the screen hears too.
        self.ids.slider.value = UNSET
        for group in (self.ids.context, self.ids.nerves):
            group.reset()

    def on_kv_post(self, base):
        super().on_kv_post(base)
        self.ids.context.bind(selected=self._answered)

    def on_nprs(self, _screen, value) -> None:
        """Name the chosen score ("6 – Hard to ignore"), or ask for one."""
        self.nprs_text = TAP_THE_SCALE if value < 0 else pain_label(int(value))
        self._answered()

    def _answered(self, *_args) -> None:
        """Once the patient answers, the error line names only what is still missing."""
        if self.error:
            self.error = self._missing()

    def _missing(self) -> str:
        """Return what still has to be answered before the check-in can be saved ("" if none)."""
        missing = []
        if self.nprs < 0:
            missing.append("tap the scale to say how much it hurts")
        if not self.ids.context.selected:
            missing.append("choose what you were doing")
        return (" and ".join(missing) + ".").capitalize() if missing else ""

    def save(self) -> None:
        """Queue the check-in (post-operative warning signs have their own daily check)."""
        self.error = self._missing()
        if self.error:
            return
        context = self.ids.context.selected
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
