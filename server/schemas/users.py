"""Accounts, tokens and patients."""

from marshmallow import fields, validate

from server.models.users import ROLES, STAFF_ROLES
from server.schemas.common import (
    NOT_FUTURE,
    Day,
    StrictSchema,
    id_field,
    past_day,
    text_field,
    validate_timezone,
)


class UserSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(dump_only=True)
    display_name = fields.String(dump_only=True)
    role = fields.String(dump_only=True, metadata={"enum": list(ROLES)})
    patient_id = fields.Method("_patient_id", dump_only=True, allow_none=True)
    timezone = fields.Method(
        "_timezone",
        dump_only=True,
        allow_none=True,
        metadata={"description": "the patient's IANA time zone (patients only)"},
    )
    created_at = fields.DateTime(dump_only=True)
    active = fields.Boolean(
        attribute="is_active",
        dump_only=True,
        metadata={"description": "false: disabled by an admin (no sign-in, no token works)"},
    )
    cancer_history = fields.Method(
        "_cancer_history",
        dump_only=True,
        allow_none=True,
        metadata={"description": "recorded by a clinician (patients only; null: not recorded)"},
    )
    contacts = fields.Method(
        "_contacts",
        dump_only=True,
        metadata={"description": "numbers the app offers to call after urgent advice"},
    )

    def _cancer_history(self, user):
        return user.patient.cancer_history if user.patient else None

    def _contacts(self, _user):
        from flask import current_app

        return {
            "emergency_number": current_app.config["EMERGENCY_NUMBER"],
            "clinic_phone": current_app.config["CLINIC_PHONE"] or None,
        }

    def _patient_id(self, user):
        return user.patient.id if user.patient else None

    def _timezone(self, user):
        return user.patient.timezone if user.patient else None


class TokenRequestSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    code = fields.String(
        load_only=True,
        validate=validate.Length(max=32),
        metadata={"description": "staff with a second factor: an authenticator or recovery code"},
    )


class TokenSchema(StrictSchema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(UserSchema)
    recovery_codes = fields.List(
        fields.String(),
        metadata={"description": "only on the sign-in that completed MFA enrolment; shown once"},
    )


NEW_PASSWORD = (
    "at least 12 characters; not a common password, not your email or name (NIST SP 800-63B)"
)


def new_password_field(**metadata):
    """Return a field for a password being chosen (the rules are checked by the service)."""
    description = metadata.pop("description", NEW_PASSWORD)
    return fields.String(
        required=True,
        load_only=True,
        validate=[
            validate.Length(min=12, error="must be at least {min} characters"),
            validate.Length(max=256, error="must be at most {max} characters"),
        ],
        metadata={"description": description, **metadata},
    )


class NewStaffSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = text_field(120, required=True)
    role = fields.String(required=True, validate=validate.OneOf(("admin", *STAFF_ROLES)))
    password = new_password_field(
        description="an initial password: the new user must choose their own at first sign-in"
    )


class SignInRefusedSchema(StrictSchema):
    """A 403 from sign-in: the password was right but the account may not sign in."""

    code = fields.Integer(metadata={"description": "403"})
    status = fields.String()
    message = fields.String()
    reason = fields.String(metadata={"enum": ["account_disabled", "password_change_required"]})
    change_token = fields.String(
        metadata={
            "description": "password_change_required only: send it to POST "
            "/auth/password-change with a new password; good once, for ten minutes"
        }
    )
    expires_at = fields.DateTime(metadata={"description": "when change_token stops working"})


class PasswordChangeSchema(StrictSchema):
    change_token = fields.String(required=True, validate=validate.Length(1, 100))
    new_password = new_password_field()


class ActivationSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    code = fields.String(
        required=True,
        validate=validate.Length(1, 40),
        metadata={"description": "the one-time code from staff (hyphens and case do not matter)"},
    )
    new_password = new_password_field()


class OwnPasswordSchema(StrictSchema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=256)
    )
    new_password = new_password_field()


class OneTimeCodeSchema(StrictSchema):
    code = fields.String(
        metadata={"description": "shown once: the user types it in the app with a new password"}
    )
    expires_at = fields.DateTime()


class CareTeamChangeSchema(StrictSchema):
    staff_id = id_field(required=True)


class CareTeamMemberSchema(StrictSchema):
    id = fields.Integer(attribute="staff.id")
    display_name = fields.String(attribute="staff.display_name")
    role = fields.String(attribute="staff.role")


class NewPatientSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = text_field(120, required=True)
    timezone = fields.String(load_default="UTC", validate=validate_timezone)
    care_team = fields.List(id_field(), load_default=list, validate=validate.Length(max=20))
    date_of_birth = Day(
        allow_none=True,
        validate=past_day,
        metadata={
            "description": f"optional; staff see the patient's age beside alerts; {NOT_FUTURE}"
        },
    )


class SummarySchema(StrictSchema):
    plan_id = fields.Integer(allow_none=True)
    protocol_title = fields.String(allow_none=True)
    weeks_in_care = fields.Integer(allow_none=True)
    adherence_14d = fields.Float(allow_none=True, metadata={"description": "0..1, last 14 days"})
    pain_baseline = fields.Float(allow_none=True)
    pain_current = fields.Float(allow_none=True)
    pain_change = fields.Float(allow_none=True)
    pain_trend = fields.String(allow_none=True)
    last_activity = fields.Date(allow_none=True)
    open_alerts = fields.Integer()
    urgent_alerts = fields.Integer()
    attention = fields.Integer(metadata={"description": "higher needs attention sooner"})


class PatientSchema(StrictSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    email = fields.String(attribute="user.email")
    display_name = fields.String(attribute="user.display_name")
    timezone = fields.String()
    created_at = fields.DateTime()
    care_team = fields.List(fields.Nested(CareTeamMemberSchema))
    summary = fields.Nested(SummarySchema, allow_none=True)
    cancer_history = fields.Boolean(allow_none=True)
    cancer_history_at = fields.DateTime(allow_none=True)
    date_of_birth = fields.Date(allow_none=True)
    activated = fields.Boolean(
        attribute="user.has_password",
        metadata={"description": "whether the patient has chosen a password with their code"},
    )


class CancerHistorySchema(StrictSchema):
    cancer_history = fields.Boolean(
        required=True,
        truthy={True},
        falsy={False},
        metadata={"description": "whether the patient has ever had cancer"},
    )


class InvitationSchema(StrictSchema):
    link = fields.String(
        metadata={"description": "stride://join?server=...&user=...: tapped or pasted in the app"}
    )
    code = fields.String(
        metadata={"description": "the same as text to type: server (no https://), '/', email"}
    )
    server = fields.String(metadata={"description": "the server address the app signs in to"})
    user = fields.String(metadata={"description": "the email the patient signs in with"})


class NewPatientResultSchema(PatientSchema):
    activation = fields.Nested(
        OneTimeCodeSchema,
        metadata={
            "description": "shown once: the patient activates with it and chooses a password "
            "(POST /auth/activation); staff never know the password"
        },
    )
    invitation = fields.Nested(
        InvitationSchema,
        metadata={"description": "how the patient's app finds this server and account"},
    )
