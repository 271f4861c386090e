"""CDS Hooks 2.0 through a fake EHR that signs its calls, as a real EHR does.

The alerts are made the way the app makes them: a red-flag check the patient submits, and a
failed conservative trial from twelve weeks of sessions and pain logged through /sync, then
the sweep the scheduler runs.
"""

import json
import time
import uuid
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select

from domain.redflags import QUESTIONS
from server.extensions import db
from server.fhir.identity import PATIENT_IDENTIFIER_SYSTEM, patient_resource_id
from server.models import Alert, AuditEvent, CdsJti, User
from server.protocols.loader import validate_files
from server.services.accounts import create_patient, create_user
from server.services.auth import issue_token
from server.services.plans import create_plan
from server.services.protocols import load_documents
from server.services.referral_links import check_link_token
from server.services.sweep import run_sweep
from tests.conftest import PASSWORD, Caller, push_all, sessions_done, sync_event

ISSUER = "https://ehr.example-hospital.org"
CLIENT_ID = "stride-ehr-client"
SERVICE_URL = "http://localhost/api/v1/cds-services/stride-alerts"
TODAY = date.today()
START = TODAY - timedelta(days=90)  # past the 12-week trial


def _private_key():
    return ec.generate_private_key(ec.SECP384R1())


def _jwk(private_key, kid: str) -> dict:
    """Return the public JWK of a key, as an EHR publishes it."""
    public = jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**public, "kid": kid, "alg": "ES384", "use": "sig"}


class FakeEhr:
    """An EHR client: signs a fresh JWT for each hook call and sends the hook request."""

    def __init__(self, client, key, issuer=ISSUER, client_id=CLIENT_ID, kid="ehr-1", alg="ES384"):
        self.client, self.key, self.issuer, self.client_id = client, key, issuer, client_id
        self.kid, self.alg = kid, alg

    def token(self, aud=SERVICE_URL, **claims) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "sub": self.client_id,
            "aud": aud,
            "iat": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        body.update(claims)
        return jwt.encode(body, self.key, algorithm=self.alg, headers={"kid": self.kid})

    def discover(self):
        return self.client.get("/api/v1/cds-services")

    def hook(self, patient_ref, prefetch=None, token=None, service="stride-alerts", **extra):
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "fhirServer": "https://ehr.example-hospital.org/fhir",
            "context": {"userId": "Practitioner/77", "patientId": patient_ref},
            **extra,
        }
        if prefetch is not None:
            body["prefetch"] = prefetch
        header = {"Authorization": f"Bearer {token or self.token()}"}
        return self.client.post(f"/api/v1/cds-services/{service}", json=body, headers=header)


def _flag_check():
    answers = {q.key: q.key == "bladder_bowel" for q in QUESTIONS}
    return {"id": str(uuid.uuid4()), "local_date": TODAY.isoformat(), "answers": answers}


def _caller(client, user) -> Caller:
    raw, _ = issue_token(db.session, user, timedelta(hours=1))
    db.session.commit()
    return Caller(client, {"id": user.id}, raw)


def _course(patient: Caller, plan_id: int) -> None:
    """Log every prescribed session done and flat pain (6) through /sync, as the app does."""
    events = sessions_done(patient, plan_id, START, TODAY - timedelta(days=1))
    for n in range((TODAY - START).days + 1):
        day = (START + timedelta(days=n)).isoformat()
        events.append(sync_event("pain_log", {"local_date": day, "nprs": 6, "context": "sitting"}))
    push_all(patient, events)


