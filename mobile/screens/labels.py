"""Plain words for the staff screens: every key the server sends has its words here.

A key without words would show raw (`saddle_numbness`): tests/mobile/test_ui_clinician.py walks
every key the domain and the API know and fails on any missing here. `word()` still answers an
unknown key readably (a newer server), but that is the exception the test catches.
"""

from domain import exams
from domain.records import KIND_NAMES
from mobile.core.formatting import date_text, plural

RULES = {
    "R-RED": "Red flag reported",
    "R-POSTOP": "Post-operative warning sign",
    "R-FAIL": "Conservative care not working",
    "R-ADH": "Low adherence",
    "R-WORSE": "Pain getting worse",
    "R-NEURO": "Nerve irritation after gliding",
    "R-PHASE": "Ready for the next phase?",
    "R-STOP": "Stop sign during an exercise",
    "R-ENROL": "Check before the plan starts",
}
# What a physio is prompted to do by the rules routed to them.
PROMPTS = {
    "R-PHASE": "Progress: check the criteria and move to the next phase.",
    "R-NEURO": "Regress: make the neural gliding smaller or pause it.",
    "R-WORSE": "Review: pain is worse; regress the loading or review the diagnosis.",
    "R-ADH": "Follow up: find out what gets in the way before judging the plan.",
    "R-STOP": "Review: a stop sign ended an exercise; check the dose before the next session.",
}
# Words for a decision in an alert's history. The dialog offers the alert's own decisions with
# the server's words (a pathway may word one differently: "Refer for an image-guided pudendal
# block"); these read a stored "decision:<key>" when no alert words are at hand.
DECISIONS = [
    ("continue_conservative", "Continue conservative care"),
    ("refer_guided_injection", "Refer for a guided injection"),
    ("refer_surgical_review", "Refer for surgical review"),
    ("adjust_plan", "Adjust the plan"),
    ("discharge", "Discharge"),
    ("review_medication", "Review neuropathic medication"),
    ("refer_decompression", "Refer for pudendal nerve decompression"),
    ("request_mr_neurography", "Request MR neurography"),
    ("request_emg_ncs", "Request EMG and nerve conduction studies"),
    ("sent_to_emergency_department", "Sent to the emergency department"),
    ("urgent_investigation", "Urgent investigation arranged"),
    ("urgent_surgical_opinion", "Urgent surgical opinion arranged"),
    ("seen_and_excluded", "Seen: the warning sign is excluded"),
    ("readmitted", "Readmitted"),
    ("seen_in_clinic", "Seen in clinic"),
    ("wound_reviewed", "Wound reviewed"),
    ("complication_excluded", "Seen: no complication found"),
    ("proceed_non_operative", "Non-operative care confirmed"),
]
SEVERITIES = {"urgent": "Urgent", "review": "Review", "info": "For information"}
STATUSES = {"open": "Open", "acknowledged": "Seen", "decided": "Decided"}
# What happened to an alert (its history); "decision:<key>" reads as the decision's words.
ACTIONS = {
    "raised": "Raised",
    "acknowledged": "Marked seen",
    "evidence_added": "Later report added",
    "condition_cleared": "No longer present at the daily review",
    "decided": "Decided",
}
EVENT_KINDS = KIND_NAMES
# The modalities offered, and one stored before they were settled ("US").
MODALITIES = {**exams.MODALITIES, **exams.LEGACY_MODALITIES}
GUIDANCE = {"ultrasound": "Ultrasound", "fluoroscopy": "Fluoroscopy", "CT": "CT"}
# A proximal hamstring tear: how many of the three tendons are torn from the sit bone.
TEAR_GRADES = {
    0: "No tendon torn",
    1: "One tendon torn",
    2: "Two tendons torn",
    3: "All three tendons torn",
}
# Details an enrolment rule reads from imaging.
DETAILS = {"tendons_torn": "Tendons torn", "retraction_mm": "Retraction"}
# Red-flag answers, in a clinician's words (the patient's questions are longer).
RED_FLAGS = {
    "bladder_bowel": "New bladder or bowel problems",
    "urine_starting": "New difficulty starting to pass urine or a weak stream",
    "fullness_feeling": "Lost the feeling of a full bladder or rectum",
    "saddle_numbness": "New saddle numbness or tingling",
    "sexual_dysfunction": "New change in sexual function",
    "bilateral_leg_symptoms": "Pain, numbness or tingling in both legs",
    "leg_weakness": "New or worse leg weakness",
    "gait_disturbance": "New unsteady or clumsy walking",
    "cannot_walk": "Suddenly unable to walk",
    "fever_after_procedure": "Fever within two weeks of an operation or injection",
    "fever": "New fever or shivering fits",
    "hot_swollen_joint": "Hot, red, swollen joint",
    "night_pain": "New night pain that does not settle",
    "weight_loss": "Unexplained weight loss",
    "trauma": "A fall, accident or injury",
    "progressive_numbness": "Numbness or tingling spreading or getting worse",
}
RED_FLAG_GROUPS = {
    "cauda_equina": "possible cauda equina syndrome",
    "infection": "possible infection",
    "cancer": "possible malignancy",
    "fracture": "possible fracture",
    "neurological": "progressing nerve symptoms",
}
POSTOP_SIGNS = {
    "breathless_chest_pain": "Sudden breathlessness or chest pain",
    "pop_or_strength_loss": "A pop or snap at the back of the thigh, or sudden loss of strength",
    "calf_pain_swelling": "Calf newly painful, swollen, warm or red",
    "wound_problem": "Wound newly red, hot, leaking or opening",
    "fever": "Fever or shivering fits",
    "nerve_symptoms": "New numbness, tingling or weakness in the leg, or foot drop",
    "weight_bearing_lost": "Lost weight bearing on the operated leg",
    "spreading_bruising": "New or spreading bruising on the back of the thigh",
}
POSTOP_SOURCES = {
    "postop_check": "in the daily post-operative check",
    "pain_log": "in a pain check-in",
    "exercise_log": "after an exercise",
}
# After a neural glide: did tingling or numbness come on, and did it last?
NERVE_ANSWERS = {
    "none": "no tingling or numbness",
    "settled": "tingling or numbness that settled",
    "ongoing": "tingling or numbness still there afterwards",
    "lasting": "tingling or numbness still there a day later",
}
# What the patient was told after a red-flag or post-operative answer, by its level.
LEVEL_ADVICE = {
    "emergency": "The patient was told to go to the emergency department now.",
    "urgent": "The patient was told to get care today.",
    "review": "The patient was told a clinician will review it.",
    "stop": "The patient was told to stop the exercise.",
}
CHECKLIST = {
    "imaging": "MRI done",
    "guided_injection": "Diagnostic guided injection with at least 50 % relief",
    "mechanical_source": "Mechanical source named by a clinician",
    "lumbar_spine": "Lumbar spine excluded",
}
ROUTES = {"physio": "physio", "clinician": "clinician", "surgical_team": "clinician"}
# Roboto has no arrow glyph; Kivy ships DejaVuSans, which has (labels show it with markup).
ARROW = "[font=DejaVuSans]→[/font]"


