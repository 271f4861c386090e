"""The referral packet as a PDF (reportlab platypus): one or two A4 pages a surgeon reads quickly.

The order is the surgeon's: who, why and what the clinician decided first; then the course in
figures and two charts; then the examination, imaging and injection records and the readiness
checklist. Built from a ReferralPacket (server/services/referrals.py), nothing else.
"""

from datetime import date, datetime
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from server.protocols.render import draw_pose
from server.reports.charts import Chart, draw
from server.services.referrals import ExerciseNow, ReferralPacket

MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
RULE = colors.HexColor("#cbd2d9")
BAND = colors.HexColor("#eef2f7")
MET = colors.HexColor("#15803d")
NOT_MET = colors.HexColor("#b91c1c")

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11.5, textColor=INK)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
LABEL = ParagraphStyle("label", parent=SMALL, textColor=MUTED)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=17, leading=21)
HEAD = ParagraphStyle(
    "head",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=10.5,
    leading=13,
    spaceBefore=7,
    spaceAfter=3,
    alignment=TA_LEFT,
)
RECORD_NAMES = {
    "exam_finding": "Examination",
    "imaging": "Imaging",
    "guided_injection": "Injection",
    "intake": "Intake",
    "medication_review": "Medication",
    "note": "Note",
}


def render(packet: ReferralPacket, generated_at: datetime) -> bytes:
    """Return the packet's PDF."""
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"Referral packet: {packet.patient_name}",
        author="Stride",
        subject=packet.rule,
    )
    footer = (
        f"Stride referral packet · alert {packet.alert_id} · {packet.patient_name} · "
        f"generated {_moment(generated_at)} UTC"
    )

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, footer)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN - 2 * mm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(_story(packet), onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def _story(p: ReferralPacket) -> list:
    story = [
        Paragraph("REFERRAL PACKET · STRIDE REHABILITATION", LABEL),
        Paragraph(_t(p.patient_name), TITLE),
        Paragraph(_t(_who(p)), BODY),
        Spacer(1, 6),
    ]
    story.append(_band("Why this referral", f"<b>{_t(p.rule)}</b>. {_t(p.rationale)}"))
    story.append(Spacer(1, 4))
    story.append(_band("Clinician's decision", _decision(p)))
    story.append(Paragraph("The course in figures", HEAD))
    story.append(_facts(p))
    story.append(Spacer(1, 6))
    story.append(_charts(p))
    if p.exercises:
        heading = f"Exercises now: {p.phase_now}" if p.phase_now else "Exercises now"
        story.append(KeepTogether([Paragraph(_t(heading), HEAD), _exercises(p.exercises)]))
    if p.checklist:
        met = sum(1 for item in p.checklist if item.get("met"))
        heading = f"Readiness checklist: {met} of {len(p.checklist)} met"
        story.append(KeepTogether([Paragraph(heading, HEAD), _checklist(p)]))
    story.append(Paragraph("Examination, imaging and injections", HEAD))
    story.append(_records(p))
    return story


STILL = 19 * mm  # a demonstration still: enough to tell a bridge from a clamshell


def _exercises(exercises: list[ExerciseNow]) -> Table:
    """Return the prescription of today, two exercises a row, each with its key pose drawn."""
    cells = []
    for exercise in exercises:
        text = Paragraph(f"<b>{_t(exercise.name)}</b><br/>{_t(exercise.dose)}", SMALL)
        cells += [_still(exercise), text]
    if len(cells) % 4:
        cells += ["", ""]
    rows = [cells[i : i + 4] for i in range(0, len(cells), 4)]
    text_width = WIDTH / 2 - STILL - 4 * mm
    table = Table(rows, colWidths=[STILL + 4 * mm, text_width] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
            ]
        )
    )
    return table


def _still(exercise: ExerciseNow):
    """Return the exercise's figure in the pose it moves into (and holds), or nothing."""
    figure = exercise.figure
    if figure is None:
        return ""
    out = BytesIO()
    draw_pose(figure, figure.sequence("move_in")[-1]).save(out, format="PNG", optimize=True)
    out.seek(0)
    return Image(out, width=STILL, height=STILL)


