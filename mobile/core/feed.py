"""A patient's log as the physio reads it: every session, pain entry and check, in plain words.

The rows come from the API's log lists (exercise, pain, red-flag and post-operative check logs).
A correction replaces the row it supersedes, as everywhere else; the rest are all shown, newest
day first and, within a day, the latest first. Signs, nerve answers and advice levels take the
staff's words from mobile/screens/labels.py (plain tables, no Kivy): the feed reads as alerts do.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from domain.protocol import Exercise
from mobile.core.formatting import as_date, pain_label, plural, time_of_day_title
from mobile.screens import labels

SKIP_WORDS = {
    "pain": "too painful",
    "no_time": "no time",
    "forgot": "forgot",
    "unwell": "felt unwell",
    "other": "another reason",
}
CONTEXT_WORDS = {
    "rest": "at rest",
    "sitting": "sitting",
    "walking": "walking",
    "night": "at night",
    "after_exercise": "after exercise",
    "other": "doing something else",
}
# Post-operative warning signs asked with the pain check-in (shown red), then nerve symptoms.
PAIN_SIGNS = {
    "felt_pop": "felt a pop",
    "new_bruising": "new bruising",
    "cannot_bear_weight": "cannot bear weight",
}
PAIN_NERVES = {"tingling": "tingling", "numbness": "numbness"}


@dataclass(frozen=True)
class FeedEntry:
    """One line of the feed: when, what, how it went, and how much it matters (its tone)."""

    day: date
    moment: datetime | None  # when the patient recorded it (else when it arrived)
    time: str  # "08:14" where the patient lives, or ""
    title: str
    detail: str
    tone: str  # good | warn | danger | none


def exercise_names(content: dict | None, plan: dict | None) -> dict[str, Exercise]:
    """Return the exercises a log may name: the protocol's and those a physio added."""
    found: dict[str, Exercise] = {}
    for phase in (content or {}).get("phases") or ():
        for exercise in phase.get("exercises") or ():
            found.setdefault(exercise["id"], Exercise.from_dict(exercise))
    for revision in (plan or {}).get("revisions") or ():
        for added in (revision.get("adjustments") or {}).get("added_exercises") or ():
            found.setdefault(added["exercise"]["id"], Exercise.from_dict(added["exercise"]))
    return found


def feed_entries(
    exercise_logs: list[dict],
    pain_logs: list[dict],
    red_flag_checks: list[dict],
    postop_checks: list[dict],
    exercises: dict[str, Exercise],
    zone: tzinfo = UTC,
) -> list[FeedEntry]:
    """Return every entry, newest first, leaving out rows a correction replaced.

    `zone` is the patient's time zone: times are shown as the patient's clock read.
    """
    rows = [*exercise_logs, *pain_logs, *red_flag_checks, *postop_checks]
    # The server marks a corrected row (`superseded_by`); the correction names it too.
    replaced = {row["supersedes"] for row in rows if row.get("supersedes")}
    replaced |= {row["id"] for row in rows if row.get("superseded_by")}
    made = [session_entry(log, exercises) for log in exercise_logs if log["id"] not in replaced]
    made += [pain_entry(log) for log in pain_logs if log["id"] not in replaced]
    for checks, title, signs in (
        (red_flag_checks, "Red-flag check", labels.RED_FLAGS),
        (postop_checks, "Post-operative check", labels.POSTOP_SIGNS),
    ):
        made += [check_entry(row, title, signs) for row in checks if row["id"] not in replaced]
    entries = []
    for row, (title, detail, tone) in made:
        moment = _moment(row)
        time = moment.astimezone(zone).strftime("%H:%M") if moment else ""
        entries.append(FeedEntry(as_date(row["local_date"]), moment, time, title, detail, tone))
    # Within a day, by the time the physio reads beside each entry.
    earliest = datetime.min.replace(tzinfo=UTC)
    return sorted(entries, key=lambda e: (e.day, e.moment or earliest), reverse=True)


def _moment(row: dict) -> datetime | None:
    """Return when the patient recorded the entry (or when it arrived), as an aware time."""
    text = row.get("recorded_at") or row.get("received_at")
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def by_day(entries: list[FeedEntry]) -> list[tuple[date, list[FeedEntry]]]:
    """Group entries (already newest first) by day."""
    days: dict[date, list[FeedEntry]] = {}
    for entry in entries:
        days.setdefault(entry.day, []).append(entry)
    return list(days.items())


