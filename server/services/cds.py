"""The CDS Hooks 2.0 `patient-view` service: who may call it, which patient, and the cards.

An EHR calls the service with a JWT signed by its own private key (CDS Hooks 2.0, "Trusting
CDS Clients"); the clinic configures each EHR client's public key (docs/interop.md, "CDS
Hooks"). Keys are never fetched from the network (no `jku`): a key the clinic did not
configure is not trusted. A configured client is trusted for the whole clinic, as its staff
are: one Stride deployment is one clinic, and every call is audited with the client and the
patient.

The checks and the cards are plain functions of plain data; the database is used only to
spend a JWT id once, to find the patient and their alerts, and to write the audit event.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.fhir.identity import PATIENT_IDENTIFIER_SYSTEM, code_system, patient_from_resource_id
from server.models import Alert, CdsJti, Patient
from server.services import audit
from server.services.errors import Unauthorized

SERVICE_ID = "stride-alerts"
HOOK = "patient-view"
# The Patient resource of the hook's context: the EHR sends it with the call, so that a
# patient the EHR knows by its own id is still found by the Stride identifier it holds.
PREFETCH = {"patient": "Patient/{{context.patientId}}"}
# CDS Hooks 2.0: the EHR signs with ES384 or RS384; each needs its own kind of key.
ALGORITHMS = {"ES384": ec.EllipticCurvePublicKey, "RS384": rsa.RSAPublicKey}
MAX_LIFETIME = timedelta(minutes=5)  # the spec's longest exp - iat
# Clock difference tolerated between the EHR and this server (a design choice).
LEEWAY = timedelta(seconds=30)
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti")
MAX_CLAIM = 255  # the columns of cds_jti
SUMMARY_MAX = 139  # the spec: "less than 140 characters"
# Statuses shown as cards: still waiting for a clinician's decision.
SHOWN_STATUSES = ("open", "acknowledged")
# Severities shown: "info" is the physio's workflow (R-PHASE: the next phase is due), not news
# for the EHR's user.
SHOWN_SEVERITIES = ("urgent", "review")
INDICATOR_BY_SEVERITY = {"urgent": "critical", "review": "warning", "info": "info"}
# What each rule's alert is about, in a few words for the card's summary.
RULE_TOPICS = {
    "R-RED": "Red flag reported",
    "R-FAIL": "Conservative care failing",
    "R-ADH": "Low exercise adherence",
    "R-WORSE": "Pain getting worse",
    "R-NEURO": "Nerve symptoms after gliding",
    "R-POSTOP": "Post-operative warning sign",
    "R-STOP": "Exercise stopped for a warning sign",
    "R-ENROL": "Protocol refused at enrolment",
    "R-PHASE": "Next phase due",
}
ROUTES = {
    "clinician": "clinician",
    "surgical_team": "surgical team",
    "physio": "physiotherapist",
}
CARD_NAMESPACE = uuid.UUID("0f6b5d56-3f0e-4d53-9a43-3f6c5a0e2b71")


class ClientsFileError(ValueError):
    """The configured CDS clients cannot be used (the message names the issuer and field)."""


@dataclass(frozen=True)
class CdsClient:
    """An EHR the clinic trusts: its issuer, its client id and its public keys."""

    issuer: str
    client_id: str
    keys: tuple[tuple[str | None, Any], ...]  # (kid, public key)
    label: str = ""


@dataclass(frozen=True)
class EhrCall:
    """A verified hook call: which client sent it and the JWT id it spent."""

    issuer: str
    client_id: str
    jti: str
    expires_at: datetime


def parse_clients(raw: dict) -> dict[str, CdsClient]:
    """Return the clients of a configuration mapping issuer -> entry; raise ClientsFileError."""
    if not isinstance(raw, dict):
        raise ClientsFileError("must be a JSON object mapping each issuer to its client")
    clients = {}
    for issuer, entry in raw.items():
        if not isinstance(entry, dict):
            raise ClientsFileError(f"{issuer}: must be an object")
        client_id = entry.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise ClientsFileError(f"{issuer}: client_id: required text")
        clients[issuer] = CdsClient(issuer, client_id, _keys(issuer, entry), entry.get("name", ""))
    return clients


def _keys(issuer: str, entry: dict) -> tuple[tuple[str | None, Any], ...]:
    if ("jwks" in entry) == ("public_key_pem" in entry):
        raise ClientsFileError(f"{issuer}: give exactly one of jwks and public_key_pem")
    try:
        if "public_key_pem" in entry:
            return ((None, load_pem_public_key(entry["public_key_pem"].encode())),)
        found = jwt.PyJWKSet.from_dict(entry["jwks"]).keys
        return tuple((key.key_id, key.key) for key in found)
    except (ValueError, TypeError, AttributeError, jwt.PyJWTError) as error:
        raise ClientsFileError(f"{issuer}: the public key cannot be read ({error})") from None


def load_clients_file(path: str) -> dict:
    """Return the raw client configuration of a JSON file, checked; raise ClientsFileError."""
    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, ValueError) as error:
        raise ClientsFileError(f"{path}: {error}") from None
    parse_clients(raw)
    return raw


def verify_request_jwt(
    header: str, clients: dict[str, CdsClient], audience: str, now: datetime
) -> EhrCall:
    """Check a hook call's `Authorization: Bearer <JWT>` as CDS Hooks 2.0 asks; or Unauthorized.

    The JWT must come from a configured issuer, be signed with one of its keys (ES384 or
    RS384), name this service's URL as `aud`, name the client as `sub`, and live at most five
    minutes. Spending the `jti` (replays) is `spend_jti`'s job: it needs the database.
    """
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send 'Authorization: Bearer <JWT>' signed by the EHR's key.")
    token = token.strip()
    try:
        header_fields = jwt.get_unverified_header(token)
        claimed = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Unauthorized("The bearer token is not a JWT.") from None
    algorithm, kid = header_fields.get("alg"), header_fields.get("kid")
    if algorithm not in ALGORITHMS:
        raise Unauthorized(f"The JWT must be signed with ES384 or RS384, not {algorithm!r}.")
    client = clients.get(claimed.get("iss")) if isinstance(claimed.get("iss"), str) else None
    if client is None:
        raise Unauthorized("The JWT's issuer (iss) is not a configured CDS client.")
    claims = _verified_claims(token, client, algorithm, kid, audience)
    if claims["sub"] != client.client_id:
        raise Unauthorized("The JWT's subject (sub) is not this issuer's client id.")
    issued, expires = _moment(claims["iat"]), _moment(claims["exp"])
    if expires - issued > MAX_LIFETIME or expires > now + MAX_LIFETIME + LEEWAY:
        raise Unauthorized("The JWT must expire at most 5 minutes after it was issued.")
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > MAX_CLAIM or not jti.isprintable():
        raise Unauthorized(f"The JWT's jti must be text of 1 to {MAX_CLAIM} characters.")
    return EhrCall(client.issuer, client.client_id, jti, expires)


def _verified_claims(token, client: CdsClient, algorithm, kid, audience) -> dict:
    """Return the claims of a JWT whose signature one of the client's keys verifies."""
    kind = ALGORITHMS[algorithm]
    keys = [key for key_id, key in client.keys if isinstance(key, kind)]
    if kid is not None and any(key_id == kid for key_id, _ in client.keys):
        keys = [key for key_id, key in client.keys if key_id == kid and isinstance(key, kind)]
    refusal = "The JWT's signature does not verify with the client's public key."
    for key in keys:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=audience,
                issuer=client.issuer,
                leeway=LEEWAY,
                options={"require": list(REQUIRED_CLAIMS), "verify_iat": True},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The JWT has expired (exp).") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized(f"The JWT's audience (aud) must be {audience}.") from None
        except jwt.MissingRequiredClaimError as error:
            raise Unauthorized(f"The JWT lacks the {error.claim!r} claim.") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("The JWT was issued in the future (iat).") from None
        except jwt.PyJWTError as error:
            raise Unauthorized(f"The JWT is not valid: {error}.") from None
    raise Unauthorized(refusal)


