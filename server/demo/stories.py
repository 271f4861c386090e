"""The demo's people as data: staff accounts and one story per patient.

Days are counted from the plan start (day 0); the plan started `days` days before "today", so the
history runs from day 0 to yesterday. Pain and missed-day curves take the fraction of the plan
elapsed (0 at the start, 1 yesterday).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

PASSWORD = "stride-demo-1"
# The demo admin's authenticator key (admins always sign in with a second factor): type it
# into an authenticator app, or print the current code with
#   .venv/bin/python -c "import pyotp; print(pyotp.TOTP('STRIDEDEMOADMINKEY234567ABCDEFGH').now())"
ADMIN_TOTP_SECRET = "STRIDEDEMOADMINKEY234567ABCDEFGH"
DOMAIN = "stride.example"


@dataclass(frozen=True)
class Staff:
    """A staff account."""

    key: str
    email: str
    name: str
    role: str


STAFF = (
    Staff("admin", f"admin@{DOMAIN}", "Alex Morgan", "admin"),
    Staff("physio", f"physio@{DOMAIN}", "Sam Carter", "physio"),
    Staff("clinician", f"clinician@{DOMAIN}", "Dr Maya Shah", "clinician"),
    Staff("physio2", f"physio2@{DOMAIN}", "Jo Lindqvist", "physio"),
)


@dataclass(frozen=True)
class Change:
    """A physio's plan adjustment, made (and effective) on a plan day."""

    day: int
    reason: str
    operations: tuple[dict, ...]


@dataclass(frozen=True)
class ClinicalNote:
    """A clinical record (imaging, injection, exam test, intake...) entered on a plan day."""

    day: int
    kind: str
    details: dict


@dataclass(frozen=True)
class Story:
    """One demo patient: who they are, their plan, and how their rehab goes."""

    name: str
    timezone: str
    protocol_id: str
    days: int
    summary: str
    pain: Callable[[float], float]  # mean morning NPRS
    missed: Callable[[float], float]  # share of days with no exercise done
    physio: str = "physio"
    surgery_before_start: int | None = None
    changes: tuple[Change, ...] = ()
    clinical: tuple[ClinicalNote, ...] = ()
    neuro_days: int = 0  # recent days with tingling after neural glides (post-glide answers)
    red_flag_days_ago: int | None = None
    red_flag_positives: tuple[str, ...] = ()
    # A second positive check that day, hours later: it adds to the open alert's evidence.
    red_flag_later_positives: tuple[str, ...] = ()
    pop_days_ago: int | None = None  # a pop at the back of the thigh (post-operative stories)
    # Post-operative: the daily check answered yes to these signs so many days ago.
    postop_signs_days_ago: int | None = None
    postop_signs: tuple[str, ...] = ()
    # An exercise stopped for one of its stop signs: (days ago, exercise id, stop_if id).
    stops: tuple[tuple[int, str, str], ...] = ()
    # Recorded before the plan is assigned (the enrolment prerequisites), on the start day.
    intake: tuple[ClinicalNote, ...] = ()
    # A history of cancer recorded by the clinician at intake (None: not recorded).
    cancer_history: bool | None = None
    # The assignment is refused by the protocol's enrolment rules: no plan, an R-ENROL alert.
    refused: bool = False
    born: date | None = None  # the date of birth given when the account is made

    def plan_dates(self, today: date) -> tuple[date, date | None]:
        """Return the plan's start (`days` before today) and surgery date, if any."""
        start = today - timedelta(days=self.days)
        if self.surgery_before_start is None:
            return start, None
        return start, start - timedelta(days=self.surgery_before_start)

    @property
    def email(self) -> str:
        """Return the login: first.last at the demo domain."""
        slug = self.name.lower().replace("'", "").replace(" ", ".")
        return f"{slug}@{DOMAIN}"