def session_title(log: dict, exercises: dict[str, Exercise]) -> str:
    """Return "Seated sciatic slider, evening" (the slot named when there are several)."""
    exercise = exercises.get(log["exercise_id"])
    if exercise is None:
        return log["exercise_id"].replace("-", " ").replace("_", " ").capitalize()
    slots, slot = exercise.dose.slots, log.get("slot", 1)
    if len(slots) > 1 and 1 <= slot <= len(slots):
        return f"{exercise.name}, {time_of_day_title(slots[slot - 1]).lower()}"
    return exercise.name


def session_entry(log: dict, exercises: dict[str, Exercise]) -> tuple[dict, tuple]:
    """Return a session: its status, why it was skipped or stopped, and what the patient said."""
    done, due = log["sets_done"], log["sets_due"]
    sets = f"{done} of {plural(due, 'set')}"
    level = log.get("stop_level")
    if log.get("skip_reason") == "stop_if":
        symptom = (log.get("stop_symptom") or "a stop sign").rstrip(".")
        parts = [f"Stopped: {symptom}", f"{sets} done", labels.LEVEL_ADVICE.get(level, "")]
        tone = "danger" if level in ("urgent", "emergency") else "warn"
    elif log["status"] == "skipped":
        reason = SKIP_WORDS.get(log.get("skip_reason"), "no reason given")
        parts, tone = [f"Skipped: {reason}"], "warn"
    elif log["status"] == "partial":
        reason = SKIP_WORDS.get(log.get("skip_reason"))
        parts, tone = [f"Partly done: {sets}", reason and f"reason: {reason}"], "warn"
    else:
        parts, tone = [f"Done: {sets}"], "good"
    parts.append(_pain_around(log.get("pain_before"), log.get("pain_after")))
    if log.get("nerve_symptoms"):
        parts.append(labels.word(labels.NERVE_ANSWERS, log["nerve_symptoms"]))
        if log["nerve_symptoms"] != "none" and tone == "good":
            tone = "warn"
    if log.get("note"):
        parts.append(f"“{log['note']}”")
    return log, (session_title(log, exercises), " · ".join(p for p in parts if p), tone)


def _pain_around(before: int | None, after: int | None) -> str:
    """Return "pain 3 before, 5 after" (or the half that was given)."""
    given = [f"{v} {when}" for v, when in ((before, "before"), (after, "after")) if v is not None]
    return "pain " + ", ".join(given) if given else ""


def pain_entry(log: dict) -> tuple[dict, tuple]:
    """Return a pain check-in: the score in words, what the patient was doing, any signs."""
    signs = [words for key, words in PAIN_SIGNS.items() if log.get(key)]
    nerves = [words for key, words in PAIN_NERVES.items() if log.get(key)]
    parts = [pain_label(log["nprs"]), CONTEXT_WORDS.get(log.get("context"), ""), *nerves, *signs]
    if log.get("note"):
        parts.append(f"“{log['note']}”")
    tone = "danger" if signs else "warn" if nerves else "none"
    detail = " · ".join(p for p in parts if p)
    return log, (f"Pain {log['nprs']} of 10", detail, tone)


def check_entry(row: dict, title: str, signs: dict) -> tuple[dict, tuple]:
    """Return a red-flag or post-operative check: all clear, or the signs answered yes."""
    answers = row.get("answers") or {}
    yes = [key for key, value in answers.items() if value is True]
    if not yes:
        return row, (title, "No warning signs: every answer no", "good")
    level = row.get("level") or ""
    lines = [f"Yes: {labels.word(signs, key)}" for key in yes]
    skipped = sum(1 for value in answers.values() if value is None)
    if skipped:
        lines.append(f"{plural(skipped, 'question')} not asked after the yes")
    if level in labels.LEVEL_ADVICE:
        lines.append(labels.LEVEL_ADVICE[level])
    tone = "danger" if level in ("urgent", "emergency") else "warn"
    return row, (title, "\n".join(lines), tone)