def _moment(seconds) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def spend_jti(session: Session, call: EhrCall, now: datetime) -> None:
    """Store the call's (issuer, jti) until it expires; a second use is Unauthorized.

    The unique constraint decides, so two workers given the same JWT at once accept it once.
    Ids past their expiry are dropped first: an expired JWT is refused anyway.
    """
    session.execute(delete(CdsJti).where(CdsJti.expires_at < now - LEEWAY))
    try:
        with session.begin_nested():
            session.add(CdsJti(issuer=call.issuer, jti=call.jti, expires_at=call.expires_at))
    except IntegrityError:
        raise Unauthorized("This JWT was used already (jti); sign a new one per call.") from None


def find_patient(session: Session, patient_ref: str, prefetched: Any) -> Patient | None:
    """Return the Stride patient an EHR names, or None.

    The EHR's id is Stride's when the EHR imported Stride's export (Patient.id
    `stride-patient-N`); otherwise the prefetched Patient, if it is the one in context, may
    carry Stride's identifier.
    """
    patient_id = patient_from_resource_id(patient_ref)
    if patient_id is None:
        patient_id = _identified_patient(patient_ref, prefetched)
    return session.get(Patient, patient_id) if patient_id is not None else None


def _identified_patient(patient_ref: str, prefetched: Any) -> int | None:
    """Return the Stride patient id in a prefetched Patient's identifiers, or None."""
    if not isinstance(prefetched, dict) or prefetched.get("resourceType") != "Patient":
        return None
    if prefetched.get("id") not in (None, patient_ref):
        return None  # another patient than the one in context: never show their cards
    identifiers = prefetched.get("identifier")
    for identifier in identifiers if isinstance(identifiers, list) else ():
        if not isinstance(identifier, dict):
            continue
        value = identifier.get("value")
        if identifier.get("system") == PATIENT_IDENTIFIER_SYSTEM and isinstance(value, str):
            if value.isascii() and value.isdigit() and len(value) <= 9:
                return int(value)
    return None