def _t(text) -> str:
    """Return text safe inside a Paragraph's markup."""
    return escape(str(text).replace(" -> ", " to "))  # Helvetica has no arrow glyph


def _day(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else "not recorded"


def _moment(value: datetime | None) -> str:
    return f"{value.day} {value:%b %Y %H:%M}" if value else ""


def _pct(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.0f} %"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def _who(p: ReferralPacket) -> str:
    born = (
        f"born {_day(p.date_of_birth)} ({p.age} years)"
        if p.date_of_birth
        else "birth date not recorded"
    )
    return (
        f"{born} · {p.condition or 'condition not recorded'} · alert {p.alert_id} raised "
        f"{_day(p.raised_at.date())}, severity: {p.severity}"
    )


def _band(label: str, markup: str) -> Table:
    """Return a shaded box with a small label above its text."""
    table = Table([[Paragraph(label.upper(), LABEL)], [Paragraph(markup, BODY)]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), BAND),
                ("LEFTPADDING", (0, 0), (-1, -1), 7),
                ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                ("TOPPADDING", (0, 0), (-1, 0), 5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
                ("TOPPADDING", (0, 1), (-1, 1), 1),
            ]
        )
    )
    return table


def _decision(p: ReferralPacket) -> str:
    if not p.decision:
        return "Not decided yet."
    text = f"<b>{_t(p.decision)}</b>"
    if p.decided_by:
        text += f" by {_t(p.decided_by)}"
    if p.decided_at:
        text += f" on {_day(p.decided_at.date())}"
    text += "."
    if p.review_on:
        text += f" Review on {_day(p.review_on)}."
    if p.decision_note:
        text += f"<br/>Note: {_t(p.decision_note)}"
    return text


