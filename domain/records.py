"""Structured clinical records in words, as the alert's evidence shows them.

One wording for the server (the alert's `clinical_record`) and the app (the alert screen), so a
stored key never reaches a clinician. Rows stored before the records were structured (free-text
test, result or target) read as they were written.
"""

from collections.abc import Iterable, Mapping

from domain.exams import (
    EXAM_RESULTS,
    EXAM_TESTS,
    GUIDANCE,
    IFI_SPACE_MM,
    PALPATION_SITES,
    PIRIFORMIS_PAIR,
    QF_SPACE_MM,
    YES_NO_UNKNOWN,
    accuracy_text,
    modality_name,
    pair_text,
    target_name,
)
from domain.history import ClinicalEntry
from domain.nantes import NANTES_CRITERIA, nantes_of
from domain.readiness import injection_relief

KIND_NAMES = {
    "imaging": "Imaging",
    "guided_injection": "Guided injection",
    "exam_finding": "Examination",
    "intake": "Intake",
    "medication_review": "Neuropathic medication review",
}
# Exam and imaging texts start with the test or modality; the others say what they are.
PREFIXES = {
    "guided_injection": "Guided injection: ",
    "intake": "Intake: ",
    "medication_review": "Neuropathic medication review: ",
}
TEAR_WORDS = {0: "no tendon torn", 1: "one tendon torn", 2: "two tendons torn", 3: "all three torn"}


def _mm(value) -> str:
    return f"{value:g} mm"


def _tail(d: Mapping) -> str:
    """Return the mechanical source and lumbar spine statements a record may carry."""
    parts = []
    if d.get("mechanical_source"):
        parts.append(f"mechanical source: {d['mechanical_source']}")
    if d.get("lumbar_spine"):
        parts.append("lumbar spine " + str(d["lumbar_spine"]).replace("_", " "))
    if d.get("note"):
        parts.append(str(d["note"]))
    return "".join(f"; {p}" for p in parts)


def exam_text(d: Mapping) -> str:
    """Return "Active piriformis test: positive (sensitivity 78 %, ...)"."""
    test = EXAM_TESTS.get(d.get("test"))
    if test is None or d.get("result") not in EXAM_RESULTS:
        return f"{d.get('test', 'Examination')}: {d.get('result', 'no result recorded')}{_tail(d)}"
    name = test.name
    site = PALPATION_SITES.get(d.get("site"))
    if site is not None:
        name = f"{name} {site.name}"
    text = f"{name}: {EXAM_RESULTS[d['result']]}"
    if d["result"] != "not_done":
        text += f" ({accuracy_text(test)})"
    if d["result"] == "negative" and test.sensitivity is not None and test.sensitivity < 0.5:
        text += ": a negative result does not rule it out"
    return text + _tail(d)


def imaging_text(d: Mapping) -> str:
    """Return "MRI: ischiofemoral space 12 mm (IFI if <= 15 mm); <finding>"."""
    parts = []
    if d.get("ischiofemoral_space_mm") is not None:
        parts.append(
            f"ischiofemoral space {_mm(d['ischiofemoral_space_mm'])} (IFI if <= {IFI_SPACE_MM} mm)"
        )
    if d.get("quadratus_femoris_space_mm") is not None:
        parts.append(
            f"quadratus femoris space {_mm(d['quadratus_femoris_space_mm'])} "
            f"(IFI if <= {QF_SPACE_MM} mm)"
        )
    if parts:
        parts.append("limb position changes these spaces by more than 4 mm in 1 hip in 3")
    if d.get("quadratus_femoris_oedema") is not None:
        parts.append(
            "quadratus femoris oedema"
            if d["quadratus_femoris_oedema"]
            else "no quadratus femoris oedema"
        )
    if d.get("tendons_torn") in TEAR_WORDS:
        parts.append(TEAR_WORDS[d["tendons_torn"]])
    if d.get("retraction_mm") is not None:
        parts.append(f"retraction {_mm(d['retraction_mm'])}")
    if d.get("finding"):
        parts.append(str(d["finding"]))
    return f"{modality_name(d.get('modality'))}: " + "; ".join(parts) + _tail(d)


