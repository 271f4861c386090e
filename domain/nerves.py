"""The question after each neural-glide session, and its follow-up a day later (R-NEURO).

The answer is stored with the session (`nerve_symptoms` of its exercise log). A follow-up is the
same session logged again with `supersedes` naming the first log, so the latest answer wins.
Imported by the mobile app: standard library only.
"""

from typing import Literal

NerveSymptoms = Literal["none", "settled", "ongoing", "lasting"]
NERVE_ANSWERS: tuple[str, ...] = ("none", "settled", "ongoing", "lasting")
EPISODE_ANSWERS = frozenset({"settled", "ongoing", "lasting"})

QUESTION = "Did tingling or numbness come on in your buttock, leg or foot during or after it?"
CHOICES: tuple[tuple[str, str], ...] = (
    ("none", "No"),
    ("settled", "Yes, and it has gone"),
    ("ongoing", "Yes, and it is still there"),
)
FOLLOW_UP = "Is the tingling or numbness that came on after {name} still there?"
FOLLOW_UP_CHOICES: tuple[tuple[str, str], ...] = (
    ("settled", "It has gone"),
    ("lasting", "It is still there"),
)
FOLLOW_UP_AFTER_HOURS = 24

ADVICE = {
    "none": "",
    "settled": "Thank you. Your physiotherapist sees this; go gently with the glides.",
    "ongoing": (
        "Thank you. Do no more glides today. We will ask again tomorrow whether it is still there."
    ),
    "lasting": (
        "Thank you. Do not do the glides again until your physiotherapist has reviewed your "
        "plan; they are told."
    ),
}
