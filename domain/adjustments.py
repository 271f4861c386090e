"""Apply a physio's plan adjustments to the cumulative adjustment state of a plan.

The state stored with each revision is cumulative:
`{"dose_overrides": {exercise_id: {dose fields}}, "removed_exercises": [exercise_id],
"added_exercises": [{"phase_id", "exercise"}], "phase_moves": [{"phase_id", "from_date"}]}`,
and for changes made for a set time `"timed_doses": {exercise_id: {"until", "dose"}}` and
`"timed_removals": {exercise_id: until}` (ISO days; see `domain.schedule.in_force`).
A dose override applies to the exercise wherever it appears; a removal removes it from every
phase. Operations are applied in order and all or none: the first invalid one raises
`AdjustmentError` and the input state is never changed.

Each diff record names the operation and the exercise or phase with `before` and `after`:
set_dose gives the changed dose fields only (None = absent); remove/restore give "active" and
"removed"; add_exercise gives None and the exercise's name and dose; move_phase gives the phase
in force before (None if unknown) and the new one, plus `from_date`. A change for a set time
adds its `until` day to its record.

Changes for a set time (design choices): only a dose change or a removal can be timed (a phase
move or an added exercise has no state to go back to). The timed change lies over the lasting
state; a later change to the same exercise replaces it: a lasting dose change or removal ends it
(the dose given is the dose from then on), a restore brings a timed-out exercise back early. A
timed change that ended before a new revision starts is dropped from that revision's state.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, NamedTuple

from domain.protocol import DOSE_RANGES, Dose, Exercise, Protocol
from domain.schedule import as_date, phase_timeline, span_on

TIMED_OPS = ("set_dose", "remove_exercise")


class _Context(NamedTuple):
    """What every operation is checked against."""

    protocol: Protocol
    effective_from: date
    start_date: date | None
    surgery_date: date | None
    until: date | None


class AdjustmentError(ValueError):
    """An invalid plan adjustment, with the path of the offending field."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field_path = field_path
        self.message = message


