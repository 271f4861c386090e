"""The Nantes criteria for pudendal neuralgia (Labat 2008, Neurourol Urodyn 27:306-10)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.history import ClinicalEntry
from domain.readiness import POSITIVE_INJECTION_RELIEF_PERCENT, injection_relief

# The five essential criteria, as an intake record keys them, in the clinician's words.
NANTES_CRITERIA = {
    "pain_in_pudendal_territory": "Pain in the territory of the pudendal nerve",
    "worse_sitting": "Worse when sitting",
    "not_woken_at_night": "Pain does not wake the patient at night",
    "no_objective_sensory_loss": "No objective sensory loss",
    "relieved_by_block": "Relieved by an anaesthetic pudendal block",
}
NANTES_ANSWERS = ("yes", "no", "unknown")


@dataclass(frozen=True)
class NantesStatus:
    """Whether the five criteria are met, and which are not (yet)."""

    met: bool
    answers: Mapping[str, str]  # criterion -> yes / no / unknown, after the block rule below
    block_from_injection: bool = False  # relieved_by_block decided by a recorded injection

    @property
    def against(self) -> tuple[str, ...]:
        """Return the criteria answered no (each argues against pudendal neuralgia)."""
        return tuple(k for k in NANTES_CRITERIA if self.answers.get(k) == "no")

    @property
    def unknown(self) -> tuple[str, ...]:
        """Return the criteria not yet known."""
        return tuple(k for k in NANTES_CRITERIA if self.answers.get(k) not in ("yes", "no"))


def _latest(entries: list[ClinicalEntry]) -> ClinicalEntry | None:
    return max(reversed(entries), key=lambda e: e.event_date, default=None)


def block_answer(entries: Iterable[ClinicalEntry]) -> str | None:
    """Return yes / no from the latest pudendal nerve injection on record, or None.

    Yes from 50 % relief, the cut-off the readiness checklist uses for a diagnostic block.
    """
    pudendal = [
        e
        for e in entries
        if e.kind == "guided_injection" and e.details.get("target") == "pudendal_nerve"
    ]
    latest = _latest(pudendal)
    if latest is None:
        return None
    relief = injection_relief(latest.details)
    if relief is None:
        return None
    return "yes" if relief >= POSITIVE_INJECTION_RELIEF_PERCENT else "no"


def nantes_of(given: Mapping, entries: Iterable[ClinicalEntry] = ()) -> NantesStatus:
    """Return the criteria of one intake's answers, the block decided as `nantes_status` says."""
    answers = {
        k: given.get(k) if given.get(k) in NANTES_ANSWERS else "unknown" for k in NANTES_CRITERIA
    }
    block = block_answer(entries)
    if block is not None:
        answers["relieved_by_block"] = block
    met = all(answers[k] == "yes" for k in NANTES_CRITERIA)
    return NantesStatus(met, answers, block is not None)


def nantes_status(entries: Iterable[ClinicalEntry]) -> NantesStatus | None:
    """Return the Nantes criteria from the latest intake record, or None without one.

    Design choice: a pudendal nerve injection on record decides `relieved_by_block` (its latest
    result counts, clinical-review section 7), whatever the intake said, since it is the block
    itself; without one the intake's answer stands. All five must be yes.
    """
    entries = list(entries)
    intake = _latest([e for e in entries if e.kind == "intake"])
    if intake is None:
        return None
    return nantes_of(intake.details.get("nantes") or {}, entries)
