"""Turning rule findings into alerts: one alert per live (patient, plan, rule) episode."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.findings import Finding
from domain.protocol import Protocol
from domain.redflags import highest
from domain.ruleset import Thresholds, thresholds_for
from server.models import Alert, AlertEvent
from server.models.types import utcnow
from server.services.changes import lock_feed, record_change, record_changes

# R-RED, R-POSTOP and R-STOP are raised inside the request that submits the check or log
# (services/events.py), R-ENROL inside the refused assignment; the sweep runs the rest.
SWEEP_RULES = ("R-FAIL", "R-ADH", "R-WORSE", "R-NEURO", "R-PHASE")
SUBMISSION_RULES = ("R-RED", "R-POSTOP", "R-STOP", "R-ENROL")


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
    add_evidence: bool = False,
) -> list[tuple[Alert, bool]]:
    """Store each finding as an alert unless its episode already has one; say which are new.

    With `add_evidence` (a new report at submission), a finding of a live episode adds its
    evidence to that alert and marks it updated for the clinician (see `add_report`).

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
            existing = _live_alert(session, key, lock=add_evidence)
        if existing is not None:
            if add_evidence:
                add_report(session, existing, finding)
            results.append((existing, False))
            continue
        alert = _new_alert(patient_id, plan_id, finding, key)
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
                existing = _live_alert(session, key, lock=add_evidence)
                if add_evidence and existing is not None:
                    add_report(session, existing, finding)
                results.append((existing, False))
                continue
        results.append((alert, True))
    if live is None:
        publish(session, [alert for alert, created in results if created])
    return results


def _live_alert(session: Session, key: str, lock: bool) -> Alert | None:
    """Return the alert of a live episode; with `lock`, locked and read afresh to add to it.

    Adding a report may reopen an acknowledged alert: the lock makes a simultaneous decision
    either come first (the episode is over and the report raises a new alert) or wait.
    """
    query = select(Alert).where(Alert.open_key == key)
    if lock:
        lock_feed(session)
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session.scalar(query)


def _new_alert(patient_id: int, plan_id: int | None, finding: Finding, key: str) -> Alert:
    """Build the alert of a finding, with its "raised" event."""
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
    return alert


def decision_snapshot(alert: Alert) -> list | None:
    """Return the checklist kept with the alert's decision (None before one)."""
    decided = [e for e in alert.events if e.action.startswith("decision:")]
    return decided[-1].snapshot if decided else None


def raise_again(
    session: Session, alert: Alert, finding: Finding, reason: str, live: dict[str, Alert]
) -> Alert:
    """End a decided alert's episode and raise it again as a new alert linked to it.

    Called by a sweep (which holds the sweep lock) once per review point: the new alert is
    open, so it is not raised again until it, too, is decided.
    """
    key = alert.open_key
    alert.open_key = None
    alert.updated_at = utcnow()
    session.add(
        AlertEvent(
            alert_id=alert.id,
            action="raised_again",
            from_status=alert.status,
            to_status=alert.status,
            note=f"Raised again: {reason}."[:2000],
        )
    )
    record_change(session, "alert", alert.id, alert.patient_id)
    session.flush()  # the episode key is free before the new alert takes it
    again = _new_alert(alert.patient_id, alert.plan_id, finding, key)
    again.follows_id = alert.id
    again.events[0].note = f"Raised again after the decision on alert {alert.id}: {reason}."
    session.add(again)
    live[key] = again
    return again


def refresh_evidence(session: Session, alert: Alert, finding: Finding) -> None:
    """Keep an undecided sweep alert's evidence current (weeks in care, pain, adherence)."""
    if alert.evidence == finding.evidence and alert.rationale == finding.rationale:
        return
    alert.evidence, alert.rationale = finding.evidence, finding.rationale
    alert.checklist = finding.evidence.get("readiness", [])
    alert.updated_at = utcnow()
    record_change(session, "alert", alert.id, alert.patient_id)


def add_report(session: Session, alert: Alert, finding: Finding) -> None:
    """Add a later report of the same episode to an alert's evidence; reopen it if acknowledged.

    The clinician sees what came in and when (`evidence.reports`, `evidence_updated_at`, an
    `evidence_added` event); the positives or signs of every report are merged.
    """
    now = utcnow()
    evidence = dict(alert.evidence)
    reports = list(evidence.get("reports") or [])
    reports.append({"received_at": now.isoformat(), **finding.evidence})
    evidence["reports"] = reports
    for key in ("positives", "signs"):
        if key in finding.evidence:
            merged = list(evidence.get(key) or []) + list(finding.evidence[key])
            evidence[key] = list(dict.fromkeys(merged))
    if "level" in finding.evidence:
        evidence["level"] = highest([evidence.get("level", "none"), finding.evidence["level"]])
    alert.evidence = evidence
    alert.evidence_updated_at = alert.updated_at = now
    if finding.severity == "urgent":
        alert.severity = "urgent"
    to_status = "open" if alert.status == "acknowledged" else alert.status
    session.add(
        AlertEvent(
            alert_id=alert.id,
            action="evidence_added",
            from_status=alert.status,
            to_status=to_status,
            note=f"A later report on the same day: {finding.rationale}"[:2000],
        )
    )
    alert.status = to_status
    record_change(session, "alert", alert.id, alert.patient_id)


def publish(session: Session, alerts: list[Alert]) -> None:
    """Put new alerts on the change feed; one flush gives their ids, one insert adds them.

    One statement (and on PostgreSQL one feed-lock call) for a sweep batch's alerts, not one
    per alert: at a full sweep's hundreds of alerts a batch, those round trips were a third
    of its time.
    """
    if alerts:
        session.flush()
        record_changes(session, "alert", [(alert.id, alert.patient_id) for alert in alerts])


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
        # Read afresh under the row lock (feed lock first, as every alert writer): an
        # acknowledgement or decision meanwhile is what the event's statuses must name.
        lock_feed(session)
        session.refresh(alert, with_for_update={"key_share": True})
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
