"""Escalation rules of SPEC 4: each turns a patient's history into findings for the alert queue."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from server.domain.adherence import Adherence, adherence, latest_entries
from server.domain.history import PainEntry, PatientHistory, RedFlagEntry
from server.domain.pain import pain_trend
from server.domain.readiness import next_steps, readiness_checklist
from server.domain.redflags import QUESTIONS_BY_KEY, triage
from server.domain.ruleset import RULE_SET_VERSION, Thresholds

Severity = Literal["urgent", "review", "info"]
Route = Literal["physio", "clinician", "surgical_team"]
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Finding:
    """One rule firing: who must look, why (in a sentence) and the numbers behind it."""

    rule_id: str
    rule_set_version: str
    severity: Severity
    route_to: Route
    rationale: str
    evidence: dict
    # Stable for one episode, so the server keeps a single open alert per (patient, rule, key).
    episode_key: str


def _finding(
    rule_id: str, severity: Severity, route: Route, rationale: str, evidence: dict, key: str
) -> Finding:
    """Build a finding stamped with the current rule-set version."""
    return Finding(rule_id, RULE_SET_VERSION, severity, route, rationale, evidence, key)


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


def red_flag_findings(entry: RedFlagEntry) -> list[Finding]:
    """Return the R-RED finding for one red-flag check (empty when nothing was positive)."""
    result = triage(entry.answers)
    if result.level == "none":
        return []
    day = entry.local_date.isoformat()
    rationale = (
        f"Red-flag check on {day} answered yes to {len(result.positives)} question(s) "
        f"({', '.join(result.positives)}); the patient was told: {result.advice}"
    )
    evidence = {
        "local_date": day,
        "level": result.level,
        "positives": list(result.positives),
        "groups": sorted({QUESTIONS_BY_KEY[key].group for key in result.positives}),
        "advice": result.advice,
    }
    return [_finding("R-RED", "urgent", "clinician", rationale, evidence, day)]


def rule_red(history: PatientHistory) -> list[Finding]:
    """R-RED: any positive answer in a red-flag check; one finding per local day."""
    findings: list[Finding] = []
    for day, entries in _group_by_date(history.red_flag_entries).items():
        # Several checks on one day are one episode: a "yes" in any of them counts.
        merged: dict[str, bool] = {}
        for entry in entries:
            for key, value in entry.answers.items():
                merged[key] = merged.get(key, False) or value
        findings += red_flag_findings(RedFlagEntry(day, merged))
    return findings


def rule_fail(history: PatientHistory) -> list[Finding]:
    """R-FAIL: a full, adherent conservative trial without clinically important improvement."""
    thr = history.thresholds
    if history.care_type != "conservative" or history.trial_weeks is None:
        return []
    weeks = (history.today - history.plan_start).days // 7
    if weeks < history.trial_weeks:
        return []
    # Today is still in progress, so the trial's adherence runs to yesterday: at exactly
    # trial_weeks that is the trial's 7 x trial_weeks days.
    adh_end = history.today - ONE_DAY
    adh = adherence(history.due_by_day, history.exercise_entries, history.plan_start, adh_end)
    if adh.ratio is None or adh.ratio < thr.fail_min_adherence:
        return []
    trend = pain_trend(history.pain_entries, history.plan_start, history.today, thr)
    # With a baseline under mcid_points the improvement is unreachable, so "not improved"
    # would say nothing about failure (and would send pain-free patients to a surgeon).
    if not trend.available or trend.improved or trend.baseline < thr.mcid_points:
        return []
    items = readiness_checklist(history.clinical_entries)
    change_pct = "n/a" if trend.change_percent is None else f"{trend.change_percent:+.0f} %"
    rationale = (
        f"After {weeks} weeks of conservative care (trial {history.trial_weeks} weeks) with "
        f"{_pct(adh.ratio)} adherence, median pain went from {trend.baseline:g} to "
        f"{trend.current:g} ({trend.change_points:+g} points, {change_pct}), short of a "
        f"{thr.mcid_points:g}-point and {thr.mcid_percent:g} % improvement."
    )
    evidence = {
        "plan_start": history.plan_start.isoformat(),
        "plan_revised_on": [d.isoformat() for d in history.plan_revised_on],
        "weeks_in_care": weeks,
        "trial_weeks": history.trial_weeks,
        "adherence": adh.as_evidence() | {"window": _window(history.plan_start, adh_end)},
        "pain": trend.as_evidence(),
        "thresholds": {
            "mcid_points": thr.mcid_points,
            "mcid_percent": thr.mcid_percent,
            "fail_min_adherence": thr.fail_min_adherence,
        },
        "readiness": [item.as_evidence() for item in items],
        "next_steps": next_steps(items),
    }
    key = f"trial:{history.plan_start.isoformat()}"
    return [_finding("R-FAIL", "review", "clinician", rationale, evidence, key)]


def _recent_adherence(history: PatientHistory) -> tuple[Adherence, date, date] | None:
    """Return adherence over the R-ADH window ending yesterday, or None before it is complete."""
    end = history.today - ONE_DAY
    start = history.today - timedelta(days=history.thresholds.low_adherence_window_days)
    # A plan younger than the window would be judged on its first day or two alone.
    if start < history.plan_start:
        return None
    return adherence(history.due_by_day, history.exercise_entries, start, end), start, end


def rule_adh(history: PatientHistory) -> list[Finding]:
    """R-ADH: low adherence over the recent window; a physio follow-up, never a surgeon's."""
    thr = history.thresholds
    recent = _recent_adherence(history)
    if recent is None:
        return []
    adh, start, end = recent
    if adh.ratio is None or adh.ratio >= thr.low_adherence_below:
        return []
    rationale = (
        f"Adherence from {start} to {end} was {_pct(adh.ratio)} ({adh.done} of {adh.due} sets; "
        f"{adh.days_missed} of {adh.days_due} exercise days fully missed), below "
        f"{_pct(thr.low_adherence_below)}, so failure of conservative care cannot be judged."
    )
    evidence = adh.as_evidence() | {
        "window": _window(start, end),
        "low_adherence_below": thr.low_adherence_below,
    }
    return [_finding("R-ADH", "review", "physio", rationale, evidence, "R-ADH")]


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
    return [_finding("R-WORSE", "review", "physio", rationale, evidence, "R-WORSE")]


