"""Escalation rules of SPEC 4: each turns a patient's history into findings for the alert queue."""

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from domain.adherence import Adherence, latest_entries, plan_adherence
from domain.findings import Finding, make_finding
from domain.history import PatientHistory, RedFlagEntry
from domain.nerves import EPISODE_ANSWERS, FOLLOW_UP_AFTER_HOURS
from domain.outcomes import PGIC_WORDS, function_change
from domain.pain import PainTrend, pain_trend
from domain.readiness import next_steps, readiness_checklist

# Raised at submission; rule_red and rule_postop judge a whole history with the same builders.
from domain.reports import (
    enrolment_findings,
    glide_numbness_findings,
    postop_check_findings,
    postop_finding,
    postop_findings,
    red_flag_findings,
    stop_findings,
)
from domain.ruleset import Thresholds

__all__ = [
    "RULES",
    "Finding",
    "enrolment_findings",
    "evaluate",
    "glide_numbness_findings",
    "postop_check_findings",
    "postop_findings",
    "red_flag_findings",
    "stop_findings",
]

ONE_DAY = timedelta(days=1)
# Design choice: a sweep reads entries one by one a fortnight further back than the rules'
# recent windows reach, so a device that syncs up to a fortnight of offline logs late never
# forces the plan's whole history to be read again (a row dated before the carry does).
CARRY_MARGIN_DAYS = 14


def carry_until(plan_start: date, today: date, thr: Thresholds) -> date:
    """Return the first day whose exercise entries the sweep rules read one by one.

    R-ADH and R-NEURO read entries of their recent windows; R-FAIL's whole-plan adherence and
    the next due day need only sums of the days before (domain.history.AdherenceCarry).
    """
    reach = max(thr.low_adherence_window_days, thr.neuro_window_days) + CARRY_MARGIN_DAYS
    return max(plan_start, today - timedelta(days=reach))


def _pct(ratio: float) -> str:
    """Format a ratio as a percentage with one decimal, so 69.9 % never reads as 70 %."""
    return f"{ratio * 100:.1f} %"


def _window(start: date, end: date) -> dict:
    """Return a date window as JSON-able evidence."""
    return {"from": start.isoformat(), "to": end.isoformat()}


def _group_by_date(entries: Iterable) -> dict[date, list]:
    """Group entries by their local date, keeping their order."""
    grouped: dict[date, list] = {}
    for entry in entries:
        grouped.setdefault(entry.local_date, []).append(entry)
    return grouped


def rule_red(history: PatientHistory) -> list[Finding]:
    """R-RED: any positive answer in a red-flag check; one finding per local day."""
    findings: list[Finding] = []
    cancer = bool(history.cancer_history)
    for day, entries in _group_by_date(history.red_flag_entries).items():
        # Several checks on one day are one episode: a "yes" in any of them counts.
        merged: dict[str, bool | None] = {}
        for entry in entries:
            for key, value in entry.answers.items():
                before = merged.get(key)
                merged[key] = (
                    True if value or before else (False if False in (value, before) else None)
                )
        findings += red_flag_findings(RedFlagEntry(day, merged), cancer)
    return findings


def _judged_pain(history: PatientHistory) -> tuple[PainTrend, dict]:
    """Return the pain trend R-FAIL judges and how it was chosen.

    Where the protocol names the condition's meaningful task (sitting for deep gluteal syndrome
    and pudendal neuralgia, walking for ischiofemoral impingement), pain logged in that context
    is judged; with too few such logs, every log is (design choice), and the evidence says so.
    """
    thr, context = history.thresholds, history.meaningful_context
    pooled = pain_trend(history.pain_entries, history.plan_start, history.today, thr)
    if context is None:
        return pooled, {"declared": None, "used": "all"}
    in_context = [e for e in history.pain_entries if e.context == context]
    trend = pain_trend(in_context, history.plan_start, history.today, thr)
    if trend.available:
        return trend, {"declared": context, "used": context}
    return pooled, {"declared": context, "used": "all", "why": "too few logs in this context"}


