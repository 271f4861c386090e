"""Protocols: read-only over the API; loaded with `flask --app server protocols load`."""

from flask import Response

from server.api.base import StrideBlueprint
from server.extensions import db
from server.fhir.protocols import protocol_bundle
from server.schemas.protocols import ProtocolDetailSchema, ProtocolSummarySchema
from server.services import protocols

FHIR_JSON = "application/fhir+json"

blp = StrideBlueprint("protocols", __name__, description="Exercise protocols (versioned)")


@blp.route("/protocols", methods=["GET"])
@blp.auth()
@blp.response(200, ProtocolSummarySchema(many=True))
def index():
    """List the newest version of every protocol."""
    return protocols.latest_versions(db.session)


@blp.route("/protocols/<string:protocol_id>", methods=["GET"])
@blp.auth(errors=(404,))
@blp.response(200, ProtocolDetailSchema)
def show(protocol_id):
    """Return the newest version of a protocol, with its content."""
    found = protocols.get_version(db.session, protocol_id)
    found.versions = protocols.versions_of(db.session, protocol_id)
    return found


@blp.route("/protocols/<string:protocol_id>/versions/<int:version>", methods=["GET"])
@blp.auth(errors=(404,))
@blp.response(200, ProtocolDetailSchema)
def show_version(protocol_id, version):
    """Return one version of a protocol, with its content."""
    found = protocols.get_version(db.session, protocol_id, version)
    found.versions = protocols.versions_of(db.session, protocol_id)
    return found


@blp.route("/protocols/<string:protocol_id>/versions/<int:version>/fhir", methods=["GET"])
@blp.auth(errors=(404,))
@blp.response(
    200,
    content_type=FHIR_JSON,
    description="A FHIR R4B `collection` Bundle: the PlanDefinition, then one "
    "ActivityDefinition per exercise (docs/interop.md, 'Protocols as FHIR')",
    example={"resourceType": "Bundle", "type": "collection", "entry": []},
)
def show_version_fhir(protocol_id, version):
    """Return one version of a protocol as FHIR: a PlanDefinition and its ActivityDefinitions."""
    found = protocols.get_version(db.session, protocol_id, version)
    return Response(protocol_bundle(found.content).model_dump_json(), mimetype=FHIR_JSON)
