"""The referral packet of an alert: what a surgeon reads about the patient, as plain data.

Everything here is computed by the functions the alert screen and the summaries already use
(adherence, the pain trend, the function change, the readiness checklist, the records in
words), so the packet never tells a surgeon a figure the clinician did not see. The drawing is
server/reports/referral.py; this module knows nothing of PDF, schemas or HTTP.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy.orm import Session, object_session

from domain.adherence import adherence
from domain.dose_words import dose_text
from domain.figures import Figure
from domain.outcomes import PGIC_WORDS, function_change
from domain.pain import daily_medians, pain_trend
from domain.records import record_lines
from server.models import Alert, Plan, User
from server.services import referral_links
from server.services.alerts import alert_for, shown
from server.services.errors import Forbidden, NotFound, Unauthorized
from server.services.histories import clinical_entries_of, history_of, load_history_rows
from server.services.plans import exercises_now, local_today, protocol_of
from server.services.summaries import RECENT_DAYS

RULE_NAMES = {
    "R-FAIL": "Conservative care is not working (failed trial)",
    "R-RED": "Red-flag answer",
    "R-POSTOP": "Post-operative warning sign",
    "R-WORSE": "Pain is getting worse",
    "R-NEURO": "Nerve symptoms after exercise",
    "R-ADH": "Low adherence",
    "R-PHASE": "Phase gate reached",
    "R-STOP": "Exercise stopped for a warning sign",
}


@dataclass(frozen=True)
class ExerciseNow:
    """One exercise the patient is prescribed today, with its dose and its demonstration."""

    name: str
    dose: str  # in words: "3 sets of 1, hold 30 s, rest 30 s, twice a day"
    figure: Figure | None  # None: a protocol version written before figures


@dataclass(frozen=True)
class WeekPain:
    """One week of the course: its number from the plan's start and its median pain."""

    week: int
    starts_on: date
    median: float
    logged_days: int


@dataclass(frozen=True)
class Outcome:
    """One questionnaire score on a day (LEFS 0-80, PGIC 1-7)."""

    instrument: str
    local_date: date
    score: int


@dataclass
class ReferralPacket:
    """What the packet shows, in the order a surgeon reads it."""

    alert_id: int
    rule: str
    severity: str
    raised_at: datetime
    rationale: str
    patient_name: str
    date_of_birth: date | None
    age: int | None
    today: date
    condition: str | None = None
    protocol_title: str | None = None
    protocol_id: str | None = None
    protocol_version: int | None = None
    plan_start: date | None = None
    surgery_date: date | None = None
    plan_revisions: int = 0
    weeks_in_care: int | None = None
    trial_weeks: int | None = None
    adherence_course: float | None = None
    adherence_recent: float | None = None
    sets_done: int | None = None
    sets_due: int | None = None
    weekly_pain: list[WeekPain] = field(default_factory=list)
    pain_baseline: float | None = None
    pain_current: float | None = None
    pain_change_points: float | None = None
    pain_change_percent: float | None = None
    mcid_points: float | None = None
    mcid_percent: float | None = None
    phases: list[tuple[int, str]] = field(default_factory=list)  # (start week, title)
    phase_now: str | None = None  # the title of the phase the plan is in today
    exercises: list[ExerciseNow] = field(default_factory=list)  # as prescribed today
    outcomes: list[Outcome] = field(default_factory=list)
    lefs_mcid: float | None = None
    pgic_words: str | None = None
    records: list[dict] = field(default_factory=list)  # record_lines: kind, date, by, text
    checklist: list[dict] = field(default_factory=list)  # ReadinessItem.as_evidence()
    next_steps: list[str] = field(default_factory=list)
    decision: str | None = None
    decision_note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    review_on: date | None = None


def packet_for(session: Session, user: User, alert_id: int) -> ReferralPacket:
    """Return the packet of an alert about one of the caller's patients (else NotFound)."""
    return _gather(session, alert_for(session, user, alert_id))


def packet_by_link(
    session: Session, secret_key: str, alert_id: int, token: str
) -> tuple[ReferralPacket, str]:
    """Return the packet a signed link opens, and who the link was made for.

    A forged or expired link is Unauthorized (the reader has no valid credential); a genuine
    link to another alert is Forbidden.
    """
    try:
        issued_to = referral_links.check_link_token(secret_key, token, alert_id)
    except referral_links.LinkRefused as refused:
        message = str(refused)
        if "another alert" in message:
            raise Forbidden(message) from None
        raise Unauthorized(message) from None
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"Alert {alert_id} not found.")
    return _gather(session, shown(session, [alert])[0]), issued_to


