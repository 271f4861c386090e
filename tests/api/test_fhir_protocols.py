"""Every shipped protocol version as FHIR R4B: valid, round-trips, and says what the file says."""

import json
from datetime import timedelta

import pytest
from fhir.resources.R4B.activitydefinition import ActivityDefinition
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.plandefinition import PlanDefinition

from domain.dose_words import dose_text
from domain.protocol import Dose
from server.extensions import db
from server.fhir.identity import CANONICAL_BASE
from server.protocols.loader import validate_files
from server.services.accounts import create_user
from server.services.auth import issue_token
from server.services.protocols import load_documents
from tests.conftest import PASSWORD, Caller

SHIPPED, _ = validate_files(None)
VERSIONS = sorted((doc["id"], doc["version"]) for doc in SHIPPED.values())
DOCUMENTS = {(doc["id"], doc["version"]): doc for doc in SHIPPED.values()}


@pytest.fixture(scope="module")
def reader(app):
    """A signed-in physio on a database holding the shipped protocols (built once)."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        load_documents(db.session, list(SHIPPED.values()))
        user = create_user(
            db.session, email="fhir@example.org", display_name="F", role="physio", password=PASSWORD
        )
        raw, _ = issue_token(db.session, user, timedelta(hours=1))
        db.session.commit()
        user_id = user.id
    return Caller(app.test_client(), {"id": user_id}, raw)


@pytest.fixture(scope="module")
def bundles(reader):
    """Fetch each shipped version once: {(id, version): (response, parsed Bundle)}."""
    found = {}
    for protocol_id, version in VERSIONS:
        response = reader.get(f"/protocols/{protocol_id}/versions/{version}/fhir")
        assert response.status_code == 200, response.get_json()
        found[(protocol_id, version)] = (response, Bundle.model_validate_json(response.data))
    return found


def _resources(bundle: Bundle, kind: type) -> list:
    return [entry.resource for entry in bundle.entry if isinstance(entry.resource, kind)]


@pytest.mark.parametrize("key", VERSIONS, ids=[f"{p}-v{v}" for p, v in VERSIONS])
def test_the_version_is_valid_fhir_that_round_trips(bundles, key):
    response, bundle = bundles[key]
    assert response.mimetype == "application/fhir+json"
    assert bundle.type == "collection"
    text = bundle.model_dump_json()
    again = Bundle.model_validate_json(text)
    assert json.loads(again.model_dump_json()) == json.loads(text) == json.loads(response.data)
    full_urls = [entry.fullUrl for entry in bundle.entry]
    assert len(set(full_urls)) == len(full_urls)
    assert all(entry.fullUrl == entry.resource.url for entry in bundle.entry)


@pytest.mark.parametrize("key", VERSIONS, ids=[f"{p}-v{v}" for p, v in VERSIONS])
def test_the_plan_definition_names_the_protocol_its_phases_and_sources(bundles, key):
    doc = DOCUMENTS[key]
    [plan] = _resources(bundles[key][1], PlanDefinition)
    assert plan.url == f"{CANONICAL_BASE}/PlanDefinition/{doc['id']}"
    assert (plan.version, plan.title, plan.status) == (str(doc["version"]), doc["title"], "active")
    assert plan.description == doc["summary"]
    assert [(a.id, a.title) for a in plan.action] == [(p["id"], p["title"]) for p in doc["phases"]]
    for action, phase in zip(plan.action, doc["phases"], strict=True):
        [entry] = [c for c in action.condition if c.kind == "start"]
        assert f"week {phase['start_week']} after" in entry.expression.description
        exits = [c.expression.description for c in action.condition if c.kind == "stop"]
        assert exits == phase["criteria"]
        assert [a.id for a in action.action] == [e["id"] for e in phase["exercises"]]
        assert action.timingDuration.value == phase["start_week"]
        for restriction in phase["restrictions"]:
            assert restriction in action.description
    citations = [(r.type, r.label, r.citation) for r in plan.relatedArtifact]
    assert citations == [("citation", r["id"], r["citation"]) for r in doc["references"]]


@pytest.mark.parametrize("key", VERSIONS, ids=[f"{p}-v{v}" for p, v in VERSIONS])
def test_every_exercise_is_an_activity_definition_with_its_dose(bundles, key):
    doc = DOCUMENTS[key]
    bundle = bundles[key][1]
    [plan] = _resources(bundle, PlanDefinition)
    by_canonical = {f"{a.url}|{a.version}": a for a in _resources(bundle, ActivityDefinition)}
    exercises = [e for phase in doc["phases"] for e in phase["exercises"]]
    assert len(by_canonical) == len(exercises)
    named = [sub.definitionCanonical for action in plan.action for sub in action.action]
    assert sorted(named) == sorted(by_canonical), "every action names an ActivityDefinition"
    for phase_action, phase in zip(plan.action, doc["phases"], strict=True):
        for sub, exercise in zip(phase_action.action, phase["exercises"], strict=True):
            activity = by_canonical[sub.definitionCanonical]
            assert activity.version == str(doc["version"])
            assert activity.title == exercise["name"]
            assert [i.value for i in activity.identifier] == [exercise["id"]]
            _check_dose(activity, exercise["dose"])


def _check_dose(activity: ActivityDefinition, dose: dict) -> None:
    [dosage] = activity.dosage
    amounts = {a.type.coding[0].code: a.doseQuantity.value for a in dosage.doseAndRate}
    expected = {"sets": dose["sets"], "reps": dose["reps"]}
    expected |= {k: dose[k] for k in ("hold_s", "rest_s") if dose.get(k)}
    assert amounts == expected, activity.id
    daily = dosage.timing.repeat
    assert (daily.frequency, daily.period, daily.periodUnit) == (dose["times_per_day"], 1, "d")
    days = activity.timingTiming.repeat
    if dose.get("days_per_week"):
        assert (days.frequency, days.period, days.periodUnit) == (dose["days_per_week"], 1, "wk")
    elif dose.get("every_n_days"):
        assert (days.frequency, days.period, days.periodUnit) == (1, dose["every_n_days"], "d")
    else:
        assert (days.frequency, days.period, days.periodUnit) == (1, 1, "d")
    # The same words the patient's app shows for this dose.
    assert dosage.text == dose_text(Dose.from_dict(dose))


def test_an_unknown_version_or_protocol_is_a_404(reader):
    protocol_id, version = VERSIONS[0]
    missing = reader.get(f"/protocols/{protocol_id}/versions/{version + 100}/fhir")
    assert missing.status_code == 404
    assert "not found" in missing.get_json()["message"]
    assert reader.get(f"/protocols/no-such-protocol/versions/{version}/fhir").status_code == 404


def test_signing_in_is_required(reader):
    protocol_id, version = VERSIONS[0]
    anonymous = reader.client.get(f"/api/v1/protocols/{protocol_id}/versions/{version}/fhir")
    assert anonymous.status_code == 401


def _figure_links(bundle: Bundle) -> dict[str, str]:
    """Return {exercise id: the URL its ActivityDefinition names for its animated figure}."""
    links = {}
    for activity in _resources(bundle, ActivityDefinition):
        for artifact in activity.relatedArtifact or ():
            if artifact.type == "documentation" and artifact.label == "figure":
                assert artifact.document.contentType == "image/png"
                links[activity.identifier[0].value] = artifact.document.url
    return links


@pytest.mark.parametrize("key", VERSIONS, ids=[f"{p}-v{v}" for p, v in VERSIONS])
def test_each_exercise_names_its_animated_figure_which_opens_without_a_token(reader, bundles, key):
    from io import BytesIO

    from PIL import Image

    doc = DOCUMENTS[key]
    links = _figure_links(bundles[key][1])
    with_figure = [e["id"] for p in doc["phases"] for e in p["exercises"] if e.get("figure")]
    assert with_figure and sorted(links) == sorted(with_figure)
    path = links[with_figure[0]].removeprefix("http://localhost")
    assert (
        path
        == f"/api/v1/protocols/{key[0]}/versions/{key[1]}/exercises/{with_figure[0]}/figure.png"
    )
    image = reader.client.get(path)  # no Authorization header: a drawing holds no personal data
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert "public" in image.headers["Cache-Control"], "a version's drawings never change"
    drawn = Image.open(BytesIO(image.data))
    assert drawn.format == "PNG" and drawn.is_animated and drawn.n_frames > 1
    again = reader.client.get(path, headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304


def test_an_exercise_that_is_not_in_the_version_has_no_figure(reader):
    protocol_id, version = VERSIONS[0]
    path = f"/api/v1/protocols/{protocol_id}/versions/{version}/exercises/no-such/figure.png"
    missing = reader.client.get(path)
    assert missing.status_code == 404 and "no figure" in missing.get_json()["message"]
    assert "no-store" in missing.headers["Cache-Control"], "only the drawings are cached"
