"""The export's JSON writer gives the text of fhir.resources' own `model_dump_json()`.

The records' resources are compared in tests/api/test_fhir_export.py (the Bundle) and
tests/integration/test_fhir_bulk.py (every NDJSON line); these are the cases Stride's records
do not reach: extensions of primitives, comments, decimals, base64, a resource inside a
resource, and a value the writer leaves to the library.
"""

import pytest
from fhir.resources.R4B.attachment import Attachment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from server.fhir.serialize import resource_json

EXTENSION = "https://example.org/fhir/StructureDefinition/note"

CASES = {
    "primitive extensions, a null placeholder, comments": Patient.model_validate(
        {
            "resourceType": "Patient",
            "id": "p1",
            "birthDate": "1970-01-01",
            "_birthDate": {"extension": [{"url": EXTENSION, "valueString": "approximate"}]},
            "name": [
                {
                    "given": ["Ann", "Bea"],
                    "_given": [None, {"extension": [{"url": EXTENSION, "valueCode": "x"}]}],
                }
            ],
            "deceasedBoolean": False,
            "multipleBirthInteger": 2,
            "fhir_comments": ["kept, as the library keeps it"],
        }
    ),
    "decimals, an empty list, fractions of a second, text to escape": Observation.model_validate(
        {
            "resourceType": "Observation",
            "status": "final",
            "category": [],
            "code": {"text": "weight"},
            "effectiveDateTime": "2026-03-29T02:30:00.123+01:00",
            "valueQuantity": {"value": "72.50", "unit": "kg"},
            "referenceRange": [{"low": {"value": 1.0}, "high": {"value": "10"}}],
            "note": [{"text": 'é ünïcode ✓ "quoted" \\ and a\nnew line'}],
        }
    ),
    "base64 data": Attachment(
        contentType="text/plain", data="aGVsbG8=", creation="2026-01-01T00:00:00Z"
    ),
    "a resource inside a resource": Bundle(
        type="collection",
        timestamp="2026-01-01T00:00:00+00:00",
        entry=[{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "q"}}],
    ),
}


@pytest.mark.parametrize("model", CASES.values(), ids=CASES.keys())
def test_the_text_is_the_librarys_own(model):
    assert resource_json(model) == model.model_dump_json()


def test_a_value_it_does_not_know_is_written_by_the_library():
    patient = Patient(id="p2", gender="other")
    # Only code outside the models can put such a value there (assignment is validated).
    object.__setattr__(patient, "__dict__", {**patient.__dict__, "contact": "not a model"})
    with pytest.warns(UserWarning):  # pydantic warns that the value is not a PatientContact
        expected = patient.model_dump_json()
    with pytest.warns(UserWarning):
        assert resource_json(patient) == expected
