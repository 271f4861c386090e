"""The versioned escalation rule set: default thresholds and their sources."""

from dataclasses import dataclass, fields, replace

RULE_SET_VERSION = "2026.1"


@dataclass(frozen=True)
class Thresholds:
    """Escalation thresholds; a protocol's `escalation:` block overrides any of them."""

    # Pain trend windows (SPEC 4): baseline = first 7 days of the plan, current = last 14 days.
    baseline_days: int = 7
    current_days: int = 14
    # Clinically important change: >= 2 NPRS points AND >= 30 % (Ostelo 2008; Salaffi 2004).
    mcid_points: float = 2.0
    mcid_percent: float = 30.0
    # R-FAIL: adherence over the trial needed before failure can be judged (design choice:
    # no source sets an adherence requirement).
    fail_min_adherence: float = 0.70
    # R-ADH: adherence over the last 14 days below which failure cannot be judged (design choice).
    low_adherence_below: float = 0.50
    low_adherence_window_days: int = 14
    # R-WORSE: current median at least this many points above baseline (= the MCID in points).
    worse_points: float = 2.0
    # R-NEURO: tingling/numbness after neural work on >= 3 of the last 7 days (design choice,
    # after the review's warning that aggressive treatment may insult the nerve).
    neuro_days: int = 3
    neuro_window_days: int = 7
    # R-POSTOP: sudden pain at or above this NPRS after hamstring repair (design choice).
    postop_pain_min: int = 7


DEFAULT_THRESHOLDS = Thresholds()

# Allowed range of each override, checked when a protocol file is validated.
OVERRIDE_RANGES: dict[str, tuple[float, float]] = {
    "baseline_days": (3, 28),
    "current_days": (7, 56),
    "mcid_points": (1, 5),
    "mcid_percent": (10, 60),
    "fail_min_adherence": (0.3, 1.0),
    "low_adherence_below": (0.1, 0.9),
    "low_adherence_window_days": (7, 56),
    "worse_points": (1, 5),
    "neuro_days": (1, 7),
    "neuro_window_days": (3, 28),
    "postop_pain_min": (4, 10),
}
assert set(OVERRIDE_RANGES) == {f.name for f in fields(Thresholds)}


def thresholds_for(overrides: dict | None) -> Thresholds:
    """Return the default thresholds with a protocol's overrides applied."""
    return replace(DEFAULT_THRESHOLDS, **(overrides or {}))