def tear(tendons: int, retraction_mm: float, finding: str, modality: str = "MRI") -> ClinicalNote:
    """Return the graded hamstring imaging that non-operative care needs on record."""
    details = {
        "modality": modality,
        "finding": finding,
        "mechanical_source": None,
        "tendons_torn": tendons,
        "retraction_mm": retraction_mm,
    }
    return ClinicalNote(0, "imaging", details)


def exam(day: int, test: str, result: str, **more) -> ClinicalNote:
    """Return one examination test from the catalogue (domain/exams.py) and its result."""
    return ClinicalNote(day, "exam_finding", {"test": test, "result": result, **more})


def ramp(first: float, last: float, until: float = 1.0) -> Callable[[float], float]:
    """Return a curve going linearly from first to last, flat after `until`."""
    return lambda t: first + (last - first) * min(t / until, 1.0)


def steady(share: float) -> Callable[[float], float]:
    """Return a constant curve."""
    return lambda t: share


def move(day: int, phase_id: str, reason: str) -> Change:
    """Return a physio's move to another phase (its criteria were confirmed that day)."""
    return Change(day, reason, ({"op": "move_phase", "phase_id": phase_id},))


def dose(exercise_id: str, **fields: int) -> dict:
    """Return a set_dose operation."""
    return {"op": "set_dose", "exercise_id": exercise_id, "dose": fields}


