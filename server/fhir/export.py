"""Export records as FHIR: one patient's Bundle, or every patient as Bulk Data NDJSON files.

The bulk layout is that of the FHIR Bulk Data Access "complete" answer: one file per resource
type (`Patient.ndjson`, `Observation.ndjson`, ...), one resource a line, and a manifest whose
`output` lists each file with its type, url (the file name here) and count. Patients are read
in batches of ids, so memory holds one batch, whatever the size of the clinic.
"""

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.fhir.bundle import patient_bundle, record_resources
from server.fhir.records import load_records
from server.fhir.serialize import resource_json
from server.models import Patient

FHIR_JSON = "application/fhir+json"
NDJSON = "application/fhir+ndjson"
MANIFEST = "manifest.json"


def now_instant() -> str:
    """Return the current moment as a FHIR instant."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def patient_bundle_json(session: Session, patient_id: int) -> str:
    """Return one patient's record as the JSON of a FHIR Bundle."""
    (record,) = load_records(session, [patient_id])
    return resource_json(patient_bundle(record, now_instant()))


def patient_id_batches(session: Session, size: int) -> Iterator[list[int]]:
    """Yield every patient id in ascending batches of at most `size` (keyset, not OFFSET)."""
    last = 0
    while True:
        ids = list(
            session.scalars(
                select(Patient.id).where(Patient.id > last).order_by(Patient.id).limit(size)
            )
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def count_patients(session: Session) -> int:
    """Return how many patients the bulk export will write."""
    return session.query(Patient.id).count()


def write_bulk(
    session: Session,
    folder: str,
    batch: int = 100,
    progress: Callable[[int], None] | None = None,
    transaction_time: str | None = None,
) -> dict:
    """Write every patient's resources as NDJSON files in `folder`; return the manifest.

    Each batch's objects are let go (the session is cleared) before the next is read.
    Resources are written as they are made, each as the text its R4B model writes
    (`serialize.resource_json`); files are opened once per type and kept open.
    """
    files, counts = {}, {}
    try:
        for ids in patient_id_batches(session, batch):
            for record in load_records(session, ids):
                for resource in record_resources(record):
                    kind = resource.get_resource_type()
                    if kind not in files:
                        path = os.path.join(folder, f"{kind}.ndjson")
                        files[kind] = open(path, "w", encoding="utf-8", newline="\n")
                        counts[kind] = 0
                    files[kind].write(resource_json(resource) + "\n")
                    counts[kind] += 1
            session.expunge_all()
            if progress is not None:
                progress(len(ids))
    finally:
        for handle in files.values():
            handle.close()
    manifest = {
        "transactionTime": transaction_time or now_instant(),
        "request": "flask --app server export fhir",
        "requiresAccessToken": False,
        "output": [
            {"type": kind, "url": f"{kind}.ndjson", "count": counts[kind]} for kind in sorted(files)
        ],
        "error": [],
    }
    with open(os.path.join(folder, MANIFEST), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    return manifest
