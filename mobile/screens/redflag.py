"""The red-flag check: plain questions; any "yes" shows the advice at once, even offline."""

from kivy.factory import Factory
from kivy.properties import StringProperty

from mobile.core.today import submit_red_flag_check
from mobile.screens.base import BaseScreen, load_kv
from mobile.widgets.inputs import ChipGroup
from server.domain.redflags import QUESTIONS

YES_NO = [("no", "No"), ("yes", "Yes")]


class RedFlagScreen(BaseScreen):
    """Ask every question; a yes submits at once (unanswered questions count as no)."""

    done_text = StringProperty("")

    def show(self, **_kwargs) -> None:
        """Lay out a fresh, unanswered check."""
        self.title = "Safety check"
        self.error = self.done_text = ""
        box = self.ids.questions
        box.clear_widgets()
        self.groups = {}
        for question in QUESTIONS:
            card = Factory.Card()
            card.add_widget(Factory.Body(text=question.text))
            group = ChipGroup(choices=YES_NO, tone="danger")
            group.bind(selected=lambda _g, value, q=question: self.answered(q, value))
            card.add_widget(group)
            box.add_widget(card)
            self.groups[question.key] = group

    def answers(self) -> dict[str, bool]:
        """Return the answers so far; a question not answered yet counts as no."""
        return {key: group.selected == "yes" for key, group in self.groups.items()}

    def answered(self, _question, value: str) -> None:
        """A yes needs advice now: queue the check first, then show the red screen."""
        if value == "yes":
            self.submit()

    def submit(self) -> None:
        """Triage offline, queue the check to sync first, and show what to do."""
        unanswered = [key for key, g in self.groups.items() if not g.selected]
        answers = self.answers()
        if not any(answers.values()) and unanswered:
            self.error = f"Please answer every question ({len(unanswered)} left)."
            return
        result = submit_red_flag_check(self.app.store, self.app.local_today(), answers)
        self.app.changed()
        if result.level == "none":
            self.show()
            self.done_text = "Thank you. No warning signs today. Carry on with your plan."
            return
        texts = [q.text for q in QUESTIONS if q.key in result.positives]
        self.go("urgent", level=result.level, advice=result.advice, reasons=texts)


load_kv("redflag")
