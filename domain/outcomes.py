"""Function and global change: the LEFS and the patient's global impression of change (PGIC).

Sources (facts only; wording of the app's own text is ours; see docs/rules.md, R-FAIL):
- LEFS, the Lower Extremity Functional Scale (Binkley et al., Phys Ther 1999;79:371-83): 20
  activities, each answered 0 (extreme difficulty or unable) to 4 (no difficulty), scored as their
  sum, 0-80 (higher is better); minimal clinically important difference 9 points. Free to use.
  The item wording below is the instrument's. Binkley 1999 scores the sum of all 20 items and sets
  no rule for missing ones, so a score needs every answer (design choice: nothing is prorated).
- PGIC, the patient's global impression of change: one question, seven answers, in the order of
  Guy's Clinical Global Impression of improvement (ECDEU Assessment Manual, 1976): 1 very much
  improved ... 4 no change ... 7 very much worse. Stored as that number (1-7). Farrar et al.
  (Pain 2001;94:149-58) took "much improved" or better as the clinically important change.
- When each is asked (design choice): the LEFS at the start of a plan and then every 14 days,
  the PGIC from 4 weeks into the plan and then every 4 weeks.

Imported by the mobile app to ask and score offline: standard library and domain only.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Instrument = Literal["lefs", "pgic"]
INSTRUMENTS: tuple[str, ...] = ("lefs", "pgic")

LEFS_QUESTION = "Today, do you or would you have any difficulty at all with:"
LEFS_ITEMS: tuple[str, ...] = (
    "Any of your usual work, housework or school activities",
    "Your usual hobbies, recreational or sporting activities",
    "Getting into or out of the bath",
    "Walking between rooms",
    "Putting on your shoes or socks",
    "Squatting",
    "Lifting an object, like a bag of groceries, from the floor",
    "Performing light activities around your home",
    "Performing heavy activities around your home",
    "Getting into or out of a car",
    "Walking 2 blocks",
    "Walking a mile",
    "Going up or down 10 stairs (about 1 flight of stairs)",
    "Standing for 1 hour",
    "Sitting for 1 hour",
    "Running on even ground",
    "Running on uneven ground",
    "Making sharp turns while running fast",
    "Hopping",
    "Rolling over in bed",
)
# (value, words), the instrument's answer scale: 0 is the most difficulty, 4 none.
LEFS_ANSWERS: tuple[tuple[int, str], ...] = (
    (0, "Extreme difficulty or unable to perform activity"),
    (1, "Quite a bit of difficulty"),
    (2, "Moderate difficulty"),
    (3, "A little bit of difficulty"),
    (4, "No difficulty"),
)
LEFS_MAX = 4 * len(LEFS_ITEMS)  # 80
LEFS_EVERY_DAYS = 14  # design choice

PGIC_QUESTION = (
    "Since the start of your treatment, how would you describe the change in your hip or "
    "buttock pain and what you can do?"
)
# (stored value, words): Guy 1976's order, 1 the best and 7 the worst.
PGIC_ANSWERS: tuple[tuple[int, str], ...] = (
    (1, "Very much improved"),
    (2, "Much improved"),
    (3, "Minimally improved"),
    (4, "No change"),
    (5, "Minimally worse"),
    (6, "Much worse"),
    (7, "Very much worse"),
)
PGIC_WORDS = dict(PGIC_ANSWERS)
PGIC_FIRST_AFTER_DAYS = 28  # design choice: first asked 4 weeks into the plan
PGIC_EVERY_DAYS = 28  # design choice: then every 4 weeks


def lefs_score(answers: Sequence[int]) -> int:
    """Return the LEFS score 0-80 of 20 answers 0-4 (ValueError naming the item otherwise)."""
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ValueError("answers must be a list of 20 answers")
    if len(answers) != len(LEFS_ITEMS):
        raise ValueError(f"answers must have {len(LEFS_ITEMS)} answers; got {len(answers)}")
    for index, value in enumerate(answers):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 4:
            raise ValueError(f"answer {index + 1} must be a whole number 0..4; got {value!r}")
    return sum(answers)


def pgic_score(answers: Sequence[int]) -> int:
    """Return the PGIC value 1-7 of its single answer (ValueError otherwise)."""
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence) or len(answers) != 1:
        raise ValueError("answers must be a list of 1 answer")
    value = answers[0]
    if not isinstance(value, int) or isinstance(value, bool) or value not in PGIC_WORDS:
        raise ValueError(f"answer 1 must be a whole number 1..7; got {value!r}")
    return value


def score(instrument: str, answers: Sequence[int]) -> int:
    """Score an instrument's answers (ValueError naming what is wrong)."""
    if instrument == "lefs":
        return lefs_score(answers)
    if instrument == "pgic":
        return pgic_score(answers)
    raise ValueError(f"instrument must be one of {', '.join(INSTRUMENTS)}; got {instrument!r}")


