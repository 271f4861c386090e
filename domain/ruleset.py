"""The versioned escalation rule set: default thresholds and their sources."""

from dataclasses import dataclass, fields, replace

RULE_SET_VERSION = "2026.4"


@dataclass(frozen=True)
class Thresholds:
    """Escalation thresholds; a protocol's `escalation:` block overrides any of them."""

    # Pain trend windows (SPEC 4): baseline = first 7 days of the plan, current = last 14 days.
    baseline_days: int = 7
    current_days: int = 14
    # Clinically important pain change: a drop of >= 2 NPRS points OR >= 30 % of baseline
    # (Ostelo 2008, "2 points or 30 %"; Salaffi 2004: -2 points / -33 % is "much better").
    mcid_points: float = 2.0
    mcid_percent: float = 30.0
    # Function: a LEFS gain of >= 9 points is clinically important (Binkley 1999).
    lefs_mcid_points: int = 9
    # Global impression: a PGIC of "much improved" (2) or better counts as improvement
    # (Farrar 2001's anchor for a clinically important change).
    pgic_improved_at_most: int = 2
    # R-FAIL: adherence over the trial needed before failure can be judged (design choice:
    # no source sets an adherence requirement).
    fail_min_adherence: float = 0.70
    # R-ADH: adherence over the last 14 days below which failure cannot be judged (design choice).
    low_adherence_below: float = 0.50
    low_adherence_window_days: int = 14
    # R-WORSE: current median at least this many points above baseline (= the MCID in points).
    worse_points: float = 2.0
    # R-NEURO: tingling or numbness after neural gliding, asked after each session: the second
    # episode in 7 days, or the first still there after 24 hours (design choice after the
    # protocol's "tell your physio if tensioners set you back twice" and the review's warning
    # that aggressive treatment may insult the nerve).
    # The 24 hours are when the app asks its follow-up (nerves.FOLLOW_UP_AFTER_HOURS), so they
    # are fixed, not a per-protocol override.
    neuro_episodes: int = 2
    neuro_window_days: int = 7
    # "Continue conservative care" on R-FAIL: when the course is judged again if nothing new
    # arrives first (design choice: six more weeks, half the shortest trial length).
    review_after_weeks: int = 6


DEFAULT_THRESHOLDS = Thresholds()

# Allowed range of each override, checked when a protocol file is validated.
OVERRIDE_RANGES: dict[str, tuple[float, float]] = {
    "baseline_days": (3, 28),
    "current_days": (7, 56),
    "mcid_points": (1, 5),
    "mcid_percent": (10, 60),
    "lefs_mcid_points": (5, 20),
    "pgic_improved_at_most": (1, 3),
    "fail_min_adherence": (0.3, 1.0),
    "low_adherence_below": (0.1, 0.9),
    "low_adherence_window_days": (7, 56),
    "worse_points": (1, 5),
    "neuro_episodes": (1, 7),
    "neuro_window_days": (3, 28),
    "review_after_weeks": (2, 26),
}
assert set(OVERRIDE_RANGES) == {f.name for f in fields(Thresholds)}


def thresholds_for(overrides: dict | None) -> Thresholds:
    """Return the default thresholds with a protocol's overrides applied."""
    return replace(DEFAULT_THRESHOLDS, **(overrides or {}))
