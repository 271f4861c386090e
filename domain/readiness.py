"""The readiness checklist of a failed trial: its pathway's steps, from clinician records."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from domain.exams import (
    EXAM_RESULTS,
    exam_name,
    modality_name,
    target_name,
)
from domain.history import ClinicalEntry
from domain.pathway import NANTES_CRITERIA, OLD_MODALITIES, SURGICAL_PATHWAY, Pathway, PathwayStep

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


def _latest(entries: list) -> ClinicalEntry | None:
    """Return the most recent entry (the later-given one on a tie), or None."""
    return max(reversed(entries), key=lambda e: e.event_date, default=None)


def _modality(details: Mapping) -> str:
    """Return an imaging record's modality in the structured names ("US" was ultrasound)."""
    modality = str(details.get("modality", ""))
    return OLD_MODALITIES.get(modality, modality)


def _words(value: object) -> str:
    """Return a record's key in plain words (MR_neurography -> MR neurography)."""
    return str(value).replace("_", " ")


def _measurement(field: str, value: object) -> str:
    """Return a measurement in words ("ischiofemoral space 12 mm")."""
    if field.endswith("_mm") and isinstance(value, int | float):
        return f"{_words(field[:-3])} {value:g} mm"
    return f"{_words(field)} {value}"


def _imaging(step: PathwayStep, entries: list) -> ReadinessItem:
    """Check that imaging of the step's modality, with its measurements, is on record."""
    want = step.done_when
    found = [
        e
        for e in entries
        if e.kind == "imaging"
        and (not want.modality or _modality(e.details) in want.modality)
        and all(e.details.get(field) is not None for field in want.has)
    ]
    if not (latest := _latest(found)):
        return ReadinessItem(step.id, step.title, False, next_step=step.next_step)
    d = latest.details
    summary = f"{modality_name(d.get('modality'))}: {d.get('finding') or 'no finding recorded'}"
    measured = [_measurement(field, d[field]) for field in want.has]
    if measured:
        summary += " (" + ", ".join(measured) + ")"
    return ReadinessItem(step.id, step.title, True, latest.event_date, summary + _by(latest))