@dataclass(frozen=True)
class OutcomeEntry:
    """One completed questionnaire: its instrument, local date and score."""

    local_date: date
    instrument: str
    score: int


def _of(entries: Iterable, instrument: str, since: date) -> list:
    """Return the entries of one instrument on or after `since`, by date (receive order kept)."""
    found = [e for e in entries if e.instrument == instrument and e.local_date >= since]
    return sorted(found, key=lambda e: e.local_date)


def lefs_due(entries: Iterable, plan_start: date, today: date) -> bool:
    """Tell whether the LEFS is asked today: none since the plan began, or 14 days on."""
    done = _of(entries, "lefs", plan_start)
    if today < plan_start:
        return False
    return not done or today >= done[-1].local_date + timedelta(days=LEFS_EVERY_DAYS)


def pgic_due(entries: Iterable, plan_start: date, today: date) -> bool:
    """Tell whether the PGIC is asked today: from 4 weeks into the plan, then every 4 weeks."""
    if today < plan_start + timedelta(days=PGIC_FIRST_AFTER_DAYS):
        return False
    done = _of(entries, "pgic", plan_start)
    return not done or today >= done[-1].local_date + timedelta(days=PGIC_EVERY_DAYS)


@dataclass(frozen=True)
class FunctionChange:
    """LEFS at the start and now, the latest PGIC, and whether either shows real improvement."""

    lefs_baseline: int | None
    lefs_baseline_date: date | None
    lefs_current: int | None
    lefs_current_date: date | None
    lefs_mcid: float
    pgic: int | None
    pgic_date: date | None
    pgic_improved_at_most: int

    @property
    def measured(self) -> bool:
        """Tell whether any LEFS is on record for the plan."""
        return self.lefs_baseline is not None

    @property
    def lefs_change(self) -> int | None:
        """Return current - baseline (positive is better), once a later LEFS exists."""
        if self.lefs_current is None or self.lefs_baseline is None:
            return None
        return self.lefs_current - self.lefs_baseline

    @property
    def lefs_improved(self) -> bool:
        """Tell whether function improved by at least the LEFS MCID."""
        change = self.lefs_change
        return change is not None and change >= self.lefs_mcid

    @property
    def pgic_improved(self) -> bool:
        """Tell whether the latest PGIC is "much improved" or better."""
        return self.pgic is not None and self.pgic <= self.pgic_improved_at_most

    @property
    def improved(self) -> bool:
        """Tell whether function or the global impression shows a clinically important gain."""
        return self.lefs_improved or self.pgic_improved

    def as_evidence(self) -> dict:
        """Return the figures as JSON-able evidence (dates as ISO text)."""

        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "measured": self.measured,
            "lefs": {
                "baseline": self.lefs_baseline,
                "baseline_date": iso(self.lefs_baseline_date),
                "current": self.lefs_current,
                "current_date": iso(self.lefs_current_date),
                "change": self.lefs_change,
                "mcid": self.lefs_mcid,
                "improved": self.lefs_improved,
                "max": LEFS_MAX,
            },
            "pgic": {
                "value": self.pgic,
                "words": PGIC_WORDS.get(self.pgic),
                "local_date": iso(self.pgic_date),
                "improved_at_most": self.pgic_improved_at_most,
                "improved": self.pgic_improved,
            },
            "improved": self.improved,
        }


def function_change(
    entries: Iterable,
    plan_start: date,
    lefs_mcid: float = 9,
    pgic_improved_at_most: int = 2,
) -> FunctionChange:
    """Compare the plan's first LEFS with its latest, and take the latest PGIC."""
    entries = list(entries)
    lefs = _of(entries, "lefs", plan_start)
    pgic = _of(entries, "pgic", plan_start)
    first = lefs[0] if lefs else None
    # The current score is a later day's: two on the first day are both the baseline.
    last = lefs[-1] if lefs and lefs[-1].local_date > lefs[0].local_date else None
    latest = pgic[-1] if pgic else None
    return FunctionChange(
        lefs_baseline=first.score if first else None,
        lefs_baseline_date=first.local_date if first else None,
        lefs_current=last.score if last else None,
        lefs_current_date=last.local_date if last else None,
        lefs_mcid=lefs_mcid,
        pgic=latest.score if latest else None,
        pgic_date=latest.local_date if latest else None,
        pgic_improved_at_most=pgic_improved_at_most,
    )
