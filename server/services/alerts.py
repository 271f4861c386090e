"""Reading alerts within the caller's care teams."""

from datetime import date, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from domain.decisions import allowed_decisions, decision_label
from domain.pathway import SURGICAL_PATHWAY, Pathway
from domain.readiness import next_steps, readiness_checklist
from domain.records import record_lines
from domain.review import default_review_on
from domain.ruleset import thresholds_for
from server.models import Alert, AlertEvent, Plan, PlanEvaluation, User
from server.models.types import utcnow
from server.services.access import require_role, visible_patient_ids
from server.services.changes import lock_feed, record_change
from server.services.errors import Conflict, Forbidden, Invalid, NotFound
from server.services.escalation import SUBMISSION_RULES, thresholds_of
from server.services.histories import clinical_entries_of
from server.services.plans import local_today, protocol_of

_URGENCY = case({"urgent": 0, "review": 1, "info": 2}, value=Alert.severity, else_=3)


def shown(session: Session, alerts: list[Alert]) -> list[Alert]:
    """Prepare alerts to be shown: the checklist from the current record, decisions, the chain.

    The checklist stored with an R-FAIL alert is the one it was raised with; what a clinician
    sees is computed now, from the steps of the patient's protocol pathway, so an item recorded
    since ticks at once. Each alert says which decisions it allows and, for a failed trial,
    the review date a watched decision gets by default.
    """
    entries: dict[int, list] = {}
    pathways: dict[int | None, Pathway | None] = {}
    for alert in alerts:
        if alert.plan_id not in pathways:
            pathways[alert.plan_id] = _pathway_of(session, alert)
        pathway = pathways[alert.plan_id]
        allowed = allowed_decisions(alert.rule_id, pathway)
        watched = _watched(alert, pathway)
        alert.allowed_decisions = [
            {"id": d.id, "label": d.label, "sets_review_on": d.id in watched} for d in allowed
        ]
        alert.decision_label = decision_label(alert.decision, allowed) if alert.decision else None
        undecided = watched and alert.status != "decided"
        alert.default_review_on = _default_review_on(session, alert) if undecided else None
        if alert.rule_id == "R-FAIL":
            if alert.patient_id not in entries:
                entries[alert.patient_id] = clinical_entries_of(session, alert.patient_id)
            items = readiness_checklist(entries[alert.patient_id], pathway)
            alert.current_checklist = [item.as_evidence() for item in items]
            alert.current_next_steps = next_steps(items)
            alert.current_clinical_record = record_lines(entries[alert.patient_id])
        alert.chain = _chain(session, alert, allowed)
    return alerts


def _pathway_of(session: Session, alert: Alert) -> Pathway | None:
    """Return the failure pathway of the alert's plan (None: the surgical one)."""
    plan = session.get(Plan, alert.plan_id) if alert.plan_id is not None else None
    return protocol_of(plan.protocol).pathway if plan is not None else None


def _watched(alert: Alert, pathway: Pathway | None) -> tuple[str, ...]:
    """Return the decisions of this alert that set a review date (failed trials only)."""
    if alert.rule_id != "R-FAIL":
        return ()
    return (pathway or SURGICAL_PATHWAY).watched


def _chain(session: Session, alert: Alert, allowed=()) -> list[dict]:
    """Return the earlier alerts this one re-raises, newest first, each with its decision."""
    chain, follows = [], alert.follows_id
    while follows is not None and len(chain) < 50:
        earlier = session.get(Alert, follows)
        if earlier is None:
            break
        chain.append(
            {
                "id": earlier.id,
                "created_at": earlier.created_at.isoformat(),
                "decision": earlier.decision,
                "decision_label": (
                    decision_label(earlier.decision, allowed) if earlier.decision else None
                ),
                "rule_id": earlier.rule_id,
                "decided_at": earlier.decided_at.isoformat() if earlier.decided_at else None,
                "review_on": earlier.review_on.isoformat() if earlier.review_on else None,
            }
        )
        follows = earlier.follows_id
    return chain


def list_alerts(session: Session, user: User, args: dict) -> list[Alert]:
    """Return the alerts about the caller's patients: urgent first, then newest first."""
    require_role(user, "physio", "clinician")
    query = select(Alert).where(Alert.patient_id.in_(visible_patient_ids(user)))
    if args.get("status"):
        query = query.where(Alert.status == args["status"])
    if args.get("severity"):
        query = query.where(Alert.severity == args["severity"])
    if args.get("rule"):
        query = query.where(Alert.rule_id == args["rule"])
    if args.get("patient_id") is not None:
        query = query.where(Alert.patient_id == args["patient_id"])
    query = query.order_by(_URGENCY, Alert.created_at.desc(), Alert.id.desc())
    return shown(session, list(session.scalars(query.limit(args.get("limit", 200)))))