def _facts(p: ReferralPacket) -> Table:
    """Return the key figures as label/value pairs, two to a row."""
    if p.protocol_title:
        protocol = f"{p.protocol_title} (version {p.protocol_version})"
        if p.plan_revisions:
            protocol += f", adjusted {p.plan_revisions} time(s)"
    else:
        protocol = "no plan"
    weeks = "n/a" if p.weeks_in_care is None else f"{p.weeks_in_care} weeks"
    if p.trial_weeks:
        weeks += f" (trial {p.trial_weeks} weeks)"
    started = f"started {_day(p.plan_start)}" if p.plan_start else ""
    adherence = f"{_pct(p.adherence_course)} of sets done over the course"
    if p.sets_due:
        adherence += f" ({p.sets_done} of {p.sets_due})"
    adherence += f"; {_pct(p.adherence_recent)} in the last 14 days"
    pain = f"{_num(p.pain_baseline)} at the start, {_num(p.pain_current)} now"
    if p.pain_change_points is not None:
        pain += f" ({p.pain_change_points:+g} points"
        if p.pain_change_percent is not None:
            pain += f", {p.pain_change_percent:+.0f} %"
        pain += ")"
    if p.mcid_points is not None:
        pain += (
            f"; a clinically important improvement is a drop of {p.mcid_points:g} points "
            f"or {p.mcid_percent:g} %"
        )
    surgery = f"; surgery {_day(p.surgery_date)}" if p.surgery_date else ""
    rows = [
        ("Protocol", protocol, "Weeks in care", f"{weeks}; {started}{surgery}".strip("; ")),
        ("Adherence", adherence, "Pain (median, 0-10)", pain),
        ("Function", _function(p), "", ""),
    ]
    data = [
        [Paragraph(a, LABEL), Paragraph(_t(b), BODY), Paragraph(c, LABEL), Paragraph(_t(d), BODY)]
        for a, b, c, d in rows
    ]
    table = Table(data, colWidths=[18 * mm, WIDTH / 2 - 18 * mm, 26 * mm, WIDTH / 2 - 26 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _function(p: ReferralPacket) -> str:
    lefs = [o for o in p.outcomes if o.instrument == "lefs"]
    if not lefs:
        text = "LEFS not recorded"
    elif len(lefs) == 1:
        text = f"LEFS {lefs[0].score}/80 on {_day(lefs[0].local_date)}, not measured again"
    else:
        change = lefs[-1].score - lefs[0].score
        text = (
            f"LEFS {lefs[0].score} to {lefs[-1].score} of 80 ({change:+d}; "
            f"important change {p.lefs_mcid:g})"
        )
    if p.pgic_words:
        text += f"; patient's global impression: {p.pgic_words.lower()}"
    return text


def _charts(p: ReferralPacket) -> Table:
    weeks = (p.weeks_in_care or 0) + 1
    target = None
    if p.pain_baseline is not None and p.mcid_points is not None:
        goal = p.pain_baseline - p.mcid_points
        target = (goal, f"important improvement: {goal:g} or less")
    pain = Chart(
        title="Pain: weekly median of every log (0-10)",
        y_label="",
        y_max=10,
        points=[(w.week, w.median) for w in p.weekly_pain],
        weeks=weeks,
        target=target,
        phases=p.phases,
        empty_text="No pain logged",
    )
    lefs = [o for o in p.outcomes if o.instrument == "lefs"]
    start = p.plan_start
    function_target = None
    if lefs and p.lefs_mcid is not None:
        goal = lefs[0].score + p.lefs_mcid
        function_target = (goal, f"important gain: {goal:g} or more")
    function = Chart(
        title="Function: LEFS (0-80, higher is better)",
        y_label="",
        y_max=80,
        y_step=20,
        points=[((o.local_date - start).days // 7 + 1, o.score) for o in lefs] if start else [],
        weeks=weeks,
        target=function_target,
        empty_text="No LEFS recorded",
    )
    half = WIDTH / 2 - 3 * mm
    shown = [title for week, title in p.phases if week < weeks]
    legend = "; ".join(f"{n} {title}" for n, title in enumerate(shown, 1)) if len(shown) > 1 else ""
    note = "Dashed lines: the change that would count as clinically important." if target else ""
    table = Table(
        [
            [draw(pain, half, 50 * mm), draw(function, half, 50 * mm)],
            [Paragraph(f"Phases: {_t(legend)}" if legend else "", SMALL), Paragraph(note, SMALL)],
        ]
    )
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _records(p: ReferralPacket):
    lines = [r for r in p.records if r.get("text")]
    if not lines:
        return Paragraph("No examination, imaging or injection recorded.", BODY)
    data = [[Paragraph(h, LABEL) for h in ("Date", "Record", "Result", "Recorded by")]]
    for line in lines:
        data.append(
            [
                Paragraph(_day(line.get("event_date")) if line.get("event_date") else "", SMALL),
                Paragraph(RECORD_NAMES.get(line.get("kind"), ""), SMALL),
                Paragraph(_t(line["text"]), SMALL),
                Paragraph(_t(line.get("recorded_by") or ""), SMALL),
            ]
        )
    return _grid(data, [20 * mm, 20 * mm, WIDTH - 74 * mm, 34 * mm])


def _checklist(p: ReferralPacket) -> Table:
    headings = ("", "Item", "Date", "Evidence, or the next step")
    data = [[Paragraph(h, LABEL) for h in headings]]
    for item in p.checklist:
        met = item.get("met")
        mark = ParagraphStyle(
            "mark", parent=SMALL, fontName="Helvetica-Bold", textColor=MET if met else NOT_MET
        )
        when = item.get("evidence_date") if met else None
        data.append(
            [
                Paragraph("Met" if met else "Not met", mark),
                Paragraph(_t(item.get("label", "")), SMALL),
                Paragraph(_day(date.fromisoformat(when)) if when else "", SMALL),
                Paragraph(
                    _t((item.get("evidence") if met else item.get("next_step")) or ""), SMALL
                ),
            ]
        )
    return _grid(data, [15 * mm, 50 * mm, 20 * mm, WIDTH - 85 * mm])


def _grid(data: list, widths: list) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table
