"""PATCH /plans/{id} with `until`: a dose change or removal for a set time, then back again."""

from datetime import date, timedelta

from tests.conftest import dose_change

SLIDER = "seated-sciatic-slider"


def slider_reps(patient, plan, first: date, last: date) -> dict[str, set[int]]:
    """Return the slider's reps on each day of the schedule (empty when it is not prescribed)."""
    days = patient.get(
        f"/plans/{plan['id']}/schedule?from={first.isoformat()}&to={last.isoformat()}"
    ).get_json()["days"]
    return {
        d["date"]: {s["dose"]["reps"] for s in d["sessions"] if s["exercise_id"] == SLIDER}
        for d in days
    }


def test_a_dose_for_two_weeks_reverts_the_day_after_its_last_day(physio, patient, plan):
    today = date.today()
    last = today + timedelta(days=13)
    body = {**dose_change(5), "until": last.isoformat()}
    response = physio.patch(f"/plans/{plan['id']}", json=body)
    assert response.status_code == 200, response.get_json()
    revision = response.get_json()["revisions"][-1]
    assert revision["diff"][0]["until"] == last.isoformat()
    reps = slider_reps(patient, plan, today - timedelta(days=1), last + timedelta(days=1))
    assert reps[(today - timedelta(days=1)).isoformat()] == {10}
    assert reps[today.isoformat()] == {5} and reps[last.isoformat()] == {5}
    assert reps[(last + timedelta(days=1)).isoformat()] == {10}


def test_a_removal_for_a_week_brings_the_exercise_back(physio, patient, plan):
    today = date.today()
    last = today + timedelta(days=6)
    response = physio.patch(
        f"/plans/{plan['id']}",
        json={
            "reason": "Sliders irritable: a week off them.",
            "operations": [{"op": "remove_exercise", "exercise_id": SLIDER}],
            "until": last.isoformat(),
        },
    )
    assert response.status_code == 200, response.get_json()
    reps = slider_reps(patient, plan, today, last + timedelta(days=1))
    assert reps[today.isoformat()] == set() and reps[last.isoformat()] == set()
    assert reps[(last + timedelta(days=1)).isoformat()] == {10}


def test_a_bad_until_is_a_field_error_and_changes_nothing(physio, patient, plan):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    cases = [
        ({**dose_change(5), "until": yesterday}, ("until",)),
        ({**dose_change(5), "until": "2026-02-30"}, ("until",)),
        ({"reason": "No operations.", "until": date.today().isoformat()}, ("until",)),
        (
            {
                "reason": "Move for a while.",
                "operations": [{"op": "move_phase", "phase_id": "tension-and-strength"}],
                "until": date.today().isoformat(),
            },
            ("operations[0]", "op"),
        ),
    ]
    for body, path in cases:
        response = physio.patch(f"/plans/{plan['id']}", json=body)
        assert response.status_code == 422, (body, response.get_json())
        node = response.get_json()["errors"]["json"]
        for key in path:
            node = node[key]
        assert node, (body, response.get_json())
    stored = physio.get(f"/plans/{plan['id']}").get_json()
    assert stored["current_revision"] == 1, "a refused change stores nothing"
