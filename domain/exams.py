"""The examination tests a clinician records, with their published accuracy, and the choices
of the structured clinical records (imaging, injection, intake) in words.

Accuracies are those the clinical review verified (clinical-review.md section 7); a test whose
accuracy was not verified carries None and reads "accuracy not known", never a guess.
"""

from collections.abc import Mapping
from dataclasses import dataclass

# What a test or a record points to: the conditions of the posterior hip pain pathways.
CONDITIONS = {
    "deep_gluteal_syndrome": "deep gluteal syndrome",
    "ischiofemoral_impingement": "ischiofemoral impingement",
    "proximal_hamstring": "proximal hamstring tendon problem",
    "pudendal_neuralgia": "pudendal neuralgia",
}


@dataclass(frozen=True)
class ExamTest:
    """One examination test: what it looks for and how accurate it was found to be."""

    id: str
    name: str
    condition: str | None  # a CONDITIONS key; None when the site decides (palpation)
    sensitivity: float | None = None  # None: not known
    specificity: float | None = None
    source: str | None = None


_MARTIN = "Martin 2014"  # Martin HD et al., KSSTA 2014;22:882-8 (endoscopy as reference)


def _by_id(*items) -> dict:
    """Return catalogue entries keyed by their id, in the order given."""
    return {item.id: item for item in items}


EXAM_TESTS: dict[str, ExamTest] = _by_id(
    ExamTest(
        "long_stride_walking",
        "Long-stride walking test",
        "ischiofemoral_impingement",
        0.95,
        0.84,
        "Gómez-Hoyos 2016",  # Arthroscopy 2016
    ),
    ExamTest(
        "active_piriformis",
        "Active piriformis test",
        "deep_gluteal_syndrome",
        0.78,
        0.80,
        _MARTIN,
    ),
    ExamTest(
        "seated_piriformis_stretch",
        "Seated piriformis stretch test",
        "deep_gluteal_syndrome",
        0.52,
        0.90,
        _MARTIN,
    ),
    # Low sensitivity: a negative straight-leg raise does not rule deep gluteal syndrome out.
    ExamTest(
        "straight_leg_raise", "Straight-leg raise", "deep_gluteal_syndrome", 0.15, 0.95, _MARTIN
    ),
    ExamTest("ifi_test", "Ischiofemoral impingement test", "ischiofemoral_impingement"),
    ExamTest("active_knee_flexion_30", "Active knee flexion at 30°", "proximal_hamstring"),
    ExamTest("active_knee_flexion_90", "Active knee flexion at 90°", "proximal_hamstring"),
    ExamTest("palpation", "Palpation", None),
)
# Either of the two piriformis tests positive (Martin 2014): more sensitive than each alone.
PIRIFORMIS_PAIR = ("active_piriformis", "seated_piriformis_stretch")
PIRIFORMIS_PAIR_ACCURACY = (0.91, 0.80, _MARTIN)

EXAM_RESULTS = {"positive": "positive", "negative": "negative", "not_done": "not done"}


@dataclass(frozen=True)
class PalpationSite:
    """Where tenderness was sought, and the condition tenderness there points to."""

    id: str
    name: str
    condition: str


# The review names the sites around the ischial tuberosity (lateral: IFI; posterior: hamstring;
# medial: pudendal); the sciatic notch for deep gluteal syndrome is clinical judgement [opinion].
PALPATION_SITES: dict[str, PalpationSite] = _by_id(
    PalpationSite(
        "lateral_to_ischial_tuberosity",
        "lateral to the ischial tuberosity (ischiofemoral space)",
        "ischiofemoral_impingement",
    ),
    PalpationSite(
        "posterior_ischial_tuberosity",
        "on the ischial tuberosity, posteriorly (hamstring origin)",
        "proximal_hamstring",
    ),
    PalpationSite(
        "medial_ischial_tuberosity",
        "medial to the ischial tuberosity (Alcock's canal)",
        "pudendal_neuralgia",
    ),
    PalpationSite(
        "sciatic_notch", "over the sciatic notch (deep gluteal space)", "deep_gluteal_syndrome"
    ),
)

MODALITIES = {
    "MRI": "MRI",
    "MR_neurography": "MR neurography",
    "CT": "CT",
    "ultrasound": "Ultrasound",
    "X-ray": "X-ray",
    "EMG_NCS": "EMG / nerve conduction studies",
}
# Stored before the modalities were settled: still read, never accepted again.
LEGACY_MODALITIES = {"US": "Ultrasound"}
# Modalities that count as "MRI done" on the readiness checklist.
MRI_MODALITIES = frozenset({"MRI", "MR_neurography"})

INJECTION_TARGETS = {
    "pudendal_nerve": "Pudendal nerve",
    "ischiofemoral_space": "Ischiofemoral space",
    "peri_sciatic": "Around the sciatic nerve",
    "piriformis": "Piriformis",
    "hamstring_origin": "Hamstring origin",
    "other": "Other target",
}
GUIDANCE = {"ultrasound": "ultrasound", "fluoroscopy": "fluoroscopy", "CT": "CT"}

# MRI thresholds for ischiofemoral impingement (Singer et al. meta-analysis): at or below them
# the measurement supports IFI. Limb position moves them by more than 4 mm in 1 hip in 3
# (Hatem 2020), so they are shown as support, never as a diagnosis.
IFI_SPACE_MM = 15
QF_SPACE_MM = 10

YES_NO_UNKNOWN = {"yes": "yes", "no": "no", "unknown": "not known"}


def percent(value: float) -> str:
    """Return 0.78 as "78 %"."""
    return f"{round(value * 100)} %"


def accuracy_text(test: ExamTest) -> str:
    """Return "sensitivity 78 %, specificity 80 %, Martin 2014" or "accuracy not known"."""
    if test.sensitivity is None or test.specificity is None:
        return "accuracy not known"
    found = f"sensitivity {percent(test.sensitivity)}, specificity {percent(test.specificity)}"
    return f"{found}, {test.source}" if test.source else found


def pair_text() -> str:
    """Return what the two piriformis tests together are known to do."""
    sens, spec, source = PIRIFORMIS_PAIR_ACCURACY
    return (
        f"Active piriformis and seated piriformis stretch tests together (either positive): "
        f"sensitivity {percent(sens)}, specificity {percent(spec)}, {source}"
    )


def exam_name(test_id: str) -> str:
    """Return a test's name; a test recorded as free text before the catalogue reads as given."""
    found = EXAM_TESTS.get(test_id)
    return found.name if found else str(test_id)


def modality_name(modality) -> str:
    """Return a modality's name (an old "US" reads as ultrasound)."""
    return MODALITIES.get(modality) or LEGACY_MODALITIES.get(modality) or str(modality or "Imaging")


def target_name(d: Mapping) -> str:
    """Return the injection's target in words (a free-text target of an old row as written)."""
    target = d.get("target")
    if target == "other":
        return d.get("target_note") or INJECTION_TARGETS["other"]
    return INJECTION_TARGETS.get(target) or str(target or "unspecified target")
