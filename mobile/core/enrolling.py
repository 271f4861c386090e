"""Creating a patient and assigning a protocol: choices offered, and the server's field errors."""

import re
from collections import Counter

# Terse validation messages, in words a physio reads beside the field.
_PLAIN = {
    "taken": "Another account already uses this email.",
    "Missing data for required field.": "Required.",
    "Field may not be null.": "Required.",
    "Must not be blank.": "Required.",
}
_KEY = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\b")


def colleagues(patients: list[dict], me: int) -> list[tuple[str, str]]:
    """Return the staff the caller already shares patients with, as (id, "Name, role") choices.

    There is no staff directory for physios: the care teams of their own patients name the
    colleagues they work with.
    """
    found: dict[int, str] = {}
    for patient in patients:
        for member in patient.get("care_team") or ():
            if member["id"] != me:
                found.setdefault(member["id"], f"{member['display_name']}, {member['role']}")
    return sorted(((str(i), label) for i, label in found.items()), key=lambda c: c[1])


def usual_timezone(patients: list[dict], fallback: str = "UTC") -> str:
    """Return the time zone most of the caller's patients live in (a clinic is local)."""
    zones = Counter(p["timezone"] for p in patients if p.get("timezone"))
    return zones.most_common(1)[0][0] if zones else fallback


def post_operative(protocol: dict) -> bool:
    """Tell whether a listed protocol is timed from surgery (it needs a surgery date)."""
    return protocol.get("care_type") == "post_operative"


def plain_reason(reason: str) -> str:
    """Return a server reason in words: known terse ones replaced, field keys spelt out."""
    reason = _KEY.sub(lambda m: "the " + m.group(1).replace("_", " "), _PLAIN.get(reason, reason))
    return reason[:1].upper() + reason[1:]


def field_errors(errors: dict | None) -> dict[str, str]:
    """Return {top-level field: first reason} from the API's error shape (`errors.json`)."""
    found: dict[str, str] = {}
    for field, node in ((errors or {}).get("json") or {}).items():
        while isinstance(node, dict) and node:
            node = next(iter(node.values()))
        if isinstance(node, list) and node and isinstance(node[0], str):
            # Of several reasons, a known one reads best ("Required." beats a length range).
            known = [reason for reason in node if reason in _PLAIN]
            found[field] = plain_reason((known or node)[0])
    return found
