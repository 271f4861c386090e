"""One patient's record as FHIR resources, and as a Bundle of type "collection".

"collection": the Bundle is a set of resources gathered for export, not the answer to a search
(a "searchset" carries search modes and totals of a query) and not a "document" (which needs
a Composition that attests it). Resources are R4B (FHIR 4.3) models from fhir.resources, whose
structure is that of R4 for every resource used here (docs/interop.md).
"""

from collections.abc import Iterator

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.meta import Meta

from server.fhir.alerts import alert_resources
from server.fhir.careplan import plan_resources
from server.fhir.common import full_url
from server.fhir.identity import CANONICAL_BASE
from server.fhir.observations import (
    clinical_event_resources,
    exercise_pain_observations,
    outcome_observation,
    pain_observation,
)
from server.fhir.patient import care_team_resource, patient_resource, practitioner_resources
from server.fhir.records import PatientRecord

# Says what the resources are: FHIR R4B (4.3.0) models, the structure of R4 for these types.
FHIR_VERSION_TAG = f"{CANONICAL_BASE}/fhir-version"


def record_resources(record: PatientRecord) -> Iterator:
    """Yield every resource of one patient's record, the Patient first."""
    yield patient_resource(record)
    yield from practitioner_resources(record)
    yield care_team_resource(record)
    for plan, protocol in record.plans:
        yield from plan_resources(record, plan, protocol)
    for log in record.pain_logs:
        yield pain_observation(record, log)
    for exercise_log in record.exercise_pain:
        yield from exercise_pain_observations(record, exercise_log)
    for measure in record.outcomes:
        found = outcome_observation(record, measure)
        if found is not None:
            yield found
    for event in record.clinical_events:
        yield from clinical_event_resources(record, event)
    for alert in record.alerts:
        yield from alert_resources(record, alert)


def patient_bundle(record: PatientRecord, timestamp: str) -> Bundle:
    """Return one patient's record as a collection Bundle made at `timestamp` (an instant)."""
    entries = [
        BundleEntry(fullUrl=full_url(r.get_resource_type(), r.id), resource=r)
        for r in record_resources(record)
    ]
    return Bundle(
        meta=Meta(
            profile=None,
            tag=[
                {
                    "system": FHIR_VERSION_TAG,
                    "code": "4.3.0",
                    "display": "FHIR R4B models; the R4 structure for every resource here",
                }
            ],
        ),
        type="collection",
        timestamp=timestamp,
        entry=entries,
    )
