"""Staff: one patient's summary, prompts from their alerts, pain trend and current plan."""

from datetime import datetime
from zoneinfo import ZoneInfo

from kivy.factory import Factory
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty

from mobile.core.formatting import as_date, date_text
from mobile.core.plan import day_plans, exercises_on, protocol_from
from mobile.core.progress import pain_progress
from mobile.core.today import dose_text
from mobile.screens import labels
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.progress import chart_points
from mobile.widgets.surfaces import Card


def patient_today(patient: dict):
    """Return the patient's local date (their plan runs on their clock, not the physio's)."""
    try:
        return datetime.now(ZoneInfo(patient.get("timezone") or "UTC")).date()
    except (KeyError, ValueError):
        return datetime.now().date()


def load_patient(client, patient_id: int) -> dict:
    """Fetch everything the detail shows (blocking: call from a worker thread)."""
    patient = client.get(f"/patients/{patient_id}")
    plans = client.get(f"/patients/{patient_id}/plans")
    plan = next((p for p in plans if p.get("status") == "active"), plans[0] if plans else None)
    found = {"patient": patient, "plan": plan, "content": None, "pain": []}
    found["alerts"] = client.get("/alerts", patient_id=patient_id)
    if plan:
        version = f"/protocols/{plan['protocol_id']}/versions/{plan['protocol_version']}"
        found["content"] = client.get(version)["content"]
        since = {"from": plan["start_date"], "limit": 1000}
        found["pain"] = client.get(f"/patients/{patient_id}/pain-logs", **since)
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
    pain_text = StringProperty("")
    notice = StringProperty("")
    can_adjust = BooleanProperty(False)

    def show(self, patient=None, notice="", **_kwargs) -> None:
        """Open a patient from the list (a bare return reloads the one on show)."""
        self.back_to = "patients" if self.app.role == "physio" else "alerts"
        if patient is not None:
            self.patient, self.data = patient, {}
            self.ids.exercises.clear_widgets()
            self.ids.prompts.clear_widgets()
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
        summary = found["patient"].get("summary") or {}
        self.summary_text = " · ".join(
            t for t in (labels.care_line(summary), labels.alerts_line(summary)) if t
        )
        self.ids.adherence.text = f"Adherence {labels.percent(summary.get('adherence_14d'))}"
        self.ids.adherence.tone = labels.adherence_tone(summary.get("adherence_14d"))
        self.ids.pain_pill.text = labels.pain_line(summary)
        self.ids.pain_pill.tone = labels.pain_tone(summary)
        self.can_adjust = self.app.role == "physio" and bool(found["plan"])
        self._show_prompts(found["alerts"])
        self._show_plan(found)

    def _show_prompts(self, alerts: list) -> None:
        box = self.ids.prompts
        box.clear_widgets()
        for alert in alerts:
            if alert.get("status") not in ("open", "acknowledged"):
                continue
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
        chart = self.ids.pain_chart
        if not plan:
            self.phase_text, self.pain_text = "No active plan.", ""
            chart.points = []
            return
        protocol, today = protocol_from(found["content"]), patient_today(self.patient)
        start = as_date(plan["start_date"])
        points, baseline = pain_progress(found["pain"], start, today, protocol.escalation)
        chart.points, chart.x_labels = chart_points(points, start)
        chart.baseline = baseline
        self.pain_text = labels.pain_line(self.patient.get("summary") or {})
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
            line = f"[b]{exercise.name}[/b]\n{dose_text(exercise.dose)}"
            box.add_widget(Factory.Body(text=line, font_size="15sp"))
        if revision.get("reason"):
            box.add_widget(Factory.Caption(text=f"Last change: {revision['reason']}"))

    # -- actions

    def adjust(self, alert=None) -> None:
        """Open the adjust dialog (preset from a prompt when there is one)."""
        from mobile.screens.adjust import AdjustDialog

        if not self.data.get("plan"):
            return
        AdjustDialog(self, self.data, patient_today(self.patient), alert=alert).open()

    def revised(self, plan: dict) -> None:
        """Confirm the new revision and reload."""
        revision = plan["revisions"][-1]
        self.show(notice=f"Saved as revision {revision['number']}: {revision['reason']}")

    def acknowledge(self, alert: dict) -> None:
        """Acknowledge an alert routed to this physio."""
        path = f"/alerts/{alert['id']}/acknowledge"
        self.fetch(lambda client: client.post(path, {"note": None}), lambda _a: self.refresh())

    def open_alert(self, alert: dict) -> None:
        """Open the alert with its evidence."""
        self.go("alert", alert_id=alert["id"], back="patient")


load_kv("patient")
