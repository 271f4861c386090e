"""Findings raised when a report arrives, not by the sweep: red flags, post-operative signs,
stop signs and refused enrolments (docs/rules.md). Each turns one report into the finding the
server stores as an alert inside the request that stored the report.
"""

from datetime import date

from domain.findings import Finding, make_finding, moment
from domain.history import ExerciseEntry, PainEntry, PostopCheckEntry, RedFlagEntry
from domain.nerves import EPISODE_ANSWERS
from domain.postop import BRUISING_FROM_DAY
from domain.postop import QUESTIONS_BY_KEY as POSTOP_QUESTIONS
from domain.postop import triage as postop_triage
from domain.redflags import QUESTIONS_BY_KEY, highest, triage
from domain.stops import stop_outcome


def red_flag_findings(entry: RedFlagEntry, cancer_history: bool = False) -> list[Finding]:
    """Return the R-RED finding for one red-flag check (empty when nothing was positive).

    Urgent and emergency answers go to a clinician as urgent; night pain or weight loss alone
    (no recorded history of cancer) is a clinician's review (Henschke 2013).
    """
    result = triage(entry.answers, cancer_history)
    if result.level == "none":
        return []
    day, when = entry.local_date.isoformat(), entry.local_date
    asked = " ".join(f'"{QUESTIONS_BY_KEY[key].text}"' for key in result.positives)
    rationale = (
        f"Red-flag check on {when:%a} {when.day} {when:%b}: yes to {asked} "
        f"The patient was told: {result.advice}"
    )
    evidence = {
        "local_date": day,
        "level": result.level,
        "positives": list(result.positives),
        "not_asked": list(result.not_asked),
        "groups": sorted({QUESTIONS_BY_KEY[key].group for key in result.positives}),
        "cancer_history": cancer_history,
        "advice": result.advice,
        "recorded_at": moment(entry.recorded_at),
    }
    severity = "review" if result.level == "review" else "urgent"
    return [make_finding("R-RED", severity, "clinician", rationale, evidence, day)]


def _pain_log_signs(entry: PainEntry, days_after_surgery: int) -> list[str]:
    """Return the post-operative warning signs a pain log carries (older API clients)."""
    signs = []
    if entry.felt_pop:
        signs.append("pop_or_strength_loss")
    if entry.new_bruising and days_after_surgery >= BRUISING_FROM_DAY:
        signs.append("spreading_bruising")
    if entry.cannot_bear_weight:
        signs.append("weight_bearing_lost")
    return signs


def postop_finding(day: date, signs: list[str], source: str, details: dict) -> Finding:
    """Build the R-POSTOP finding of some warning signs reported on one local day."""
    known = [s for s in signs if s in POSTOP_QUESTIONS]
    level = highest(POSTOP_QUESTIONS[s].level for s in known) if known else "urgent"
    words = "; ".join(POSTOP_QUESTIONS[s].text if s in POSTOP_QUESTIONS else s for s in signs)
    rationale = f"After hamstring repair, on {day} the patient reported: {words}"
    evidence = {
        "local_date": day.isoformat(),
        "level": level,
        "signs": list(signs),
        "source": source,
        "advice": [POSTOP_QUESTIONS[s].advice for s in known],
    } | details
    return make_finding("R-POSTOP", "urgent", "surgical_team", rationale, evidence, day.isoformat())


def postop_check_findings(entry: PostopCheckEntry, surgery_date: date) -> list[Finding]:
    """Return the R-POSTOP finding of one daily post-operative check (empty when all no)."""
    days = (entry.local_date - surgery_date).days
    result = postop_triage(entry.answers, days)
    if result.level == "none":
        return []
    details = {
        "days_after_surgery": days,
        "not_asked": list(result.not_asked),
        "recorded_at": moment(entry.recorded_at),
    }
    return [postop_finding(entry.local_date, list(result.positives), "postop_check", details)]


def postop_findings(entry: PainEntry, surgery_date: date) -> list[Finding]:
    """Return the R-POSTOP finding of one pain log of a post-operative patient."""
    days = (entry.local_date - surgery_date).days
    signs = _pain_log_signs(entry, days)
    if not signs:
        return []
    details = {"days_after_surgery": days, "nprs": entry.nprs}
    return [postop_finding(entry.local_date, signs, "pain_log", details)]


def glide_numbness_findings(entry: ExerciseEntry, surgery_date: date) -> list[Finding]:
    """After surgery, nerve symptoms after an exercise are R-POSTOP (the sciatic nerve)."""
    if entry.nerve_symptoms not in EPISODE_ANSWERS or entry.local_date < surgery_date:
        return []
    details = {
        "days_after_surgery": (entry.local_date - surgery_date).days,
        "exercise_id": entry.exercise_id,
        "answer": entry.nerve_symptoms,
    }
    return [postop_finding(entry.local_date, ["nerve_symptoms"], "exercise_log", details)]


def stop_findings(
    entry: ExerciseEntry,
    sign_id: str,
    sign_text: str,
    post_operative: bool,
    exercise_name: str | None = None,
) -> list[Finding]:
    """R-STOP: an exercise stopped for a stop sign that needs someone (empty for `stop`).

    The rationale names the exercise as the patient saw it (`exercise_name`, else its id) and
    the day in words ("Sat 28 Nov"); the evidence keeps the id and the ISO day.
    """
    if entry.stop_level is None:
        return []
    outcome = stop_outcome(entry.stop_level, post_operative)
    if outcome.route_to is None:
        return []
    day = entry.local_date.isoformat()
    when = entry.local_date
    rationale = (
        f"On {when:%a} {when.day} {when:%b} the patient stopped "
        f"{exercise_name or entry.exercise_id} for a stop sign ({entry.stop_level}): {sign_text}"
    )
    evidence = {
        "local_date": day,
        "exercise_id": entry.exercise_id,
        "slot": entry.slot,
        "stop_if_id": sign_id,
        "level": entry.stop_level,
        "text": sign_text,
        "advice": outcome.advice,
        "recorded_at": moment(entry.recorded_at),
    }
    key = f"{day}:{entry.exercise_id}:{sign_id}"
    return [make_finding("R-STOP", outcome.severity, outcome.route_to, rationale, evidence, key)]


def enrolment_findings(protocol_id: str, title: str, refused: list) -> list[Finding]:
    """R-ENROL: a refused assignment whose record calls for an urgent surgical opinion."""
    if not refused:
        return []
    entry = refused[0].entry
    reasons = " ".join(dict.fromkeys(r.refusal.reason for r in refused))
    rationale = (
        f"{title} was not assigned: the {entry.kind} of {entry.event_date} records "
        + ", ".join(f"{r.refusal.detail} {r.value:g}" for r in refused)
        + f". {reasons}"
    )
    evidence = {
        "protocol_id": protocol_id,
        "event_date": entry.event_date.isoformat(),
        "kind": entry.kind,
        "details": dict(entry.details),
        "refused": [
            {
                "detail": r.refusal.detail,
                "value": r.value,
                "at_least": r.refusal.at_least,
                "reason": r.refusal.reason,
                "references": list(r.refusal.references),
            }
            for r in refused
        ],
        "next_steps": ["Urgent surgical opinion (acute repair is time-critical)."],
    }
    key = f"{protocol_id}:{entry.event_date.isoformat()}"
    return [make_finding("R-ENROL", "urgent", "clinician", rationale, evidence, key)]
