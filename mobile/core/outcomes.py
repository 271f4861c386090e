"""The LEFS and the PGIC on the phone: when each is due, saving answers offline, and the
words the staff screens show for function and global change."""

from datetime import date

from domain import outcomes
from domain.outcomes import OutcomeEntry, function_change
from mobile.core.checks import recorded_at
from mobile.core.formatting import as_date, date_text
from mobile.core.outbox import NORMAL


def entries(rows: list[dict]) -> list[OutcomeEntry]:
    """Return stored or pulled outcome rows as the domain's entries (unscored rows left out)."""
    return [
        OutcomeEntry(as_date(row["local_date"]), row["instrument"], row["score"])
        for row in rows
        if row.get("score") is not None
        and row.get("instrument") in outcomes.INSTRUMENTS
        and not row.get("superseded_by")  # a corrected answer counts no more
    ]


def _plan_start(store) -> date | None:
    plan = store.active_plan()
    return as_date(plan["start_date"]) if plan else None


def due(store, today: date) -> tuple[bool, bool]:
    """Return (LEFS due, PGIC due) today for the active plan (neither without one)."""
    start = _plan_start(store)
    if start is None:
        return False, False
    done = entries(store.outcome_measures(start, today))
    return outcomes.lefs_due(done, start, today), outcomes.pgic_due(done, start, today)


def submit(store, local_date, instrument: str, answers: list[int], now=None) -> int:
    """Score the answers offline (ValueError when incomplete), queue them; return the score."""
    score = outcomes.score(instrument, list(answers))
    data = {
        "local_date": as_date(local_date).isoformat(),
        "instrument": instrument,
        "answers": list(answers),
        "recorded_at": recorded_at(now),
    }
    # The score is the server's to compute; the mirror keeps the phone's so Today knows at once.
    store.enqueue("outcome_measure", data, priority=NORMAL, local={"score": score})
    return score


def function_figures(rows: list[dict], plan_start) -> dict:
    """Return the LEFS at the start and now and the latest PGIC, as R-FAIL's evidence has them."""
    return function_change(entries(rows), as_date(plan_start)).as_evidence()


def function_lines(found: dict | None) -> list[str]:
    """Return the LEFS and PGIC in words, from R-FAIL's `function` evidence or the same figures."""
    if not isinstance(found, dict):
        return []
    lefs, pgic = found.get("lefs") or {}, found.get("pgic") or {}
    lines = []
    if lefs.get("baseline") is None:
        lines.append("Function (LEFS): not measured, no LEFS on record.")
    else:
        start = f"{lefs['baseline']}/80 on {date_text(lefs['baseline_date'])}"
        if lefs.get("current") is None:
            lines.append(f"Function (LEFS): {start}; not measured again yet.")
        else:
            mcid = lefs.get("mcid", 9)
            reached = "reaches" if lefs.get("improved") else "short of"
            lines.append(
                f"Function (LEFS): {start}, now {lefs['current']}/80 on "
                f"{date_text(lefs['current_date'])}: {lefs['change']:+d} points, {reached} the "
                f"{mcid:g}-point change that matters."
            )
    if pgic.get("value") is None:
        lines.append("Global impression of change: not asked yet.")
    else:
        lines.append(
            f"Global impression of change on {date_text(pgic['local_date'])}: {pgic['words']}."
        )
    return lines
