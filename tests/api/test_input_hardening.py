"""Hostile and sloppy input, from the outside: refused once with the field named, never a 500.

Text that cannot be stored (a lone surrogate escape, NUL) is refused where the request is parsed,
in a /sync batch for the one event that holds it; JSON types are taken strictly; a body that is
not JSON is a 415; a 405 says what is allowed; surrounding whitespace is trimmed; the OpenAPI
document states the limits the server enforces; clinical events are idempotent by their id.
"""

import json
import re
import uuid
from datetime import date

import pytest

from domain.redflags import QUESTIONS
from server.schemas.common import DAY_PATTERN
from server.schemas.text import NUL_MESSAGE, SURROGATE_MESSAGE
from tests.api.test_clinical_records import GOOD

TODAY = date.today().isoformat()
LONE = "\\ud800"  # as written in JSON text: a lone high surrogate escape


def _raw(caller, path: str, body: str, content_type="application/json", method="POST"):
    """Send a body exactly as written (json= would refuse to encode a lone surrogate)."""
    headers = getattr(caller, "headers", {})
    client = getattr(caller, "client", caller)
    return client.open(
        "/api/v1" + path, method=method, data=body, content_type=content_type, headers=headers
    )


def _pain(**fields) -> dict:
    return {"id": str(uuid.uuid4()), "local_date": TODAY, "nprs": 3, "context": "rest", **fields}


def _pain_logs(patient) -> list:
    return patient.get(f"/patients/{patient.user['patient_id']}/pain-logs").get_json()


# --- text that cannot be stored ------------------------------------------------------------


def test_a_lone_surrogate_on_sign_in_without_a_token_is_a_422_naming_the_field(client):
    body = '{"email": "ann' + LONE + '@example.org", "password": "whatever it is"}'
    response = _raw(client, "/auth/tokens", body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"json": {"email": [SURROGATE_MESSAGE]}}
    assert response.get_json()["message"] == f"email: {SURROGATE_MESSAGE}"


def test_a_lone_surrogate_anywhere_in_a_body_is_refused_by_its_path(patient, clinician, plan):
    pid = patient.user["patient_id"]
    note = json.dumps(_pain()).replace('"rest"', '"rest", "note": "sore ' + LONE + '"')
    response = _raw(patient, f"/patients/{pid}/pain-logs", note)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"json": {"note": [SURROGATE_MESSAGE]}}
    assert _pain_logs(patient) == []

    details = {**GOOD["imaging"], "finding": "PLACEHOLDER"}
    event = json.dumps({"kind": "imaging", "event_date": TODAY, "details": details})
    event = event.replace("PLACEHOLDER", "torn " + LONE)
    refused = _raw(clinician, f"/patients/{pid}/clinical-events", event)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"json": {"details": {"finding": [SURROGATE_MESSAGE]}}}
    # A bad key is named too (escaped, so that the answer itself can be encoded).
    key = json.dumps(_pain())[:-1] + ', "x' + LONE + '": 1}'
    refused = _raw(patient, f"/patients/{pid}/pain-logs", key)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"json": {"x\\ud800": [SURROGATE_MESSAGE]}}
    assert clinician.get(f"/patients/{pid}/clinical-events").get_json() == []


def test_one_sync_event_with_bad_text_is_rejected_and_the_others_are_stored(patient, plan):
    good, surrogate, nul = (str(uuid.uuid4()) for _ in range(3))
    events = [
        {"id": good, "type": "pain_log", "data": {**_pain(), "note": "fine"}},
        {"id": surrogate, "type": "pain_log", "data": {**_pain(), "note": "PLACEHOLDER"}},
        {"id": nul, "type": "pain_log", "data": {**_pain(), "note": "a\x00b"}},
    ]
    for event in events:
        del event["data"]["id"]
    body = json.dumps({"events": events}).replace("PLACEHOLDER", "sore " + LONE)
    response = _raw(patient, "/sync", body)
    assert response.status_code == 200, response.get_json()
    results = {r["id"]: r for r in response.get_json()["results"]}
    assert results[good]["status"] == "created"
    assert results[surrogate]["status"] == "rejected"
    assert results[surrogate]["errors"] == {"note": [SURROGATE_MESSAGE]}
    assert results[nul]["status"] == "rejected"
    assert results[nul]["errors"] == {"note": [NUL_MESSAGE]}
    assert [log["id"] for log in _pain_logs(patient)] == [good]
    # The device resends the batch as it is: the good event is a duplicate, nothing is new.
    again = {r["id"]: r["status"] for r in _raw(patient, "/sync", body).get_json()["results"]}
    assert again == {good: "duplicate", surrogate: "rejected", nul: "rejected"}


def test_bad_text_outside_a_sync_event_refuses_the_batch_by_its_path(patient, plan):
    body = '{"cursor": 0, "events": [], "x' + LONE + '": 1}'
    response = _raw(patient, "/sync", body)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"json": {"x\\ud800": [SURROGATE_MESSAGE]}}


