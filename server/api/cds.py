"""CDS Hooks 2.0: discovery and the `patient-view` service that shows an EHR Stride's alerts.

These views take no Stride bearer token (StrideBlueprint.auth does not apply): discovery is
public, as the specification expects, and a hook call carries the EHR's own JWT
(`ehrJwt` in the OpenAPI document), checked by `ehr_call`. Every hook call with a valid JWT
is audited by its use case (`cds.patient_view`, actor role "ehr"), and so is every refused one.
"""

import logging
from functools import wraps

from flask import current_app, g, request
from flask_smorest import abort
from sqlalchemy.exc import SQLAlchemyError

from server.api.base import ERROR_REFS, StrideBlueprint
from server.database import begin_writing
from server.extensions import db
from server.models.types import utcnow
from server.schemas.cds import CardsSchema, DiscoverySchema, HookRequestSchema
from server.services import cds
from server.services.errors import Unauthorized
from server.services.referral_links import make_link_token

log = logging.getLogger(__name__)

blp = StrideBlueprint("cds", __name__, description="CDS Hooks 2.0 for EHRs (docs/interop.md)")

SERVICE = {
    "hook": cds.HOOK,
    "id": cds.SERVICE_ID,
    "title": "Stride rehabilitation alerts",
    "description": (
        "Stride's alerts about this patient that still await a clinician's decision (red "
        "flags, failing conservative care, post-operative warning signs), with the evidence "
        "and a link to the referral packet."
    ),
    "prefetch": cds.PREFETCH,
}


def public_base() -> str:
    """Return this server's address as the outside world uses it (STRIDE_PUBLIC_URL first)."""
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")


def _clients() -> dict[str, cds.CdsClient]:
    """Return the configured EHR clients, parsed once per configuration."""
    raw = current_app.config.get("CDS_CLIENTS") or {}
    cached = current_app.extensions.get("stride_cds_clients")
    if cached is None or cached[0] is not raw:
        cached = (raw, cds.parse_clients(raw))
        current_app.extensions["stride_cds_clients"] = cached
    return cached[1]


def ehr_call(func):
    """Admit only a call signed by a configured EHR client (CDS Hooks 2.0); else 401.

    Runs before the body is read, so a caller without a valid JWT learns nothing but that.
    The JWT's id is stored (committed) before the view runs, so a replay on any worker is
    refused by the database, even of a call whose body was then refused.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        audience = f"{public_base()}{request.path}"
        now = utcnow()
        try:
            call = cds.verify_request_jwt(
                request.headers.get("Authorization", ""), _clients(), audience, now
            )
            begin_writing(db.session)
            cds.spend_jti(db.session, call, now)
            db.session.commit()  # spent even if the body is then refused (422)
        except Unauthorized as error:
            _record_refusal(error)
            raise
        g.ehr_call = call
        return func(*args, **kwargs)

    wrapper = blp.doc(security=[{"ehrJwt": []}])(wrapper)
    return blp.alt_response(401, response=ERROR_REFS[401])(wrapper)


def _record_refusal(error: Unauthorized) -> None:
    """Audit a refused hook call; the caller gets its 401 even if the event cannot be written."""
    db.session.rollback()
    try:
        begin_writing(db.session)
        cds.record_call(
            db.session, "(not verified)", None, None, request.remote_addr, "failed", error.message
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.error("audit: could not record a refused CDS Hooks call")


@blp.route("/cds-services", methods=["GET"])
@blp.response(200, DiscoverySchema)
def discovery():
    """List Stride's CDS services (public, as CDS Hooks discovery usually is)."""
    return {"services": [SERVICE]}


@blp.route("/cds-services/<string:service_id>", methods=["POST"])
@ehr_call
@blp.arguments(HookRequestSchema)
@blp.response(200, CardsSchema)
@blp.errors(404)
def patient_view(body, service_id):
    """Answer a `patient-view` hook: the patient's undecided alerts as cards."""
    if service_id != cds.SERVICE_ID:
        abort(404, message=f"No CDS service '{service_id}'; see GET /api/v1/cds-services.")
    call, base = g.ehr_call, public_base()
    patient_ref = body["context"]["patientId"]
    patient = cds.find_patient(db.session, patient_ref, (body.get("prefetch") or {}).get("patient"))
    secret = current_app.config["SECRET_KEY"]

    def link_for(alert_id: int) -> str:
        token = make_link_token(secret, alert_id, call.client_id)
        return f"{base}/api/v1/alerts/{alert_id}/referral.pdf?link={token}"

    source = {"label": "Stride", "url": f"{base}/api/v1/docs"}
    cards = cds.cards_for(db.session, patient, link_for, source)
    outcome = "ok" if patient else "not_found"
    reason = f"hook {body['hookInstance']}; {len(cards)} cards"
    cds.record_call(
        db.session, call.client_id, patient_ref, patient, request.remote_addr, outcome, reason
    )
    db.session.commit()
    return {"cards": cards}
