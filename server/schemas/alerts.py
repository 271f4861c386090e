"""Escalation alerts."""

from marshmallow import fields, validate

from server.models.alerts import SEVERITIES, STATUSES
from server.schemas.clinical import DETAIL_SCHEMAS
from server.schemas.common import Day, QuerySchema, StrictSchema, WholeNumber, id_field, text_field


class AlertEventSchema(StrictSchema):
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.String(allow_none=True)
    snapshot = fields.List(
        fields.Dict(),
        allow_none=True,
        metadata={"description": "a decision's readiness checklist as it was shown"},
    )


class AllowedDecisionSchema(StrictSchema):
    id = fields.String(metadata={"description": "the value to send as `decision`"})
    label = fields.String(metadata={"description": "the decision in plain words"})
    sets_review_on = fields.Boolean(
        metadata={"description": "the decision sets a review date (`review_on`)"}
    )


class ChainLinkSchema(StrictSchema):
    id = fields.Integer()
    rule_id = fields.String()
    created_at = fields.String(metadata={"description": "ISO date-time"})
    decision = fields.String(allow_none=True)
    decision_label = fields.String(allow_none=True)
    decided_at = fields.String(allow_none=True, metadata={"description": "ISO date-time"})
    review_on = fields.String(allow_none=True, metadata={"description": "ISO date"})


class ClinicalRecordLineSchema(StrictSchema):
    """One clinical record behind an alert, with its words."""

    kind = fields.String(
        metadata={
            "enum": [*DETAIL_SCHEMAS, "note"],
            "description": "the clinical event's kind ('note': a remark about several records)",
        }
    )
    event_date = fields.Date(allow_none=True)
    recorded_by = fields.String(allow_none=True, metadata={"description": "name, role"})
    details = fields.Dict(metadata={"description": "the event's details, as stored"})
    text = fields.String(metadata={"description": "the record in words, with test accuracies"})


class AlertSchema(StrictSchema):
    id = fields.Integer()
    patient_id = fields.Integer()
    patient_name = fields.String(attribute="patient.user.display_name")
    plan_id = fields.Integer(allow_none=True)
    rule_id = fields.String()
    rule_set_version = fields.String()
    severity = fields.String(metadata={"enum": list(SEVERITIES)})
    status = fields.String(metadata={"enum": list(STATUSES)})
    route_to = fields.String()
    rationale = fields.String()
    evidence = fields.Dict()
    checklist = fields.List(
        fields.Dict(),
        attribute="shown_checklist",
        metadata={"description": "readiness, computed from the current record when shown"},
    )
    next_steps = fields.List(fields.String(), attribute="shown_next_steps")
    clinical_record = fields.List(
        fields.Nested(ClinicalRecordLineSchema),
        attribute="shown_clinical_record",
        metadata={
            "description": "R-FAIL: the current structured clinical records, oldest first "
            "(exam tests with their accuracy, imaging measurements, injections, intake)"
        },
    )
    decision = fields.String(allow_none=True)
    decision_label = fields.String(
        allow_none=True, metadata={"description": "the decision taken, in plain words"}
    )
    decisions = fields.List(
        fields.Nested(AllowedDecisionSchema),
        attribute="allowed_decisions",
        metadata={
            "description": "the decisions this alert allows (a failed trial: its protocol's "
            "pathway; other rules: their outcome set), in the order offered"
        },
    )
    default_review_on = fields.Date(
        allow_none=True,
        metadata={
            "description": "the review date a decision with sets_review_on gets when none is "
            "given (null: no decision of this alert sets one)"
        },
    )
    decided_at = fields.DateTime(allow_none=True)
    review_on = fields.Date(
        allow_none=True,
        metadata={"description": "the decision's review point: judged again on this date"},
    )
    follows_id = fields.Integer(
        allow_none=True, metadata={"description": "the decided alert this one raises again"}
    )
    chain = fields.List(
        fields.Nested(ChainLinkSchema),
        metadata={"description": "earlier alerts of the episode, newest first, with decisions"},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    evidence_updated_at = fields.DateTime(
        allow_none=True, metadata={"description": "when a later report added evidence"}
    )
    events = fields.List(fields.Nested(AlertEventSchema))


class PatientAlertSchema(StrictSchema):
    """What a patient sees of an alert about them: that it exists and where it stands."""

    id = fields.Integer()
    rule_id = fields.String()
    severity = fields.String()
    status = fields.String()
    route_to = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AlertArgs(QuerySchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    rule = fields.String(validate=validate.Length(1, 20))
    patient_id = id_field()
    limit = WholeNumber(load_default=200, validate=validate.Range(1, 1000))


class ReferralArgs(QuerySchema):
    link = fields.String(
        validate=validate.Length(1, 1000),
        metadata={
            "description": "a signed link token (a CDS Hooks card's link): opens this one "
            "packet without a bearer token, until it expires"
        },
    )


class AcknowledgeSchema(StrictSchema):
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class DecisionSchema(StrictSchema):
    decision = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "one of the alert's `decisions` (their `id`)"},
    )
    note = text_field(4000, required=True)
    review_on = Day(
        load_default=None,
        metadata={
            "description": "for a decision with sets_review_on: when to judge again "
            "(default: the alert's default_review_on, the rule set's review_after_weeks); "
            "after the patient's today and at most 366 days ahead"
        },
    )
