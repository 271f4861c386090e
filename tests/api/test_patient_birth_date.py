"""A patient's date of birth: given when the account is made, sent to staff, never invented."""

from datetime import date, timedelta

import pytest


def _new_patient(**extra):
    return {
        "email": "born@example.org",
        "display_name": "Bea Born",
        "timezone": "Europe/London",
        **extra,
    }


def test_a_date_of_birth_given_at_creation_reaches_the_care_team(physio, clinician):
    body = _new_patient(date_of_birth="1981-04-12", care_team=[clinician.user["id"]])
    created = physio.post("/patients", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["date_of_birth"] == "1981-04-12"
    pid = created.get_json()["id"]
    assert clinician.get(f"/patients/{pid}").get_json()["date_of_birth"] == "1981-04-12"
    listed = {p["id"]: p for p in clinician.get("/patients").get_json()}
    assert listed[pid]["date_of_birth"] == "1981-04-12"


def test_without_a_date_of_birth_none_is_assumed(physio):
    created = physio.post("/patients", json=_new_patient())
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["date_of_birth"] is None


@pytest.mark.parametrize(
    "value,reason",
    [
        ((date.today() + timedelta(days=3)).isoformat(), "future"),
        ("1850-01-01", "between"),
        ("12/04/1981", "date"),
        (19810412, "date"),
    ],
)
def test_a_bad_date_of_birth_is_refused_naming_the_field(physio, value, reason):
    response = physio.post("/patients", json=_new_patient(date_of_birth=value))
    assert response.status_code == 422
    [message] = response.get_json()["errors"]["json"]["date_of_birth"]
    assert reason in message.lower()
    assert physio.get("/patients").get_json() == []