def injection_text(d: Mapping) -> str:
    """Return "Pudendal nerve, ultrasound-guided, lidocaine: pain 7 -> 2 (71 % relief) ..."."""
    head = [target_name(d)]
    if d.get("guidance"):
        head.append(f"{GUIDANCE.get(d['guidance'], d['guidance'])}-guided")
    if d.get("anaesthetic"):
        head.append(str(d["anaesthetic"]))
    relief = injection_relief(d)
    relief_text = "relief not computable" if relief is None else f"{relief:.0f} % relief"
    text = (
        f"{', '.join(head)}: pain {d.get('pain_before')} -> {d.get('pain_after')} ({relief_text})"
    )
    if d.get("minutes_after") is not None:
        text += f" {d['minutes_after']} min after"
    if d.get("provocative_task"):
        text += f", {d['provocative_task']}"
    return text


def intake_text(d: Mapping, entries: Iterable[ClinicalEntry] = ()) -> str:
    """Return the intake: history of cancer, previous surgery and the Nantes criteria."""
    cancer = YES_NO_UNKNOWN.get(d.get("cancer_history"), "not known")
    parts = [f"history of cancer: {cancer}"]
    if d.get("previous_surgery"):
        parts.append(f"previous surgery: {str(d['previous_surgery']).strip().rstrip('.;')}")
    status = nantes_of(d["nantes"], entries) if d.get("nantes") else None
    if status is not None:
        parts.append(nantes_text(status))
    return "; ".join(parts)


def nantes_text(status) -> str:
    """Return "Nantes criteria met (all five)" or what is against and what is not known."""
    if status.met:
        how = (
            " (the block from the pudendal injection on record)"
            if status.block_from_injection
            else ""
        )
        return f"Nantes criteria for pudendal neuralgia met: all five{how}"
    parts = []
    if status.against:
        parts.append("no to " + _listed([_lower(NANTES_CRITERIA[k]) for k in status.against]))
    if status.unknown:
        parts.append("not known: " + _listed([_lower(NANTES_CRITERIA[k]) for k in status.unknown]))
    return "Nantes criteria for pudendal neuralgia not met (" + "; ".join(parts) + ")"


def medication_text(d: Mapping) -> str:
    """Return the medications reviewed and the outcome."""
    medications = d.get("medications") or "medications not recorded"
    return f"{medications}; outcome: {d.get('outcome') or 'not recorded'}"


def describe(entry: ClinicalEntry, entries: Iterable[ClinicalEntry] = ()) -> str:
    """Return one clinical record in words (`entries`: the record, for the Nantes block)."""
    d = entry.details
    if entry.kind == "exam_finding":
        return exam_text(d)
    if entry.kind == "imaging":
        return imaging_text(d)
    if entry.kind == "guided_injection":
        return injection_text(d)
    if entry.kind == "intake":
        return intake_text(d, [e for e in entries if e.kind == "guided_injection"])
    if entry.kind == "medication_review":
        return medication_text(d)
    return ""


def record_lines(entries: Iterable[ClinicalEntry]) -> list[dict]:
    """Return every record, oldest first, with its words; the piriformis pair's accuracy after."""
    entries = list(entries)
    lines = [
        {
            "kind": e.kind,
            "event_date": e.event_date,
            "recorded_by": e.recorded_by,
            "details": dict(e.details),
            "text": PREFIXES.get(e.kind, "") + describe(e, entries),
        }
        for e in sorted(entries, key=lambda e: e.event_date)
    ]
    tested = {
        e.details.get("test")
        for e in entries
        if e.kind == "exam_finding" and e.details.get("result") in ("positive", "negative")
    }
    if all(t in tested for t in PIRIFORMIS_PAIR):
        lines.append(
            {
                "kind": "note",
                "event_date": None,
                "recorded_by": None,
                "details": {},
                "text": pair_text(),
            }
        )
    return lines


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _listed(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
