"""Which API calls leave an audit event, and the one hook (in StrideBlueprint.auth) that writes it.

When each event is written, and what a failed write does:

- a change (plans, alerts, accounts, clinical events): the event is added to the session before
  the view runs, so the service's own commit stores it in the same transaction as the change.
  Both are stored or neither is: a failed audit write is a 500 with nothing stored, which the
  caller may safely retry; a 2xx always means "stored and audited". The id of a created object
  is filled in afterwards; if only that second write fails, it is logged and the 2xx stands
  (the change is stored and its event names actor, action and patient already).
- a read of a patient's record by staff: written after the view built its answer and before it
  is sent. If that write fails, a GET answers 500 instead of disclosing a record without a
  trace (a read stores nothing, so retrying loses nothing); POST /sync, whose pushed events are
  already committed, keeps its answer and logs the failure at ERROR.
- a denied call (403/404) by anyone: written after rolling back whatever the call attempted,
  with the refusal's message as its `reason`; a failure to write it is logged, and the caller
  gets the denial either way.
- each event a /sync push carries is audited like the REST call that stores its kind
  (`PushAudit`): a staff write (a clinician's MRI result) as `clinical_event.create`, in the
  push's transaction; an event refused because the caller may not write it, as a refusal.
- a read of the audit log itself (`audit.read`), naming the patient or actor it was filtered
  by, so looking up who saw a record leaves a trace too.

Reads by patients of their own record are not audited; their denied attempts are.
"""

import logging
from dataclasses import dataclass, replace

from flask import g, request
from sqlalchemy.exc import SQLAlchemyError

from server.database import begin_writing
from server.extensions import db
from server.models import AuditEventPatient, User
from server.services import audit
from server.services.errors import ServiceError
from server.services.events import MODELS

log = logging.getLogger(__name__)

READ, CHANGE, DENIALS = "read", "change", "denials"


@dataclass(frozen=True)
class Rule:
    """How one view is audited.

    kind: READ (staff successes and every denial), CHANGE (every success, in the change's
    transaction, and every denial) or DENIALS (denied attempts only).
    created: for a view that creates an object, its type; the answer's "id" is its id.
    patients: where the patients touched are named: "url" (the object in the URL), "answer"
    (every "patient_id" in the answer), "answer_ids" (the answer's items are patients),
    "accounts" (the account list: every "patient_id" in it; always recorded, as an admin's
    look at who has an account) or "filters" (the audit log: the patient and actor it was
    filtered by; always recorded).
    """

    action: str
    kind: str = READ
    created: str | None = None
    patients: str = "url"


RULES: dict[str, Rule] = {
    "patients.index": Rule("patient.list", patients="answer_ids"),
    "patients.show": Rule("patient.read"),
    "patients.create": Rule("patient.create", CHANGE, "patient", "answer_ids"),
    "plans.index": Rule("plan.list"),
    "plans.show": Rule("plan.read"),
    "plans.revisions": Rule("plan.revisions.read"),
    "plans.schedule": Rule("plan.schedule.read"),
    "calendar.schedule": Rule("plan.calendar.read"),
    "calendar.create_feed": Rule("calendar_feed.create", CHANGE, "calendar_feed"),
    "calendar.revoke_feed": Rule("calendar_feed.revoke", CHANGE),
    "plans.create": Rule("plan.create", CHANGE, "plan"),
    "plans.adjust": Rule("plan.adjust", CHANGE),
    "logs.list_exercise_logs": Rule("exercise_logs.read"),
    "logs.list_pain_logs": Rule("pain_logs.read"),
    "logs.list_red_flag_checks": Rule("red_flag_checks.read"),
    "logs.list_clinical_events": Rule("clinical_events.read"),
    "logs.create_clinical_event": Rule("clinical_event.create", CHANGE),
    "logs.create_exercise_log": Rule("exercise_log.create", DENIALS),
    "logs.create_pain_log": Rule("pain_log.create", DENIALS),
    "logs.create_red_flag_check": Rule("red_flag_check.create", DENIALS),
    "logs.list_postop_checks": Rule("postop_checks.read"),
    "logs.create_postop_check": Rule("postop_check.create", DENIALS),
    "logs.list_outcome_measures": Rule("outcome_measures.read"),
    "logs.create_outcome_measure": Rule("outcome_measure.create", DENIALS),
    "patients.set_cancer_history": Rule("patient.cancer_history", CHANGE),
    "patients.reissue_activation": Rule("patient.activation_code", CHANGE),
    "sync.push_and_pull": Rule("sync", patients="answer"),
    "alerts.index": Rule("alert.list", patients="answer"),
    "alerts.show": Rule("alert.read"),
    "alerts.acknowledge": Rule("alert.acknowledge", CHANGE),
    "alerts.decide": Rule("alert.decide", CHANGE),
    # Staff with a token; a signed link's reads are recorded by LinkAudit, with this action.
    "alerts.referral_packet": Rule("alert.referral_packet"),
    "users.create": Rule("user.create", CHANGE, "user"),
    "users.revoke_tokens": Rule("user.revoke_tokens", CHANGE),
    "users.index": Rule("user.list", patients="accounts"),
    "users.disable": Rule("user.disable", CHANGE),
    "users.enable": Rule("user.enable", CHANGE),
    "users.reset": Rule("user.reset_password", CHANGE),
    "careteams.add": Rule("care_team.add", CHANGE),
    "careteams.remove": Rule("care_team.remove", CHANGE),
    "auth.delete_token": Rule("auth.sign_out", CHANGE),
    "audit.index": Rule("audit.read", patients="filters"),
    "mfa.start": Rule("mfa.enrolment_start", CHANGE),
    "mfa.confirm": Rule("mfa.enrolment_confirm", CHANGE),
    "mfa.renew_recovery_codes": Rule("mfa.recovery_codes_renew", CHANGE),
    "mfa.reset": Rule("user.mfa_reset", CHANGE),
    "fhir.patient_bundle": Rule("patient.fhir_export"),
}

