"""Staff: one patient's summary, prompts from their alerts, charts, current plan and log."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty

from mobile.core.caution import calm_summary, prompts
from mobile.core.dose import dose_text
from mobile.core.feed import exercise_names
from mobile.core.formatting import as_date, date_text
from mobile.core.outcomes import function_figures, function_lines
from mobile.core.plan import day_plans, exercises_on, protocol_from
from mobile.core.prescribing import timed_note, timed_out
from mobile.core.progress import pain_progress, weekly_adherence
from mobile.screens import labels
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.feed import all_rows
from mobile.screens.progress import CHART_WEEKS, chart_points, week_bars, week_summary
from mobile.widgets.surfaces import Card


def patient_today(patient: dict):
    """Return the patient's local date (their plan runs on their clock, not the physio's)."""
    try:
        return datetime.now(ZoneInfo(patient.get("timezone") or "UTC")).date()
    except (KeyError, ValueError):
        return datetime.now().date()


def load_patient(client, patient_id: int) -> dict:
    """Fetch everything the detail shows but the log (blocking: call from a worker thread)."""
    patient = client.get(f"/patients/{patient_id}")
    plans = client.get(f"/patients/{patient_id}/plans")
    plan = next((p for p in plans if p.get("status") == "active"), None)
    found = {"patient": patient, "plan": plan, "content": None, "pain": [], "exercise": []}
    # Nothing is logged before care began: the first plan's start, or the account's creation.
    created = as_date(datetime.fromisoformat(patient["created_at"]))
    found["care_began"] = min([created, *(as_date(p["start_date"]) for p in plans)])
    found["alerts"] = client.get("/alerts", patient_id=patient_id)
    if plan:
        version = f"/protocols/{plan['protocol_id']}/versions/{plan['protocol_version']}"
        found["content"] = client.get(version)["content"]
        today, start = patient_today(patient), as_date(plan["start_date"])
        logs = f"/patients/{patient_id}"
        found["pain"] = all_rows(client, f"{logs}/pain-logs", start, today)
        # The chart's weeks start at most CHART_WEEKS + 1 weeks back (whole plan weeks).
        first = max(start, today - timedelta(weeks=CHART_WEEKS + 1))
        found["exercise"] = all_rows(client, f"{logs}/exercise-logs", first, today)
        found["outcomes"] = all_rows(client, f"{logs}/outcome-measures", start, today)
    return found


class PromptCard(Card):
    """An open alert about the patient with what to do about it."""

    alert = DictProperty()
    screen = ObjectProperty()
    title = StringProperty("")
    body = StringProperty("")
    prompt = StringProperty("")
    severity = StringProperty("info")
    status = StringProperty("open")
    actionable = BooleanProperty(False)


class PatientScreen(BaseScreen):
    """Show a patient to their physio or clinician; the physio adjusts the plan from here."""

    patient = DictProperty()
    data = DictProperty()
    summary_text = StringProperty("")
    phase_text = StringProperty("")
    notice = StringProperty("")
    not_activated = BooleanProperty(False)  # no password chosen yet: staff may give a new code
    activation_code = StringProperty("")  # a new code, shown once
    activation_expiry = StringProperty("")
    can_adjust = BooleanProperty(False)
    can_assign = BooleanProperty(False)
    has_plan = BooleanProperty(True)
    has_weeks = BooleanProperty(False)  # a finished plan week to draw
    adherence_text = StringProperty("")
    function_text = StringProperty("")  # LEFS at the start and now, the latest PGIC

    def show(self, patient=None, notice="", **_kwargs) -> None:
        """Open a patient from the list (a bare return reloads the one on show)."""
        self.back_to = "patients" if self.app.role == "physio" else "alerts"
        if patient is not None:
            self.patient, self.data = patient, {}
            self.activation_code = self.activation_expiry = ""
            self.ids.exercises.clear_widgets()
            self.ids.prompts.clear_widgets()
            self.ids.feed.clear()
            self.ids.page.scroll_y = 1  # another patient: from the top
        self.notice = notice
        self.title = self.patient.get("display_name", "Patient")
        self.refresh()

    def refresh(self) -> None:
        """Load the patient's data in the background."""
        if not self.patient:
            return
        patient_id = self.patient["id"]
        self.fetch(lambda client: load_patient(client, patient_id), self._loaded)

    def _loaded(self, found: dict) -> None:
        self.busy = False
        self.data, self.patient = found, found["patient"]
        self.not_activated = found["patient"].get("activated") is False
        raw = found["patient"].get("summary") or {}
        summary = calm_summary(raw)
        self.summary_text = " · ".join(
            t for t in (labels.care_line(summary), labels.alerts_line(summary)) if t
        )
        self.ids.adherence.text = f"Adherence {labels.percent(summary.get('adherence_14d'))}"
        self.ids.adherence.tone = labels.adherence_tone(summary.get("adherence_14d"))
        self.ids.pain_pill.text = labels.pain_line(summary)
        self.ids.pain_pill.tone = labels.pain_tone(summary)
        physio = self.app.role == "physio"
        self.can_adjust, self.can_assign = (
            physio and bool(found["plan"]),
            physio and not found["plan"],
        )
        self._show_prompts(prompts(found["alerts"], raw))
        self._show_plan(found)
        self.ids.feed.start(self, found, patient_today(self.patient))

    def _show_prompts(self, alerts: list) -> None:
        box = self.ids.prompts
        box.clear_widgets()
        for alert in alerts:
            box.add_widget(
                PromptCard(
                    alert=alert,
                    screen=self,
                    title=labels.rule_title(alert["rule_id"]),
                    body=alert.get("rationale", ""),
                    prompt=labels.PROMPTS.get(alert["rule_id"], ""),
                    severity=alert.get("severity", "info"),
                    status=alert.get("status", "open"),
                    actionable=labels.can_act(alert, self.app.role),
                )
            )

    def _show_plan(self, found: dict) -> None:
        box, plan = self.ids.exercises, found["plan"]
        box.clear_widgets()
        chart, bars = self.ids.pain_chart, self.ids.bars
        self.has_plan = bool(plan)
        if not plan:
            self.phase_text, self.adherence_text = "No active plan.", ""
            chart.points, chart.x_labels, bars.weeks = [], [], []
            return
        protocol, today = protocol_from(found["content"]), patient_today(self.patient)
        start = as_date(plan["start_date"])
        points, baseline = pain_progress(found["pain"], start, today, protocol.escalation)
        chart.points, chart.x_labels = chart_points(points, start)
        chart.baseline = baseline
        weeks = weekly_adherence(found["exercise"], plan, protocol, today, weeks=CHART_WEEKS)
        bars.weeks = week_bars(weeks, start)
        self.has_weeks = bool(bars.weeks)
        self.adherence_text = week_summary(bars.weeks, "the prescribed sets", "the first week")
        figures = function_figures(found.get("outcomes") or [], start)
        self.function_text = "\n".join(function_lines(figures))
        days = day_plans(plan, protocol, today, today)
        revision = plan["revisions"][-1] if plan.get("revisions") else {}
        since = date_text(revision["effective_from"]) if revision else ""
        if not days:
            self.phase_text = f"{plan['protocol_title']}: the plan has ended."
            return
        day = days[0]
        self.phase_text = (
            f"{plan['protocol_title']}\nPhase: {day.phase_title}\n"
            f"Revision {plan['current_revision']} since {since}"
        )
        for exercise in exercises_on(plan, protocol, day).values():
            note = timed_note(plan, protocol, day, exercise.id)
            line = f"[b]{exercise.name}[/b]\n{dose_text(exercise.dose)}"
            box.add_widget(
                Factory.Body(text=line + (f"\n{note}" if note else ""), font_size="15sp")
            )
        names = exercise_names(found["content"], plan)
        for exercise_id, until in timed_out(plan, day):
            name = names[exercise_id].name if exercise_id in names else exercise_id
            back = f"[b]{name}[/b]\nPaused until {date_text(until)}, then back in the plan"
            box.add_widget(Factory.Body(text=back, font_size="15sp"))
        if revision.get("reason"):
            box.add_widget(Factory.Caption(text=f"Last change: {revision['reason']}"))

    # -- actions

    def adjust(self, alert=None) -> None:
        """Open the adjust dialog (preset from a prompt when there is one)."""
        from mobile.screens.adjust import AdjustDialog

        if not self.data.get("plan"):
            return
        AdjustDialog(self, self.data, patient_today(self.patient), alert=alert).open()

    def assign(self) -> None:
        """Open the assign-a-protocol dialog for a patient without an active plan."""
        from mobile.screens.assign import AssignDialog

        AssignDialog(self, self.patient, on_done=self.assigned).open()

    def assigned(self, plan: dict) -> None:
        """Confirm the new plan and reload."""
        self.show(notice=f"{plan['protocol_title']} assigned from {date_text(plan['start_date'])}.")

    def revised(self, plan: dict) -> None:
        """Confirm the new revision and reload."""
        revision = plan["revisions"][-1]
        until = next((d["until"] for d in revision.get("diff") or () if d.get("until")), None)
        lasting = f" (until {date_text(until)})" if until else ""
        self.show(notice=f"Saved as revision {revision['number']}{lasting}: {revision['reason']}")

    def new_activation_code(self) -> None:
        """Give the patient a new one-time activation code and show it once."""
        path = f"/patients/{self.patient['id']}/activation-code"
        self.fetch(lambda client: client.post(path, {}), self._new_code)

    def _new_code(self, answer: dict) -> None:
        from mobile.screens.newpatient import expiry_text

        self.busy = False
        self.activation_code = answer["code"]
        self.activation_expiry = expiry_text(answer.get("expires_at"))

    def changed_meanwhile(self) -> None:
        """Reload a plan whose adjustment was refused because it changed while it was open."""
        self.show(
            notice="Not saved: the plan was changed while you were adjusting it. Here it is as"
            " it is now; adjust again if your change is still needed."
        )

    def acknowledge(self, alert: dict) -> None:
        """Acknowledge an alert routed to this physio."""
        path = f"/alerts/{alert['id']}/acknowledge"
        self.fetch(lambda client: client.post(path, {"note": None}), lambda _a: self.refresh())

    def open_alert(self, alert: dict) -> None:
        """Open the alert with its evidence."""
        self.go("alert", alert_id=alert["id"], back="patient")


load_kv("patient")
