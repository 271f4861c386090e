"""The clinic's bulk FHIR export: NDJSON per resource type, a manifest, the same files twice."""

import json
import uuid
from datetime import date, timedelta

import pytest
from fhir.resources.R4B import get_fhir_model_class

from server.extensions import db
from server.services.accounts import create_user
from tests.conftest import PASSWORD, activate, assign, sign_in

TODAY = date.today()


@pytest.fixture(scope="module")
def clinic(app):
    """Build once: three patients with plans, pain logs, a LEFS, an MRI and a red-flag alert."""
    with app.app_context():
        from server.protocols.loader import validate_files
        from server.services.protocols import load_documents

        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        load_documents(db.session, list(validate_files(None)[0].values()))
        for role in ("physio", "clinician"):
            email = f"{role}@example.org"
            create_user(db.session, email=email, display_name=role, role=role, password=PASSWORD)
        db.session.commit()
    client = app.test_client()
    physio, clinician = (sign_in(client, f"{r}@example.org") for r in ("physio", "clinician"))
    for n in range(3):
        created = physio.post(
            "/patients",
            json={
                "email": f"p{n}@example.org",
                "display_name": f"Patient {n}",
                "timezone": "Europe/London",
                "care_team": [clinician.user["id"]],
            },
        )
        assert created.status_code == 201, created.get_json()
        patient = activate(client, created.get_json())
        pid = patient.user["patient_id"]
        assign(physio, patient, start=TODAY - timedelta(days=5))
        for days in range(3):
            pain = {
                "id": str(uuid.uuid4()),
                "local_date": (TODAY - timedelta(days=days)).isoformat(),
                "nprs": 4 + n,
                "context": "walking",
            }
            assert patient.post(f"/patients/{pid}/pain-logs", json=pain).status_code == 201
        if n == 1:
            mri = {
                "kind": "imaging",
                "event_date": TODAY.isoformat(),
                "details": {"modality": "MRI", "finding": "Normal sciatic nerve course."},
            }
            assert clinician.post(f"/patients/{pid}/clinical-events", json=mri).status_code == 201
        if n == 2:
            from domain.redflags import QUESTIONS

            answers = {q.key: q.key == "fever" for q in QUESTIONS}
            check = {"id": str(uuid.uuid4()), "local_date": TODAY.isoformat(), "answers": answers}
            assert patient.post(f"/patients/{pid}/red-flag-checks", json=check).status_code == 201
    return app


def _export(app, folder, *extra):
    result = app.test_cli_runner().invoke(
        args=["export", "fhir", str(folder), "--batch", "2", *extra]
    )
    return result


def _read(folder) -> tuple[dict, dict[str, list]]:
    manifest = json.loads((folder / "manifest.json").read_text())
    lines = {}
    for item in manifest["output"]:
        lines[item["type"]] = (folder / item["url"]).read_text().splitlines()
    return manifest, lines


def test_every_line_is_a_valid_resource_of_its_file_and_counts_match(clinic, tmp_path):
    result = _export(clinic, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "exported 3 patients" in result.stdout
    # The progress bar is for the operator's terminal: stdout stays the summary alone.
    assert "Exporting patients" in result.stderr and "Exporting" not in result.stdout
    manifest, lines = _read(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["manifest.json", *(item["url"] for item in manifest["output"])]
    )
    assert {"Patient", "CarePlan", "Observation", "DiagnosticReport", "DetectedIssue"} <= set(lines)
    names = set()
    for item in manifest["output"]:
        assert item["url"] == f"{item['type']}.ndjson"
        assert item["count"] == len(lines[item["type"]]) > 0
        model = get_fhir_model_class(item["type"])
        for line in lines[item["type"]]:
            resource = model.model_validate_json(line)
            assert resource.get_resource_type() == item["type"]
            names.add(f"{item['type']}/{resource.id}")
    assert len(lines["Patient"]) == 3
    # References name resources of the export, whichever file holds them.
    referenced = {
        ref
        for kind_lines in lines.values()
        for line in kind_lines
        for ref in _references(json.loads(line))
    }
    assert referenced and referenced <= names


def test_every_line_is_the_text_the_r4b_model_writes_for_it(clinic, tmp_path):
    # The export writes its JSON without the library's slow serializer (server/fhir/serialize.py):
    # each line must be exactly what the model of the resource it parses to writes.
    assert _export(clinic, tmp_path / "out").exit_code == 0
    _, lines = _read(tmp_path / "out")
    for kind, kind_lines in lines.items():
        model = get_fhir_model_class(kind)
        for line in kind_lines:
            assert model.model_validate_json(line).model_dump_json() == line


def _references(node):
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_running_it_twice_gives_the_same_files(clinic, tmp_path):
    assert _export(clinic, tmp_path / "one").exit_code == 0
    assert _export(clinic, tmp_path / "two").exit_code == 0
    again = _export(clinic, tmp_path / "one", "--force")
    assert again.exit_code == 0, again.output
    first, first_lines = _read(tmp_path / "one")
    second, second_lines = _read(tmp_path / "two")
    assert first["output"] == second["output"]
    assert first_lines == second_lines


def test_refuses_a_file_or_a_folder_in_use_unless_forced(clinic, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    refused = _export(clinic, target)
    assert refused.exit_code != 0
    assert "is a file, not a folder" in refused.output
    assert target.read_text() == "keep me"
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    refused = _export(clinic, busy)
    assert refused.exit_code != 0
    assert "is not empty; pass --force" in refused.output
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    forced = _export(clinic, busy, "--force")
    assert forced.exit_code == 0, forced.output
    assert (busy / "notes.txt").read_text() == "mine"
    assert (busy / "Patient.ndjson").exists()
