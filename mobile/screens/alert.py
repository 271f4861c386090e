"""Staff: one alert with its evidence, the whole course, readiness checklist and the decision."""

from datetime import datetime

from kivy.clock import Clock
from kivy.properties import BooleanProperty, DictProperty, StringProperty
from kivy.utils import escape_markup

from mobile.core.formatting import date_text
from mobile.screens import documents, evidence, labels, moments
from mobile.screens.base import BaseScreen, load_kv
from mobile.screens.course import Course, load_course
from mobile.screens.patient import patient_today
from mobile.widgets.surfaces import Card


def load_alert(client, alert_id: int) -> tuple[dict, dict, Course]:
    """Fetch an alert, its patient and their plan's course (blocking: a worker thread)."""
    alert = client.get(f"/alerts/{alert_id}")
    patient = client.get(f"/patients/{alert['patient_id']}")
    course = load_course(client, patient["id"], alert.get("plan_id"), patient_today(patient))
    return alert, patient, course


# A failed trial's checklist is its condition's pathway, not always a surgical work-up.
CHECKLIST_TITLES = {"R-FAIL": "Next steps after the failed trial"}

CANCER_TEXT = {
    None: "Not recorded. Record it once: a history of cancer makes new night pain or weight loss "
    "in the red-flag check urgent.",
    True: "Yes, recorded. New night pain or weight loss in the red-flag check is urgent.",
    False: "No, recorded.",
}


def decision_words(alert: dict) -> dict[str, str]:
    """Return the alert's own words for its decisions (a pathway words some its own way)."""
    words = {d["id"]: d["label"] for d in alert.get("decisions") or () if d.get("label")}
    if alert.get("decision") and alert.get("decision_label"):
        words[alert["decision"]] = alert["decision_label"]
    return words


def event_line(event: dict, now: datetime, decisions: dict | None = None) -> str:
    """Return "14:05 (2 h ago): Decided: Refer for surgical review. <note>" for one event.

    Only a person's note is shown: the server's own notes repeat its rationale, which the
    evidence above already says in words.
    """
    by_person = event.get("actor_id") is not None and event.get("note")
    note = f" {escape_markup(event['note'])}" if by_person else ""
    what = labels.action_text(event["action"], decisions)
    return f"{moments.when_text(event['at'], now)}: {what}.{note}"


def chain_line(link: dict, now: datetime) -> str:
    """Return "Raised 3 Nov (4 weeks ago): Continue conservative care, review on Tue 15 Dec"."""
    decision = link.get("decision_label") or labels.word(
        dict(labels.DECISIONS), link.get("decision")
    )
    text = f"Raised {moments.when_text(link['created_at'], now)}: {decision or 'not decided'}"
    if link.get("review_on"):
        text += ", review on " + date_text(link["review_on"])
    return text + "."


def _file_part(name: str) -> str:
    """Return a name as a safe part of a file name ("Daniel Okafor" -> "daniel-okafor")."""
    kept = "".join(c if c.isalnum() else "-" for c in name.lower())
    return "-".join(part for part in kept.split("-") if part)[:40] or "patient"


class CheckItem(Card):
    """One readiness item: met or not, its evidence, or the next step."""

    met = BooleanProperty(False)
    label = StringProperty("")
    detail = StringProperty("")


