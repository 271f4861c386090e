"""Turning rule findings into alerts: one alert per live (patient, plan, rule) episode."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.domain.protocol import Protocol
from server.domain.rules import Finding
from server.domain.ruleset import Thresholds, thresholds_for
from server.models import Alert, AlertEvent
from server.models.types import utcnow
from server.services.changes import record_change

# Raised inside the request that submits the check or log; the sweep leaves them alone.
SUBMISSION_RULES = ("R-RED", "R-POSTOP")
SWEEP_RULES = ("R-FAIL", "R-ADH", "R-WORSE", "R-NEURO", "R-PHASE")


def thresholds_of(protocol: Protocol) -> Thresholds:
    """Return the rule-set thresholds with the protocol's `escalation:` overrides."""
    return thresholds_for(protocol.escalation)


def episode_key(patient_id: int, plan_id: int | None, finding: Finding) -> str:
    """Return the key that identifies one live episode of a rule."""
    return f"{patient_id}:{plan_id or 0}:{finding.rule_id}:{finding.episode_key}"[:160]


def raise_alerts(
    session: Session, patient_id: int, plan_id: int | None, findings: Iterable[Finding]
) -> list[tuple[Alert, bool]]:
    """Store each finding as an alert unless its episode already has one; say which are new."""
    results = []
    for finding in findings:
        key = episode_key(patient_id, plan_id, finding)
        existing = session.scalar(select(Alert).where(Alert.open_key == key))
        if existing is not None:
            results.append((existing, False))
            continue
        alert = Alert(
            patient_id=patient_id,
            plan_id=plan_id,
            rule_id=finding.rule_id,
            rule_set_version=finding.rule_set_version,
            severity=finding.severity,
            status="open",
            route_to=finding.route_to,
            rationale=finding.rationale,
            evidence=finding.evidence,
            checklist=finding.evidence.get("readiness", []),
            episode_key=finding.episode_key,
            open_key=key,
        )
        try:
            with session.begin_nested():
                session.add(alert)
                session.flush()
        except IntegrityError:
            # Another sweep raised the same episode a moment ago: that alert is the one.
            results.append((session.scalar(select(Alert).where(Alert.open_key == key)), False))
            continue
        session.add(AlertEvent(alert_id=alert.id, action="raised", to_status="open"))
        record_change(session, "alert", alert.id, patient_id)
        results.append((alert, True))
    return results


def clear_finished_episodes(
    session: Session, plan_id: int, live_keys: set[str], rules: Iterable[str]
) -> int:
    """End the episodes of these rules whose condition no longer holds; return how many."""
    stale = session.scalars(
        select(Alert).where(
            Alert.plan_id == plan_id,
            Alert.rule_id.in_(list(rules)),
            Alert.open_key.is_not(None),
        )
    ).all()
    cleared = 0
    for alert in stale:
        if alert.open_key in live_keys:
            continue
        alert.open_key = None
        alert.cleared_at = alert.updated_at = utcnow()
        session.add(
            AlertEvent(
                alert_id=alert.id,
                action="condition_cleared",
                from_status=alert.status,
                to_status=alert.status,
                note="The rule no longer fires; a new episode would raise a new alert.",
            )
        )
        record_change(session, "alert", alert.id, alert.patient_id)
        cleared += 1
    return cleared
