"""An alert in plain words: what happened, when, to whom, and the evidence behind it.

The server's rationale is a record written once, with keys and ISO dates in it (`saddle_numbness`,
`2026-11-30`); the staff screens say the same from the alert's structured evidence, in words from
labels.py, and fall back to the rationale only for a rule they do not know.
"""

from datetime import datetime

from kivy.utils import escape_markup

from domain.history import ClinicalEntry
from domain.records import PREFIXES, describe
from mobile.core.formatting import as_date, date_text, plural
from mobile.core.outcomes import function_lines
from mobile.screens.labels import (
    CHECKLIST,
    DECISIONS,
    DETAILS,
    EVENT_KINDS,
    LEVEL_ADVICE,
    NERVE_ANSWERS,
    POSTOP_SIGNS,
    POSTOP_SOURCES,
    RED_FLAG_GROUPS,
    RED_FLAGS,
    SEVERITIES,
    STATUSES,
    TEAR_GRADES,
    percent,
    score,
    word,
)
from mobile.screens.moments import when_text

ARROW = "[font=DejaVuSans]→[/font]"  # Roboto has no arrow glyph; DejaVuSans, shipped with Kivy, has


class Names:
    """Exercise and phase names of a plan's protocol (ids read as words when not known)."""

    def __init__(self, content: dict | None = None):
        phases = (content or {}).get("phases") or []
        self.phases = {p["id"]: p["title"] for p in phases}
        self.exercises = {e["id"]: e["name"] for p in phases for e in p.get("exercises") or []}

    def exercise(self, exercise_id: str) -> str:
        """Return an exercise's name."""
        return word(self.exercises, exercise_id, "an exercise")

    def phase(self, phase_id: str) -> str:
        """Return a phase's title."""
        return word(self.phases, phase_id, "the next phase")


def raised_line(alert: dict, now: datetime) -> str:
    """Return "Open · raised 14:05 (2 h ago)"."""
    raised = when_text(alert.get("created_at"), now)
    status = word(STATUSES, alert.get("status"))
    return f"{status} · raised {raised}" if raised else status


def status_line(alert: dict, now: datetime) -> str:
    """Return "Review · Open · raised 14:05 (2 h ago)"."""
    return f"{word(SEVERITIES, alert.get('severity'), 'Alert')} · {raised_line(alert, now)}"


# -- what the alert says


def _num(value) -> str:
    """Return a score or count as text ("–" when the server sent none)."""
    return "–" if value is None else score(value)


def _day(value) -> str:
    return date_text(value) if value else "an unknown day"


def _listed(items: list[str]) -> str:
    """Return "a", "a and b" or "a, b and c"."""
    items = [i for i in items if i]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _red_flag(ev: dict, _names: Names) -> str:
    signs = _listed([_lower_first(word(RED_FLAGS, k)) for k in ev.get("positives") or ()])
    text = f"Red-flag check on {_day(ev.get('local_date'))}: yes to {signs}."
    return f"{text} {LEVEL_ADVICE.get(ev.get('level'), '')}".strip()


def _postop(ev: dict, names: Names) -> str:
    signs = _listed([_lower_first(word(POSTOP_SIGNS, k)) for k in ev.get("signs") or ()])
    where = POSTOP_SOURCES.get(ev.get("source"), "")
    if ev.get("exercise_id"):
        where = f"after {names.exercise(ev['exercise_id'])}"
    days = ev.get("days_after_surgery")
    after = f", {plural(days, 'day')} after surgery" if days is not None else ""
    return f"{_day(ev.get('local_date'))}{after}, {where}: {signs}.".replace(" , ", ", ")


def _stop(ev: dict, names: Names) -> str:
    sign = _lower_first((ev.get("text") or "a stop sign").rstrip("."))
    exercise = names.exercise(ev.get("exercise_id"))
    return f"{_day(ev.get('local_date'))}: {exercise} stopped for {sign}."


def _detail_text(detail: str, value) -> str:
    if detail == "tendons_torn" and value in TEAR_GRADES:
        return _lower_first(TEAR_GRADES[value])
    if detail == "retraction_mm":
        return f"retraction {value:g} mm"
    return f"{_lower_first(word(DETAILS, detail))} {value:g}"


def _enrolment(ev: dict, _names: Names) -> str:
    found = _listed([_detail_text(r["detail"], r["value"]) for r in ev.get("refused") or ()])
    kind = _lower_first(word(EVENT_KINDS, ev.get("kind"), "record"))
    text = f"The plan was not assigned: the {kind} of {_day(ev.get('event_date'))} shows {found}."
    steps = ev.get("next_steps") or []
    return f"{text} {steps[0]}" if steps else text


