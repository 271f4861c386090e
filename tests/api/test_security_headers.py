"""Security headers: nosniff and no-store on API answers, HSTS over HTTPS, a locked docs page.

The docs page must work with no internet: it and every asset it names come from this server.
(`tests/integration/test_outside_schemathesis.py` fetches them from gunicorn too.)
"""

import re

import pytest

from server import create_app

DOCS = "/api/v1/docs"


def _app(**config):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", **config})


def test_api_answers_are_not_sniffed_or_cached(patient, plan):
    answers = [
        patient.get("/me"),
        patient.get(f"/plans/{plan['id']}/schedule"),
        patient.get(f"/patients/{patient.user['patient_id']}/fhir"),
        patient.get("/patients/999999"),  # an error carries the headers too
        patient.client.post("/api/v1/auth/tokens", json={"email": "x@example.org"}),
        patient.client.get("/api/v1/openapi.json"),
    ]
    for response in answers:
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.request.path
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP


@pytest.mark.parametrize(
    ("proxies", "headers", "base_url", "hsts"),
    [
        (1, {"X-Forwarded-Proto": "https"}, "http://localhost", True),  # TLS at our proxy
        (1, {}, "http://localhost", False),  # plain HTTP through our proxy
        (0, {"X-Forwarded-Proto": "https"}, "http://localhost", False),  # nobody we trust said so
        (0, {}, "https://localhost", True),  # TLS to the server itself
    ],
)
def test_hsts_only_when_the_request_came_over_https(proxies, headers, base_url, hsts):
    client = _app(TRUSTED_PROXIES=proxies).test_client()
    response = client.get("/api/v1/health", headers=headers, base_url=base_url)
    assert response.status_code == 200
    expected = "max-age=31536000" if hsts else None
    assert response.headers.get("Strict-Transport-Security") == expected


def test_hsts_can_be_turned_off():
    client = _app(HSTS_MAX_AGE=0).test_client()
    response = client.get("/api/v1/health", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers


def test_the_docs_page_has_a_csp_forbids_framing_and_loads_only_local_assets():
    client = _app().test_client()
    page = client.get(DOCS)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["X-Frame-Options"] == "DENY"
    policy = page.headers["Content-Security-Policy"]
    csp = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"  # no inline script, no CDN
    assert csp["frame-ancestors"] == "'none'"
    assert csp["connect-src"] == "'self'"
    html = page.get_data(as_text=True)
    assert "<script>" not in html  # the page's own script is a file, allowed by 'self'
    assert not re.search(r"(https?:)?//", html.replace("<!DOCTYPE html>", "")), html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {a.rsplit("/", 1)[1] for a in assets} == {
        "swagger-ui.css", "favicon-32x32.png", "swagger-ui-bundle.js", "stride-docs.js"
    }  # fmt: skip
    for url in assets:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            assert asset.headers["X-Content-Type-Options"] == "nosniff"
            assert len(asset.get_data()) > 100, url
    spec_url = re.search(r'data-spec-url="([^"]+)"', html).group(1)
    assert client.get(spec_url).get_json()["info"]["title"] == "Stride API"


def test_only_the_docs_assets_are_served_from_the_package():
    client = _app().test_client()
    for name in ("index.html", "oauth2-redirect.html", "..%2Fdocs.py", "VERSION"):
        assert client.get(f"{DOCS}/assets/{name}").status_code == 404, name
