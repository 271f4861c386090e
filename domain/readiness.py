"""Surgical-review readiness checklist built from clinician-recorded events."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from domain.exams import (
    EXAM_RESULTS,
    MRI_MODALITIES,
    exam_name,
    modality_name,
    target_name,
)
from domain.history import ClinicalEntry

# A diagnostic guided injection counts as positive from this much relief (SPEC 4).
POSITIVE_INJECTION_RELIEF_PERCENT = 50.0


@dataclass(frozen=True)
class ReadinessItem:
    """One checklist item: met with its evidence, or not met with the next step to take."""

    key: str
    label: str
    met: bool
    evidence_date: date | None = None
    evidence: str | None = None
    next_step: str | None = None

    def as_evidence(self) -> dict:
        """Return the item as a JSON-able dict."""
        return {
            "key": self.key,
            "label": self.label,
            "met": self.met,
            "evidence_date": self.evidence_date.isoformat() if self.evidence_date else None,
            "evidence": self.evidence,
            "next_step": self.next_step,
        }


def injection_relief(details: Mapping) -> float | None:
    """Return percent relief of a guided injection, or None when it cannot be computed."""
    before, after = details.get("pain_before"), details.get("pain_after")
    if not isinstance(before, int | float) or not isinstance(after, int | float) or before <= 0:
        return None
    return (before - after) / before * 100


def _latest(entries: list[ClinicalEntry]) -> ClinicalEntry | None:
    """Return the most recent entry (the later-given one on a tie), or None."""
    return max(reversed(entries), key=lambda e: e.event_date, default=None)


def _imaging(entries: list[ClinicalEntry]) -> ReadinessItem:
    """Check that an MRI (including MR neurography) has been done."""
    mri = [
        e for e in entries if e.kind == "imaging" and e.details.get("modality") in MRI_MODALITIES
    ]
    label = "Imaging (MRI) done"
    if not (latest := _latest(mri)):
        return ReadinessItem(
            "imaging",
            label,
            False,
            next_step="Request an MRI of the pelvis and hip (MR neurography if a nerve "
            "entrapment is suspected).",
        )
    finding = latest.details.get("finding") or "no finding recorded"
    summary = f"{modality_name(latest.details.get('modality'))}: {finding}"
    return ReadinessItem("imaging", label, True, latest.event_date, summary)


def _injection(entries: list[ClinicalEntry]) -> ReadinessItem:
    """Check that the latest diagnostic guided injection gave at least 50 % relief.

    The latest result counts (clinical-review section 7): a later negative block argues
    against the source an earlier positive one seemed to confirm.
    """
    threshold = POSITIVE_INJECTION_RELIEF_PERCENT
    label = f"Diagnostic guided injection positive (>= {threshold:g} % relief)"
    latest = _latest([e for e in entries if e.kind == "guided_injection"])
    if latest is None:
        return ReadinessItem(
            "guided_injection",
            label,
            False,
            next_step="Refer for a diagnostic image-guided injection and record pain (NPRS) "
            "before and after it.",
        )
    relief = injection_relief(latest.details)
    if relief is not None and relief >= threshold:
        return ReadinessItem(
            "guided_injection", label, True, latest.event_date, _injection_summary(latest)
        )
    return ReadinessItem(
        "guided_injection",
        label,
        False,
        latest.event_date,
        _injection_summary(latest),
        next_step="The last guided injection was not diagnostic: review the presumed "
        "pain source before surgical referral.",
    )


def _injection_summary(entry: ClinicalEntry) -> str:
    """Describe an injection and its relief in one phrase."""
    d = entry.details
    relief = injection_relief(d)
    relief_text = "relief not computable" if relief is None else f"{relief:.0f} % relief"
    return f"{target_name(d)}: NPRS {d.get('pain_before')} -> {d.get('pain_after')} ({relief_text})"


def _by(entry: ClinicalEntry) -> str:
    """Return " (recorded by …)" for an entry whose author is known."""
    return f", recorded by {entry.recorded_by}" if entry.recorded_by else ""


def _mechanical_source(entries: list[ClinicalEntry]) -> ReadinessItem:
    """Check that a clinician has named a mechanical source, on examination or imaging."""
    label = "Mechanical source named by a clinician"
    named = [
        e
        for e in entries
        if e.kind in ("exam_finding", "imaging") and e.details.get("mechanical_source")
    ]
    if not (latest := _latest(named)):
        return ReadinessItem(
            "mechanical_source",
            label,
            False,
            next_step="Examine the patient (or review the imaging) and record the mechanical "
            "source of the pain, if one is found.",
        )
    d = latest.details
    if latest.kind == "imaging":
        how = f"{modality_name(d.get('modality'))}: {d.get('finding', 'no finding recorded')}"
    else:
        result = d.get("result", "n/a")
        how = f"{exam_name(d.get('test', 'exam'))}: {EXAM_RESULTS.get(result, result)}"
    summary = f"{d['mechanical_source']} ({how}{_by(latest)})"
    return ReadinessItem("mechanical_source", label, True, latest.event_date, summary)


def _lumbar_spine(entries: list[ClinicalEntry]) -> ReadinessItem:
    """Check that the lumbar spine is excluded: on examination and, where done, on imaging.

    The review: rule out the lumbar spine first (the hip capsule is supplied from L2-S1, the
    sciatic nerve from L4-S3). The latest statement of each kind counts.
    """
    label = "Lumbar spine excluded"
    stated = [e for e in entries if e.details.get("lumbar_spine")]
    exam = _latest([e for e in stated if e.kind == "exam_finding"])
    imaging = _latest([e for e in stated if e.kind == "imaging"])
    if exam is None:
        return ReadinessItem(
            "lumbar_spine",
            label,
            False,
            next_step="Examine the lumbar spine (and image it if the examination suggests a "
            "spinal source) and record whether it is excluded.",
        )
    pending = [
        e for e in (exam, imaging) if e is not None and e.details["lumbar_spine"] != "excluded"
    ]
    evidence = "; ".join(
        f"{'examination' if e.kind == 'exam_finding' else modality_name(e.details.get('modality'))}"
        f" {e.event_date}: {e.details['lumbar_spine'].replace('_', ' ')}{_by(e)}"
        for e in (exam, imaging)
        if e is not None
    )
    latest = max((e for e in (exam, imaging) if e is not None), key=lambda e: e.event_date)
    if pending:
        return ReadinessItem(
            "lumbar_spine",
            label,
            False,
            latest.event_date,
            evidence,
            next_step="A spinal source is not excluded: assess the lumbar spine before "
            "surgical referral for a hip or pelvic source.",
        )
    return ReadinessItem("lumbar_spine", label, True, latest.event_date, evidence)


def readiness_checklist(entries: Iterable[ClinicalEntry]) -> tuple[ReadinessItem, ...]:
    """Return the checklist: spine excluded, imaging, diagnostic injection, mechanical source."""
    entries = list(entries)
    return (
        _lumbar_spine(entries),
        _imaging(entries),
        _injection(entries),
        _mechanical_source(entries),
    )


def next_steps(items: Iterable[ReadinessItem]) -> list[str]:
    """Return the next steps of the items not yet met."""
    return [item.next_step for item in items if not item.met and item.next_step]