# The REST call that stores each kind of event a /sync push carries: a push is audited like it.
PUSH_ENDPOINTS = {kind: f"logs.create_{kind}" for kind in MODELS}

# Views that touch no patient record and no account. Signing in and choosing a password are
# audited by their use cases (services.auth.sign_in, services.credentials), which also see
# the attempts that never reach a view's token check.
UNAUDITED = {
    "auth.create_token",
    # Audited by their use cases (services/credentials.py), failures included.
    "passwords.activate",
    "passwords.finish_change",
    "passwords.change",
    "auth.me",
    "mfa.show",
    "protocols.index",
    "protocols.show",
    "protocols.show_version",
    "protocols.show_version_fhir",
    "protocols.figure",  # a drawing of an exercise, public: no patient, no account
    "health.health",
    # CDS Hooks: discovery names no patient; a hook call has no Stride user and is audited by
    # its use case (services/cds.py record_call: `cds.patient_view`, actor role "ehr").
    "cds.discovery",
    "cds.patient_view",
    # A private feed read by the patient's calendar app: the patient's own data read for the
    # patient, like their own reads (not audited); no user is signed in to name as the actor.
    # Making and revoking the feed are audited (calendar.create_feed, calendar.revoke_feed).
    "calendar.feed",
}


class CallAudit:
    """The audit event of one authenticated API call, from its URL to its answer."""

    def __init__(self, user: User, endpoint: str | None, view_args: dict):
        self.user, self.view_args = user, view_args
        self.role = user.role  # read now: a commit in the view expires the user object
        self.rule = RULES.get(endpoint or "")
        self.pending = None
        self.transaction = None

    def before(self) -> None:
        """Add a change's event to the session, so the change's own commit stores it."""
        if self.rule is None or self.rule.kind != CHANGE:
            return
        begin_writing(db.session)
        subject = audit.subject_of(db.session, self.view_args)
        if self.rule.created:
            subject = replace(subject, object_type=self.rule.created, object_id=None)
        session = db.session()  # the request's Session behind the scoped proxy
        self.transaction = session.get_transaction() or session.begin()
        self.pending = audit.record(
            db.session, self.user, self.rule.action, subject, request.remote_addr
        )

    def after(self, answer) -> None:
        """Complete a change's event, or write a read's event; see the module docstring."""
        if self.rule is None:
            return
        if self.rule.kind == CHANGE:
            if db.session().get_transaction() is self.transaction:
                db.session.commit()  # the view left its commit to us: change and event together
            self._complete_created(answer)
        elif self.rule.kind == READ and self.role != "patient":
            self._record_read(answer)

    def denied(self, error: ServiceError) -> None:
        """Roll back what the call attempted; record it if it was refused (403/404)."""
        db.session.rollback()
        if self.rule is None or error.status not in (403, 404):
            return
        begin_writing(db.session)
        outcome = "forbidden" if error.status == 403 else "not_found"
        try:
            subject = audit.subject_of(db.session, self.view_args)
            audit.record(
                db.session,
                self.user,
                self.rule.action,
                subject,
                request.remote_addr,
                outcome,
                error.message,
            )
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.error("audit: could not record a refused %s call", self.rule.action)

    def abandoned(self) -> None:
        """Drop a change's event with whatever the failed call left in the session."""
        db.session.rollback()

    def _complete_created(self, answer) -> None:
        new_id = answer.get("id") if isinstance(answer, dict) else None
        if not (self.rule.created and isinstance(new_id, int)):
            return
        try:
            self.pending.object_id = new_id
            if self.rule.patients == "answer_ids":
                self.pending.patients.append(AuditEventPatient(patient_id=new_id))
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.error("audit: could not name the object created by %s", self.rule.action)

    def _record_read(self, answer) -> None:
        if self.rule.patients == "url":
            subject = audit.subject_of(db.session, self.view_args)
        elif self.rule.patients == "filters":
            subject = _filters_of(request.args)
        else:
            subject = audit.Subject(patient_ids=patient_ids_in(answer, self.rule.patients))
            if not subject.patient_ids and self.rule.patients != "accounts":
                return  # the answer revealed no patient's record
        try:
            begin_writing(db.session)
            audit.record(db.session, self.user, self.rule.action, subject, request.remote_addr)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            if request.method == "GET":
                raise
            log.error("audit: could not record %s; the answer was sent anyway", self.rule.action)


