"""CDS Hooks 2.0 bodies: the discovery answer, a `patient-view` hook request, its cards.

A hook request is written by an EHR to the CDS Hooks specification, not to Stride's API, and
the specification lets it carry more than Stride reads (an `extension` object, fields of later
versions of the specification, more context fields such as `encounterId`). The request and its
context therefore ignore unknown fields (`unknown = EXCLUDE`) instead of refusing them as every
other Stride schema does; the fields Stride reads are still checked strictly (type, length).
"""

from marshmallow import EXCLUDE, fields, validate

from server.schemas.common import StrictSchema

ID_MAX = 200
FHIR_URL_MAX = 2000


class PatientViewContextSchema(StrictSchema):
    """The `patient-view` context: who is looking, and at which patient (the EHR's ids)."""

    class Meta:
        unknown = EXCLUDE

    userId = fields.String(
        required=True,
        validate=validate.Length(1, ID_MAX),
        metadata={"description": "the EHR user, e.g. `Practitioner/123`"},
    )
    patientId = fields.String(
        required=True,
        validate=validate.Length(1, ID_MAX),
        metadata={"description": "the FHIR id of the patient in the EHR"},
    )
    encounterId = fields.String(validate=validate.Length(max=ID_MAX))


class FhirAuthorizationSchema(StrictSchema):
    """The EHR's offer of a token for its FHIR server (Stride never calls back: ignored)."""

    class Meta:
        unknown = EXCLUDE

    access_token = fields.String(load_only=True)
    token_type = fields.String()
    expires_in = fields.Integer()
    scope = fields.String()
    subject = fields.String()


class HookRequestSchema(StrictSchema):
    """A `patient-view` call (CDS Hooks 2.0, "HTTP Request"); unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE

    hook = fields.String(required=True, validate=validate.OneOf(["patient-view"]))
    hookInstance = fields.String(
        required=True,
        validate=validate.Length(1, ID_MAX),
        metadata={"description": "a UUID for this hook call"},
    )
    fhirServer = fields.String(validate=validate.Length(max=FHIR_URL_MAX))
    fhirAuthorization = fields.Nested(FhirAuthorizationSchema)
    context = fields.Nested(PatientViewContextSchema, required=True)
    prefetch = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        metadata={"description": "`patient`: the Patient resource in context (or null)"},
    )


class ServiceSchema(StrictSchema):
    hook = fields.String()
    id = fields.String()
    title = fields.String()
    description = fields.String()
    prefetch = fields.Dict(keys=fields.String(), values=fields.String())


class DiscoverySchema(StrictSchema):
    services = fields.List(fields.Nested(ServiceSchema))


class CodingSchema(StrictSchema):
    system = fields.String()
    code = fields.String()
    display = fields.String()


class SourceSchema(StrictSchema):
    label = fields.String()
    url = fields.String()
    topic = fields.Nested(CodingSchema)


class LinkSchema(StrictSchema):
    label = fields.String()
    url = fields.String()
    type = fields.String(metadata={"description": "`absolute`: open in a browser"})


class CardSchema(StrictSchema):
    uuid = fields.String()
    summary = fields.String(metadata={"description": "under 140 characters"})
    detail = fields.String(metadata={"description": "GitHub-flavored Markdown"})
    indicator = fields.String(validate=validate.OneOf(["info", "warning", "critical"]))
    source = fields.Nested(SourceSchema)
    links = fields.List(fields.Nested(LinkSchema))


class CardsSchema(StrictSchema):
    cards = fields.List(fields.Nested(CardSchema))