def apply_operations(
    protocol: Protocol,
    adjustments: dict[str, Any] | None,
    operations: list[dict[str, Any]],
    effective_from: date,
    *,
    start_date: date | None = None,
    surgery_date: date | None = None,
    until: date | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the new cumulative state and a diff after applying operations in order.

    Give `start_date` (and `surgery_date`) to refuse a move to the phase already in force and
    to report the phase before a move; without them a move's `before` is None. Give `until` (the
    last day, inclusive) to make every operation a change for a set time.
    """
    state = copy.deepcopy(adjustments or {})
    for key, empty in (
        ("dose_overrides", {}),
        ("removed_exercises", []),
        ("added_exercises", []),
        ("phase_moves", []),
    ):
        if not state.get(key):
            state[key] = empty
    _tidy_timed(state, effective_from)
    if not isinstance(operations, list) or not operations:
        raise AdjustmentError("operations", "must be a non-empty list")
    if until is not None and until < effective_from:
        raise AdjustmentError("until", "must be on or after the day the change starts")
    context = _Context(protocol, effective_from, start_date, surgery_date, until)
    diff = []
    for i, op in enumerate(operations):
        path = f"operations[{i}]"
        if not isinstance(op, dict):
            raise AdjustmentError(path, "must be an object")
        handler = _HANDLERS.get(op.get("op"))
        if handler is None:
            raise AdjustmentError(f"{path}.op", f"must be one of {sorted(_HANDLERS)}")
        if until is not None and op["op"] not in TIMED_OPS:
            raise AdjustmentError(
                f"{path}.op", "only a dose change or a removal can be for a set time"
            )
        record = handler(state, op, path, context)
        if until is not None:
            record["until"] = until.isoformat()
        diff.append(record)
    _tidy_timed(state, effective_from)
    return state, diff


def _tidy_timed(state: dict[str, Any], day: date) -> None:
    """Forget timed changes that ended before `day` (past history); drop empty keys."""
    first = day.isoformat()  # ISO days compare as strings
    for key, until_of in (("timed_doses", lambda t: t["until"]), ("timed_removals", str)):
        timed = {x: t for x, t in (state.get(key) or {}).items() if until_of(t) >= first}
        if timed:
            state[key] = timed
        else:
            state.pop(key, None)


def _is_removed(state: dict[str, Any], exercise_id: str) -> bool:
    """Tell whether an exercise is out of the plan, for good or for a set time."""
    return exercise_id in state["removed_exercises"] or exercise_id in state.get(
        "timed_removals", {}
    )


def _base_exercise(protocol: Protocol, state: dict[str, Any], exercise_id: str) -> Exercise | None:
    if protocol.has_exercise(exercise_id):
        return protocol.exercise(exercise_id)
    for added in state["added_exercises"]:
        if added["exercise"]["id"] == exercise_id:
            return Exercise.from_dict(added["exercise"])
    return None


def _known_exercise(protocol, state, op, path) -> tuple[str, Exercise]:
    exercise_id = op.get("exercise_id")
    if not isinstance(exercise_id, str) or not exercise_id:
        raise AdjustmentError(f"{path}.exercise_id", "required")
    exercise = _base_exercise(protocol, state, exercise_id)
    if exercise is None:
        raise AdjustmentError(f"{path}.exercise_id", f"unknown exercise {exercise_id!r}")
    return exercise_id, exercise


def _known_phase(protocol: Protocol, op: dict[str, Any], path: str) -> str:
    phase_id = op.get("phase_id")
    if not isinstance(phase_id, str) or not phase_id:
        raise AdjustmentError(f"{path}.phase_id", "required")
    if not protocol.has_phase(phase_id):
        raise AdjustmentError(f"{path}.phase_id", f"unknown phase {phase_id!r}")
    return phase_id


def _check_dose(partial: Any, path: str) -> dict[str, Any]:
    if not isinstance(partial, dict) or not partial:
        raise AdjustmentError(path, "must be a non-empty object of dose fields")
    for name, value in partial.items():
        if name == "times_of_day":
            ok = isinstance(value, list) and 1 <= len(value) <= 4
            if (
                not ok
                or len(set(value)) != len(value)
                or not all(isinstance(v, str) and v.strip() for v in value)
            ):
                raise AdjustmentError(f"{path}.{name}", "must list 1 to 4 distinct names")
            continue
        if name not in DOSE_RANGES:
            raise AdjustmentError(f"{path}.{name}", "unknown dose field")
        low, high = DOSE_RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise AdjustmentError(f"{path}.{name}", f"must be an integer from {low} to {high}")
    if "days_per_week" in partial and "every_n_days" in partial:
        raise AdjustmentError(path, "give days_per_week or every_n_days, not both")
    return partial


def _set_dose(state, op, path, context) -> dict[str, Any]:
    exercise_id, exercise = _known_exercise(context.protocol, state, op, path)
    if _is_removed(state, exercise_id):
        raise AdjustmentError(f"{path}.exercise_id", "exercise is removed; restore it first")
    partial = _check_dose(op.get("dose"), f"{path}.dose")
    timed = state.get("timed_doses", {}).get(exercise_id)
    old_override = timed["dose"] if timed else state["dose_overrides"].get(exercise_id, {})
    before = exercise.dose.with_overrides(old_override)
    if "times_of_day" in partial and len(partial["times_of_day"]) != partial.get(
        "times_per_day", before.times_per_day
    ):
        raise AdjustmentError(f"{path}.dose.times_of_day", "must name one slot per times_per_day")
    override = {**old_override, **partial}
    for given, dropped in (
        ("days_per_week", "every_n_days"),
        ("every_n_days", "days_per_week"),
        ("times_per_day", "times_of_day"),
    ):
        if given in partial and dropped not in partial:
            override.pop(dropped, None)
    after = exercise.dose.with_overrides(override)
    if after == before:
        raise AdjustmentError(f"{path}.dose", "no change")
    if context.until is None:
        state["dose_overrides"][exercise_id] = override
        state.get("timed_doses", {}).pop(exercise_id, None)  # a lasting change ends a timed one
    else:
        timed_dose = {"until": context.until.isoformat(), "dose": override}
        state.setdefault("timed_doses", {})[exercise_id] = timed_dose
    old, new = _dose_fields(before), _dose_fields(after)
    changed = [k for k in old if old[k] != new[k]]
    return {
        "op": "set_dose",
        "exercise_id": exercise_id,
        "before": {k: old[k] for k in changed},
        "after": {k: new[k] for k in changed},
    }


def _dose_fields(dose: Dose) -> dict[str, Any]:
    d = dose.to_dict()
    return {name: d.get(name) for name in (*DOSE_RANGES, "times_of_day")}


def _remove_exercise(state, op, path, context) -> dict[str, Any]:
    exercise_id, _ = _known_exercise(context.protocol, state, op, path)
    if exercise_id in state["removed_exercises"]:
        raise AdjustmentError(f"{path}.exercise_id", "exercise is already removed")
    before = "removed" if _is_removed(state, exercise_id) else "active"
    if context.until is None:
        state.get("timed_removals", {}).pop(exercise_id, None)  # removed for good from now
        state["removed_exercises"].append(exercise_id)
    else:
        state.setdefault("timed_removals", {})[exercise_id] = context.until.isoformat()
    return {
        "op": "remove_exercise",
        "exercise_id": exercise_id,
        "before": before,
        "after": "removed",
    }


def _restore_exercise(state, op, path, context) -> dict[str, Any]:
    exercise_id, _ = _known_exercise(context.protocol, state, op, path)
    if exercise_id in state.get("timed_removals", {}):
        del state["timed_removals"][exercise_id]  # back before the set time is up
    elif exercise_id in state["removed_exercises"]:
        state["removed_exercises"].remove(exercise_id)
    else:
        raise AdjustmentError(f"{path}.exercise_id", "exercise is not removed")
    return {
        "op": "restore_exercise",
        "exercise_id": exercise_id,
        "before": "removed",
        "after": "active",
    }


def _add_exercise(state, op, path, context) -> dict[str, Any]:
    protocol = context.protocol
    phase_id = _known_phase(protocol, op, path)
    exercise = op.get("exercise")
    if not isinstance(exercise, dict):
        raise AdjustmentError(f"{path}.exercise", "required")
    exercise_id = exercise.get("id")
    if not isinstance(exercise_id, str) or not exercise_id:
        raise AdjustmentError(f"{path}.exercise.id", "required")
    if _base_exercise(protocol, state, exercise_id) is not None:
        raise AdjustmentError(f"{path}.exercise.id", f"exercise {exercise_id!r} already exists")
    try:
        parsed = Exercise.from_dict(exercise)
    except (KeyError, TypeError, ValueError) as exc:
        raise AdjustmentError(f"{path}.exercise", f"not a valid exercise ({exc})") from exc
    state["added_exercises"].append({"phase_id": phase_id, "exercise": copy.deepcopy(exercise)})
    return {
        "op": "add_exercise",
        "exercise_id": exercise_id,
        "phase_id": phase_id,
        "before": None,
        "after": {"name": parsed.name, "dose": parsed.dose.to_dict()},
    }


def _move_phase(state, op, path, context) -> dict[str, Any]:
    protocol, effective_from, start_date, surgery_date, _until = context
    phase_id = _known_phase(protocol, op, path)
    moves = state["phase_moves"]
    if any(as_date(m["from_date"]) > effective_from for m in moves):
        raise AdjustmentError(f"{path}.phase_id", "a later phase move exists (no backdating)")
    before = None
    if start_date is not None:
        try:
            spans = phase_timeline(protocol, start_date, surgery_date, moves)
        except ValueError as exc:
            raise AdjustmentError(f"{path}.phase_id", str(exc)) from exc
        before = span_on(spans, effective_from).phase_id
    if before == phase_id:
        raise AdjustmentError(f"{path}.phase_id", f"patient is already in phase {phase_id!r}")
    day = effective_from.isoformat()
    # A second move on the same day corrects the first rather than stacking on it.
    state["phase_moves"] = [m for m in moves if as_date(m["from_date"]) != effective_from]
    state["phase_moves"].append({"phase_id": phase_id, "from_date": day})
    return {
        "op": "move_phase",
        "phase_id": phase_id,
        "before": before,
        "after": phase_id,
        "from_date": day,
    }


_HANDLERS = {
    "set_dose": _set_dose,
    "remove_exercise": _remove_exercise,
    "restore_exercise": _restore_exercise,
    "add_exercise": _add_exercise,
    "move_phase": _move_phase,
}