class AlertScreen(BaseScreen):
    """Show the evidence a clinician needs and let the routed role act on the alert."""

    alert = DictProperty()
    patient = DictProperty()
    headline = StringProperty("")
    severity = StringProperty("")
    status = StringProperty("")
    patient_line = StringProperty("")
    status_text = StringProperty("")
    rationale = StringProperty("")  # the alert in plain words (the server's rationale, reworded)
    adherence_text = StringProperty("")
    weeks_text = StringProperty("")
    pain_text = StringProperty("")
    span_text = StringProperty("")
    facts_text = StringProperty("")
    record_text = StringProperty("")  # the structured clinical records, in words
    events_text = StringProperty("")
    chain_text = StringProperty("")  # the earlier alerts of this episode, with their decisions
    checklist_title = StringProperty("")
    notice = StringProperty("")
    cancer_text = StringProperty("")
    referral_text = StringProperty("")  # where the referral packet was saved, or why it was not
    referral_path = StringProperty("")
    can_open = BooleanProperty(False)
    can_act = BooleanProperty(False)
    has_pain = BooleanProperty(False)
    has_weeks = BooleanProperty(False)

    def show(self, alert_id=None, back=None, notice="", **_kwargs) -> None:
        """Open an alert by id (a bare return reloads the one on show)."""
        self.title = "Alert"
        if back:
            self.back_to = back
        if alert_id is not None and alert_id != self.alert.get("id"):
            self.alert, self.patient = {"id": alert_id}, {}
            self.headline = self.severity = self.status = self.rationale = ""
            self.patient_line = self.status_text = self.facts_text = self.events_text = ""
            self.chain_text = ""
            self.record_text = self.referral_text = self.referral_path = ""
            self._show_course(Course(), {})
            self.ids.page.scroll_y = 1
        self.notice = notice
        self.refresh()

    def refresh(self) -> None:
        """Load the alert in the background."""
        if not self.alert.get("id"):
            return
        alert_id = self.alert["id"]
        self.fetch(lambda client: load_alert(client, alert_id), self._loaded)

    def _loaded(self, result) -> None:
        alert, patient, course = result
        self.busy, self.alert, self.patient = False, alert, patient
        now, names = datetime.now().astimezone(), evidence.Names(course.content)
        self.title = patient.get("display_name", "Alert")
        self.headline = labels.rule_title(alert["rule_id"])
        self.severity, self.status = alert.get("severity", ""), alert.get("status", "")
        self.patient_line = moments.patient_line(
            patient.get("display_name", ""), patient.get("date_of_birth"), patient_today(patient)
        )
        self.status_text = evidence.status_line(alert, now)
        self.rationale = evidence.summary(alert, names)
        self.facts_text = "\n".join(evidence.evidence_lines(alert, now, names))
        self.record_text = "\n".join(evidence.clinical_record_lines(alert))
        self.can_act = labels.can_act(alert, self.app.role)
        self.cancer_text = CANCER_TEXT[patient.get("cancer_history")]
        self._show_course(course, alert.get("evidence") or {})
        self._checklist(alert.get("checklist") or [])
        self.checklist_title = CHECKLIST_TITLES.get(alert["rule_id"], "Steps on record")
        self.chain_text = "\n".join(chain_line(link, now) for link in alert.get("chain") or [])
        words = decision_words(alert)
        self.events_text = "\n".join(event_line(e, now, words) for e in alert.get("events") or [])

    def _show_course(self, course: Course, found: dict) -> None:
        """Chart every day's pain and every week's sets, with the rule's figures beside them."""
        # R-FAIL nests the trend under "pain"; R-WORSE's evidence is the trend itself.
        trend = found.get("pain") if isinstance(found.get("pain"), dict) else found
        chart = self.ids.chart
        chart.points, chart.x_labels = course.pain, course.ticks
        chart.baseline, chart.current = trend.get("baseline"), trend.get("current")
        self.has_pain = bool(course.pain)
        self.pain_text = evidence.pain_text(trend) if "baseline" in trend else ""
        self.span_text = course.span_text
        self.ids.bars.weeks = course.weeks
        self.has_weeks = bool(course.weeks)
        self.adherence_text = evidence.adherence_text(found) or ""
        self.weeks_text = evidence.weeks_text(found) or ""
        Clock.schedule_once(self._latest_week_in_view)

    def _latest_week_in_view(self, _dt) -> None:
        """Open the weekly chart on the latest weeks when it is wider than the screen."""
        self.ids.bars_view.scroll_x = 1

    def _checklist(self, items: list) -> None:
        box = self.ids.checklist
        box.clear_widgets()
        for item in items:
            box.add_widget(
                CheckItem(
                    met=bool(item.get("met")),
                    label=evidence.checklist_label(item),
                    detail=evidence.checklist_detail(item),
                )
            )

    # -- actions

    def acknowledge(self) -> None:
        """Mark the alert as seen."""
        path = f"/alerts/{self.alert['id']}/acknowledge"
        self.fetch(lambda client: client.post(path, {"note": None}), self._acted)

    def decide(self) -> None:
        """Open the decision dialog."""
        from mobile.screens.decision import DecisionDialog

        DecisionDialog(self).open()

    def decided(self, alert: dict) -> None:
        """Show the outcome of a decision."""
        self._acted(alert)
        words = alert.get("decision_label") or labels.word(
            dict(labels.DECISIONS), alert["decision"]
        )
        self.notice = "Decision saved: " + words

    def _acted(self, _alert) -> None:
        self.refresh()

    def referral_packet(self) -> None:
        """Download the alert's referral packet (PDF) and save it on this device."""
        alert_id = self.alert["id"]
        self.referral_text = "Preparing the referral packet…"
        path = f"/alerts/{alert_id}/referral.pdf"
        self.fetch(lambda client: client.download(path), self._packet_ready, self._packet_failed)

    def _packet_ready(self, data: bytes) -> None:
        self.busy = False
        name = f"referral-{_file_part(self.patient.get('display_name', ''))}-alert-"
        name += f"{self.alert['id']}.pdf"
        try:
            self.referral_path = documents.save(self.app.data_folder(), name, data)
        except OSError as error:
            self.referral_text = f"The packet could not be saved ({error.strerror or error})."
            return
        self.can_open = documents.can_open()
        self.referral_text = f"Saved: {self.referral_path}"

    def _packet_failed(self, error) -> None:
        if getattr(error, "offline", False):
            self.busy = False
            self.referral_text = (
                "You are offline: the referral packet is made by the server. Connect and try again."
            )
            return
        self.referral_text = ""
        self.failed(error)

    def open_referral(self) -> None:
        """Open (desktop) or share (Android) the saved referral packet."""
        if not documents.open_document(self.referral_path):
            self.referral_text = f"No viewer on this device. The packet is in {self.referral_path}"

    def record_cancer_history(self, value: bool) -> None:
        """Record once whether the patient has had cancer (it raises red-flag levels)."""
        path = f"/patients/{self.patient['id']}/cancer-history"
        body = {"cancer_history": value}
        self.fetch(lambda client: client.put(path, body), self._cancer_recorded)

    def _cancer_recorded(self, patient: dict) -> None:
        self.busy = False
        self.patient = patient
        self.cancer_text = CANCER_TEXT[patient.get("cancer_history")]
        self.notice = "History of cancer recorded."

    def record_event(self) -> None:
        """Record imaging, an injection or an exam finding for this patient."""
        self.go("event", patient=self.patient, alert_id=self.alert["id"])

    def open_patient(self) -> None:
        """Open the patient's detail."""
        self.go("patient", patient=self.patient)


load_kv("alert")