def rule_neuro(history: PatientHistory) -> list[Finding]:
    """R-NEURO: tingling or numbness after neural exercises on too many recent days."""
    thr = history.thresholds
    start = history.today - timedelta(days=thr.neuro_window_days - 1)
    neural: dict[date, set[str]] = {}
    for entry in latest_entries(history.exercise_entries):
        if (
            start <= entry.local_date <= history.today
            and entry.exercise_id in history.neural_exercise_ids
            and entry.status in ("done", "partial")
        ):
            neural.setdefault(entry.local_date, set()).add(entry.exercise_id)
    symptomatic = {
        p.local_date
        for p in history.pain_entries
        if p.context == "after_exercise" and (p.tingling or p.numbness)
    }
    days = sorted(d for d in neural if d in symptomatic)
    if len(days) < thr.neuro_days:
        return []
    rationale = (
        f"Tingling or numbness after neural exercises on {len(days)} of the last "
        f"{thr.neuro_window_days} days (threshold {thr.neuro_days}): regress neural gliding."
    )
    evidence = {
        "days": [d.isoformat() for d in days],
        "exercises": {d.isoformat(): sorted(neural[d]) for d in days},
        "window": _window(start, history.today),
        "neuro_days": thr.neuro_days,
    }
    return [_finding("R-NEURO", "review", "physio", rationale, evidence, "R-NEURO")]


def _postop_signs(entry: PainEntry, thr: Thresholds) -> list[str]:
    """Return the post-operative warning signs present in one pain log."""
    signs = []
    if entry.nprs >= thr.postop_pain_min and entry.felt_pop:
        signs.append(f"sudden pain {entry.nprs}/10 with a pop")
    if entry.new_bruising:
        signs.append("new bruising")
    if entry.cannot_bear_weight:
        signs.append("cannot bear weight")
    return signs


def _postop_finding(day: date, signs: list[str], entries: list[PainEntry]) -> Finding:
    """Build the R-POSTOP finding for one local day."""
    rationale = f"After hamstring repair, on {day} the patient reported {'; '.join(signs)}."
    evidence = {
        "local_date": day.isoformat(),
        "signs": signs,
        "max_nprs": max(e.nprs for e in entries),
        "felt_pop": any(e.felt_pop for e in entries),
        "new_bruising": any(e.new_bruising for e in entries),
        "cannot_bear_weight": any(e.cannot_bear_weight for e in entries),
    }
    return _finding("R-POSTOP", "urgent", "surgical_team", rationale, evidence, day.isoformat())


def postop_findings(entry: PainEntry, thresholds: Thresholds) -> list[Finding]:
    """Return the R-POSTOP finding for one pain log of a post-operative patient."""
    signs = _postop_signs(entry, thresholds)
    return [_postop_finding(entry.local_date, signs, [entry])] if signs else []


def rule_postop(history: PatientHistory) -> list[Finding]:
    """R-POSTOP: post-operative warning signs, one finding per local day."""
    if history.care_type != "post_operative":
        return []
    findings = []
    for day, entries in _group_by_date(history.pain_entries).items():
        # Pain logged before the operation says nothing about the repair.
        if history.surgery_date is not None and day < history.surgery_date:
            continue
        # dict.fromkeys drops a sign repeated in several logs while keeping their order.
        signs = list(
            dict.fromkeys(s for e in entries for s in _postop_signs(e, history.thresholds))
        )
        if signs:
            findings.append(_postop_finding(day, signs, entries))
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
    return [_finding("R-PHASE", "info", "physio", rationale, evidence, gate.phase_id)]


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
