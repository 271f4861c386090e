"""Plain words for the staff screens: summaries, alert rules, decisions and evidence."""

from mobile.core.formatting import as_date, date_text, plural
from domain import postop, redflags

RULES = {
    "R-RED": "Red flag reported",
    "R-POSTOP": "Post-operative warning sign",
    "R-FAIL": "Conservative care not working",
    "R-ADH": "Low adherence",
    "R-WORSE": "Pain getting worse",
    "R-NEURO": "Nerve irritation after gliding",
    "R-PHASE": "Ready for the next phase?",
    "R-STOP": "Stop sign during an exercise",
    "R-ENROL": "Check before the plan starts",
}
# What a physio is prompted to do by the rules routed to them.
PROMPTS = {
    "R-PHASE": "Progress: check the criteria and move to the next phase.",
    "R-NEURO": "Regress: make the neural gliding smaller or pause it.",
    "R-WORSE": "Review: pain is worse; regress the loading or review the diagnosis.",
    "R-ADH": "Follow up: find out what gets in the way before judging the plan.",
    "R-STOP": "Review: a stop sign ended an exercise; check the dose before the next session.",
}
DECISIONS = [
    ("continue_conservative", "Continue conservative care"),
    ("refer_guided_injection", "Refer for a guided injection"),
    ("refer_surgical_review", "Refer for surgical review"),
    ("adjust_plan", "Adjust the plan"),
    ("discharge", "Discharge"),
]
ROUTES = {"physio": "physio", "clinician": "clinician", "surgical_team": "clinician"}
# Roboto has no arrow glyph; Kivy ships DejaVuSans, which has (labels show it with markup).
ARROW = "[font=DejaVuSans]→[/font]"


def score(value: float) -> str:
    """Return a pain score with at most one decimal ("4.8", "7")."""
    return f"{round(value, 1):g}"


def percent(ratio) -> str:
    """Return "85 %" or "–"."""
    return "–" if ratio is None else f"{round(ratio * 100)} %"


def adherence_tone(ratio) -> str:
    """Return good / fair / poor / none for an adherence ratio."""
    if ratio is None:
        return "none"
    return "good" if ratio >= 0.7 else "fair" if ratio >= 0.5 else "poor"


def pain_line(summary: dict) -> str:
    """Return "Pain 7 → 3, improving" (with markup) from a patient summary."""
    base, now = summary.get("pain_baseline"), summary.get("pain_current")
    if base is None or now is None:
        return "Pain: not enough logs yet"
    trend = summary.get("pain_trend") or ""
    return f"Pain {score(base)} {ARROW} {score(now)}" + (f", {trend}" if trend else "")


def pain_tone(summary: dict) -> str:
    """Return good / poor / none for the pain trend."""
    return {"improving": "good", "worse": "poor"}.get(summary.get("pain_trend") or "", "none")


def alerts_line(summary: dict) -> str:
    """Return "1 urgent alert" / "2 open alerts" / ""."""
    urgent, total = summary.get("urgent_alerts") or 0, summary.get("open_alerts") or 0
    if urgent:
        return plural(urgent, "urgent alert")
    return plural(total, "open alert") if total else ""


def care_line(summary: dict) -> str:
    """Return "9 weeks in care · last active Sun 22 Nov"."""
    parts = []
    if summary.get("weeks_in_care") is not None:
        parts.append(plural(summary["weeks_in_care"], "week") + " in care")
    if summary.get("last_activity"):
        parts.append(f"last active {date_text(summary['last_activity'])}")
    return " · ".join(parts)


def rule_title(rule_id: str) -> str:
    """Return the plain name of an escalation rule."""
    return RULES.get(rule_id, rule_id)


def can_act(alert: dict, role: str) -> bool:
    """Tell whether a staff role may acknowledge or decide this alert (it is routed to them)."""
    return ROUTES.get(alert.get("route_to", ""), "") == role and alert.get("status") in (
        "open",
        "acknowledged",
    )