def test_query_strings_that_are_not_utf8_or_hold_nul_are_refused_by_name(clinician, patient):
    for query in ("rule=%ED%A0%80", "rule=%FF", "rule=%00"):
        response = clinician.get(f"/alerts?{query}")
        assert response.status_code == 422, query
        assert list(response.get_json()["errors"]["query"]) == ["rule"], query
    pid = patient.user["patient_id"]
    assert patient.get(f"/patients/{pid}/pain-logs?from={TODAY}").status_code == 200


# --- strict JSON types ---------------------------------------------------------------------

WRONG_TYPES = [
    ("nprs", "5"),
    ("nprs", True),
    ("nprs", 4.5),
    ("tingling", "yes"),
    ("tingling", "true"),
    ("tingling", 1),
    ("numbness", 0),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES)
def test_a_pain_log_with_a_value_of_the_wrong_json_type_is_refused(patient, plan, field, value):
    pid = patient.user["patient_id"]
    response = patient.post(f"/patients/{pid}/pain-logs", json=_pain(**{field: value}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    assert _pain_logs(patient) == []


def test_json_numbers_and_booleans_of_the_right_type_are_taken(patient, plan):
    pid = patient.user["patient_id"]
    response = patient.post(f"/patients/{pid}/pain-logs", json=_pain(nprs=5.0, tingling=True))
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["nprs"], response.get_json()["tingling"]) == (5, True)


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("guided_injection", "pain_before", "7"),
        ("guided_injection", "minutes_after", "30"),
        ("imaging", "quadratus_femoris_oedema", 1),
        ("imaging", "retraction_mm", "3"),
        ("imaging", "tendons_torn", True),
    ],
)
def test_clinical_details_take_json_types_strictly(clinician, patient, kind, field, value):
    pid = patient.user["patient_id"]
    body = {"kind": kind, "event_date": TODAY, "details": {**GOOD[kind], field: value}}
    response = clinician.post(f"/patients/{pid}/clinical-events", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]["details"]


def test_strict_types_hold_for_sync_events_and_other_bodies(patient, clinician, plan):
    data = {k: v for k, v in _pain(nprs="5").items() if k != "id"}
    event = {"id": str(uuid.uuid4()), "type": "pain_log", "data": data}
    [result] = patient.post("/sync", json={"events": [event]}).get_json()["results"]
    assert (result["status"], result["errors"]) == ("rejected", {"nprs": ["Not a valid integer."]})
    assert patient.post("/sync", json={"cursor": "5"}).status_code == 422
    pid = patient.user["patient_id"]
    history = clinician.call("PUT", f"/patients/{pid}/cancer-history", json={"cancer_history": 1})
    assert history.status_code == 422
    answers = {q.key: False for q in QUESTIONS} | {QUESTIONS[0].key: 1}
    check = {"id": str(uuid.uuid4()), "local_date": TODAY, "answers": answers}
    refused = patient.post(f"/patients/{pid}/red-flag-checks", json=check)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"] == {
        "answers": {QUESTIONS[0].key: ["Not a valid boolean."]}
    }
    answers = {"instrument": "pgic", "answers": ["2"]}
    measure = patient.post(f"/patients/{pid}/outcome-measures", json=_pain() | answers)
    assert measure.status_code == 422


# --- HTTP conformance ----------------------------------------------------------------------


def test_a_405_lists_the_allowed_methods(client, patient):
    response = client.put("/api/v1/auth/tokens", json={})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"POST", "DELETE"}
    assert response.get_json()["code"] == 405


def test_a_body_that_is_not_json_is_a_415_not_a_422(client, patient, plan):
    sign_in = _raw(client, "/auth/tokens", "email=a@b.org&password=x", "text/plain")
    assert sign_in.status_code == 415
    assert "application/json" in sign_in.get_json()["message"]
    pid = patient.user["patient_id"]
    form = patient.client.post(
        f"/api/v1/patients/{pid}/pain-logs", data={"nprs": "3"}, headers=patient.headers
    )
    assert form.status_code == 415
    # A sync whose body is not JSON is refused, never taken as a body-less pull.
    assert _raw(patient, "/sync", json.dumps({"events": []}), "text/plain").status_code == 415
    assert patient.client.post("/api/v1/sync", headers=patient.headers).status_code == 200