STORIES = (
    # Deep gluteal syndrome doing well: progressed on time, bridges made harder at week 8,
    # morning pain from 7 to 3 with about 85 % of sets done.
    Story(
        "Amelia Hughes",
        "Europe/London",
        "piriformis-neural-gliding",
        70,
        "improving: 10 weeks of piriformis stretching and neural gliding, NPRS 7 -> 3, "
        "adherence ~85 %",
        pain=ramp(7, 3, until=0.85),
        missed=steady(0.12),
        changes=(
            move(22, "tension-and-strength", "Sliders symptom-free; stretch tolerated daily."),
            move(43, "load-and-retrain", "Tensioner comfortable; clamshells 3 x 15 easy."),
            Change(
                56,
                "Single-leg bridges easy and pain-free at 8 reps: progress to 10.",
                (dose("single-leg-bridge", reps=10),),
            ),
        ),
        born=date(1981, 4, 12),
    ),
    # A full, adherent trial that did not help: pain stuck at 6-7 after 13 weeks (trial 12).
    # The clinician has an MRI and a positive diagnostic injection, but no mechanical source
    # named yet: the surgical-review checklist shows that as the next step.
    Story(
        "Daniel Okafor",
        "America/New_York",
        "piriformis-neural-gliding",
        91,
        "adherent, not improving: 13 weeks (trial 12), NPRS ~7 flat, adherence ~85 %; MRI and "
        "a guided injection with 71 % relief, no mechanical source named yet (R-FAIL)",
        pain=ramp(7, 6.6),
        missed=steady(0.1),
        changes=(
            move(21, "tension-and-strength", "Sliders tolerated; progressing as planned."),
            move(42, "load-and-retrain", "Strength criteria met although pain is unchanged."),
        ),
        clinical=(
            ClinicalNote(
                0,
                "intake",
                {"cancer_history": "no", "previous_surgery": "Appendicectomy at 19."},
            ),
            exam(14, "active_piriformis", "positive", note="Reproduces the right buttock pain."),
            exam(14, "seated_piriformis_stretch", "positive"),
            exam(
                14,
                "straight_leg_raise",
                "negative",
                note="No neurological deficit; lumbar movements do not bring the pain on.",
                lumbar_spine="excluded",
            ),
            ClinicalNote(
                70,
                "imaging",
                {
                    "modality": "MR_neurography",
                    "finding": "Increased T2 signal of the right sciatic nerve at the "
                    "piriformis; no disc herniation, no hamstring or ischiofemoral lesion.",
                    "mechanical_source": None,
                },
            ),
            ClinicalNote(
                80,
                "guided_injection",
                {
                    "target": "piriformis",
                    "anaesthetic": "lidocaine 1 %",
                    "guidance": "ultrasound",
                    "minutes_after": 30,
                    "provocative_task": "sitting for 20 minutes",
                    "pain_before": 7,
                    "pain_after": 2,
                },
            ),
            ClinicalNote(
                86,
                "imaging",
                {
                    "modality": "EMG_NCS",
                    "finding": "Slowed conduction of the right sciatic nerve across the "
                    "sciatic notch; no radiculopathy.",
                    "mechanical_source": None,
                },
            ),
        ),
        born=date(1976, 9, 3),
    ),
    # Started well, then night shifts took over: about 30 % of sets in the last fortnight even
    # after the physio cut the volume, so whether conservative care works cannot be judged.
    Story(
        "Priya Nair",
        "Australia/Sydney",
        "ischiofemoral-impingement",
        63,
        "non-adherent: 9 weeks of ischiofemoral impingement care, ~30 % adherence over the last "
        "14 days, pain flat at 5 (R-ADH; not progressed at the week-8 gate, so R-PHASE too)",
        pain=steady(5),
        missed=lambda t: 0.25 if t < 0.5 else 0.7,
        changes=(
            move(29, "build-abductor-strength", "Short strides comfortable; bridges to neutral."),
            Change(
                49,
                "Fewer sets so the programme fits around night shifts; consistency first.",
                (dose("band-side-steps", sets=2), dose("weighted-side-lying-abduction", sets=2)),
            ),
        ),
        clinical=(
            exam(0, "long_stride_walking", "positive"),
            exam(0, "palpation", "positive", site="lateral_to_ischial_tuberosity"),
            ClinicalNote(
                0,
                "imaging",
                {
                    "modality": "MRI",
                    "finding": "Narrowed right ischiofemoral space with oedema of quadratus "
                    "femoris; hamstring origin normal.",
                    "ischiofemoral_space_mm": 12,
                    "quadratus_femoris_space_mm": 8,
                    "quadratus_femoris_oedema": True,
                },
            ),
        ),
        born=date(1990, 1, 27),
    ),
    # Proximal hamstring repair 12 weeks ago, plan from day 4 after surgery; moved through the
    # protective phases at the usual weeks. The eccentric phase's gate (week 12) has just opened.
    Story(
        "Liam O'Connor",
        "Europe/Dublin",
        "hamstring-repair",
        81,
        "post-op: proximal hamstring repair 12 weeks ago, adherent, NPRS 6 -> 2; the week-12 "
        "eccentric phase gate has opened (R-PHASE)",
        pain=ramp(6, 2, until=0.8),
        missed=steady(0.08),
        surgery_before_start=4,
        changes=(
            move(
                10,
                "partial-weight-bearing",
                "Wound healed at the 2-week check; safe on crutches including stairs.",
            ),
            move(
                39,
                "early-hamstring-loading",
                "Surgeon cleared full weight bearing; walking with one crutch outdoors only.",
            ),
        ),
        born=date(1995, 6, 18),
    ),
    # Non-operative hamstring tendinopathy: fine on isometrics, then pain climbed once heavy
    # slow loading started at week 4.
    Story(
        "Sofia Rossi",
        "Europe/Rome",
        "hamstring-nonoperative",
        56,
        "worsening: 8 weeks of non-operative hamstring care, NPRS 4 -> 7 since heavy loading "
        "began (R-WORSE)",
        pain=lambda t: 4 if t < 0.5 else min(7.0, 4 + 3 * (t - 0.5) / 0.3),
        missed=steady(0.15),
        intake=(
            tear(
                0,
                0,
                "Proximal hamstring tendinopathy: thickened common tendon with high signal at "
                "the ischial tuberosity; no tear.",
            ),
        ),
        changes=(move(29, "heavy-slow-strength", "Isometrics pain-free at 30 s holds."),),
        born=date(1988, 11, 5),
    ),
    # Doing well until the physio made the sciatic slider daily at week 7: tingling after the
    # glides on four of the last five days.
    Story(
        "Marcus Webb",
        "America/Chicago",
        "piriformis-neural-gliding",
        56,
        "neural irritation: 8 weeks of neural gliding; daily sliders from week 7, then tingling "
        "after them twice in the last 5 days, answered in the app after each glide (R-NEURO); "
        "one glide stopped for tingling during it 3 days ago (R-STOP, physio review)",
        pain=lambda t: 6 - 2 * min(t / 0.8, 1.0) + (1 if t > 0.9 else 0),
        missed=steady(0.1),
        neuro_days=2,
        stops=((3, "sciatic-slider-maintenance", "tingling-during-glide"),),
        changes=(
            move(21, "tension-and-strength", "Sliders symptom-free for a week."),
            move(42, "load-and-retrain", "Tensioner comfortable; good single-leg control."),
            Change(
                49,
                "No nerve symptoms for two weeks: progress the sciatic slider to daily.",
                (dose("sciatic-slider-maintenance", days_per_week=7),),
            ),
        ),
        born=date(1969, 2, 22),
    ),
    # Pudendal neuralgia care going steadily, until the red-flag check two days ago reported
    # new saddle numbness: the app said "go to the emergency department" and exercises paused.
    Story(
        "Hannah Fischer",
        "Europe/Berlin",
        "pelvic-floor-downtraining",
        63,
        "red flag: 9 weeks of pelvic floor down-training; new saddle numbness reported in the "
        "red-flag check 2 days ago, triaged emergency (R-RED), and a second check that evening "
        "with a newly weak stream added to the same alert",
        pain=ramp(6, 4.5),
        missed=steady(0.12),
        red_flag_days_ago=2,
        red_flag_positives=("saddle_numbness",),
        red_flag_later_positives=("saddle_numbness", "urine_starting"),
        changes=(
            move(28, "contract-and-release", "Relaxation and breathing routine established."),
            move(57, "daily-function", "Can feel and let go of a gentle contraction."),
        ),
        clinical=(
            ClinicalNote(
                0,
                "intake",
                {
                    "cancer_history": "no",
                    "nantes": {
                        "pain_in_pudendal_territory": "yes",
                        "worse_sitting": "yes",
                        "not_woken_at_night": "yes",
                        "no_objective_sensory_loss": "yes",
                        "relieved_by_block": "unknown",
                    },
                },
            ),
            exam(0, "palpation", "positive", site="medial_ischial_tuberosity"),
        ),
        born=date(1972, 7, 30),
    ),
    # Pudendal neuralgia, a full adherent trial without relief (R-FAIL). Its pathway is medical
    # first: the Nantes criteria at intake, then an image-guided pudendal block that relieved the
    # sitting pain (so the fifth criterion is met); the medication review is the next step.
    Story(
        "Elena Marchetti",
        "Europe/Rome",
        "pelvic-floor-downtraining",
        90,
        "adherent, not improving: pudendal neuralgia, 12+ weeks, NPRS ~6 flat; Nantes criteria "
        "at intake and an image-guided pudendal block with 67 % relief; medication review next "
        "(R-FAIL on the pudendal pathway)",
        pain=ramp(6.2, 6.0),
        missed=steady(0.08),
        changes=(
            move(28, "contract-and-release", "Relaxation and breathing routine established."),
            move(56, "daily-function", "Can feel and let go of a gentle contraction."),
        ),
        clinical=(
            ClinicalNote(
                0,
                "intake",
                {
                    "cancer_history": "no",
                    "previous_surgery": "Vaginal delivery with a perineal tear, 2015.",
                    "nantes": {
                        "pain_in_pudendal_territory": "yes",
                        "worse_sitting": "yes",
                        "not_woken_at_night": "yes",
                        "no_objective_sensory_loss": "yes",
                        "relieved_by_block": "unknown",
                    },
                },
            ),
            exam(0, "palpation", "positive", site="medial_ischial_tuberosity"),
            ClinicalNote(
                84,
                "guided_injection",
                {
                    "target": "pudendal_nerve",
                    "anaesthetic": "ropivacaine 0.2 %",
                    "guidance": "CT",
                    "minutes_after": 45,
                    "provocative_task": "sitting on a firm chair for 15 minutes",
                    "pain_before": 6,
                    "pain_after": 2,
                },
            ),
        ),
        born=date(1981, 4, 12),
    ),
    # Hamstring repair 9-10 weeks ago, on track until yesterday afternoon: slipped on the stairs,
    # felt a pop at the back of the thigh, pain 8.
    Story(
        "Grace Kim",
        "America/Los_Angeles",
        "hamstring-repair",
        65,
        "post-op warning: hamstring repair ~10 weeks ago; yesterday a slip and a pop with pain "
        "6/10, answered in the daily post-operative check (R-POSTOP to the surgical team)",
        pain=ramp(6, 3, until=0.8),
        missed=steady(0.1),
        surgery_before_start=3,
        pop_days_ago=1,
        postop_signs_days_ago=1,
        postop_signs=("pop_or_strength_loss",),
        changes=(
            move(11, "partial-weight-bearing", "Wound healed; safe on crutches."),
            move(41, "early-hamstring-loading", "Full weight bearing cleared by the surgeon."),
        ),
        born=date(1984, 12, 9),
    ),
    # The second physio's patient, to show that each physio sees only their own caseload.
    Story(
        "Oliver Bennett",
        "Europe/London",
        "hamstring-nonoperative",
        63,
        "second physio's patient: 9 weeks of non-operative hamstring care, NPRS 4-5 -> 2",
        pain=ramp(5, 2, until=0.8),
        missed=steady(0.1),
        physio="physio2",
        intake=(
            tear(
                1,
                6,
                "Partial tear of the semimembranosus origin, 6 mm retraction; the conjoint "
                "tendon is intact.",
                modality="ultrasound",
            ),
        ),
        changes=(move(28, "heavy-slow-strength", "Isometrics pain-free at 30 s holds."),),
        born=date(1999, 3, 16),
    ),
    # Two weeks after a hamstring repair: ankle pumps stopped yesterday for calf pain and
    # swelling (a possible clot): an urgent stop sign, straight to the surgical team.
    Story(
        "Ethan Brooks",
        "Europe/London",
        "hamstring-repair",
        12,
        "post-op stop sign: hamstring repair 2 weeks ago; yesterday ankle pumps stopped for calf "
        "pain and swelling (R-STOP, urgent, to the surgical team)",
        pain=ramp(6, 4),
        missed=steady(0.05),
        surgery_before_start=2,
        stops=((1, "ankle-pumps", "calf-pain-swelling"),),
        born=date(1993, 8, 1),
    ),
    # A history of breast cancer recorded at intake; new night pain in yesterday's check.
    Story(
        "Ruth Adeyemi",
        "Europe/London",
        "piriformis-neural-gliding",
        28,
        "red flag with history: breast cancer in 2019 recorded by the clinician; new night pain "
        "in yesterday's red-flag check, urgent because of that history (R-RED)",
        pain=ramp(6, 5),
        missed=steady(0.1),
        cancer_history=True,
        red_flag_days_ago=1,
        red_flag_positives=("night_pain",),
        born=date(1965, 5, 24),
    ),
    # Referred for non-operative care, but the MRI shows a complete two-tendon avulsion
    # retracted 35 mm: the assignment is refused and the clinician alerted for a surgical opinion.
    Story(
        "Tomas Silva",
        "Europe/Lisbon",
        "hamstring-nonoperative",
        0,
        "enrolment refused: MRI shows a complete two-tendon avulsion retracted 35 mm; "
        "non-operative care refused, urgent surgical opinion (R-ENROL)",
        pain=steady(6),
        missed=steady(0.0),
        refused=True,
        intake=(
            tear(
                2,
                35,
                "Complete avulsion of the conjoint tendon and semimembranosus from the ischial "
                "tuberosity, retracted 35 mm.",
            ),
        ),
        born=date(1987, 10, 11),
    ),
)