def adherence_evidence(evidence: dict) -> str | None:
    """Return "86 % of sets (646 of 748), 22 Aug – 20 Nov" from alert evidence."""
    adh = evidence.get("adherence")
    if not isinstance(adh, dict):
        adh = evidence  # R-ADH keeps the adherence figures at the top of its evidence
    if adh.get("ratio") is None:
        return None
    text = f"{percent(adh['ratio'])} of prescribed sets"
    if adh.get("done") is not None and adh.get("due"):
        text += f" ({adh['done']} of {adh['due']})"
    window = adh.get("window") or {}
    if window.get("from") and window.get("to"):
        text += f", {date_text(window['from'])} – {date_text(window['to'])}"
    return text


def pain_evidence(pain: dict) -> str:
    """Return "Baseline 7 → current 7 (+0 points, +0 %)" (with markup)."""
    base, now = pain.get("baseline"), pain.get("current")
    if base is None or now is None:
        return "Not enough pain logs for a trend."
    text = f"Baseline {score(base)} {ARROW} current {score(now)}"
    if pain.get("change_points") is not None:
        text += f" ({pain['change_points']:+g} points"
        if pain.get("change_percent") is not None:
            text += f", {pain['change_percent']:+.0f} %"
        text += ")"
    return text


def series_points(series: list) -> tuple[list, list]:
    """Return chart points and date ticks from evidence [[date, value], ...]."""
    if not series:
        return [], []
    first = as_date(series[0][0])
    points = [((as_date(d) - first).days, v, None) for d, v in series]
    last = points[-1][0]
    ticks = [(0, date_text(series[0][0])[4:])]
    if last:
        ticks.append((last, date_text(series[-1][0])[4:]))
    return points, ticks


def weeks_line(evidence: dict) -> str | None:
    """Return "13 weeks in care (trial 12 weeks)"."""
    weeks = evidence.get("weeks_in_care")
    if weeks is None:
        return None
    trial = evidence.get("trial_weeks")
    return plural(weeks, "week") + " in care" + (f" (trial {trial} weeks)" if trial else "")


def _sign_text(key: str) -> str:
    """Return the question a post-op sign or red-flag answer came from (the key if unknown)."""
    question = postop.QUESTIONS_BY_KEY.get(key) or redflags.QUESTIONS_BY_KEY.get(key)
    return question.text if question else key.replace("_", " ")


def evidence_lines(alert: dict) -> list[str]:
    """Return a rule's own evidence as plain lines: what was reported, when, and what came later."""
    evidence, lines = alert.get("evidence") or {}, []
    if alert.get("evidence_updated_at"):
        moment = alert["evidence_updated_at"][:16].replace("T", " ")
        lines.append(f"Updated {moment} UTC: later reports added")
    if evidence.get("text") and evidence.get("stop_if_id"):
        lines.append(f"Stopped {evidence.get('exercise_id', '')} for: {evidence['text']}")
    for key in evidence.get("signs") or ():
        lines.append("Reported: " + _sign_text(key))
    for key in evidence.get("positives") or ():
        lines.append("Answered yes: " + _sign_text(key))
    if evidence.get("not_asked"):
        lines.append(f"Not asked after the yes: {len(evidence['not_asked'])} question(s)")
    if "cancer_history" in evidence:
        recorded = "yes, recorded by a clinician" if evidence["cancer_history"] else "none recorded"
        lines.append("History of cancer: " + recorded)
    for refusal in evidence.get("refused") or ():
        detail = refusal["detail"].replace("_", " ")
        lines.append(f"Refused: {detail} {refusal['value']:g}. {refusal['reason']}")
    for episode in evidence.get("episodes") or ():
        day = date_text(episode["local_date"])
        lines.append(f"Nerve symptoms after {episode['exercise_id']} on {day}: {episode['answer']}")
    for report in evidence.get("reports") or ():
        what = report.get("positives") or report.get("signs") or [report.get("stop_if_id", "")]
        words = "; ".join(_sign_text(k) for k in what if k)
        lines.append(f"Later report ({report['received_at'][11:16]} UTC): {words}")
    if evidence.get("criteria"):
        lines.append("Criteria: " + "; ".join(evidence["criteria"]))
    if alert.get("decision"):
        lines.append("Decision: " + dict(DECISIONS).get(alert["decision"], ""))
    return lines