@pytest.fixture(scope="module")
def world(app):
    """Patient A (a red flag and a failed trial), B (no alert), C (a decided red flag)."""
    client = app.test_client()
    ec_key, rsa_key = _private_key(), rsa.generate_private_key(65537, 2048)
    rsa_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    saved = app.config.get("CDS_CLIENTS")
    app.config["CDS_CLIENTS"] = {
        ISSUER: {"client_id": CLIENT_ID, "jwks": {"keys": [_jwk(ec_key, "ehr-1")]}},
        "https://rsa-ehr.example.org": {
            "client_id": "rsa-client",
            "public_key_pem": rsa_pem.decode(),
        },
    }
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        load_documents(db.session, list(validate_files(None)[0].values()))
        physio = create_user(
            db.session, email="p@example.org", display_name="P", role="physio", password=PASSWORD
        )
        clinician = create_user(
            db.session, email="c@example.org", display_name="C", role="clinician", password=PASSWORD
        )
        db.session.commit()
        team = {"care_team": [physio.id, clinician.id]}
        patients = {}
        for name in ("a", "b", "c"):
            person = {"email": f"patient-{name}@example.org", "display_name": name.upper(), **team}
            patients[name], _ = create_patient(db.session, physio, person, password=PASSWORD)
        plan = create_plan(
            db.session,
            physio,
            patients["a"],
            {"protocol_id": "piriformis-neural-gliding", "start_date": START},
        )
        db.session.commit()
        ids = {name: p.id for name, p in patients.items()}
        as_a = _caller(client, db.session.get(User, patients["a"].user_id))
        as_c = _caller(client, db.session.get(User, patients["c"].user_id))
        as_clinician = _caller(client, db.session.get(User, clinician.id))
        plan_id = plan.id
    _course(as_a, plan_id)
    red = as_a.post(f"/patients/{ids['a']}/red-flag-checks", json=_flag_check()).get_json()
    decided = as_c.post(f"/patients/{ids['c']}/red-flag-checks", json=_flag_check()).get_json()
    note = {"decision": "seen_and_excluded", "note": "Seen in clinic today; no cauda equina."}
    closed = as_clinician.post(f"/alerts/{decided['alert_ids'][0]}/decision", json=note)
    assert closed.status_code == 200, closed.get_json()
    with app.app_context():
        run_sweep(db.session, as_of=TODAY)
        failed = db.session.scalar(select(Alert.id).where(Alert.rule_id == "R-FAIL"))
    assert failed is not None, "the course did not raise R-FAIL"
    yield {
        "client": client,
        "ehr": FakeEhr(client, ec_key),
        "rsa_ehr": FakeEhr(
            client, rsa_key, "https://rsa-ehr.example.org", "rsa-client", kid="rsa", alg="RS384"
        ),
        "ids": ids,
        "red": red["alert_ids"][0],
        "failed": failed,
        "stride_token": as_clinician.token,
    }
    app.config["CDS_CLIENTS"] = saved


def test_discovery_is_public_and_names_the_patient_view_service(world):
    response = world["ehr"].discover()
    assert response.status_code == 200
    [service] = response.get_json()["services"]
    assert (service["id"], service["hook"]) == ("stride-alerts", "patient-view")
    assert service["title"] and service["description"]
    assert service["prefetch"] == {"patient": "Patient/{{context.patientId}}"}


def test_the_patients_alerts_come_as_cards_with_a_signed_referral_link(app, world):
    response = world["ehr"].hook(patient_resource_id(world["ids"]["a"]))
    assert response.status_code == 200, response.get_json()
    cards = response.get_json()["cards"]
    by_rule = {card["source"]["topic"]["code"]: card for card in cards}
    assert set(by_rule) == {"R-RED", "R-FAIL"}
    assert [c["indicator"] for c in cards] == ["critical", "warning"]  # urgent first
    for rule, alert_id in (("R-RED", world["red"]), ("R-FAIL", world["failed"])):
        card = by_rule[rule]
        assert len(card["summary"]) < 140
        assert card["source"]["label"] == "Stride"
        assert card["source"]["url"].startswith("http://localhost/")
        [link] = card["links"]
        assert link["type"] == "absolute"
        url = urlsplit(link["url"])
        assert (url.scheme, url.netloc) == ("http", "localhost")
        assert url.path == f"/api/v1/alerts/{alert_id}/referral.pdf"
        [token] = parse_qs(url.query)["link"]
        assert check_link_token(app.config["SECRET_KEY"], token, alert_id) == CLIENT_ID
    assert "Red flag" in by_rule["R-RED"]["summary"]
    assert "bladder or bowels" in by_rule["R-RED"]["detail"]
    assert "Conservative care failing" in by_rule["R-FAIL"]["summary"]
    assert "**Next steps**" in by_rule["R-FAIL"]["detail"]


