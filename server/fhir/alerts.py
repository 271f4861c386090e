"""An alert as a DetectedIssue (what the rule found, its evidence, the decision) and a Flag.

A clinician's decision that sends the patient on (a referral, a request, an urgent
arrangement: `codes.is_referral`) is also a ServiceRequest, what is asked for, and a Task,
the work of arranging it; both carry the clinician's decision note.
"""

import json

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.detectedissue import (
    DetectedIssue,
    DetectedIssueEvidence,
    DetectedIssueMitigation,
)
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from domain.decisions import allowed_decisions, decision_label
from server.fhir import codes
from server.fhir.careplan import careplan_id
from server.fhir.common import instant, patient_ref, ref, staff_ref
from server.fhir.records import PatientRecord
from server.models import Alert

FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"


def alert_id(alert: Alert) -> str:
    """Return the id of an alert's DetectedIssue and Flag."""
    return f"stride-alert-{alert.id}"


def alert_resources(record: PatientRecord, alert: Alert) -> list:
    """Return an alert's DetectedIssue and Flag, and a referral's ServiceRequest and Task."""
    decided = next((e for e in reversed(alert.events) if e.action.startswith("decision:")), None)
    label = _decision_label(record, alert)
    issue = _issue(record, alert, decided, label)
    found = [issue, _flag(record, alert)]
    if alert.status == "decided" and codes.is_referral(alert.decision):
        found.extend(_referral(record, alert, decided, label))
    return found


def _decision_label(record: PatientRecord, alert: Alert) -> str | None:
    if not alert.decision:
        return None
    protocol = next((p for plan, p in record.plans if plan.id == alert.plan_id), None)
    allowed = allowed_decisions(alert.rule_id, protocol.pathway if protocol else None)
    return decision_label(alert.decision, allowed)


def _rule(alert: Alert) -> CodeableConcept:
    return codes.concept(
        codes.RULE,
        alert.rule_id,
        alert.rule_id,
        f"{alert.rule_id} (rule set {alert.rule_set_version})",
    )


def _issue(record, alert: Alert, decided, label) -> DetectedIssue:
    evidence = [
        DetectedIssueEvidence(
            code=[CodeableConcept(text=f"{key}: {_words(value)}")],
        )
        for key, value in sorted((alert.evidence or {}).items())
    ]
    for item in alert.checklist or ():
        met = "met" if item.get("met") else "not met"
        shown = f"Readiness: {item.get('label')}: {met}"
        if item.get("evidence"):
            shown += f" ({item['evidence']})"
        evidence.append(DetectedIssueEvidence(code=[CodeableConcept(text=shown)]))
    if alert.plan_id is not None and any(plan.id == alert.plan_id for plan, _ in record.plans):
        evidence.append(DetectedIssueEvidence(detail=[ref("CarePlan", careplan_id(alert.plan_id))]))
    mitigation = None
    if alert.decision:
        words = label if not (decided and decided.note) else f"{label}: {decided.note}"
        mitigation = [
            DetectedIssueMitigation(
                action=codes.concept(codes.DECISION, alert.decision, label, words),
                date=instant(alert.decided_at),
                author=staff_ref(decided.actor_id if decided else None, record.staff),
            )
        ]
    return DetectedIssue(
        id=alert_id(alert),
        status="final" if alert.status == "decided" else "preliminary",
        code=_rule(alert),
        severity=codes.ISSUE_SEVERITY.get(alert.severity),
        patient=patient_ref(record.patient.id),
        identifiedDateTime=instant(alert.created_at),
        detail=alert.rationale,
        evidence=evidence or None,
        mitigation=mitigation,
    )


def _words(value) -> str:
    """Return an evidence value as text (JSON for numbers in a structure)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _flag(record, alert: Alert) -> Flag:
    active = alert.status != "decided" and alert.cleared_at is None
    end = alert.decided_at or alert.cleared_at
    return Flag(
        id=alert_id(alert),
        extension=[
            Extension(url=codes.FLAG_DETAIL, valueReference=ref("DetectedIssue", alert_id(alert)))
        ],
        status="active" if active else "inactive",
        category=[codes.concept(FLAG_CATEGORY, "clinical", "Clinical")],
        code=CodeableConcept(
            coding=[codes.coding(codes.RULE, alert.rule_id, alert.rule_id)],
            text=alert.rationale,
        ),
        subject=patient_ref(record.patient.id),
        period=Period(start=instant(alert.created_at), end=instant(end) if end else None),
    )


def _referral(record, alert: Alert, decided, label) -> list:
    referral_id = f"{alert_id(alert)}-referral"
    note = [Annotation(text=decided.note)] if decided and decided.note else None
    requester = staff_ref(decided.actor_id if decided else None, record.staff)
    reason = [ref("DetectedIssue", alert_id(alert))]
    plans = [plan.id for plan, _ in record.plans]
    supporting = [ref("CarePlan", careplan_id(alert.plan_id))] if alert.plan_id in plans else None
    request = ServiceRequest(
        id=referral_id,
        status="active",
        intent="order",
        code=codes.concept(codes.DECISION, alert.decision, label),
        subject=patient_ref(record.patient.id),
        authoredOn=instant(alert.decided_at),
        requester=requester,
        reasonReference=reason,
        supportingInfo=supporting,
        note=note,
    )
    task = Task(
        id=referral_id,
        status="requested",
        intent="order",
        code=codes.concept(codes.TASK_CODE, "fulfill", "Fulfill the focal request"),
        description=label,
        focus=ref("ServiceRequest", referral_id),
        for_fhir=patient_ref(record.patient.id),
        authoredOn=instant(alert.decided_at),
        requester=requester,
        reasonReference=reason[0],
        note=note,
    )
    return [request, task]
