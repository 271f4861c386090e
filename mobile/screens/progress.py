"""Progress: the pain trend (daily, 7-day median, baseline) and adherence per plan week."""

from kivy.properties import StringProperty

from mobile.core.formatting import as_date
from mobile.core.plan import plan_protocol
from mobile.core.progress import pain_progress, weekly_adherence
from mobile.screens.base import BaseScreen, load_kv

CHART_WEEKS = 8  # as many bars as read well on a phone
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(day) -> str:
    """Return "22 Nov"."""
    return f"{day.day} {_MONTHS[day.month - 1]}"


def chart_points(points, start):
    """Return PainChart points [(day index, value, median)] and a few date labels."""
    data = [((p.date - start).days, p.value, p.median7) for p in points]
    if not data:
        return [], []
    last = data[-1][0]
    ticks = sorted({0, last // 2, last}) if last else [0]
    return data, [(x, short_date(start.fromordinal(start.toordinal() + x))) for x in ticks]


def pain_summary(points, baseline) -> str:
    """Return "Started at 7 · now 3 (7-day median)" or what is still missing."""
    recent = next((p.median7 for p in reversed(points) if p.median7 is not None), None)
    if baseline is None and recent is None:
        return "Log your pain on a few days to see your trend."
    parts = []
    if baseline is not None:
        parts.append(f"Started at {baseline:g}")
    if recent is not None:
        parts.append(f"now {recent:g} (7-day median)")
    return " · ".join(parts)


def week_bars(weeks, start) -> list[tuple[str, float | None]]:
    """Return AdherenceBars weeks [("W3", ratio)] numbered from the plan start."""
    first = (weeks[0][0] - start).days // 7 + 1 if weeks else 1
    return [(f"W{first + i}", ratio) for i, (_start, ratio) in enumerate(weeks)]


def week_summary(bars, whose: str, first_week: str) -> str:
    """Return "Week 3: 85 % of your sets." for the last scored week, or when bars appear."""
    scored = [(label, r) for label, r in bars if r is not None]
    if not scored:
        return f"Bars appear once {first_week} is done."
    label, ratio = scored[-1]
    return f"Week {label[1:]}: {round(ratio * 100)} % of {whose}."


class ProgressScreen(BaseScreen):
    """Draw the patient's charts from the local store (works offline)."""

    pain_text = StringProperty("")
    adherence_text = StringProperty("")

    def show(self, **_kwargs) -> None:
        """Recompute both charts."""
        self.title = "Progress"
        self.refresh()

    def refresh(self) -> None:
        """Fill the pain chart and the weekly bars."""
        store, today = self.app.store, self.app.local_today()
        plan = store.active_plan()
        protocol = plan and plan_protocol(store, plan)
        pain, bars = self.ids.pain_chart, self.ids.bars
        if not protocol:
            pain.points, pain.x_labels, bars.weeks = [], [], []
            self.pain_text = "Your progress appears after the first sync."
            self.adherence_text = ""
            return
        start = as_date(plan["start_date"])
        escalation = getattr(protocol, "escalation", None)
        points, baseline = pain_progress(store.pain_logs(start, today), start, today, escalation)
        pain.points, pain.x_labels = chart_points(points, start)
        pain.baseline = baseline
        self.pain_text = pain_summary(points, baseline)
        weeks = weekly_adherence(store, plan, protocol, today, weeks=CHART_WEEKS)
        bars.weeks = week_bars(weeks, start)
        self.adherence_text = week_summary(bars.weeks, "your sets", "your first week")


load_kv("progress")
