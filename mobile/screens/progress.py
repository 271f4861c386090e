"""Progress: the pain trend (daily, 7-day median, baseline) and adherence per plan week."""

from kivy.properties import StringProperty

from mobile.core.formatting import as_date
from mobile.core.plan import plan_protocol
from mobile.core.progress import pain_progress, weekly_adherence
from mobile.screens.base import BaseScreen, load_kv

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
        weeks = weekly_adherence(store, plan, protocol, today, weeks=8)
        first = (weeks[0][0] - start).days // 7 + 1 if weeks else 1
        bars.weeks = [(f"W{first + i}", ratio) for i, (_start, ratio) in enumerate(weeks)]
        scored = [(label, r) for label, r in bars.weeks if r is not None]
        self.adherence_text = (
            f"Week {scored[-1][0][1:]}: {round(scored[-1][1] * 100)} % of your sets."
            if scored
            else "Bars appear once your first week is done."
        )


load_kv("progress")