def alert_for(session: Session, user: User, alert_id: int, lock: bool = False) -> Alert:
    """Return one alert about a patient in the caller's care, or raise NotFound.

    With `lock` (to act on it), the alert row is locked until commit and read afresh, so the
    status checked is the one the write replaces: of two simultaneous decisions the second
    waits, then sees "decided" (PostgreSQL's READ COMMITTED; SQLite's BEGIN IMMEDIATE already
    lets one writer at a time).
    """
    require_role(user, "physio", "clinician")
    query = select(Alert).where(
        Alert.id == alert_id, Alert.patient_id.in_(visible_patient_ids(user))
    )
    if lock:
        lock_feed(session)
        query = query.with_for_update(of=Alert, key_share=True)
        query = query.execution_options(populate_existing=True)
    alert = session.scalar(query)
    if alert is None:
        raise NotFound(f"Alert {alert_id} not found.")
    return shown(session, [alert])[0]


# Which staff role acts on an alert, by where the rule routes it.
ROUTE_ROLES = {"physio": "physio", "clinician": "clinician", "surgical_team": "clinician"}


def _check_routed_to(user: User, alert: Alert) -> None:
    role = ROUTE_ROLES.get(alert.route_to)
    if user.role != role:
        raise Forbidden(f"This alert is routed to the {alert.route_to}; a {role} acts on it.")


def acknowledge(session: Session, user: User, alert: Alert, note: str | None) -> Alert:
    """Mark an open alert as seen by the staff member it is routed to."""
    _check_routed_to(user, alert)
    if alert.status != "open":
        raise Conflict(f"The alert is already {alert.status}.")
    _transition(session, user, alert, "acknowledged", "acknowledged", note)
    session.commit()
    return alert


def decide(
    session: Session,
    user: User,
    alert: Alert,
    decision: str,
    note: str,
    review_on: date | None = None,
) -> Alert:
    """Record the decision on an alert: who, when, what, why, and when to look again."""
    _check_routed_to(user, alert)
    if alert.status == "decided":
        raise Conflict(f"The alert was already decided ({alert.decision}).")
    pathway = _pathway_of(session, alert)
    allowed = [d.id for d in allowed_decisions(alert.rule_id, pathway)]
    if decision not in allowed:
        raise Invalid("decision", f"must be one of this alert's decisions: {', '.join(allowed)}")
    alert.review_on = _review_on(session, alert, decision, review_on, _watched(alert, pathway))
    alert.decision = decision
    alert.decided_at = utcnow()
    if alert.rule_id in SUBMISSION_RULES:
        # A report after the decision is a new episode: it must raise a new alert.
        alert.open_key = None
    event = _transition(session, user, alert, "decided", f"decision:{decision}", note)
    _sweep_by(session, alert.plan_id, alert.review_on)
    # What the clinician saw when deciding, for the audit and to tell new evidence later.
    event.snapshot = getattr(alert, "current_checklist", None) or alert.checklist
    session.commit()
    return shown(session, [alert])[0]


def _sweep_by(session: Session, plan_id: int | None, review_on: date | None) -> None:
    """Make the sweep judge the plan again on the review date (time alone calls for a look)."""
    if plan_id is None or review_on is None:
        return
    evaluation = session.get(PlanEvaluation, plan_id)
    if evaluation is not None and evaluation.next_due_on > review_on:
        evaluation.next_due_on = review_on


def _review_on(
    session: Session, alert: Alert, decision: str, asked: date | None, watched: tuple[str, ...]
) -> date | None:
    """Return the decision's review date: the one asked for, or the rule set's default."""
    if asked is not None and decision not in watched:
        choices = " or ".join(watched) if watched else "none (this alert has no review date)"
        raise Invalid("review_on", f"only for a failed-trial alert decided {choices}")
    if decision not in watched:
        return None
    if asked is None:
        return _default_review_on(session, alert)
    today = local_today(alert.patient)
    if not today < asked <= today + timedelta(days=366):
        raise Invalid("review_on", f"must be after today ({today}) and within a year")
    return asked


def _default_review_on(session: Session, alert: Alert) -> date:
    """Return the review date a watched decision taken today gets by default."""
    plan = session.get(Plan, alert.plan_id) if alert.plan_id is not None else None
    thresholds = thresholds_of(protocol_of(plan.protocol)) if plan else thresholds_for(None)
    return default_review_on(local_today(alert.patient), thresholds.review_after_weeks)


def _transition(session: Session, user: User, alert: Alert, to: str, action: str, note):
    event = AlertEvent(
        alert_id=alert.id,
        actor_id=user.id,
        action=action,
        from_status=alert.status,
        to_status=to,
        note=note,
    )
    session.add(event)
    alert.status = to
    alert.updated_at = utcnow()
    record_change(session, "alert", alert.id, alert.patient_id)
    return event