def test_the_cards_link_opens_the_referral_packet_in_a_browser_without_a_stride_token(world):
    response = world["ehr"].hook(patient_resource_id(world["ids"]["a"]))
    links = {
        c["source"]["topic"]["code"]: c["links"][0]["url"] for c in response.get_json()["cards"]
    }
    url = urlsplit(links["R-FAIL"])
    opened = world["client"].get(f"{url.path}?{url.query}")  # no Authorization header
    assert opened.status_code == 200, opened.get_json()
    assert opened.mimetype == "application/pdf" and opened.data.startswith(b"%PDF")
    other = urlsplit(links["R-RED"])
    crossed = world["client"].get(f"{url.path}?{other.query}")
    assert crossed.status_code == 403, "one alert's link opens no other alert's packet"


def test_a_patient_known_by_the_ehrs_own_id_is_found_by_the_prefetched_identifier(world):
    a = world["ids"]["a"]
    patient = {
        "resourceType": "Patient",
        "id": "ehr-4711",
        "identifier": [
            {"system": "urn:oid:1.2.3.4", "value": "MRN-1"},
            {"system": PATIENT_IDENTIFIER_SYSTEM, "value": str(a)},
        ],
    }
    found = world["ehr"].hook("ehr-4711", prefetch={"patient": patient})
    assert len(found.get_json()["cards"]) == 2
    # A prefetched Patient that is not the one in context never picks the cards.
    other = world["ehr"].hook("ehr-9999", prefetch={"patient": patient})
    assert other.get_json() == {"cards": []}


def test_no_alert_unknown_patient_or_decided_alert_gives_no_cards(world):
    ids, ehr = world["ids"], world["ehr"]
    for ref in (
        patient_resource_id(ids["b"]),
        patient_resource_id(ids["c"]),
        "stride-patient-999999",
        "not-ours",
        "stride-patient-",
    ):
        response = ehr.hook(ref, prefetch={"patient": None})
        assert (response.status_code, response.get_json()) == (200, {"cards": []}), ref


def test_each_call_is_audited_with_the_client_and_the_patient(app, world):
    a = world["ids"]["a"]
    hook_instance = str(uuid.uuid4())
    response = world["ehr"].hook(patient_resource_id(a), hookInstance=hook_instance)
    assert response.status_code == 200
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "cds.patient_view")
            .order_by(AuditEvent.id.desc())
        )
        assert (event.actor_id, event.actor_role, event.outcome) == (None, "ehr", "ok")
        assert event.patient_ids == [a]
        assert CLIENT_ID in event.reason and hook_instance in event.reason
        assert "2 cards" in event.reason


def _refused(response, words: str) -> None:
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["code"] == 401
    assert words in response.get_json()["message"]


def test_a_jwt_is_accepted_once(app, world):
    ehr, ref = world["ehr"], patient_resource_id(world["ids"]["a"])
    token = ehr.token()
    assert ehr.hook(ref, token=token).status_code == 200
    _refused(ehr.hook(ref, token=token), "used already")
    with app.app_context():
        kept = db.session.scalar(
            select(CdsJti).where(
                CdsJti.jti == jwt.decode(token, options={"verify_signature": False})["jti"]
            )
        )
        assert kept is not None and kept.issuer == ISSUER


