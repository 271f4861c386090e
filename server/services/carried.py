"""What a sweep reads of a plan's history: recent rows, plus sums carried from earlier sweeps.

The sweep rules need a plan's exercise logs one by one only for their recent windows (R-ADH,
R-NEURO); R-FAIL's adherence over the whole plan and the next due day need only sums of the
days before (domain.history.AdherenceCarry). A sweep stores those sums on the plan's evaluation
with how many log rows the summed days had, and the next sweep reads only the rows from the
carry's day on, and of pain logs only the trend's two windows. A long history then costs no
more to judge than a short one.

A carry is used only while it still describes the stored rows; otherwise the plan's whole
history is read, as before, and a new carry is made from it:
- the plan's dates, protocol version and latest revision are the ones it was made with (`key`);
- the days before its `until` still have exactly the rows it counted (a late row for an old
  day, from a device offline for weeks, makes the count differ; rows are never deleted);
- no correction crosses `until` (a row on one side naming a row on the other).
The count is taken from the same rows the sums came from, so a row committed while a sweep
read is caught by the next sweep's count rather than lost.
"""

from collections import Counter, defaultdict
from datetime import date
from typing import NamedTuple

from sqlalchemy.orm import Session

from domain.adherence import carry_to
from domain.history import AdherenceCarry, PatientHistory, StoredExercise
from domain.pain import pain_windows
from domain.rules import carry_until
from server.models import Plan
from server.services.histories import (
    HistoryRows,
    clinical_and_outcome_rows,
    current,
    date_parser,
    pain_rows,
    sql_ids,
)

CARRY_VERSION = 1


class PlanRead(NamedTuple):
    """How a plan's rows were read: the carry used (None: the whole history) and the row count
    per day of every row read (corrected ones too), for the next carry's count."""

    carry: AdherenceCarry | None
    rows_before: int
    rows_per_day: dict


def carry_key(plan: Plan) -> str:
    """Return what a carry depends on besides the rows: a change of any makes it unusable."""
    latest = max(r.number for r in plan.revisions)
    return (
        f"{CARRY_VERSION}:{plan.protocol_version_id}:{plan.start_date}:{plan.surgery_date}:"
        f"{plan.end_date}:{latest}"
    )


_DAYS = ("until", "last_active")  # the carry's dates, stored as ISO text


def stored_carry(stored: dict | None, plan: Plan) -> tuple[AdherenceCarry, int] | None:
    """Return a stored carry and its row count, or None when there is none or it is outdated."""
    if not stored or stored.get("key") != carry_key(plan):
        return None
    values = {f: stored[f] for f in AdherenceCarry._fields}
    for f in _DAYS:
        values[f] = None if values[f] is None else date.fromisoformat(values[f])
    return AdherenceCarry(**values), stored["rows_before"]


def next_carry(plan: Plan, history: PatientHistory, read: PlanRead) -> dict:
    """Return the carry to store after judging `history`, as JSON."""
    until = carry_until(plan.start_date, history.today, history.thresholds)
    if read.carry is not None and until < read.carry.until:
        until = read.carry.until  # judged as of an earlier day: the carry stays as it was
    carry = carry_to(history, until)
    since = plan.start_date if read.carry is None else read.carry.until
    rows = read.rows_before + sum(n for day, n in read.rows_per_day.items() if since <= day < until)
    values = carry._asdict()
    for f in _DAYS:
        values[f] = None if values[f] is None else values[f].isoformat()
    return {"key": carry_key(plan), **values, "rows_before": rows}


def load_sweep_rows(
    session: Session, plans: list[Plan], today_of: dict, carries: dict, thresholds: dict
) -> tuple[HistoryRows, dict[int, PlanRead]]:
    """Read what the sweep rules need of each plan: recent rows where a carry holds, else all.

    `carries` maps plan ids to `stored_carry` results; `thresholds` plan ids to the thresholds
    the plan is judged with (for the pain windows). Plain driver SQL, as in load_history_rows.
    """
    cursor = session.connection().connection.driver_connection.cursor()
    day = date_parser()
    try:
        usable = _usable_carries(cursor, plans, carries, day)
        exercise, reads = _exercise_rows(cursor, plans, usable, day)
        patients = sql_ids({p.patient_id for p in plans})
        pain = _pain_rows(cursor, plans, patients, today_of, usable, thresholds, day)
        clinical, outcome = clinical_and_outcome_rows(cursor, patients, day)
    finally:
        cursor.close()
    return HistoryRows(exercise, pain, clinical, outcome), reads


