"""Second factors: the challenge at sign-in, enrolment, recovery codes."""

from marshmallow import fields, validate

from server.schemas.common import StrictSchema

CODE_DESCRIPTION = "the 6-digit code the authenticator app shows now"


class EnrolmentSchema(StrictSchema):
    secret = fields.String(
        metadata={"description": "base32 key to type into an authenticator app (shown once)"}
    )
    uri = fields.String(metadata={"description": "the same as an otpauth:// URI (a QR code)"})
    issuer = fields.Constant("Stride")
    digits = fields.Constant(6)
    period = fields.Constant(30, metadata={"description": "seconds each code lasts"})


class SecondFactorSchema(StrictSchema):
    second_factor = fields.String(
        metadata={
            "enum": ["code", "enrol"],
            "description": "code: send `code` with the password again; enrol: add `enrolment`"
            " to an authenticator app first, then send its first code",
        }
    )
    message = fields.String()
    enrolment = fields.Nested(EnrolmentSchema, allow_none=True)


class CodeSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": CODE_DESCRIPTION},
    )


class RecoveryCodesSchema(StrictSchema):
    recovery_codes = fields.List(
        fields.String(),
        metadata={"description": "one-time codes for when the phone is lost; shown once only"},
    )


class MfaStatusSchema(StrictSchema):
    enrolled = fields.Boolean()
    required = fields.Boolean(metadata={"description": "whether this account's role needs one"})
    recovery_codes_left = fields.Integer()
