"""The record-result form's logic: what each kind needs, and the API `details` it makes."""

from collections.abc import Callable

# What each kind cannot be saved without, as the form names it to the clinician; a check may
# depend on the other values (the palpation site, the note of an "other" target).
Need = tuple[str, str, Callable[[dict], bool] | None]
REQUIRED: dict[str, tuple[Need, ...]] = {
    "imaging": (("modality", "the modality", None), ("finding", "the finding", None)),
    "guided_injection": (
        ("target", "the injection target", None),
        ("target_note", "the target in words", lambda v: v.get("target") == "other"),
        ("guidance", "the guidance", None),
        ("before", "pain before", None),
        ("after", "pain after", None),
    ),
    "exam_finding": (
        ("test", "the test", None),
        ("site", "the site palpated", lambda v: v.get("test") == "palpation"),
        ("result", "the result", None),
    ),
    "intake": (("cancer_history", "the history of cancer", None),),
    "medication_review": (
        ("medications", "the medications", None),
        ("outcome", "the outcome", None),
    ),
}
# Whole-number fields typed in, with the words of their "Still needed" line and their bounds.
NUMBERS = {
    "ischiofemoral_space_mm": ("the ischiofemoral space in whole mm (0-60)", 60),
    "quadratus_femoris_space_mm": ("the quadratus femoris space in whole mm (0-60)", 60),
    "minutes_after": ("the minutes after the injection (0-1440)", 1440),
}
NUMBERS_OF = {
    "imaging": ("ischiofemoral_space_mm", "quadratus_femoris_space_mm"),
    "guided_injection": ("minutes_after",),
}


def number(text: str, most: int) -> int | None:
    """Return a typed whole number within 0..most, or None when it is not one."""
    text = (text or "").strip()
    if not text.isdigit() or int(text) > most:
        return None
    return int(text)


def _bad_numbers(kind: str, values: dict) -> list[str]:
    """Return the words of the typed numbers that are not whole numbers within bounds."""
    bad = []
    for key in NUMBERS_OF.get(kind, ()):
        words, most = NUMBERS[key]
        if values.get(key) and number(values[key], most) is None:
            bad.append(words)
    return bad


def missing_text(kind: str, values: dict) -> str:
    """Return "Still needed: the date and the guidance." or "" when the form is complete."""
    missing = [
        words
        for key, words, applies in REQUIRED[kind]
        if (applies is None or applies(values)) and values.get(key) in (None, "")
    ]
    if values.get("date") is None:
        missing.insert(0, "the date")
    missing += _bad_numbers(kind, values)
    if not missing:
        return ""
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return f"Still needed: {listed}."


def _given(f: dict, *keys: str) -> dict:
    """Return the values among keys that were given (not None, not empty)."""
    return {k: f[k] for k in keys if f.get(k) not in (None, "")}


def _imaging(f: dict) -> dict:
    found = {"modality": f["modality"], "finding": f["finding"]}
    for key in NUMBERS_OF["imaging"]:
        if f.get(key):
            found[key] = number(f[key], NUMBERS[key][1])
    if f.get("quadratus_femoris_oedema"):
        found["quadratus_femoris_oedema"] = f["quadratus_femoris_oedema"] == "yes"
    # A graded hamstring tear is what non-operative hamstring care needs on record.
    return found | _given(f, "tendons_torn", "retraction_mm")


def _injection(f: dict) -> dict:
    found = {
        "target": f["target"],
        "guidance": f["guidance"],
        "pain_before": f["before"],
        "pain_after": f["after"],
    }
    if f.get("minutes_after"):
        found["minutes_after"] = number(f["minutes_after"], NUMBERS["minutes_after"][1])
    found |= _given(f, "anaesthetic", "provocative_task")
    return found | (_given(f, "target_note") if f["target"] == "other" else {})


def _exam(f: dict) -> dict:
    found = {"test": f["test"], "result": f["result"]}
    if f["test"] == "palpation":
        found["site"] = f["site"]
    return found | _given(f, "note")


def details_of(kind: str, f: dict) -> dict:
    """Return the API `details` of an event from the form's values."""
    if kind == "imaging":
        found = _imaging(f)
    elif kind == "guided_injection":
        return _injection(f)
    elif kind == "exam_finding":
        found = _exam(f)
    elif kind == "intake":
        found = {"cancer_history": f["cancer_history"]} | _given(f, "previous_surgery")
        return found | ({"nantes": f["nantes"]} if f.get("nantes") else {})
    else:
        return {"medications": f["medications"], "outcome": f["outcome"]}
    if f.get("source"):
        found["mechanical_source"] = f["source"]
    return found | _given(f, "lumbar_spine")


def relief_text(before, after) -> str:
    """Return "71 % relief: positive (positive means at least 50 %)" for an injection."""
    if before is None or after is None or before == 0:
        return ""
    relief = round((before - after) / before * 100)
    verdict = "positive" if relief >= 50 else "not positive"
    return f"{relief} % relief: {verdict} (positive means at least 50 %)"
