"""Red-flag check: the questions as data and the triage of a patient's answers.

Sources (facts only; wording is ours):
- BASS 2018 (British Association of Spine Surgeons, cauda equina syndrome standards): bladder or
  bowel dysfunction or retention, saddle numbness, new bilateral leg symptoms, severe or
  progressive leg weakness and gait disturbance need the emergency department at once.
- Henschke N et al., Cochrane Database Syst Rev 2013: of the malignancy red flags only a history
  of cancer meaningfully raises the probability, so night pain is asked together with it.
- Verhagen AP et al., Eur Spine J 2016: 16 guidelines list 46 red flags; we keep a short set
  (infection, cancer, fracture, progressive neurology) a patient can answer alone.

This module is imported by the mobile app to triage offline: keep it standard library only and
free of imports from the rest of the server.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["none", "urgent", "emergency"]

EMERGENCY_ADVICE = (
    "Go to the emergency department now. Do not wait for your next appointment "
    "and do not do your exercises."
)
URGENT_ADVICE = (
    "Contact your doctor today. If you cannot reach them today, get urgent medical care. "
    "Pause any exercise that makes this worse."
)
NONE_ADVICE = "No warning signs reported. Carry on with your plan."
POSTOP_ADVICE = (
    "Stop your exercises and contact your surgical team today. If you cannot put weight on the "
    "leg or the pain is severe, go to the emergency department."
)

ADVICE: dict[str, str] = {
    "none": NONE_ADVICE,
    "urgent": URGENT_ADVICE,
    "emergency": EMERGENCY_ADVICE,
}


@dataclass(frozen=True)
class Question:
    """One yes/no red-flag question; a "yes" needs the advice of its level."""

    key: str
    text: str
    group: Literal["cauda_equina", "infection", "cancer", "fracture", "neurological"]
    level: Literal["urgent", "emergency"]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "bladder_bowel",
        "Have you had new problems with your bladder or bowels, such as not being able to pass "
        "urine, not feeling when you need to go, or leaking?",
        "cauda_equina",
        "emergency",
    ),
    Question(
        "saddle_numbness",
        "Is there new numbness or tingling around your back passage, genitals or inner thighs "
        "(where you would sit on a saddle)?",
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
        "Is either leg becoming weak, or weaker than before, for example your foot dragging?",
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
        "fever",
        "Have you had a fever, or shivering fits that you could not stop?",
        "infection",
        "urgent",
    ),
    Question(
        "weight_loss",
        "Have you lost weight recently without trying to?",
        "cancer",
        "urgent",
    ),
    Question(
        "night_pain_cancer_history",
        "Have you ever had cancer, and do you now have pain at night that does not settle "
        "when you change position?",
        "cancer",
        "urgent",
    ),
    Question(
        "trauma",
        "Have you recently had a bad fall, an accident or another injury?",
        "fracture",
        "urgent",
    ),
    Question(
        "progressive_numbness",
        "Is numbness or tingling in your buttock or leg spreading or getting worse?",
        "neurological",
        "urgent",
    ),
)

QUESTIONS_BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}


@dataclass(frozen=True)
class Triage:
    """The outcome of a red-flag check: the highest level reached and what to tell the patient."""

    level: Level
    positives: tuple[str, ...]
    advice: str


def triage(answers: Mapping[str, bool]) -> Triage:
    """Triage a red-flag check; unanswered questions count as "no"."""
    positives: list[str] = []
    for key, value in answers.items():
        if key not in QUESTIONS_BY_KEY:
            raise ValueError(f"unknown red-flag question: {key!r}")
        # Only a real boolean counts: "no" or 0 from a sloppy client must not pass as an answer.
        if not isinstance(value, bool):
            raise ValueError(f"answer to {key!r} must be true or false; got {value!r}")
        if value:
            positives.append(key)
    # Report positives in question order so the alert reads the same however answers arrive.
    ordered = tuple(q.key for q in QUESTIONS if q.key in positives)
    levels = {QUESTIONS_BY_KEY[key].level for key in ordered}
    level: Level = "emergency" if "emergency" in levels else "urgent" if levels else "none"
    return Triage(level, ordered, ADVICE[level])