def _failed(ev: dict, _names: Names) -> str:
    pain, adh = ev.get("pain") or {}, ev.get("adherence") or {}
    thresholds = ev.get("thresholds") or {}
    text = (
        f"After {plural(ev.get('weeks_in_care', 0), 'week')} of conservative care "
        f"(trial {ev.get('trial_weeks')} weeks) with {percent(adh.get('ratio'))} of sets done, "
        f"median pain went from {_num(pain.get('baseline'))} to {_num(pain.get('current'))}"
    )
    context = (ev.get("pain_context") or {}).get("used")
    if context and context != "all":
        text = text.replace("median pain went", f"median pain while {context} went")
    if thresholds.get("mcid_points") is not None:
        # Rule set 2026.4 counts either drop (Ostelo 2008); earlier alerts needed both.
        both = "or" if thresholds.get("mcid_rule") == "points_or_percent" else "and"
        text += (
            f": short of the {_num(thresholds['mcid_points'])}-point {both} "
            f"{_num(thresholds.get('mcid_percent'))} % improvement"
        )
    return text + "."


def _window(window: dict | None) -> str:
    window = window or {}
    if not (window.get("from") and window.get("to")):
        return ""
    return f"{date_text(window['from'])} – {date_text(window['to'])}"


def _adherence(ev: dict, _names: Names) -> str:
    text = f"{percent(ev.get('ratio'))} of sets done, {_window(ev.get('window'))}"
    text += f" ({ev.get('done')} of {ev.get('due')} sets"
    if ev.get("days_due"):
        text += f"; {ev.get('days_missed')} of {ev.get('days_due')} exercise days fully missed"
    return text + "): too few to judge whether conservative care works."


def _worse(ev: dict, _names: Names) -> str:
    days = plural(ev.get("n_current_days") or 0, "logged day")
    change = f"{ev.get('change_points') or 0:+g} points"
    return (
        f"Median pain rose from {_num(ev.get('baseline'))} at the start of the plan to "
        f"{_num(ev.get('current'))} over the last {days} ({change})."
    )


def _neuro(ev: dict, names: Names) -> str:
    episodes = ev.get("episodes") or []
    exercises = _listed(list(dict.fromkeys(names.exercise(e["exercise_id"]) for e in episodes)))
    lasting = [e for e in episodes if e.get("answer") == "lasting"]
    if lasting:
        return (
            f"Tingling or numbness after {names.exercise(lasting[0]['exercise_id'])} on "
            f"{_day(lasting[0]['local_date'])} was still there a day later."
        )
    return (
        f"{plural(len(episodes), 'episode')} of tingling or numbness after {exercises}, "
        f"{_window(ev.get('window'))}."
    )


def _phase(ev: dict, names: Names) -> str:
    return (
        f"The time gate for {names.phase(ev.get('phase_id'))} opened on "
        f"{_day(ev.get('gate_date'))}: check the criteria before moving on."
    )


SUMMARIES = {
    "R-RED": _red_flag,
    "R-POSTOP": _postop,
    "R-STOP": _stop,
    "R-ENROL": _enrolment,
    "R-FAIL": _failed,
    "R-ADH": _adherence,
    "R-WORSE": _worse,
    "R-NEURO": _neuro,
    "R-PHASE": _phase,
}


def summary(alert: dict, names: Names | None = None) -> str:
    """Return what the alert is about in a sentence or two of plain words."""
    compose = SUMMARIES.get(alert.get("rule_id"))
    evidence = alert.get("evidence")
    if compose is None or not isinstance(evidence, dict):
        return alert.get("rationale", "")
    return compose(evidence, names or Names())


def evidence_lines(alert: dict, now: datetime, names: Names | None = None) -> list[str]:
    """Return the details behind the summary: each sign, later reports, refusals, criteria."""
    ev, names, lines = alert.get("evidence") or {}, names or Names(), []
    if alert.get("evidence_updated_at"):
        lines.append(f"Later reports added, last at {when_text(alert['evidence_updated_at'], now)}")
    groups = [RED_FLAG_GROUPS.get(g, "") for g in ev.get("groups") or ()]
    if groups:
        lines.append("Points to " + _listed(groups) + ".")
    if ev.get("not_asked"):
        count = plural(len(ev["not_asked"]), "question")
        lines.append(f"{count} not asked: the first yes sent the patient for care.")
    if "cancer_history" in ev:
        recorded = "yes, recorded by a clinician" if ev["cancer_history"] else "none recorded"
        lines.append("History of cancer: " + recorded + ".")
    for refusal in ev.get("refused") or ():
        lines.append(refusal["reason"])
    for episode in ev.get("episodes") or ():
        answer = word(NERVE_ANSWERS, episode.get("answer"))
        exercise = names.exercise(episode["exercise_id"])
        lines.append(f"{_day(episode['local_date'])}, after {exercise}: {answer}.")
    for report in ev.get("reports") or ():
        moment = when_text(report.get("received_at"), now)
        lines.append(f"Later report at {moment}: {_report(report, names)}")
    context = ev.get("pain_context") or {}
    if context.get("declared") and context.get("used") == "all":
        lines.append(f"Too few pain logs while {context['declared']}: every pain log was judged.")
    lines += function_lines(ev.get("function"))
    for criterion in ev.get("criteria") or ():
        lines.append("• " + criterion.rstrip("."))
    if alert.get("decision"):
        words = alert.get("decision_label") or word(dict(DECISIONS), alert["decision"])
        lines.append("Decision: " + words + ".")
    return lines


