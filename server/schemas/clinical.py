"""The `details` of each kind of clinical event, validated when an event is received.

Stored rows are never re-validated: an event recorded before the records were structured (a
free-text test, result or target, ultrasound as "US") still lists and reads as written.

Ranges on measurements are design choices that catch typing slips (a space of 120 mm, a block
read two days later), not clinical limits.
"""

from marshmallow import ValidationError, fields, validate, validates_schema

from domain.exams import (
    EXAM_RESULTS,
    EXAM_TESTS,
    GUIDANCE,
    INJECTION_TARGETS,
    MODALITIES,
    PALPATION_SITES,
    YES_NO_UNKNOWN,
)
from domain.nantes import NANTES_CRITERIA
from server.schemas.common import Nprs, StrictSchema, WholeNumber, text_field, yes_no


def _choice(choices, description: str, required: bool = True) -> fields.String:
    """Return a string field that takes one of `choices`, listed in the OpenAPI document."""
    choices = list(choices)
    return fields.String(
        required=required,
        allow_none=not required,
        validate=validate.OneOf(choices),
        metadata={"description": description, "enum": choices},
    )


def _text(description: str, max_length: int = 2000, required: bool = False) -> fields.String:
    return text_field(
        max_length,
        required=required,
        allow_none=not required,
        metadata={"description": description},
    )


def _mm(description: str, most: float) -> fields.Float:
    return fields.Float(  # a JSON number only, as every field of a StrictSchema
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(0, most),
        metadata={"description": f"{description}, in millimetres (0-{most:g})"},
    )


# Whether a spinal source of the pain is excluded (clinical-review section 5: rule out the
# lumbar spine first); not given = not assessed.
def _lumbar_spine() -> fields.String:
    return _choice(
        ["excluded", "not_excluded"],
        "lumbar spine as a source: excluded or not (absent: not assessed)",
        required=False,
    )


def _mechanical_source() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "the mechanical source of the pain (clinicians only)"},
    )


class ImagingDetails(StrictSchema):
    """Imaging with its modality, finding and the measurements the pathways read."""

    modality = _choice(MODALITIES, "how it was imaged (readiness counts MRI and MR neurography)")
    finding = _text("what the imaging showed", required=True)
    mechanical_source = _mechanical_source()
    lumbar_spine = _lumbar_spine()
    # Ischiofemoral impingement on MRI: space <= 15 mm, quadratus femoris space <= 10 mm
    # (Singer et al. meta-analysis); normal spaces are around twice that, so 60 mm is a typo.
    ischiofemoral_space_mm = _mm("ischiofemoral space (IFI if <= 15 mm)", 60)
    quadratus_femoris_space_mm = _mm("quadratus femoris space (IFI if <= 10 mm)", 60)
    quadratus_femoris_oedema = yes_no(
        allow_none=True, metadata={"description": "oedema of the quadratus femoris muscle"}
    )
    # A proximal hamstring tear, graded (non-operative hamstring care needs both on record).
    tendons_torn = WholeNumber(
        allow_none=True,
        validate=validate.Range(0, 3),
        metadata={"description": "proximal hamstring tendons torn (0-3)"},
    )
    retraction_mm = _mm("retraction of the torn tendon end", 300)


# How an injection was guided: the image guidance the posterior hip pain review names for
# injections at an entrapment site ("Ultrasound, fluoroscopy, or CT guided injections",
# reference/posterior-hip-pain-review.txt); the clinical review counts guidance among what makes
# a diagnostic block interpretable (clinical-review.md, section 7). A landmark (unguided)
# injection is not a guided one, so it is not offered. Always given: never assumed here.
INJECTION_GUIDANCE = tuple(GUIDANCE)


class InjectionDetails(StrictSchema):
    """A diagnostic guided injection: what makes the block interpretable (clinical-review s7).

    Anaesthetic, minutes after and the provocative task are optional so that an older app's
    queued injection still lands; the evidence says when they are missing.
    """

    target = _choice(INJECTION_TARGETS, "where the injection went ('other': say in target_note)")
    target_note = _text("the target in words, only with target 'other'", 200)
    anaesthetic = _text("the local anaesthetic given (e.g. lidocaine 1 %)", 200)
    guidance = _choice(GUIDANCE, "the image guidance used (a diagnostic block needs it known)")
    # A diagnostic block is read within hours; a day (1440 min) bounds typing slips.
    minutes_after = WholeNumber(
        strict=True,
        allow_none=True,
        validate=validate.Range(0, 1440),
        metadata={"description": "minutes after the injection that pain_after was taken (0-1440)"},
    )
    provocative_task = _text("what the patient did to test it (e.g. sitting 20 minutes)", 200)
    pain_before = WholeNumber(
        required=True, validate=Nprs.validate, metadata={"description": "NPRS before, 0-10"}
    )
    pain_after = WholeNumber(
        required=True, validate=Nprs.validate, metadata={"description": "NPRS after, 0-10"}
    )

    @validates_schema
    def _target_note_with_other(self, data, **_):
        other = data.get("target") == "other"
        if other and not data.get("target_note"):
            raise ValidationError("say the target when it is 'other'", "target_note")
        if not other and data.get("target_note"):
            raise ValidationError("only with target 'other'", "target_note")


class ExamFindingDetails(StrictSchema):
    """One examination test from the catalogue (domain/exams.py) and its result."""

    test = _choice(EXAM_TESTS, "the test, from the catalogue (its accuracy is shown with it)")
    result = _choice(EXAM_RESULTS, "positive, negative or not done")
    site = _choice(PALPATION_SITES, "where it was palpated (palpation only)", required=False)
    note = _text("what else was seen", 2000)
    mechanical_source = _mechanical_source()
    lumbar_spine = _lumbar_spine()

    @validates_schema
    def _site_with_palpation(self, data, **_):
        palpation = data.get("test") == "palpation"
        if palpation and not data.get("site"):
            raise ValidationError("palpation needs the site", "site")
        if not palpation and data.get("site"):
            raise ValidationError("only with the test 'palpation'", "site")


NantesSchema = StrictSchema.from_dict(
    {
        key: _choice(YES_NO_UNKNOWN, f"{words} (yes, no or unknown)")
        for key, words in NANTES_CRITERIA.items()
    },
    name="Nantes",
)


class IntakeDetails(StrictSchema):
    """What the clinician records once at intake."""

    cancer_history = _choice(
        YES_NO_UNKNOWN,
        "a history of cancer (clinicians only for yes or no; it raises red-flag levels)",
    )
    previous_surgery = _text("previous surgery, in words", 2000)
    nantes = fields.Nested(
        NantesSchema,
        allow_none=True,
        metadata={
            "description": "the five essential Nantes criteria for pudendal neuralgia "
            "(Labat 2008); absent: not assessed"
        },
    )


class MedicationReviewDetails(StrictSchema):
    """A neuropathic medication review (a step of the pudendal neuralgia pathway)."""

    medications = _text("the medications reviewed, with doses", required=True)
    outcome = _text("what was decided", required=True)


DETAIL_SCHEMAS = {
    "imaging": ImagingDetails,
    "guided_injection": InjectionDetails,
    "exam_finding": ExamFindingDetails,
    "intake": IntakeDetails,
    "medication_review": MedicationReviewDetails,
}