def score(value: float) -> str:
    """Return a pain score with at most one decimal ("4.8", "7")."""
    return f"{round(value, 1):g}"


def percent(ratio) -> str:
    """Return "85 %" or "–"."""
    return "–" if ratio is None else f"{round(ratio * 100)} %"


def adherence_tone(ratio) -> str:
    """Return good / fair / poor / none for an adherence ratio."""
    if ratio is None:
        return "none"
    return "good" if ratio >= 0.7 else "fair" if ratio >= 0.5 else "poor"


def pain_line(summary: dict) -> str:
    """Return "Pain 7 → 3, improving" (with markup) from a patient summary."""
    base, now = summary.get("pain_baseline"), summary.get("pain_current")
    if base is None or now is None:
        return "Pain: not enough logs yet"
    trend = summary.get("pain_trend") or ""
    return f"Pain {score(base)} {ARROW} {score(now)}" + (f", {trend}" if trend else "")


def pain_tone(summary: dict) -> str:
    """Return good / poor / none for the pain trend."""
    return {"improving": "good", "worse": "poor"}.get(summary.get("pain_trend") or "", "none")


def alerts_line(summary: dict) -> str:
    """Return "1 urgent alert" / "2 open alerts" / ""."""
    urgent, total = summary.get("urgent_alerts") or 0, summary.get("open_alerts") or 0
    if urgent:
        return plural(urgent, "urgent alert")
    return plural(total, "open alert") if total else ""


def care_line(summary: dict) -> str:
    """Return "9 weeks in care · last active Sun 22 Nov"."""
    parts = []
    if summary.get("weeks_in_care") is not None:
        parts.append(plural(summary["weeks_in_care"], "week") + " in care")
    if summary.get("last_activity"):
        parts.append(f"last active {date_text(summary['last_activity'])}")
    return " · ".join(parts)


def word(table: dict, key, empty: str = "") -> str:
    """Return the words for a key; an unknown one reads as words, never as a raw key."""
    if key is None or key == "":
        return empty
    if key in table:
        return table[key]
    return str(key).replace("_", " ").replace("-", " ").capitalize()


def rule_title(rule_id: str) -> str:
    """Return the plain name of an escalation rule."""
    return word(RULES, rule_id, "Alert")


def action_text(action: str, decisions: dict | None = None) -> str:
    """Return what happened to an alert: "Raised", "Decided: Refer for surgical review".

    `decisions` gives the alert's own words for its decisions (they win over the table here).
    """
    if action.startswith("decision:"):
        return "Decided: " + word(dict(DECISIONS) | (decisions or {}), action.split(":", 1)[1])
    return word(ACTIONS, action)


def can_act(alert: dict, role: str) -> bool:
    """Tell whether a staff role may acknowledge or decide this alert (it is routed to them)."""
    return ROUTES.get(alert.get("route_to", ""), "") == role and alert.get("status") in (
        "open",
        "acknowledged",
    )
