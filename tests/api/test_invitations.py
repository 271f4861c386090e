"""The invitation in the create-patient result: the patient's app learns the server from it."""

import pytest

from domain.invitations import parse_invitation
from server.config import public_url
from tests.conftest import sign_in


def _create(physio, email, **extra):
    response = physio.post(
        "/patients", json={"email": email, "display_name": "Ivy Invite", **extra}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture()
def public_address(clean_app):
    """Set PUBLIC_URL as STRIDE_PUBLIC_URL would (restored afterwards)."""
    before = clean_app.config["PUBLIC_URL"]

    def set_to(value: str) -> None:
        clean_app.config["PUBLIC_URL"] = public_url(value)

    yield set_to
    clean_app.config["PUBLIC_URL"] = before


def test_the_invitation_names_the_address_the_request_came_to(physio):
    created = _create(physio, "ivy@example.org")
    invitation = created["invitation"]
    # The test client's requests go to http://localhost/: no public address is configured.
    assert invitation == {
        "link": "stride://join?server=http://localhost&user=ivy@example.org",
        "code": "http://localhost/ivy@example.org",
        "server": "http://localhost",
        "user": "ivy@example.org",
    }
    for form in (invitation["link"], invitation["code"]):
        read = parse_invitation(form)
        assert (read.server, read.user) == ("http://localhost", "ivy@example.org")


def test_a_configured_public_address_wins_and_the_code_drops_https(physio, public_address):
    public_address("https://rehab.clinic.example/stride/")
    invitation = _create(physio, "Ivy.Two+hip@Example.org")["invitation"]
    # The email as stored (normalised), so what the app fills in is what signs in.
    assert invitation["user"] == "ivy.two+hip@example.org"
    assert invitation["server"] == "https://rehab.clinic.example/stride"
    assert invitation["code"] == "rehab.clinic.example/stride/ivy.two+hip@example.org"
    assert invitation["link"] == (
        "stride://join?server=https://rehab.clinic.example/stride&user=ivy.two%2Bhip@example.org"
    )
    read = parse_invitation(invitation["link"])
    assert (read.server, read.user) == (invitation["server"], invitation["user"])


def test_the_invitation_and_the_activation_code_let_the_patient_choose_a_password(client, physio):
    created = _create(physio, "ivy.three@example.org")
    assert "initial_password" not in created, "staff never see a patient's password"
    read = parse_invitation(created["invitation"]["code"])
    activated = client.post(
        "/api/v1/auth/activation",
        json={
            "email": read.user,
            "code": created["activation"]["code"],
            "new_password": "ivy's own secret",
        },
    )
    assert activated.status_code == 201, activated.get_json()
    assert activated.get_json()["user"]["patient_id"] == created["id"]
    patient = sign_in(client, read.user, "ivy's own secret")
    assert patient.user["patient_id"] == created["id"]


def test_staff_cannot_choose_a_patients_password(client, physio):
    refused = physio.post(
        "/patients",
        json={"email": "ivy.four@example.org", "display_name": "Ivy", "password": "chosen pw 1234"},
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"] == {"password": ["Unknown field."]}
    created = _create(physio, "ivy.four@example.org")
    assert created["invitation"]["user"] == "ivy.four@example.org"
    # Before activation no password at all opens the account.
    for guess in ("", "chosen pw 1234", created["activation"]["code"]):
        answer = client.post(
            "/api/v1/auth/tokens", json={"email": "ivy.four@example.org", "password": guess}
        )
        assert answer.status_code == 401


def test_the_invitation_is_only_in_the_create_result(physio):
    created = _create(physio, "ivy.five@example.org")
    shown = physio.get(f"/patients/{created['id']}").get_json()
    assert "invitation" not in shown and "activation" not in shown


def test_the_openapi_document_describes_the_invitation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    result = next(s for name, s in schemas.items() if name.startswith("NewPatientResult"))
    assert "invitation" in result["properties"]
    invitation = next(s for name, s in schemas.items() if name.startswith("Invitation"))
    assert set(invitation["properties"]) == {"link", "code", "server", "user"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("clinic.example.org", "must start with https://"),
        ("ftp://clinic.example.org", "must start with https://"),
        ("https://", "no host name"),
        ("https://clinic.example.org:port", "not a valid web address"),
        ("https://clinic.example.org/?x=1", "may only hold"),
    ],
)
def test_a_broken_public_address_stops_the_server_at_start(value, reason):
    with pytest.raises(ValueError, match=reason):
        public_url(value)
