"""The red-flag check: every question answered; a yes that needs care shows the advice at once."""

from domain import redflags
from mobile.core.today import submit_red_flag_check
from mobile.screens.base import load_kv
from mobile.screens.questions import QuestionsScreen

INTRO = (
    "Each question asks about something new for you, or different from your usual symptoms. "
    "Answer every one. Any yes that needs care shows you straight away what to do, even "
    "without internet."
)
ALL_CLEAR = "Thank you. No warning signs today. Carry on with your plan."
REVIEW_TITLE = "A clinician will review this"
NOT_SENT_TITLE = "Tell your care team about this"
# Signed out nothing is queued: the review advice's safety net stands, its promise does not.
NOT_SENT_REVIEW = (
    "You are not signed in, so this was not sent to anyone. Tell your physiotherapist or "
    "doctor soon. If it gets worse, or you feel unwell, contact your doctor."
)


class RedFlagScreen(QuestionsScreen):
    """Ask every red-flag question; a yes that needs care today submits at once."""

    intro = INTRO

    def show(self, **_kwargs) -> None:
        """Lay out a fresh, unanswered check."""
        self.title = "Safety check"
        # Opened from the sign-in screen, without an account: the way back leads there.
        self.back_to = "" if self.app.store.get_session() else "signin"
        self.done_title = self.done_text = ""
        self.ask((q.key, q.text) for q in redflags.QUESTIONS)

    def _cancer_history(self) -> bool:
        session = self.app.store.get_session() or {}
        return bool((session.get("user") or {}).get("cancer_history"))

    def acts_at_once(self, key: str) -> bool:
        """A yes that needs care today (urgent or emergency) goes at once; review waits."""
        level = redflags.QUESTIONS_BY_KEY[key].level_for(self._cancer_history())
        return level in ("urgent", "emergency")

    def none_of_these(self) -> None:
        """Answer every question no in one tap and send the check."""
        self.send(redflags.all_no())

    def send(self, answers) -> None:
        """Triage offline and show what to do; signed in, queue the check to sync first."""
        store = self.app.store
        if store.get_session():
            result = submit_red_flag_check(store, self.app.local_today(), answers)
            self.app.changed()
            review = (REVIEW_TITLE, result.advice)
        else:  # nobody to send it to: the advice is all it can give
            result = redflags.triage(answers)
            review = (NOT_SENT_TITLE, NOT_SENT_REVIEW)
        if result.level == "none":
            self.finished("", ALL_CLEAR)
        elif result.level == "review":
            self.finished(*review, "info")
        else:
            texts = [q.text for q in redflags.QUESTIONS if q.key in result.positives]
            self.go("urgent", level=result.level, advice=result.advice, reasons=texts)


load_kv("redflag")
