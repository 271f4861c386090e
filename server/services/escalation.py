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

# R-RED and R-POSTOP are raised inside the request that submits the check or log
# (services/events.py); the sweep runs the rest.
SWEEP_RULES = ("R-FAIL", "R-ADH", "R-WORSE", "R-NEURO", "R-PHASE")


def thresholds_of(protocol: Protocol) -> Thresholds:
    """Return the rule-set thresholds with the protocol's `escalation:` overrides."""
    return thresholds_for(protocol.escalation)


def episode_key(patient_id: int, plan_id: int | None, finding: Finding) -> str:
    """Return the key that identifies one live episode of a rule."""
    return f"{patient_id}:{plan_id or 0}:{finding.rule_id}:{finding.episode_key}"[:160]


def live_alerts(session: Session, plan_ids: Iterable[int]) -> dict[int, dict[str, Alert]]:
    """Return the alerts of live episodes of these plans: plan id -> episode key -> alert."""
    by_plan: dict[int, dict[str, Alert]] = {plan_id: {} for plan_id in plan_ids}
    for alert in session.scalars(
        select(Alert).where(Alert.plan_id.in_(list(by_plan)), Alert.open_key.is_not(None))
    ):
        by_plan[alert.plan_id][alert.open_key] = alert
    return by_plan


def raise_alerts(
    session: Session,
    patient_id: int,
    plan_id: int | None,
    findings: Iterable[Finding],
    live: dict[str, Alert] | None = None,
) -> list[tuple[Alert, bool]]:
    """Store each finding as an alert unless its episode already has one; say which are new.

    `live` (one plan's entry of `live_alerts`) is given by a sweep, which holds the sweep lock,
    so no other sweep raises the same episode meanwhile, and which `publish`es the new alerts
    once per batch; without it, each key is looked up, a racing insert is caught by the unique
    index, and the new alerts are published at once.
    """
    results = []
    for finding in findings:
        key = episode_key(patient_id, plan_id, finding)
        if live is not None:
            existing = live.get(key)
        else:
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
        alert.events.append(AlertEvent(action="raised", to_status="open"))
        if live is not None:
            session.add(alert)
            live[key] = alert
        else:
            try:
                with session.begin_nested():
                    session.add(alert)
                    session.flush()
            except IntegrityError:
                # Raised by a concurrent request a moment ago: that alert is the one.
                existing = session.scalar(select(Alert).where(Alert.open_key == key))
                results.append((existing, False))
                continue
        results.append((alert, True))
    if live is None:
        publish(session, [alert for alert, created in results if created])
    return results


def publish(session: Session, alerts: list[Alert]) -> None:
    """Put new alerts on the change feed; one flush for all of them gives their ids."""
    if alerts:
        session.flush()
        for alert in alerts:
            record_change(session, "alert", alert.id, alert.patient_id)


def clear_finished_episodes(
    session: Session, still_firing: set[str], rules: Iterable[str], live: dict[str, Alert]
) -> int:
    """End the plan's episodes of these rules that no longer fire; return how many.

    `live` is the plan's entry of `live_alerts`.
    """
    rules = set(rules)
    stale = [a for key, a in live.items() if a.rule_id in rules and key not in still_firing]
    cleared = 0
    for alert in stale:
        del live[alert.open_key]
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