def test_bad_jwts_are_refused_with_a_reason(app, world):
    ehr, ref = world["ehr"], patient_resource_id(world["ids"]["a"])
    now = int(time.time())
    wrong_aud = "http://localhost/api/v1/cds-services/other"
    _refused(ehr.hook(ref, token=ehr.token(aud=wrong_aud)), "audience (aud)")
    _refused(ehr.hook(ref, token=ehr.token(iat=now - 600, exp=now - 300)), "expired")
    _refused(ehr.hook(ref, token=ehr.token(exp=now + 3600)), "at most 5 minutes")
    stranger = FakeEhr(world["client"], _private_key(), issuer="https://evil.example.org")
    _refused(stranger.hook(ref), "not a configured CDS client")
    impostor = FakeEhr(world["client"], _private_key())  # the right issuer, another key
    _refused(impostor.hook(ref), "signature does not verify")
    header, payload, signature = ehr.token().split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    forged = jwt.utils.base64url_encode(json.dumps({**claims, "sub": "x"}).encode()).decode()
    _refused(ehr.hook(ref, token=f"{header}.{forged}.{signature}"), "signature does not verify")
    _refused(ehr.hook(ref, token=ehr.token(sub="someone-else")), "subject (sub)")
    no_jti = jwt.encode(
        {"iss": ISSUER, "sub": CLIENT_ID, "aud": SERVICE_URL, "iat": now, "exp": now + 60},
        ehr.key,
        algorithm="ES384",
    )
    _refused(ehr.hook(ref, token=no_jti), "'jti'")
    shared_secret = jwt.encode(
        {"iss": ISSUER}, "a shared secret of 32 bytes or more", algorithm="HS256"
    )
    _refused(ehr.hook(ref, token=shared_secret), "ES384 or RS384")
    _refused(ehr.hook(ref, token="not-a-jwt"), "not a JWT")
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "cds.patient_view", AuditEvent.outcome == "failed"
            )
        ).all()
        assert any("signature does not verify" in e.reason for e in failed)
        assert all(e.actor_role == "ehr" and e.patient_ids == [] for e in failed)


def test_stride_tokens_and_missing_jwts_are_refused(world):
    ehr, ref = world["ehr"], patient_resource_id(world["ids"]["a"])
    _refused(ehr.hook(ref, token=world["stride_token"]), "not a JWT")
    bare = world["client"].post("/api/v1/cds-services/stride-alerts", json={})
    _refused(bare, "Authorization: Bearer")


def test_an_rs384_client_configured_by_pem_is_accepted(world):
    response = world["rsa_ehr"].hook(patient_resource_id(world["ids"]["a"]))
    assert response.status_code == 200
    assert len(response.get_json()["cards"]) == 2


def test_extra_fields_of_the_spec_are_accepted_and_bad_bodies_named(world):
    ehr, ref = world["ehr"], patient_resource_id(world["ids"]["a"])
    extended = ehr.hook(
        ref,
        extension={"com.example.flag": True},
        fhirAuthorization={
            "access_token": "t",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "cds",
        },
    )
    assert extended.status_code == 200, extended.get_json()
    header = {"Authorization": f"Bearer {ehr.token()}"}
    body = {"hook": "patient-view", "hookInstance": "h-1", "context": {"userId": "u"}}
    missing = world["client"].post(
        SERVICE_URL[len("http://localhost") :], json=body, headers=header
    )
    assert missing.status_code == 422
    assert "patientId" in missing.get_json()["errors"]["json"]["context"]
    # The refused call spent its JWT all the same.
    _refused(ehr.hook(ref, token=header["Authorization"].split()[1]), "used already")


def test_an_unknown_service_is_a_404(world):
    ehr = world["ehr"]
    aud = "http://localhost/api/v1/cds-services/nothing"
    response = ehr.hook("stride-patient-1", token=ehr.token(aud=aud), service="nothing")
    assert response.status_code == 404


def test_a_broken_clients_file_stops_the_server_with_the_issuer_and_reason(tmp_path):
    from server.config import cds_clients

    path = tmp_path / "cds-clients.json"
    path.write_text(json.dumps({ISSUER: {"client_id": CLIENT_ID, "public_key_pem": "nonsense"}}))
    with pytest.raises(ValueError, match=f"{ISSUER}: the public key cannot be read"):
        cds_clients(str(path))
    path.write_text(json.dumps({ISSUER: {"jwks": {"keys": []}}}))
    with pytest.raises(ValueError, match="client_id: required text"):
        cds_clients(str(path))
    with pytest.raises(ValueError, match="STRIDE_CDS_CLIENTS cannot be used"):
        cds_clients(str(tmp_path / "missing.json"))
    good = {ISSUER: {"client_id": CLIENT_ID, "jwks": {"keys": [_jwk(_private_key(), "k")]}}}
    path.write_text(json.dumps(good))
    assert cds_clients(str(path)) == good
    assert cds_clients("") == {}
