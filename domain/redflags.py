"""Red-flag check: the questions as data and the triage of a patient's answers.

Sources (facts only; wording is ours):
- BASS 2018 (British Association of Spine Surgeons, cauda equina syndrome standards), with the
  NHS Lothian red-flag card and the GIRFT pathway note: bladder or bowel dysfunction or
  retention, difficulty starting to pass urine or a poor stream, loss of the feeling of a full
  bladder or rectum, saddle numbness, new sexual dysfunction, new bilateral leg symptoms, severe
  or progressive leg weakness and gait disturbance need the emergency department at once.
- Henschke N et al., Cochrane Database Syst Rev 2013: of the malignancy red flags only a history
  of cancer meaningfully raises the probability. So night pain and weight loss are asked on their
  own (a clinician reviews them) and a history of cancer, recorded once by a clinician, makes
  them urgent.
- Infection (clinical-facts.md section 7): fever within about two weeks of surgery or an
  injection, a hot swollen joint, or a sudden inability to walk need same-day or emergency care.
- Verhagen AP et al., Eur Spine J 2016: 16 guidelines list 46 red flags; we keep a set a patient
  can answer alone.
- Pudendal neuralgia itself causes perineal symptoms (Nantes "associated signs"), so every
  question asks about what is NEW or different from the patient's usual symptoms.

An answer is true, false, or None ("not asked": a yes sent the patient for care before the rest
of the check). A missing answer is never taken as "no".

This module is imported by the mobile app to triage offline: keep it standard library only and
free of imports from the rest of the server.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["none", "review", "urgent", "emergency"]
LEVEL_ORDER: dict[str, int] = {"none": 0, "stop": 0, "review": 1, "urgent": 2, "emergency": 3}

EMERGENCY_ADVICE = (
    "Go to the emergency department now. If you cannot get there safely, call the emergency "
    "number. Do not wait for your next appointment and do not do your exercises."
)
URGENT_ADVICE = (
    "Contact your doctor or care team today. If you cannot reach them today, get urgent medical "
    "care. Pause your exercises until you have been seen."
)
REVIEW_ADVICE = (
    "Thank you for telling us. A clinician in your care team will review this and contact you. "
    "If it gets worse, or you feel unwell, contact your doctor."
)
NONE_ADVICE = "No warning signs reported. Carry on with your plan."

ADVICE: dict[str, str] = {
    "none": NONE_ADVICE,
    "review": REVIEW_ADVICE,
    "urgent": URGENT_ADVICE,
    "emergency": EMERGENCY_ADVICE,
}

NEW = "new for you, or different from your usual symptoms"


@dataclass(frozen=True)
class Question:
    """One yes/no red-flag question; a "yes" needs the advice of its level.

    `with_cancer_history` is the level when a clinician has recorded a history of cancer.
    """

    key: str
    text: str
    group: Literal["cauda_equina", "infection", "cancer", "fracture", "neurological"]
    level: Literal["review", "urgent", "emergency"]
    with_cancer_history: Literal["review", "urgent", "emergency"] | None = None

    def level_for(self, cancer_history: bool) -> str:
        """Return the level of a yes, given the patient's recorded history of cancer."""
        return (self.with_cancer_history or self.level) if cancer_history else self.level


QUESTIONS: tuple[Question, ...] = (
    Question(
        "bladder_bowel",
        "Have you had new problems with your bladder or bowels, such as not being able to pass "
        f"urine or leaking urine or stool, that are {NEW}?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "urine_starting",
        "Is it newly hard to start passing urine, or is your stream newly weak?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "fullness_feeling",
        "Have you newly lost the feeling that your bladder or your back passage is full?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "saddle_numbness",
        "Is there numbness or tingling around your back passage, genitals or inner thighs "
        f"(where you would sit on a saddle) that is {NEW}?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "sexual_dysfunction",
        "Have you noticed a new change in sexual function, such as less feeling in the genitals "
        "or new trouble with erection or ejaculation?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "bilateral_leg_symptoms",
        "In the last two weeks, have you started to get pain, numbness or tingling in both legs?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "leg_weakness",
        "Is either leg newly weak, or weaker than before, for example your foot dragging?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "gait_disturbance",
        "Has your walking become unsteady or clumsy in a way that is new for you?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "cannot_walk",
        "Have you suddenly become unable to walk?",
        "infection",
        "emergency",
    ),
    Question(
        "fever_after_procedure",
        "Have you had a fever or shivering fits within two weeks of an operation or an injection?",
        "infection",
        "urgent",
    ),
    Question(
        "fever",
        "Have you had a new fever, or shivering fits that you could not stop?",
        "infection",
        "urgent",
    ),
    Question(
        "hot_swollen_joint",
        "Is your hip, or another joint, newly hot, red and swollen?",
        "infection",
        "urgent",
    ),
    Question(
        "night_pain",
        "Do you have new pain at night that does not settle when you change position?",
        "cancer",
        "review",
        with_cancer_history="urgent",
    ),
    Question(
        "weight_loss",
        "Have you started to lose weight without trying to, which is new for you?",
        "cancer",
        "review",
        with_cancer_history="urgent",
    ),
    Question(
        "trauma",
        "Since your last check, have you had a bad fall, an accident or another injury?",
        "fracture",
        "urgent",
    ),
    Question(
        "progressive_numbness",
        f"Is numbness or tingling in your buttock or leg spreading or getting worse, in a way "
        f"that is {NEW}?",
        "neurological",
        "urgent",
    ),
)

QUESTIONS_BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}


@dataclass(frozen=True)
class Triage:
    """The outcome of a check: the highest level reached and what to tell the patient."""

    level: Level
    positives: tuple[str, ...]
    advice: str
    not_asked: tuple[str, ...] = ()


def highest(levels) -> str:
    """Return the highest of some levels ("none" when there are none)."""
    return max(levels, key=LEVEL_ORDER.__getitem__, default="none")


def check_answers(
    answers: Mapping[str, object], questions: tuple, what: str = "red-flag question"
) -> None:
    """Raise ValueError unless every question has an answer and no other key is given.

    An answer is True, False, or None ("not asked"), and None only next to a yes: a check
    without a yes must be answered in full.
    """
    keys = {q.key for q in questions}
    for key, value in answers.items():
        if key not in keys:
            raise ValueError(f"unknown {what}: {key!r}")
        # Only a real boolean counts: "no" or 0 from a sloppy client must not pass as an answer.
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"answer to {key!r} must be true, false or null; got {value!r}")
    missing = [q.key for q in questions if q.key not in answers]
    if missing:
        raise ValueError(f"every question needs an answer; missing: {', '.join(missing)}")
    if not any(answers.values()) and any(v is None for v in answers.values()):
        unanswered = [key for key, value in answers.items() if value is None]
        raise ValueError(
            "a check without a yes must answer every question; "
            f"not answered: {', '.join(unanswered)}"
        )


def triage(answers: Mapping[str, bool | None], cancer_history: bool = False) -> Triage:
    """Triage a complete red-flag check (ValueError when an answer is missing or not boolean)."""
    check_answers(answers, QUESTIONS)
    # Positives in question order, so the alert reads the same however answers arrive.
    positives = tuple(q.key for q in QUESTIONS if answers[q.key])
    level = highest(QUESTIONS_BY_KEY[key].level_for(cancer_history) for key in positives)
    not_asked = tuple(q.key for q in QUESTIONS if answers[q.key] is None)
    return Triage(level, positives, ADVICE[level], not_asked)


def all_no() -> dict[str, bool]:
    """Return the answers of "None of these": every question answered no."""
    return {q.key: False for q in QUESTIONS}