def shown_alerts(session: Session, patient_id: int) -> list[Alert]:
    """Return the patient's alerts still awaiting a decision: urgent first, newest first."""
    urgent_first = (Alert.severity != "urgent", Alert.created_at.desc(), Alert.id.desc())
    query = select(Alert).where(
        Alert.patient_id == patient_id,
        Alert.status.in_(SHOWN_STATUSES),
        Alert.severity.in_(SHOWN_SEVERITIES),
    )
    return list(session.scalars(query.order_by(*urgent_first)))


def indicator(rule_id: str, severity: str) -> str:
    """Return a card's indicator: red flags and urgent alerts critical, reviews warning."""
    if rule_id == "R-RED":
        return "critical"  # whatever the level of the answer, a red flag is never routine
    return INDICATOR_BY_SEVERITY.get(severity, "info")


def card(alert: dict, link_url: str, source: dict) -> dict:
    """Return the CDS Hooks card of one alert (plain data in, plain data out).

    `alert` has id, rule_id, severity, status, route_to, rationale, created_at (ISO),
    next_steps and cleared; `link_url` opens its referral packet.
    """
    topic = RULE_TOPICS.get(alert["rule_id"], f"Stride alert {alert['rule_id']}")
    route = ROUTES.get(alert["route_to"], alert["route_to"])
    summary = f"Stride: {topic} ({alert['severity']}, for the {route})"
    if len(summary) > SUMMARY_MAX:
        summary = summary[: SUMMARY_MAX - 1] + "…"
    return {
        "uuid": str(uuid.uuid5(CARD_NAMESPACE, f"alert:{alert['id']}")),
        "summary": summary,
        "detail": detail_markdown(alert),
        "indicator": indicator(alert["rule_id"], alert["severity"]),
        "source": {
            **source,
            "topic": {
                "system": code_system("alert-rule"),
                "code": alert["rule_id"],
                "display": topic,
            },
        },
        "links": [{"label": "Referral packet (PDF)", "url": link_url, "type": "absolute"}],
    }


def detail_markdown(alert: dict) -> str:
    """Return the evidence of an alert as Markdown: why, where it stands, what comes next."""
    status = "acknowledged by the care team" if alert["status"] == "acknowledged" else "open"
    raised = alert["created_at"][:10]
    lines = [
        _escape(alert["rationale"]),
        "",
        f"**Rule** {alert['rule_id']} · **raised** {raised} · **status** {status}",
    ]
    if alert["cleared"]:
        lines.append("")
        lines.append("_The rule no longer fires; the alert still awaits a decision in Stride._")
    if alert["next_steps"]:
        lines += ["", "**Next steps**", *(f"- {_escape(step)}" for step in alert["next_steps"])]
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Keep stored text from turning into Markdown links, images or HTML in the EHR."""
    for char in ("\\", "[", "]", "<", ">", "!", "`"):
        text = text.replace(char, "\\" + char)
    return text


def alert_facts(alert: Alert) -> dict:
    """Return what a card shows of a stored alert, as plain data."""
    next_steps = (alert.evidence or {}).get("next_steps") or []
    return {
        "id": alert.id,
        "rule_id": alert.rule_id,
        "severity": alert.severity,
        "status": alert.status,
        "route_to": alert.route_to,
        "rationale": alert.rationale,
        "created_at": alert.created_at.isoformat(),
        "next_steps": [str(step) for step in next_steps if isinstance(step, str | int)],
        "cleared": alert.cleared_at is not None,
    }


def cards_for(
    session: Session, patient: Patient | None, link_for: Callable[[int], str], source: dict
) -> list[dict]:
    """Return the cards of a patient's undecided alerts (none for an unknown patient)."""
    if patient is None:
        return []
    return [card(alert_facts(a), link_for(a.id), source) for a in shown_alerts(session, patient.id)]


def record_call(
    session: Session,
    client: str,
    patient_ref: str | None,
    patient: Patient | None,
    address: str | None,
    outcome: str = "ok",
    reason: str = "",
) -> None:
    """Add the audit event of one hook call (actor role "ehr", the client in `reason`)."""
    parts = [f"CDS client {client}"]
    if patient_ref is not None:
        parts.append(f"EHR patient {patient_ref[:60]!r}")
    if reason:
        parts.append(reason)
    subject = audit.Subject("patient", patient.id, (patient.id,)) if patient else audit.Subject()
    text = _printable("; ".join(parts))
    event = audit.record(session, None, "cds.patient_view", subject, address, outcome, text)
    event.actor_role = "ehr"


def _printable(text: str) -> str:
    """Drop characters a database column cannot hold (NUL) or a log reader would trip on."""
    return "".join(char if char.isprintable() else "?" for char in text)
