"""The whole course of a plan for the alert screen: pain every day and sets done every week.

An alert's own evidence holds only the windows its rule compared (the first and the last two
weeks); a clinician deciding on it sees every week from the plan's start, fetched here.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from mobile.core.formatting import as_date, date_text, plural
from mobile.core.progress import pain_progress, weekly_adherence

PAGE = 1000  # the API's largest page of logs
MAX_TICKS = 6  # date labels under the pain chart, so they never run into each other


@dataclass
class Course:
    """What the charts draw; empty when the alert belongs to no plan."""

    content: dict | None = None
    pain: list = field(default_factory=list)  # PainChart points [(day, value, median)]
    ticks: list = field(default_factory=list)  # [(day, "W3")]
    weeks: list = field(default_factory=list)  # AdherenceBars [("W3", ratio)]
    first_day: date | None = None
    last_day: date | None = None

    @property
    def span_text(self) -> str:
        """Return "Since the plan started: Tue 1 Sep – Mon 30 Nov (13 weeks)"."""
        if self.first_day is None:
            return ""
        count = f" ({plural(len(self.weeks), 'week')})" if self.weeks else ""
        span = f"{date_text(self.first_day)} – {date_text(self.last_day)}"
        return f"Since the plan started: {span}{count}"


def all_logs(client, path: str, since: str) -> list[dict]:
    """Fetch every log from `since`, page by page (a long plan has more than one page)."""
    rows: dict = {}
    start = since
    while True:
        page = client.get(path, **{"from": start, "limit": PAGE})
        rows.update((row["id"], row) for row in page)
        if len(page) < PAGE or page[-1]["local_date"] == start:
            break
        start = page[-1]["local_date"]  # that day again: the dict drops the repeats
    return [row for row in rows.values() if not row.get("superseded_by")]


def load_course(client, patient_id: int, plan_id: int | None, today: date) -> Course:
    """Fetch a plan's protocol and logs and build the charts (blocking: a worker thread)."""
    if not plan_id:
        return Course()
    plan = client.get(f"/plans/{plan_id}")
    version = f"/protocols/{plan['protocol_id']}/versions/{plan['protocol_version']}"
    content = client.get(version)["content"]
    since = plan["start_date"]
    pain = all_logs(client, f"/patients/{patient_id}/pain-logs", since)
    exercise = all_logs(client, f"/patients/{patient_id}/exercise-logs", since)
    return course_of(plan, content, pain, exercise, today)


def course_of(plan: dict, content: dict, pain: list, exercise: list, today: date) -> Course:
    """Return the charts of every day and every week from the plan's start to today."""
    start = as_date(plan["start_date"])
    points, _baseline = pain_progress(pain, start, today, content.get("escalation"))
    weeks = weekly_adherence(exercise, plan, content, today, weeks=(today - start).days // 7 + 1)
    return Course(
        content=content,
        pain=[((p.date - start).days, p.value, p.median7) for p in points],
        ticks=week_ticks((today - start).days),
        weeks=[(f"W{(week - start).days // 7 + 1}", ratio) for week, ratio in weeks],
        first_day=start,
        last_day=today - timedelta(days=1) if today > start else start,
    )


def week_ticks(days: int) -> list[tuple[int, str]]:
    """Return labels at the start of plan weeks, every week or every few, at most MAX_TICKS."""
    weeks = days // 7 + 1
    step = max(1, -(-weeks // MAX_TICKS))
    return [(week * 7, f"W{week + 1}") for week in range(0, weeks, step)]
