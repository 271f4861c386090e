"""The daily post-operative check after proximal hamstring repair: questions, advice, triage.

Sources (facts only; wording is ours; see docs/rules.md, R-POSTOP):
- Lawson et al., Orthop J Sports Med 2023 (2,833 repairs): venous thromboembolism 0.8 %, sciatic
  nerve injury 1.7 %, deep infection 0.4 %, re-rupture 0.8 %; Bone Joint Open 2022 (1,530
  repairs): sciatic nerve complications 3.5 %, re-rupture 1.2 %. Each complication is about as
  common as re-rupture, so each is asked.
- Weeks 0-6: many patients bear no weight and bruising is expected early, so the check asks
  whether the patient can no longer take the weight they could take before, and about new or
  spreading bruising only after week 2 (clinical-review.md section 1).
- Asked daily for the first 12 weeks after surgery: a design choice (the phase of protected
  loading, when these complications show).

Imported by the mobile app to triage offline: standard library and domain only.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from domain.redflags import Triage, check_answers, highest

CHECK_WEEKS = 12  # design choice: daily check for the first 12 weeks after surgery
BRUISING_FROM_DAY = 15  # new or spreading bruising counts after week 2

EMERGENCY_CALL = (
    "Call the emergency number now: sudden breathlessness or chest pain after an operation can "
    "be a blood clot in the lung."
)


@dataclass(frozen=True)
class PostopQuestion:
    """One yes/no post-operative question with its level and its own advice."""

    key: str
    text: str
    level: str  # urgent | emergency
    advice: str
    from_day: int = 0  # days after surgery from which it is asked


QUESTIONS: tuple[PostopQuestion, ...] = (
    PostopQuestion(
        "breathless_chest_pain",
        "Are you suddenly short of breath, or do you have pain in your chest?",
        "emergency",
        EMERGENCY_CALL,
    ),
    PostopQuestion(
        "pop_or_strength_loss",
        "Did you feel a sudden pop or snap at the back of the thigh, or suddenly lose strength "
        "in the leg, whatever the pain?",
        "urgent",
        "The repair may have been strained: stop your exercises and contact your surgical team "
        "today.",
    ),
    PostopQuestion(
        "calf_pain_swelling",
        "Is either calf newly painful, swollen, warm or red?",
        "urgent",
        "This can be a blood clot in the leg (DVT): contact your surgical team today, or get "
        "urgent medical care if you cannot reach them.",
    ),
    PostopQuestion(
        "wound_problem",
        "Is your wound newly red, hot, leaking or opening?",
        "urgent",
        "The wound may be infected: contact your surgical team today.",
    ),
    PostopQuestion(
        "fever",
        "Do you have a fever or shivering fits?",
        "urgent",
        "A fever after an operation needs checking: contact your surgical team today.",
    ),
    PostopQuestion(
        "nerve_symptoms",
        "Is there new numbness, tingling or weakness in the operated leg or foot, or does the "
        "foot drag or slap when you walk?",
        "urgent",
        "The sciatic nerve may be irritated: contact your surgical team today.",
    ),
    PostopQuestion(
        "weight_bearing_lost",
        "Can you no longer take the weight on the operated leg that you could take before?",
        "urgent",
        "Losing weight bearing you had needs checking: stop your exercises and contact your "
        "surgical team today.",
    ),
    PostopQuestion(
        "spreading_bruising",
        "Is there new bruising on the back of the thigh, or bruising that is spreading?",
        "urgent",
        "New or spreading bruising after the first two weeks can mean bleeding or a strained "
        "repair: contact your surgical team today.",
        from_day=BRUISING_FROM_DAY,
    ),
)

QUESTIONS_BY_KEY: dict[str, PostopQuestion] = {q.key: q for q in QUESTIONS}
ALL_CLEAR = "Thank you. No warning signs today. Carry on with your plan."


def days_since(surgery_day, local_day) -> int:
    """Return the day count after surgery (0 on the day of the operation)."""
    return (local_day - surgery_day).days


def is_due(days_after_surgery: int) -> bool:
    """Tell whether the daily check is asked on this day after surgery."""
    return 0 <= days_after_surgery < CHECK_WEEKS * 7


def questions_for(days_after_surgery: int) -> tuple[PostopQuestion, ...]:
    """Return the questions asked on this day after surgery."""
    return tuple(q for q in QUESTIONS if days_after_surgery >= q.from_day)


def triage(answers: Mapping[str, bool | None], days_after_surgery: int) -> Triage:
    """Triage a post-operative check (ValueError when an answer is missing or not boolean)."""
    asked = questions_for(days_after_surgery)
    check_answers(answers, asked, "post-operative question")
    positives = tuple(q.key for q in asked if answers[q.key])
    level = highest(QUESTIONS_BY_KEY[key].level for key in positives)
    if level == "none":
        return Triage("none", (), ALL_CLEAR)
    advice = " ".join(dict.fromkeys(QUESTIONS_BY_KEY[key].advice for key in positives))
    not_asked = tuple(q.key for q in asked if answers[q.key] is None)
    return Triage(level, positives, advice, not_asked)


def all_no(days_after_surgery: int) -> dict[str, bool]:
    """Return the answers of "None of these" on this day after surgery."""
    return {q.key: False for q in questions_for(days_after_surgery)}