def _report(report: dict, names: Names) -> str:
    """Return what a later report of a live episode said."""
    if report.get("positives"):
        return _listed([_lower_first(word(RED_FLAGS, k)) for k in report["positives"]]) + "."
    if report.get("signs"):
        return _listed([_lower_first(word(POSTOP_SIGNS, k)) for k in report["signs"]]) + "."
    if report.get("text"):
        exercise = names.exercise(report.get("exercise_id"))
        return f"{exercise} stopped for {_lower_first(report['text'])}"
    return "the same again."


def checklist_label(item: dict) -> str:
    """Return the words of a readiness item."""
    return CHECKLIST.get(item.get("key"), item.get("label", ""))


def checklist_detail(item: dict) -> str:
    """Return "Fri 20 Nov: right piriformis muscle: pain 7 → 2 (71 % relief)" or the next step."""
    if not item.get("met"):
        last = f"Last: {_plain(item['evidence'])}. " if item.get("evidence") else ""
        return last + "Next step: " + (item.get("next_step") or "")
    when = f"{date_text(item['evidence_date'])}: " if item.get("evidence_date") else ""
    return when + _plain(item.get("evidence") or "")


def _plain(text: str) -> str:
    """Return a readiness text, markup-safe, with its ASCII arrows as the sign they stand for."""
    text = escape_markup(text).replace(">=", "≥").replace("<=", "≤").replace("NPRS ", "pain ")
    return text.replace(" -&gt; ", f" {ARROW} ").replace(" -> ", f" {ARROW} ")


def _entry(record: dict) -> ClinicalEntry | None:
    """Return a clinical record sent with an alert as an entry, or None for a remark."""
    if record.get("kind") not in EVENT_KINDS or not record.get("event_date"):
        return None
    return ClinicalEntry(record["kind"], as_date(record["event_date"]), record.get("details") or {})


def clinical_record_lines(alert: dict) -> list[str]:
    """Return the alert's clinical records in words: "Tue 20 Oct: Active piriformis test: ..."."""
    records = [(r, _entry(r)) for r in alert.get("clinical_record") or () if isinstance(r, dict)]
    entries = [entry for _, entry in records if entry is not None]
    lines = []
    for record, entry in records:
        if entry is not None:
            text = PREFIXES.get(entry.kind, "") + describe(entry, entries)
            by = f" ({record['recorded_by']})" if record.get("recorded_by") else ""
            lines.append(f"[b]{date_text(entry.event_date)}[/b]: {_plain(text + by)}")
        elif record.get("text"):  # a remark about several records (the piriformis pair)
            lines.append(_plain(record["text"]))
    return lines


# -- the figures beside the charts


def pain_text(trend: dict) -> str:
    """Return "Median pain at the start 7 → now 7 (no change)" (with markup)."""
    base, now = trend.get("baseline"), trend.get("current")
    if base is None or now is None:
        return "Not enough pain logs for a trend."
    text = f"Median pain at the start {_num(base)} {ARROW} now {_num(now)}"
    points, share = trend.get("change_points"), trend.get("change_percent")
    if not points:
        return text + " (no change)"
    change = f"{points:+g} points" + (f", {share:+.0f} %" if share is not None else "")
    return f"{text} ({change})"


def adherence_text(found: dict) -> str | None:
    """Return "86 % of prescribed sets (641 of 749), Tue 1 Sep – Mon 30 Nov" from evidence."""
    adh = found.get("adherence")
    if not isinstance(adh, dict):
        adh = found  # R-ADH keeps its adherence figures at the top of the evidence
    if adh.get("ratio") is None:
        return None
    text = f"{percent(adh['ratio'])} of prescribed sets"
    if adh.get("done") is not None and adh.get("due"):
        text += f" ({adh['done']} of {adh['due']})"
    window = _window(adh.get("window"))
    return f"{text}, {window}" if window else text


def weeks_text(found: dict) -> str | None:
    """Return "13 weeks in care (trial 12 weeks)"."""
    weeks = found.get("weeks_in_care")
    if weeks is None:
        return None
    trial = found.get("trial_weeks")
    return plural(weeks, "week") + " in care" + (f" (trial {trial} weeks)" if trial else "")
