"""The OpenAPI document lists every path of the API and its error responses."""

SPEC_PATHS = {
    "/api/v1/auth/tokens": {"post", "delete"},
    "/api/v1/me": {"get"},
    "/api/v1/users": {"post", "get"},
    "/api/v1/users/{user_id}/disable": {"post"},
    "/api/v1/users/{user_id}/enable": {"post"},
    "/api/v1/users/{user_id}/reset-code": {"post"},
    "/api/v1/auth/activation": {"post"},
    "/api/v1/auth/password-change": {"post"},
    "/api/v1/me/password": {"put"},
    "/api/v1/patients/{patient_id}/care-team": {"post"},
    "/api/v1/patients/{patient_id}/care-team/{staff_id}": {"delete"},
    "/api/v1/protocols": {"get"},
    "/api/v1/protocols/{protocol_id}": {"get"},
    "/api/v1/protocols/{protocol_id}/versions/{version}": {"get"},
    "/api/v1/protocols/{protocol_id}/versions/{version}/fhir": {"get"},
    "/api/v1/patients": {"post", "get"},
    "/api/v1/patients/{patient_id}": {"get"},
    "/api/v1/patients/{patient_id}/plans": {"post", "get"},
    "/api/v1/plans/{plan_id}": {"get", "patch"},
    "/api/v1/plans/{plan_id}/revisions": {"get"},
    "/api/v1/plans/{plan_id}/schedule": {"get"},
    "/api/v1/patients/{patient_id}/exercise-logs": {"post", "get"},
    "/api/v1/patients/{patient_id}/pain-logs": {"post", "get"},
    "/api/v1/patients/{patient_id}/red-flag-checks": {"post"},
    "/api/v1/patients/{patient_id}/clinical-events": {"post", "get"},
    "/api/v1/sync": {"post"},
    "/api/v1/alerts": {"get"},
    "/api/v1/alerts/{alert_id}": {"get"},
    "/api/v1/cds-services": {"get"},
    "/api/v1/cds-services/{service_id}": {"post"},
    "/api/v1/patients/{patient_id}/schedule.ics": {"get"},
    "/api/v1/me/calendar-feed": {"post", "delete"},
    "/api/v1/calendar/{token}.ics": {"get"},
    "/api/v1/alerts/{alert_id}/referral.pdf": {"get"},
    "/api/v1/patients/{patient_id}/fhir": {"get"},
}
# Operations that take another credential besides a bearer token (documented as an alternative).
ALTERNATIVE_AUTH = {
    ("/api/v1/alerts/{alert_id}/referral.pdf", "get"): [{"bearerAuth": []}, {"referralLink": []}],
}


def test_openapi_lists_every_path_of_the_spec(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, methods in SPEC_PATHS.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), path


def test_protected_operations_declare_bearer_auth_and_401(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            public = {
                ("/api/v1/auth/tokens", "post"),
                ("/api/v1/auth/activation", "post"),
                ("/api/v1/auth/password-change", "post"),
                ("/api/v1/health", "get"),
                ("/api/v1/cds-services", "get"),  # CDS Hooks discovery
                ("/api/v1/calendar/{token}.ics", "get"),  # the URL's secret is the credential
                # An exercise's drawing: no personal data (FHIR ActivityDefinitions name it).
                (
                    "/api/v1/protocols/{protocol_id}/versions/{version}/exercises/{exercise_id}"
                    "/figure.png",
                    "get",
                ),
            }
            if method == "parameters" or (path, method) in public:
                continue
            # A CDS Hooks call carries the EHR's signed JWT instead of a Stride token.
            ehr = path.startswith("/api/v1/cds-services/")
            default = [{"ehrJwt": []}] if ehr else [{"bearerAuth": []}]
            expected = ALTERNATIVE_AUTH.get((path, method), default)
            assert operation.get("security") == expected, (path, method)
            assert "401" in operation["responses"], (path, method)


def test_the_referral_packet_is_documented_as_a_pdf_with_its_link_scheme(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/alerts/{alert_id}/referral.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
    assert {"401", "403", "404"} <= set(operation["responses"])
    scheme = spec["components"]["securitySchemes"]["referralLink"]
    assert scheme == {"type": "apiKey", "in": "query", "name": "link"}


def test_unknown_route_and_method_use_the_error_shape(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert set(missing.get_json()) >= {"code", "status", "message"}
    wrong_method = client.put("/api/v1/me")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["code"] == 405