def _usable_carries(cursor, plans, carries, day) -> dict[int, tuple[AdherenceCarry, int]]:
    """Keep the carries whose days still have the rows they counted and no crossing correction."""
    held = {p.id: carries[p.id] for p in plans if carries.get(p.id)}
    if not held:
        return {}
    by_until = _grouped((carry.until, plan_id) for plan_id, (carry, _) in held.items())
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT plan_id, count(*) FROM exercise_logs WHERE plan_id IN ({ids})"
            f" AND local_date < '{until.isoformat()}' GROUP BY plan_id"
            for until, ids in by_until.items()
        )
    )
    counted = dict(cursor.fetchall())
    ids = sql_ids(held)
    cursor.execute(
        "SELECT c.plan_id, c.local_date, t.local_date FROM exercise_logs c"
        " LEFT JOIN exercise_logs t ON t.client_uuid = c.supersedes"
        f" WHERE c.plan_id IN ({ids}) AND c.supersedes IS NOT NULL"
    )
    crossing = {
        plan_id
        for plan_id, own, target in cursor.fetchall()
        if target is None
        or (day(own) < held[plan_id][0].until) != (day(target) < held[plan_id][0].until)
    }
    return {
        plan_id: held_carry
        for plan_id, held_carry in held.items()
        if plan_id not in crossing and counted.get(plan_id, 0) == held_carry[1]
    }


def _grouped(pairs) -> dict:
    """Group ids by a value (a date, a window): {value: "id,id,..."}.

    A batch's plans mostly share their carry's day and their current pain window, so each
    group is one `IN (...)` with one date range, which an index on (owner, local_date) serves;
    one OR term per plan makes PostgreSQL scan the whole table instead (740 ms against 41 ms
    for 200 plans of 10,000, measured with EXPLAIN ANALYZE).
    """
    groups = defaultdict(list)
    for value, owner in pairs:
        groups[value].append(owner)
    return {value: sql_ids(owners) for value, owners in groups.items()}


def _exercise_rows(cursor, plans, usable, day):
    """Read current exercise rows: from each usable carry's day on, or the whole plan."""
    ids = sql_ids(p.id for p in plans)
    by_until = _grouped((carry.until, plan_id) for plan_id, (carry, _) in usable.items())
    wheres = [
        f"plan_id IN ({owners}) AND local_date >= '{until.isoformat()}'"
        for until, owners in by_until.items()
    ]
    whole = [p.id for p in plans if p.id not in usable]
    if whole:
        wheres.append(f"plan_id IN ({sql_ids(whole)})")
    exercise = defaultdict(list)
    per_day: dict[int, dict] = defaultdict(dict)
    if wheres:
        # Every row is read (corrected ones too) so the next carry counts what the days hold.
        # After the id, the plan and whether the row is current, the columns are an entry's
        # fields in order (domain.history.StoredExercise): a row becomes one without unpacking.
        columns = (
            "id, plan_id,"
            f" {current('exercise_logs', 'plan_id', ids)} AS is_current,"
            " local_date, exercise_id, slot, sets_done, sets_due, status, skip_reason,"
            " NULL AS pain_before, NULL AS pain_after, stop_level, nerve_symptoms,"
            " NULL AS recorded_at"
        )
        branches = " UNION ALL ".join(
            f"SELECT {columns} FROM exercise_logs WHERE {where}" for where in wheres
        )
        cursor.execute(f"SELECT * FROM ({branches}) AS rows ORDER BY id")
        rows = cursor.fetchall()
        if rows and not isinstance(rows[0][3], date):  # ISO text (SQLite)
            rows = [(*row[:3], day(row[3]), *row[4:]) for row in rows]
        for (plan_id, local), count in Counter((row[1], row[3]) for row in rows).items():
            per_day[plan_id][local] = count
        entry = StoredExercise._make
        for row in rows:
            if row[2]:
                exercise[row[1]].append(entry(row[3:]))
    reads = {
        p.id: PlanRead(*usable[p.id], per_day.get(p.id, {}))
        if p.id in usable
        else PlanRead(None, 0, per_day.get(p.id, {}))
        for p in plans
    }
    return exercise, reads


def _pain_rows(cursor, plans, patients, today_of, usable, thresholds, day):
    """Read current pain rows: of a plan with a usable carry only the trend's two windows."""
    windows, whole = [], set()
    for plan in plans:
        if plan.id not in usable:
            whole.add(plan.patient_id)
            continue
        for first, last in pain_windows(plan.start_date, today_of[plan.id], thresholds[plan.id]):
            if first <= last:
                windows.append(((first, last), plan.patient_id))
    wheres = [
        f"patient_id IN ({owners}) AND local_date BETWEEN '{first.isoformat()}'"
        f" AND '{last.isoformat()}'"
        for (first, last), owners in _grouped(windows).items()
    ]
    if whole:
        wheres.append(f"patient_id IN ({sql_ids(whole)})")
    if not wheres:
        return defaultdict(list)
    return pain_rows(cursor, wheres, patients, day)
