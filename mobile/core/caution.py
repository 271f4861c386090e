"""What the staff screens hold back while an urgent alert about the patient is open.

An urgent alert (a red flag, a post-operative warning sign, an urgent stop sign) comes first: a
"ready for the next phase" prompt or an "improving" pain trend beside it would invite the wrong
next step. Design choice: both come back as soon as no urgent alert is open (the patient
summary's `urgent_alerts` counts the urgent alerts not yet decided).
"""

HELD_BACK_RULES = frozenset({"R-PHASE"})
PROMPTED = ("open", "acknowledged")


def urgent_open(summary: dict | None) -> bool:
    """Tell whether an urgent alert about the patient is open."""
    return bool((summary or {}).get("urgent_alerts"))


def calm_summary(summary: dict | None) -> dict:
    """Return the summary to show: no "improving" trend while an urgent alert is open."""
    summary = summary or {}
    if urgent_open(summary) and summary.get("pain_trend") == "improving":
        return {**summary, "pain_trend": None}
    return summary


def prompts(alerts: list[dict], summary: dict | None) -> list[dict]:
    """Return the alerts to prompt about, without next-phase prompts while one is urgent."""
    held = HELD_BACK_RULES if urgent_open(summary) else frozenset()
    return [a for a in alerts if a.get("status") in PROMPTED and a.get("rule_id") not in held]
