"""At-a-glance summaries for staff: adherence, pain trend and open alerts per patient."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from domain.adherence import adherence
from domain.pain import pain_trend
from server.models import Alert, Patient, Plan
from server.services.histories import history_of, load_history_rows
from server.services.plans import local_today

RECENT_DAYS = 14


@dataclass
class PatientSummary:
    plan_id: int | None = None
    protocol_title: str | None = None
    weeks_in_care: int | None = None
    adherence_14d: float | None = None
    pain_baseline: float | None = None
    pain_current: float | None = None
    pain_change: float | None = None
    pain_trend: str | None = None  # improving | worse | no clear change
    last_activity: date | None = None
    open_alerts: int = 0
    urgent_alerts: int = 0
    attention: int = 0


def summarise(session: Session, patients: list[Patient]) -> dict[int, PatientSummary]:
    """Return a summary for each patient from their newest active plan."""
    ids = [p.id for p in patients]
    summaries = {pid: PatientSummary() for pid in ids}
    open_counts, urgent_counts = Counter(), Counter()
    for patient_id, severity in session.execute(
        select(Alert.patient_id, Alert.severity).where(
            Alert.patient_id.in_(ids), Alert.status != "decided"
        )
    ):
        open_counts[patient_id] += 1
        urgent_counts[patient_id] += severity == "urgent"
    plans = {}
    for plan in session.scalars(
        select(Plan)
        .where(Plan.patient_id.in_(ids), Plan.status == "active")
        .options(selectinload(Plan.revisions), joinedload(Plan.protocol))
        .order_by(Plan.id)
    ):
        plans[plan.patient_id] = plan  # the newest active plan wins
    rows = load_history_rows(session, [p.id for p in plans.values()], list(plans))
    by_id = {p.id: p for p in patients}
    for patient_id, plan in plans.items():
        today = local_today(by_id[patient_id])
        if today < plan.start_date:
            continue
        history, _ = history_of(plan, today, rows)
        _fill(summaries[patient_id], plan, history, today)
    for pid, summary in summaries.items():
        summary.open_alerts, summary.urgent_alerts = open_counts[pid], urgent_counts[pid]
        summary.attention = _attention(summary)
    return summaries


def _fill(summary: PatientSummary, plan: Plan, history, today: date) -> None:
    window_start = max(plan.start_date, today - timedelta(days=RECENT_DAYS))
    recent = adherence(
        history.due_by_day, history.exercise_entries, window_start, today - timedelta(days=1)
    )
    trend = pain_trend(history.pain_entries, plan.start_date, today, history.thresholds)
    summary.plan_id = plan.id
    summary.protocol_title = plan.protocol.title
    summary.weeks_in_care = (today - plan.start_date).days // 7
    summary.adherence_14d = recent.ratio
    summary.pain_baseline, summary.pain_current = trend.baseline, trend.current
    summary.pain_change = trend.change_points
    if trend.available:
        summary.pain_trend = (
            "improving" if trend.improved else "worse" if trend.worse else "no clear change"
        )
    active = [e.local_date for e in history.exercise_entries if e.sets_done]
    active += [e.local_date for e in history.pain_entries]
    summary.last_activity = max(active, default=None)


def _attention(summary: PatientSummary) -> int:
    """Rank who needs a look first: urgent alerts, then open ones, then worrying trends."""
    score = 100 * summary.urgent_alerts + 10 * summary.open_alerts
    if summary.adherence_14d is not None and summary.adherence_14d < 0.5:
        score += 5
    if summary.pain_trend == "worse":
        score += 5
    return score