def rule_fail(history: PatientHistory) -> list[Finding]:
    """R-FAIL: a full, adherent conservative trial without clinically important improvement.

    Improvement is any of: pain down 2 points or 30 % (in the meaningful context), the LEFS up
    at least 9 points, or a global impression of "much improved" or better.
    """
    thr = history.thresholds
    if history.care_type != "conservative" or history.trial_weeks is None:
        return []
    weeks = (history.today - history.plan_start).days // 7
    if weeks < history.trial_weeks:
        return []
    # Today is still in progress, so the trial's adherence runs to yesterday: at exactly
    # trial_weeks that is the trial's 7 x trial_weeks days.
    adh_end = history.today - ONE_DAY
    adh = plan_adherence(history, history.plan_start, adh_end)
    if adh.ratio is None or adh.ratio < thr.fail_min_adherence:
        return []
    if _collapsed_adherence(history):
        return []  # a trial whose last weeks were not done is not a failed trial: R-ADH only
    trend, context = _judged_pain(history)
    # With a baseline under mcid_points the pain is too slight for a lack of improvement to
    # say anything about failure (it would send pain-free patients to a surgeon).
    if not trend.available or trend.improved or trend.baseline < thr.mcid_points:
        return []
    function = function_change(
        history.outcome_entries,
        history.plan_start,
        thr.lefs_mcid_points,
        thr.pgic_improved_at_most,
    )
    if function.improved:
        return []  # function or the patient's own impression improved: not a failed trial
    items = readiness_checklist(history.clinical_entries, history.pathway)
    rationale = _fail_rationale(history, weeks, adh, trend, context, function)
    evidence = {
        "plan_start": history.plan_start.isoformat(),
        "plan_revised_on": [d.isoformat() for d in history.plan_revised_on],
        "weeks_in_care": weeks,
        "trial_weeks": history.trial_weeks,
        "adherence": adh.as_evidence() | {"window": _window(history.plan_start, adh_end)},
        "pain": trend.as_evidence(),
        "pain_context": context,
        "function": function.as_evidence(),
        "thresholds": {
            "mcid_points": thr.mcid_points,
            "mcid_percent": thr.mcid_percent,
            "mcid_rule": "points_or_percent",
            "lefs_mcid_points": thr.lefs_mcid_points,
            "pgic_improved_at_most": thr.pgic_improved_at_most,
            "fail_min_adherence": thr.fail_min_adherence,
        },
        "readiness": [item.as_evidence() for item in items],
        "next_steps": next_steps(items),
    }
    key = f"trial:{history.plan_start.isoformat()}"
    return [make_finding("R-FAIL", "review", "clinician", rationale, evidence, key)]


def _fail_rationale(history, weeks, adh, trend, context, function) -> str:
    """Say why the trial failed: pain, function and the patient's impression, in one record."""
    thr = history.thresholds
    change_pct = "n/a" if trend.change_percent is None else f"{trend.change_percent:+.0f} %"
    where = f" while {context['used']}" if context["used"] != "all" else ""
    text = (
        f"After {weeks} weeks of conservative care (trial {history.trial_weeks} weeks) with "
        f"{_pct(adh.ratio)} adherence, median pain{where} went from {trend.baseline:g} to "
        f"{trend.current:g} ({trend.change_points:+g} points, {change_pct}), short of a "
        f"{thr.mcid_points:g}-point or {thr.mcid_percent:g} % improvement."
    )
    if context["declared"] and context["used"] == "all":
        text += f" Too few pain logs while {context['declared']}: all pain logs were judged."
    if not function.measured:
        text += " Function was not measured (no LEFS on record)."
    elif function.lefs_change is None:
        text += f" LEFS {function.lefs_baseline}/80 at the start, not measured again since."
    else:
        text += (
            f" LEFS went from {function.lefs_baseline} to {function.lefs_current} of 80 "
            f"({function.lefs_change:+d}, short of +{thr.lefs_mcid_points})."
        )
    if function.pgic is not None:
        text += f" Latest global impression: {PGIC_WORDS[function.pgic].lower()}."
    return text


def _recent_adherence(history: PatientHistory) -> tuple[Adherence, date, date] | None:
    """Return adherence over the R-ADH window ending yesterday, or None before it is complete."""
    end = history.today - ONE_DAY
    start = history.today - timedelta(days=history.thresholds.low_adherence_window_days)
    # A plan younger than the window would be judged on its first day or two alone.
    if start < history.plan_start:
        return None
    return plan_adherence(history, start, end), start, end


def _collapsed_adherence(history: PatientHistory) -> tuple[Adherence, date, date] | None:
    """Return the R-ADH window's adherence when it is under the threshold, else None."""
    recent = _recent_adherence(history)
    if recent is None or recent[0].ratio is None:
        return None
    return recent if recent[0].ratio < history.thresholds.low_adherence_below else None


def rule_adh(history: PatientHistory) -> list[Finding]:
    """R-ADH: low adherence over the recent window; a physio follow-up, never a surgeon's."""
    thr = history.thresholds
    recent = _collapsed_adherence(history)
    if recent is None:
        return []
    adh, start, end = recent
    rationale = (
        f"Adherence from {start} to {end} was {_pct(adh.ratio)} ({adh.done} of {adh.due} sets; "
        f"{adh.days_missed} of {adh.days_due} exercise days fully missed), below "
        f"{_pct(thr.low_adherence_below)}, so failure of conservative care cannot be judged."
    )
    evidence = adh.as_evidence() | {
        "window": _window(start, end),
        "low_adherence_below": thr.low_adherence_below,
    }
    return [make_finding("R-ADH", "review", "physio", rationale, evidence, "R-ADH")]


def rule_worse(history: PatientHistory) -> list[Finding]:
    """R-WORSE: current median pain at least worse_points above baseline."""
    thr = history.thresholds
    trend = pain_trend(history.pain_entries, history.plan_start, history.today, thr)
    if not trend.worse:
        return []
    rationale = (
        f"Median pain rose from {trend.baseline:g} (first {thr.baseline_days} days of the plan) "
        f"to {trend.current:g} (last {trend.n_current_days} logged days), "
        f"{trend.change_points:+g} points, at or above the {thr.worse_points:g}-point threshold."
    )
    evidence = trend.as_evidence() | {"worse_points": thr.worse_points}
    return [make_finding("R-WORSE", "review", "physio", rationale, evidence, "R-WORSE")]