def _filters_of(args) -> audit.Subject:
    """Name what an audit-log read was about: the actor and the patient it was filtered by."""
    actor, patient = args.get("actor_id", type=int), args.get("patient_id", type=int)
    return audit.Subject(
        "user" if actor is not None else None, actor, (patient,) if patient is not None else ()
    )


class LinkAudit:
    """The audit event of a referral packet opened through a signed link (no Stride account).

    The reader is an EHR user who followed a CDS Hooks card: the event has no actor id, the
    role "ehr", and names who the link was issued for in `reason`. A success is written like a
    staff read (a failure to write it fails the GET); a link for another alert (403) like a
    refusal. A forged or expired link (401) is not recorded, as a bad bearer token is not.
    """

    ROLE = "ehr"

    def __init__(self, alert_id: int):
        self.view_args = {"alert_id": alert_id}
        self.action = RULES["alerts.referral_packet"].action

    def read(self, issued_to: str) -> None:
        """Record the packet's disclosure; raise if that cannot be stored."""
        try:
            begin_writing(db.session)
            self._record("ok", f"signed link issued to {issued_to or 'an unnamed client'}")
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            raise

    def denied(self, error: ServiceError) -> None:
        """Record a refused link (403); log a failure to record it."""
        db.session.rollback()
        if error.status != 403:
            return
        begin_writing(db.session)
        try:
            self._record("forbidden", error.message)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.error("audit: could not record a refused referral link")

    def _record(self, outcome: str, reason: str) -> None:
        subject = audit.subject_of(db.session, self.view_args)
        event = audit.record(
            db.session, None, self.action, subject, request.remote_addr, outcome, reason
        )
        event.actor_role = self.ROLE


class PushAudit:
    """The audit events of the events in one /sync push, each recorded like its REST call.

    An accepted event is recorded when its REST call records a success (a change, such as a
    clinician's imaging or injection result) or when staff wrote it; a patient's own logs are
    not, as on REST. These are added to the push's transaction: stored with the events or not
    at all. An event refused because the caller may not write it (403/404 on REST) is recorded
    with the reason, after the push's events, in a savepoint: a failure to record it is logged
    and the push stands. An invalid event is answered in its result and, like a REST 422, not
    recorded.
    """

    def __init__(self, user: User, address: str | None):
        self.user, self.role, self.address = user, user.role, address
        self._refused: list[tuple[str, int | None, ServiceError]] = []

    def accepted(self, session, kind: str, patient_id: int) -> None:
        """Record an event the push stored (or had stored already), if its REST call would."""
        rule = RULES[PUSH_ENDPOINTS[kind]]
        if rule.kind == CHANGE or self.role != "patient":
            subject = audit.Subject("patient", patient_id, (patient_id,))
            audit.record(session, self.user, rule.action, subject, self.address)

    def refused(self, kind: str, patient_id: int | None, error: ServiceError) -> None:
        """Remember an event refused because the caller may not write it (403 or 404)."""
        if error.status in (403, 404):
            self._refused.append((kind, patient_id, error))

    def record_refusals(self, session) -> None:
        """Record the refused events, in a savepoint of the push's transaction."""
        if not self._refused:
            return
        begin_writing(session)
        try:
            with session.begin_nested():
                for kind, patient_id, error in self._refused:
                    outcome = "forbidden" if error.status == 403 else "not_found"
                    owner = (patient_id,) if patient_id is not None else ()
                    subject = audit.Subject("patient", patient_id, owner)
                    action = RULES[PUSH_ENDPOINTS[kind]].action
                    audit.record(
                        session, self.user, action, subject, self.address, outcome, error.message
                    )
        except SQLAlchemyError:
            log.error("audit: could not record %d refused sync events", len(self._refused))
        self._refused.clear()


def patient_ids_in(answer, mode: str) -> tuple[int, ...]:
    """Return the patient ids an answer reveals: its items' ids, or every "patient_id" in it."""
    if mode == "answer_ids":
        items = answer if isinstance(answer, list) else [answer]
        return tuple(item["id"] for item in items if isinstance(item, dict) and "id" in item)
    found: list[int] = []
    stack = [answer]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("patient_id"), int):
                found.append(node["patient_id"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return tuple(sorted(set(found)))


def remember_answer(data):
    """Keep the serialized answer of this request for the audit hook."""
    g.audit_answer = data
    return data
