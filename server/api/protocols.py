"""Protocols: read-only over the API; loaded with `flask --app server protocols load`."""

from flask import Response, request

from server.api.base import StrideBlueprint
from server.extensions import db
from server.fhir.protocols import protocol_bundle
from server.protocols.render import exercise_animation
from server.schemas.protocols import ProtocolDetailSchema, ProtocolSummarySchema
from server.services import protocols
from server.services.errors import NotFound

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
    base = request.url_root.rstrip("/")

    def figure_url(exercise_id: str) -> str:
        return f"{base}{FIGURE_PATH.format(protocol_id, version, exercise_id)}"

    bundle = protocol_bundle(found.content, figure_url)
    return Response(bundle.model_dump_json(), mimetype=FHIR_JSON)


FIGURE_PATH = "/api/v1/protocols/{}/versions/{}/exercises/{}/figure.png"


@blp.route(
    "/protocols/<string:protocol_id>/versions/<int:version>/exercises/<string:exercise_id>"
    "/figure.png",
    methods=["GET"],
)
@blp.errors(404)
@blp.response(
    200,
    content_type="image/png",
    description="An animated PNG (APNG) of one rep in step with the exercise's dose",
)
def figure(protocol_id, version, exercise_id):
    """Return the animated figure of one exercise of a protocol version (no sign-in needed).

    A drawing of an exercise holds no personal data and a version never changes, so the
    image is public (a FHIR ActivityDefinition names it for systems without a Stride token)
    and may be cached for good. 404 for an exercise without a figure (versions written
    before figures) or unknown.
    """
    found = protocols.get_version(db.session, protocol_id, version)
    image = _animation(found.content_hash, exercise_id, found.content)
    if image is None:
        raise NotFound(f"Exercise '{exercise_id}' of this version has no figure.")
    response = Response(image, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.set_etag(found.content_hash)
    return response.make_conditional(request)


def _animation(content_hash: str, exercise_id: str, content: dict) -> bytes | None:
    """Return an exercise's animation, drawn once per process (only real exercises are kept)."""
    key = (content_hash, exercise_id)
    if key not in _DRAWN:
        exercise = next(
            (e for p in content["phases"] for e in p["exercises"] if e["id"] == exercise_id), None
        )
        if not exercise or not exercise.get("figure"):
            return None
        _DRAWN[key] = exercise_animation(exercise)
    return _DRAWN[key]


# (content hash, exercise id) -> animated PNG: bounded by the exercises of the loaded versions.
_DRAWN: dict[tuple[str, str], bytes] = {}