def rule_neuro(history: PatientHistory) -> list[Finding]:
    """R-NEURO: nerve symptoms after neural gliding, from the answer asked after each session.

    Fires on the `neuro_episodes`-th episode within `neuro_window_days`, or on the first one
    still there when the app asks again FOLLOW_UP_AFTER_HOURS later (the answer "lasting").
    """
    if history.care_type == "post_operative":
        return []  # new numbness after surgery is R-POSTOP, raised when it is reported
    thr = history.thresholds
    start = history.today - timedelta(days=thr.neuro_window_days - 1)
    episodes = [
        entry
        for entry in latest_entries(history.exercise_entries)
        if start <= entry.local_date <= history.today
        and entry.exercise_id in history.neural_exercise_ids
        and entry.nerve_symptoms in EPISODE_ANSWERS
    ]
    lasting = [e for e in episodes if e.nerve_symptoms == "lasting"]
    if len(episodes) < thr.neuro_episodes and not lasting:
        return []
    days = sorted({e.local_date for e in episodes})
    if lasting:
        why = (
            f"tingling or numbness after a neural glide on {lasting[0].local_date} was still "
            f"there after {FOLLOW_UP_AFTER_HOURS} hours"
        )
    else:
        why = (
            f"{len(episodes)} episodes of tingling or numbness after neural glides in the last "
            f"{thr.neuro_window_days} days (threshold {thr.neuro_episodes})"
        )
    rationale = f"{why[0].upper()}{why[1:]}: regress neural gliding."
    evidence = {
        "episodes": [
            {
                "local_date": e.local_date.isoformat(),
                "exercise_id": e.exercise_id,
                "slot": e.slot,
                "answer": e.nerve_symptoms,
            }
            for e in sorted(episodes, key=lambda e: (e.local_date, e.exercise_id, e.slot))
        ],
        "days": [d.isoformat() for d in days],
        "lasting": len(lasting),
        "window": _window(start, history.today),
        "neuro_episodes": thr.neuro_episodes,
        "neuro_lasting_hours": FOLLOW_UP_AFTER_HOURS,
    }
    return [make_finding("R-NEURO", "review", "physio", rationale, evidence, "R-NEURO")]


def rule_postop(history: PatientHistory) -> list[Finding]:
    """R-POSTOP: post-operative warning signs, one finding per local day."""
    if history.care_type != "post_operative" or history.surgery_date is None:
        return []
    surgery = history.surgery_date
    by_day: dict[date, list[Finding]] = {}
    for check in history.postop_checks:
        if check.local_date >= surgery:
            for f in postop_check_findings(check, surgery):
                by_day.setdefault(check.local_date, []).append(f)
    for pain in history.pain_entries:
        # Pain logged before the operation says nothing about the repair.
        if pain.local_date >= surgery:
            for f in postop_findings(pain, surgery):
                by_day.setdefault(pain.local_date, []).append(f)
    for entry in latest_entries(history.exercise_entries):
        for f in glide_numbness_findings(entry, surgery):
            by_day.setdefault(entry.local_date, []).append(f)
    findings = []
    for day in sorted(by_day):
        # dict.fromkeys drops a sign repeated in several reports while keeping their order.
        signs = list(dict.fromkeys(s for f in by_day[day] for s in f.evidence["signs"]))
        sources = sorted({f.evidence["source"] for f in by_day[day]})
        findings.append(postop_finding(day, signs, ",".join(sources), {}))
    return findings


def rule_phase(history: PatientHistory) -> list[Finding]:
    """R-PHASE: the next phase's time gate has opened; the physio checks its criteria."""
    gate = history.next_phase_gate
    if gate is None or gate.gate_date > history.today:
        return []
    criteria = list(gate.criteria)
    listed = "; ".join(criteria) if criteria else "no criteria listed"
    rationale = (
        f"The time gate for phase {gate.phase_id} opened on {gate.gate_date}: confirm the "
        f"criteria before advancing ({listed})."
    )
    evidence = {
        "phase_id": gate.phase_id,
        "gate_date": gate.gate_date.isoformat(),
        "days_since_gate": (history.today - gate.gate_date).days,
        "criteria": criteria,
    }
    return [make_finding("R-PHASE", "info", "physio", rationale, evidence, gate.phase_id)]


RULES: dict[str, Callable[[PatientHistory], list[Finding]]] = {
    "R-RED": rule_red,
    "R-FAIL": rule_fail,
    "R-ADH": rule_adh,
    "R-WORSE": rule_worse,
    "R-NEURO": rule_neuro,
    "R-POSTOP": rule_postop,
    "R-PHASE": rule_phase,
}


def evaluate(history: PatientHistory) -> list[Finding]:
    """Run every rule on the history and return all findings, rule by rule."""
    return [finding for rule in RULES.values() for finding in rule(history)]
