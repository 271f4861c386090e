"""A safety check of yes/no questions: explicit answers, "None of these", a yes acts at once.

Shared by the red-flag check and the daily post-operative check; each screen says what a
complete set of answers leads to.
"""

from kivy.properties import StringProperty

from mobile.screens.base import BaseScreen
from mobile.widgets.inputs import YesNoQuestion


class QuestionsScreen(BaseScreen):
    """Lay out questions in `ids.questions`; submit when complete, or at once on a yes that
    needs care today."""

    done_title = StringProperty("")
    done_text = StringProperty("")
    done_tone = StringProperty("success")  # success | info

    def ask(self, questions) -> None:
        """Show fresh, unanswered cards for (key, text) questions."""
        self.error = ""
        box = self.ids.questions
        box.clear_widgets()
        self.cards = {}
        for key, text in questions:
            card = YesNoQuestion(key=key, text=text)
            card.bind(answer=self._answered)
            box.add_widget(card)
            self.cards[key] = card

    def answers(self) -> dict[str, bool | None]:
        """Return every answer: True, False, or None while not answered."""
        return {key: card.value for key, card in self.cards.items()}

    def unanswered(self) -> int:
        """Return how many questions have no answer yet."""
        return sum(card.value is None for card in self.cards.values())

    def _answered(self, card, answer: str) -> None:
        self.error = ""
        if answer == "yes" and self.acts_at_once(card.key):
            self.send(self.answers())  # the rest stay None: "not asked", care comes first

    def send_answers(self) -> None:
        """Send a complete check; refuse, saying how many are left, while it is not."""
        left = self.unanswered()
        if left:
            self.error = f"Please answer every question: {left} left."
            return
        self.send(self.answers())

    def finished(self, title: str, text: str, tone: str = "success") -> None:
        """Show the outcome above a fresh check, scrolled to the top so it is read."""
        self.show()
        self.done_title, self.done_text, self.done_tone = title, text, tone
        self.ids.page.scroll_y = 1

    # -- the screen decides

    def acts_at_once(self, key: str) -> bool:
        """Tell whether a yes to this question sends the check at once (subclasses)."""
        raise NotImplementedError

    def send(self, answers: dict[str, bool | None]) -> None:
        """Queue the check and show what to do (subclasses)."""
        raise NotImplementedError
