"""Pain check-in: NPRS 0-10 with anchors, context, nerve symptoms and post-op warning signs."""

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from mobile.core.formatting import pain_label
from mobile.core.plan import plan_protocol
from mobile.core.today import log_pain
from mobile.screens.base import BaseScreen, load_kv
from server.domain.redflags import POSTOP_ADVICE

CONTEXTS = [
    ("rest", "At rest"),
    ("sitting", "Sitting"),
    ("walking", "Walking"),
    ("night", "At night"),
]
NERVES = [("tingling", "Tingling"), ("numbness", "Numbness")]
POSTOP_QUESTIONS = [
    ("felt_pop", "Did you feel a sudden pop or snap at the back of the thigh?"),
    ("new_bruising", "Is there new bruising on the back of the thigh?"),
    ("cannot_bear_weight", "Are you unable to put weight on the leg?"),
]
YES_NO = [("no", "No"), ("yes", "Yes")]


def is_post_operative(store) -> bool:
    """Tell whether the active plan follows surgery (ask the post-op warning questions)."""
    plan = store.active_plan()
    if not plan:
        return False
    protocol = plan_protocol(store, plan)
    return bool(plan.get("surgery_date")) or getattr(protocol, "care_type", "") == "post_operative"


class PainScreen(BaseScreen):
    """Ask how much it hurts and where, and queue the check-in."""

    nprs = NumericProperty(0)
    nprs_text = StringProperty("")
    post_op = BooleanProperty(False)
    warning = BooleanProperty(False)  # a post-op "yes": the advice shows before saving
    saved_text = StringProperty("")

    contexts = CONTEXTS
    nerves = NERVES
    postop_questions = POSTOP_QUESTIONS
    yes_no = YES_NO
    postop_advice = POSTOP_ADVICE

    def show(self, **_kwargs) -> None:
        """Start a fresh check-in."""
        self.title = "Pain check-in"
        self.post_op = is_post_operative(self.app.store)
        self.error = self.saved_text = ""
        self.ids.slider.value = 0
        self.on_nprs(self, 0)
        for group in (self.ids.context, self.ids.nerves, *self._postop_groups()):
            group.reset()
        self.warning = False

    def _postop_groups(self):
        return [self.ids[key] for key, _text in POSTOP_QUESTIONS]

    def on_nprs(self, _screen, value) -> None:
        """Name the chosen score ("6 – Hard to ignore")."""
        self.nprs_text = pain_label(int(value))

    def answered(self) -> None:
        """Show the post-op advice as soon as any warning sign is answered yes."""
        self.warning = any(g.selected == "yes" for g in self._postop_groups())

    def save(self) -> None:
        """Queue the check-in; a post-op warning sign opens the urgent advice at once."""
        context = self.ids.context.selected
        if not context:
            self.error = "Choose where you were when you noticed the pain."
            return
        answers = {key: self.ids[key].selected == "yes" for key, _t in POSTOP_QUESTIONS}
        chosen = set(self.ids.nerves.chosen)
        log_pain(
            self.app.store,
            self.app.local_today(),
            int(self.nprs),
            context,
            tingling="tingling" in chosen,
            numbness="numbness" in chosen,
            **(answers if self.post_op else {}),
        )
        self.app.changed()
        if self.post_op and any(answers.values()):
            self.go("urgent", level="postop", advice=POSTOP_ADVICE)
            return
        saved_nprs = int(self.nprs)
        self.show()
        self.saved_text = f"Saved: pain {pain_label(saved_nprs)}. Thank you."


load_kv("pain")