def _injection(step: PathwayStep, entries: list) -> ReadinessItem:
    """Check that the latest guided injection of the step's targets gave >= 50 % relief.

    The latest result counts (clinical-review section 7): a later negative block argues
    against the source an earlier positive one seemed to confirm.
    """
    targets = step.done_when.target
    done = [
        e
        for e in entries
        if e.kind == "guided_injection" and (not targets or e.details.get("target") in targets)
    ]
    if (latest := _latest(done)) is None:
        return ReadinessItem(step.id, step.title, False, next_step=step.next_step)
    relief = injection_relief(latest.details)
    summary = _injection_summary(latest)
    if relief is not None and relief >= POSITIVE_INJECTION_RELIEF_PERCENT:
        return ReadinessItem(step.id, step.title, True, latest.event_date, summary)
    return ReadinessItem(
        step.id,
        step.title,
        False,
        latest.event_date,
        summary,
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


def _exam(step: PathwayStep, entries: list) -> ReadinessItem:
    """Check that an examination test of the step (with its result, if given) is on record."""
    want = step.done_when
    found = [
        e
        for e in entries
        if e.kind == "exam_finding"
        and (not want.test or e.details.get("test") in want.test)
        and (want.result is None or e.details.get("result") == want.result)
    ]
    if not (latest := _latest(found)):
        return ReadinessItem(step.id, step.title, False, next_step=step.next_step)
    d = latest.details
    result = d.get("result", "n/a")
    summary = f"{exam_name(d.get('test', 'exam'))}: {EXAM_RESULTS.get(result, result)}{_by(latest)}"
    return ReadinessItem(step.id, step.title, True, latest.event_date, summary)


def nantes_summary(nantes: Mapping, entries: Iterable = ()) -> tuple[bool, bool, str]:
    """Return (recorded, all met, words) for an intake's Nantes criteria.

    Recorded: every criterion answered yes or no, except relief by the block, which may stay
    unknown until the block is done (the block step reports it). A pudendal block on record
    decides that criterion (domain.nantes).
    """
    from domain.nantes import NANTES_CRITERIA as WORDS  # it imports this module
    from domain.nantes import nantes_of

    status = nantes_of(nantes, entries)
    answers = status.answers
    recorded = all(
        answers[key] in ("yes", "no") for key in NANTES_CRITERIA if key != "relieved_by_block"
    )
    yes = sum(value == "yes" for value in answers.values())
    words = f"Nantes criteria: {yes} of {len(NANTES_CRITERIA)} met"
    others = [f"{WORDS[key].lower()}: {value}" for key, value in answers.items() if value != "yes"]
    if others:
        words += " (" + "; ".join(others) + ")"
    return recorded, status.met, words


def _intake(step: PathwayStep, entries: list) -> ReadinessItem:
    """Check that the latest intake with Nantes criteria has them recorded (or all met)."""
    found = [e for e in entries if e.kind == "intake" and isinstance(e.details.get("nantes"), dict)]
    if not (latest := _latest(found)):
        return ReadinessItem(step.id, step.title, False, next_step=step.next_step)
    recorded, met, words = nantes_summary(latest.details["nantes"], entries)
    ok = met if step.done_when.nantes == "met" else recorded
    return ReadinessItem(
        step.id,
        step.title,
        ok,
        latest.event_date,
        words + _by(latest),
        next_step=None if ok else step.next_step,
    )


def _medication_review(step: PathwayStep, entries: list) -> ReadinessItem:
    """Check that a medication review is on record (what was reviewed and its outcome)."""
    if not (latest := _latest([e for e in entries if e.kind == "medication_review"])):
        return ReadinessItem(step.id, step.title, False, next_step=step.next_step)
    d = latest.details
    medications = d.get("medications") or "medications not listed"
    if isinstance(medications, list | tuple):
        medications = ", ".join(map(str, medications)) or "medications not listed"
    summary = f"{medications}: {d.get('outcome') or 'no outcome recorded'}{_by(latest)}"
    return ReadinessItem(step.id, step.title, True, latest.event_date, summary)


def _mechanical_source(step: PathwayStep, entries: list) -> ReadinessItem:
    """Check that a clinician has named a mechanical source, on examination or imaging."""
    named = [
        e
        for e in entries
        if e.kind in ("exam_finding", "imaging") and e.details.get("mechanical_source")
    ]
    if not (latest := _latest(named)):
        return ReadinessItem(step.id, step.title, False, next_step=step.next_step)
    d = latest.details
    if latest.kind == "imaging":
        how = f"{modality_name(d.get('modality'))}: {d.get('finding', 'no finding recorded')}"
    else:
        result = d.get("result", "n/a")
        how = f"{exam_name(d.get('test', 'exam'))}: {EXAM_RESULTS.get(result, result)}"
    summary = f"{d['mechanical_source']} ({how}{_by(latest)})"
    return ReadinessItem(step.id, step.title, True, latest.event_date, summary)


def _lumbar_spine(step: PathwayStep, entries: list) -> ReadinessItem:
    """Check that the lumbar spine is excluded: on examination and, where done, on imaging.

    The review: rule out the lumbar spine first (the hip capsule is supplied from L2-S1, the
    sciatic nerve from L4-S3). The latest statement of each kind counts.
    """
    stated = [e for e in entries if e.details.get("lumbar_spine")]
    exam = _latest([e for e in stated if e.kind == "exam_finding"])
    imaging = _latest([e for e in stated if e.kind == "imaging"])
    if exam is None:
        return ReadinessItem(step.id, step.title, False, next_step=step.next_step)
    pending = [
        e for e in (exam, imaging) if e is not None and e.details["lumbar_spine"] != "excluded"
    ]
    evidence = "; ".join(
        f"{'examination' if e.kind == 'exam_finding' else modality_name(e.details.get('modality'))}"
        f" {e.event_date:%a} {e.event_date.day} {e.event_date:%b}:"
        f" {e.details['lumbar_spine'].replace('_', ' ')}{_by(e)}"
        for e in (exam, imaging)
        if e is not None
    )
    latest = max((e for e in (exam, imaging) if e is not None), key=lambda e: e.event_date)
    if pending:
        return ReadinessItem(
            step.id,
            step.title,
            False,
            latest.event_date,
            evidence,
            next_step="A spinal source is not excluded: assess the lumbar spine before "
            "surgical referral for a hip or pelvic source.",
        )
    return ReadinessItem(step.id, step.title, True, latest.event_date, evidence)


_BY_KIND: dict[str, Callable[[PathwayStep, list], ReadinessItem]] = {
    "imaging": _imaging,
    "guided_injection": _injection,
    "exam_finding": _exam,
    "intake": _intake,
    "medication_review": _medication_review,
}


def step_item(step: PathwayStep, entries: list) -> ReadinessItem:
    """Evaluate one pathway step against the clinical records."""
    when = step.done_when
    if when.lumbar_spine is not None:
        return _lumbar_spine(step, entries)
    if when.mechanical_source is not None:
        return _mechanical_source(step, entries)
    return _BY_KIND[when.kind](step, entries)


def readiness_checklist(
    entries: Iterable[ClinicalEntry], pathway: Pathway | None = None
) -> tuple[ReadinessItem, ...]:
    """Return the pathway's steps, in order, each met or with its next step.

    Without a pathway: the surgical one (spine excluded, imaging, diagnostic injection,
    mechanical source).
    """
    entries = list(entries)
    return tuple(step_item(step, entries) for step in (pathway or SURGICAL_PATHWAY).steps)


def next_steps(items: Iterable[ReadinessItem]) -> list[str]:
    """Return the next steps of the items not yet met."""
    return [item.next_step for item in items if not item.met and item.next_step]
