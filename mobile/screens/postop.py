"""The daily check after the operation: each warning sign asked, a yes shows its advice at once."""

from kivy.properties import NumericProperty

from domain import postop
from mobile.core.today import postop_check_days, submit_postop_check
from mobile.screens.base import load_kv
from mobile.screens.questions import QuestionsScreen

INTRO = (
    "A minute each day for the first 12 weeks after your operation. Answer each question about "
    "how you are today. Any yes shows you straight away what to do, even without internet."
)


class PostopScreen(QuestionsScreen):
    """Ask today's post-operative questions; every yes needs care today, so it goes at once."""

    days = NumericProperty(-1)  # days after surgery; -1: no check is due today
    intro = INTRO

    def show(self, **_kwargs) -> None:
        """Lay out today's questions (the bruising one only after the first two weeks)."""
        self.title, self.back_to = "Daily check", "today"
        days = postop_check_days(self.app.store, self.app.local_today())
        self.days = -1 if days is None else days  # None: done today, or no longer asked
        self.ask((q.key, q.text) for q in postop.questions_for(days) if days is not None)

    def acts_at_once(self, key: str) -> bool:
        """Every post-operative warning sign needs someone today."""
        return True

    def none_of_these(self) -> None:
        """Answer every question no in one tap and send the check."""
        self.send(postop.all_no(int(self.days)))

    def send(self, answers) -> None:
        """Triage offline, queue the check to sync first, and show what to do."""
        result = submit_postop_check(self.app.store, self.app.local_today(), answers)
        self.app.changed()
        if result.level == "none":
            self.go("today", notice=result.advice)
            return
        texts = [postop.QUESTIONS_BY_KEY[key].text for key in result.positives]
        self.go("urgent", level=result.level, advice=result.advice, reasons=texts)


load_kv("postop")