def _gather(session: Session, alert: Alert) -> ReferralPacket:
    """Collect the packet of an alert prepared by alerts.shown."""
    patient = alert.patient
    today = local_today(patient)
    born = patient.date_of_birth
    packet = ReferralPacket(
        alert_id=alert.id,
        rule=RULE_NAMES.get(alert.rule_id, alert.rule_id),
        severity=alert.severity,
        raised_at=alert.created_at,
        rationale=alert.rationale,
        patient_name=patient.user.display_name,
        date_of_birth=born,
        age=_age(born, today) if born else None,
        today=today,
        checklist=list(alert.shown_checklist),
        next_steps=list(alert.shown_next_steps),
        records=list(alert.shown_clinical_record),
    )
    _decision(packet, alert)
    plan = session.get(Plan, alert.plan_id) if alert.plan_id is not None else None
    if plan is not None and today >= plan.start_date:
        _course(session, packet, plan, today)
    if not packet.records:  # only a failed trial's alert carries them when shown
        packet.records = record_lines(clinical_entries_of(session, patient.id))
    return packet


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _decision(packet: ReferralPacket, alert: Alert) -> None:
    """Fill in the decision, its note and who took it (the latest decision event)."""
    decided = [e for e in alert.events if e.action.startswith("decision:")]
    packet.decision = getattr(alert, "decision_label", None) or alert.decision
    packet.decided_at, packet.review_on = alert.decided_at, alert.review_on
    if decided:
        event = decided[-1]
        packet.decision_note = event.note
        packet.decided_by = _user_name(alert, event.actor_id)


def _user_name(alert: Alert, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = object_session(alert).get(User, user_id)
    return f"{user.display_name}, {user.role}" if user else None


def _course(session: Session, packet: ReferralPacket, plan: Plan, today: date) -> None:
    """Fill in the plan, adherence, weekly pain and the outcome measures, as of today."""
    protocol = protocol_of(plan.protocol)
    rows = load_history_rows(session, [plan.id], [plan.patient_id])
    history, _ = history_of(plan, today, rows)
    thr = history.thresholds
    packet.condition = plan.protocol.condition
    packet.protocol_title = plan.protocol.title
    packet.protocol_id, packet.protocol_version = plan.protocol.protocol_id, plan.protocol.version
    packet.plan_start, packet.surgery_date = plan.start_date, plan.surgery_date
    packet.plan_revisions = len(plan.revisions) - 1
    packet.weeks_in_care = (today - plan.start_date).days // 7
    packet.trial_weeks = protocol.conservative_trial_weeks
    yesterday = today - timedelta(days=1)
    # The whole course to yesterday (as R-FAIL judges it) and the summaries' last 14 days.
    course = adherence(history.due_by_day, history.exercise_entries, plan.start_date, yesterday)
    recent_start = max(plan.start_date, today - timedelta(days=RECENT_DAYS))
    recent = adherence(history.due_by_day, history.exercise_entries, recent_start, yesterday)
    packet.adherence_course, packet.adherence_recent = course.ratio, recent.ratio
    packet.sets_done, packet.sets_due = course.done, course.due
    trend = pain_trend(history.pain_entries, plan.start_date, today, thr)
    packet.pain_baseline, packet.pain_current = trend.baseline, trend.current
    packet.pain_change_points, packet.pain_change_percent = (
        trend.change_points,
        trend.change_percent,
    )
    packet.mcid_points, packet.mcid_percent = thr.mcid_points, thr.mcid_percent
    packet.weekly_pain = weekly_pain(history.pain_entries, plan.start_date, today)
    packet.phases = _phase_weeks(protocol, plan)
    packet.phase_now, exercises = exercises_now(plan, today)
    packet.exercises = [ExerciseNow(e.name, dose_text(e.dose), e.figure) for e in exercises]
    packet.outcomes = [
        Outcome(e.instrument, e.local_date, e.score)
        for e in sorted(history.outcome_entries, key=lambda e: e.local_date)
        if e.local_date >= plan.start_date
    ]
    function = function_change(
        history.outcome_entries, plan.start_date, thr.lefs_mcid_points, thr.pgic_improved_at_most
    )
    packet.lefs_mcid = thr.lefs_mcid_points
    packet.pgic_words = PGIC_WORDS.get(function.pgic) if function.pgic is not None else None


def _phase_weeks(protocol, plan: Plan) -> list[tuple[int, str]]:
    """Return (week of the course a phase starts in, its title), counted from the plan's start."""
    found = []
    for phase in protocol.phases:
        anchor = plan.surgery_date if phase.start_relative_to == "surgery_date" else plan.start_date
        if anchor is None:
            continue
        starts = anchor + timedelta(weeks=phase.start_week)
        found.append(((starts - plan.start_date).days // 7, phase.title))
    return found


def weekly_pain(entries, start: date, today: date) -> list[WeekPain]:
    """Return the median of the daily medians of each week since `start` that has logs."""
    weeks: dict[int, list[float]] = {}
    for day, value in daily_medians(entries, start, today):
        weeks.setdefault((day - start).days // 7, []).append(value)
    return [
        WeekPain(week + 1, start + timedelta(weeks=week), float(median(values)), len(values))
        for week, values in sorted(weeks.items())
    ]
