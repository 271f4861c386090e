"""The physio's patient list: adherence and pain trend at a glance, who needs attention first."""

import pytest

from server.demo import seed_demo
from server.extensions import db
from tests.conftest import sign_in


@pytest.fixture()
def physio_on_demo(clean_app, client):
    with clean_app.app_context():
        seed_demo(db.session, None)
    return sign_in(client, "physio@stride.example", "stride-demo-1")


def test_patient_list_ranks_urgent_alerts_first_and_summarises_each(physio_on_demo):
    patients = physio_on_demo.get("/patients").get_json()
    attention = [p["summary"]["attention"] for p in patients]
    assert attention == sorted(attention, reverse=True)
    top = patients[0]["summary"]
    assert top["urgent_alerts"] >= 1, "a red flag or post-op warning comes first"
    by_name = {p["display_name"]: p["summary"] for p in patients}
    assert by_name["Priya Nair"]["adherence_14d"] < 0.5
    assert by_name["Amelia Hughes"]["pain_trend"] == "improving"
    assert by_name["Sofia Rossi"]["pain_trend"] == "worse"
    assert by_name["Daniel Okafor"]["weeks_in_care"] >= 12


def test_one_patient_has_the_same_summary(physio_on_demo):
    listed = physio_on_demo.get("/patients").get_json()[0]
    one = physio_on_demo.get(f"/patients/{listed['id']}").get_json()
    assert one["summary"] == listed["summary"]
