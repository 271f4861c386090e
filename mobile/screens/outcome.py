"""The LEFS ("How are you managing?") and the PGIC: one tap per question, saved offline.

The LEFS asks 20 everyday activities, each with the instrument's five answers; the PGIC one
question with seven. Both are scored on the phone to say thank you, and by the server when they
arrive; both go through the outbox like every other log.
"""

from kivy.properties import NumericProperty, StringProperty

from domain import outcomes
from mobile.core import outcomes as saved
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.surfaces import Card

# The chips' words: the scale's own answers, shortened to fit a chip; the full words are above
# the questions (LEFS_SCALE).
LEFS_CHIPS = [
    ("0", "Unable"),
    ("1", "Quite a bit"),
    ("2", "Moderate"),
    ("3", "A little"),
    ("4", "None"),
]
LEFS_SCALE = (
    "Unable: extreme difficulty or unable to do the activity. Quite a bit, Moderate or A little: "
    "that much difficulty. None: no difficulty."
)
PGIC_CHIPS = [(str(value), words) for value, words in outcomes.PGIC_ANSWERS]
THANKS = {
    "lefs": "Thank you. Your answers are saved and go to your physio with the next sync.",
    "pgic": "Thank you. Your answer is saved and goes to your physio with the next sync.",
}


class ScaleQuestion(Card):
    """One question with a chip per answer; `answer` is the chosen value as text ("" if none)."""

    number = NumericProperty(0)
    text = StringProperty("")
    answer = StringProperty("")
    cols = NumericProperty(3)

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.ids.chips.choices = choices
        self.ids.chips.bind(selected=lambda _g, value: setattr(self, "answer", value))


class OutcomeScreen(BaseScreen):
    """Ask the LEFS or the PGIC; save only a complete set of answers."""

    instrument = StringProperty("lefs")
    heading = StringProperty("")
    intro = StringProperty("")
    answered = NumericProperty(0)
    total = NumericProperty(0)

    def show(self, instrument: str = "", **_kwargs) -> None:
        """Lay out fresh, unanswered questions of the instrument."""
        self.instrument = instrument or self.instrument
        self.back_to, self.error = "today", ""
        lefs = self.instrument == "lefs"
        self.title = "Activities" if lefs else "Change so far"
        self.heading = outcomes.LEFS_QUESTION if lefs else outcomes.PGIC_QUESTION
        self.intro = LEFS_SCALE if lefs else "Choose the answer that fits best."
        items = outcomes.LEFS_ITEMS if lefs else (outcomes.PGIC_QUESTION,)
        box = self.ids.questions
        box.clear_widgets()
        self.cards = []
        for number, text in enumerate(items, start=1):
            card = ScaleQuestion(
                LEFS_CHIPS if lefs else PGIC_CHIPS,
                number=number if lefs else 0,
                text=text if lefs else "Your answer",
                cols=3 if lefs else 1,
            )
            card.bind(answer=self._answered)
            box.add_widget(card)
            self.cards.append(card)
        self.total, self.answered = len(self.cards), 0
        self.ids.page.scroll_y = 1

    def _answered(self, *_args) -> None:
        self.error = ""
        self.answered = sum(bool(card.answer) for card in self.cards)

    def save(self) -> None:
        """Queue a complete set of answers and go back to Today; say how many are left if not."""
        left = [card.number for card in self.cards if not card.answer]
        if left:
            numbers = f" ({', '.join(str(int(n)) for n in left)})" if any(left) else ""
            self.error = f"Please answer every question: {len(left)} left{numbers}."
            return
        answers = [int(card.answer) for card in self.cards]
        saved.submit(self.app.store, self.app.local_today(), self.instrument, answers)
        self.app.changed()
        self.go("today", notice=THANKS[self.instrument])


load_kv("outcome")