def test_surrounding_whitespace_is_trimmed_and_only_whitespace_is_blank(clinician, patient):
    pid = patient.user["patient_id"]
    details = {**GOOD["imaging"], "finding": "\n  Narrowed ischiofemoral space.  \n"}
    body = {"kind": "imaging", "event_date": TODAY, "details": details}
    response = clinician.post(f"/patients/{pid}/clinical-events", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["details"]["finding"] == "Narrowed ischiofemoral space."
    blank = {**body, "details": {**details, "finding": " \n\t "}}
    refused = clinician.post(f"/patients/{pid}/clinical-events", json=blank)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["details"] == {"finding": ["must not be blank"]}


def test_a_name_with_a_leading_space_is_taken_trimmed(physio):
    body = {"email": "lee@example.org", "display_name": " Lee Ward\n"}
    response = physio.post("/patients", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["display_name"] == "Lee Ward"


def test_a_clinical_event_retried_with_its_id_is_stored_once(clinician, patient):
    pid = patient.user["patient_id"]
    event_id = str(uuid.uuid4())
    body = {"id": event_id, "kind": "imaging", "event_date": TODAY, "details": GOOD["imaging"]}
    first = clinician.post(f"/patients/{pid}/clinical-events", json=body)
    again = clinician.post(f"/patients/{pid}/clinical-events", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    other = {**body, "details": {**GOOD["imaging"], "finding": "Normal."}}
    clash = clinician.post(f"/patients/{pid}/clinical-events", json=other)
    assert clash.status_code == 409
    assert list(clash.get_json()["errors"]["json"]) == ["id"]
    listed = clinician.get(f"/patients/{pid}/clinical-events").get_json()
    assert [(e["id"], e["details"]["finding"]) for e in listed] == [
        (event_id, GOOD["imaging"]["finding"])
    ]


def test_a_clinical_event_pushed_again_through_sync_is_a_duplicate_or_a_conflict(
    clinician, patient
):
    pid = patient.user["patient_id"]
    data = {"kind": "imaging", "event_date": TODAY, "details": GOOD["imaging"]}
    event = {"id": str(uuid.uuid4()), "type": "clinical_event", "patient_id": pid, "data": data}
    statuses = []
    for _ in range(2):
        [result] = clinician.post("/sync", json={"events": [event]}).get_json()["results"]
        statuses.append(result["status"])
    assert statuses == ["created", "duplicate"]
    changed = {**event, "data": {**data, "event_date": "2026-01-02"}}
    [result] = clinician.post("/sync", json={"events": [changed]}).get_json()["results"]
    assert result["status"] == "rejected" and list(result["errors"]["json"]) == ["id"]
    assert len(clinician.get(f"/patients/{pid}/clinical-events").get_json()) == 1


# --- the OpenAPI document states what the server enforces ----------------------------------


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def _input_dates(spec):
    """Yield (where, schema) of every date a request can carry: bodies (nested too) and queries."""
    components = spec["components"]["schemas"]
    stack = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                stack.append((f"{method} {path} ?{parameter['name']}", parameter["schema"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                stack.append((f"{method} {path}", body["schema"]))
    seen = set()
    while stack:
        where, schema = stack.pop()
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                stack.append((name, components[name]))
            continue
        if schema.get("format") == "date" and not schema.get("readOnly"):
            yield where, schema
        for prop, value in schema.get("properties", {}).items():
            stack.append((f"{where}.{prop}", value))
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                stack.append((where, schema[key]))
        for option in schema.get("oneOf", []):
            stack.append((where, option))


def test_every_date_states_the_window_the_server_enforces(spec, patient, plan):
    dates = list(_input_dates(spec))
    assert len(dates) > 10
    pattern = re.compile(DAY_PATTERN)
    for where, value in dates:
        assert value.get("pattern") == DAY_PATTERN, where
    assert pattern.search("1900-01-01") and pattern.search("2199-12-31")
    assert not pattern.search("1899-12-31") and not pattern.search("2200-01-01")
    pid = patient.user["patient_id"]
    late = patient.post(f"/patients/{pid}/pain-logs", json=_pain(local_date="2200-01-01"))
    assert late.status_code == 422


def test_the_document_states_lengths_future_dates_and_windows(spec):
    schemas = spec["components"]["schemas"]
    note = schemas["Decision"]["properties"]["note"]
    assert (note["minLength"], note["maxLength"], note["pattern"]) == (1, 4000, r"\s*\S")
    assert "not after tomorrow" in schemas["PainLog"]["properties"]["local_date"]["description"]
    assert "not after today" in schemas["NewPatient"]["properties"]["date_of_birth"]["description"]
    schedule = spec["paths"]["/api/v1/plans/{plan_id}/schedule"]["get"]["parameters"]
    assert "at most 366 days" in next(p for p in schedule if p["name"] == "to")["description"]


def test_bodies_are_required_only_where_the_server_requires_them(spec):
    acknowledge = spec["paths"]["/api/v1/alerts/{alert_id}/acknowledge"]["post"]
    assert acknowledge["requestBody"].get("required") is not True
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                assert "415" in operation["responses"], (method, path)
    post = spec["paths"]["/api/v1/patients/{patient_id}/clinical-events"]["post"]
    assert "409" in post["responses"]
