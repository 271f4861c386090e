"""Simulate what a patient's device would send, day by day along the plan's real schedule.

Events are built in their JSON form (what the app posts), so the seeder loads them with the API's
schemas and stores them through the services, with the same validation as in production.
"""

import random
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain import postop
from domain.protocol import Protocol
from domain.redflags import QUESTIONS
from domain.schedule import DayPlan, Session
from server.demo.stories import ClinicalNote, Story

ONE_DAY = timedelta(days=1)
SLOT_TIMES = {
    "morning": time(8, 0),
    "midday": time(12, 30),
    "afternoon": time(15, 30),
    "evening": time(19, 0),
}
NOISE = (-1, 0, 0, 1)
MISSED_REASONS = ("no_time", "no_time", "forgot", "unwell", "pain")
# Only `stop`-level signs appear as background noise; the signs that need someone (clots, a
# re-rupture, nerve symptoms) belong to their own stories.


class Diary:
    """A patient's events in JSON form, in the order the device would send them."""

    def __init__(self, rng: random.Random, timezone: str, plan_id: int) -> None:
        self.rng, self.zone, self.plan_id = rng, ZoneInfo(timezone), plan_id
        self.exercise_logs: list[dict] = []
        self.pain_logs: list[dict] = []
        self.red_flag_checks: list[dict] = []
        self.postop_checks: list[dict] = []
        self.clinical_events: list[dict] = []

    def _event(self, day: date, at: time) -> dict:
        # UUIDs from the seeded generator keep the whole demo reproducible.
        jitter = timedelta(minutes=self.rng.randrange(0, 25))
        moment = datetime.combine(day, at, tzinfo=self.zone) + jitter
        return {
            "id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "recorded_at": moment.isoformat(),
        }

    def session(
        self,
        s: Session,
        status: str,
        done: int,
        reason: str | None = None,
        stop_if_id: str | None = None,
        pain: tuple[int, int] | None = None,
        note: str | None = None,
        nerve: str | None = None,
    ) -> None:
        """Log what was done of one prescribed session (with the post-glide answer, if any)."""
        self.exercise_logs.append(
            {
                **self._event(s.date, SLOT_TIMES.get(s.time_of_day, time(10, 0))),
                "plan_id": self.plan_id,
                "exercise_id": s.exercise_id,
                "local_date": s.date.isoformat(),
                "slot": s.slot_index,
                "sets_done": done,
                "sets_due": s.dose.sets,
                "status": status,
                "skip_reason": reason,
                "stop_if_id": stop_if_id,
                "nerve_symptoms": nerve,
                "pain_before": pain[0] if pain else None,
                "pain_after": pain[1] if pain else None,
                "note": note,
            }
        )

    def pain(self, day: date, at: time, nprs: int, context: str, **flags) -> None:
        """Log an NPRS score."""
        self.pain_logs.append(
            {
                **self._event(day, at),
                "local_date": day.isoformat(),
                "nprs": _clip(nprs),
                "context": context,
                **flags,
            }
        )

    def red_flag_check(
        self, day: date, positives: tuple[str, ...] = (), at: time = time(7, 45)
    ) -> None:
        """Log a red-flag check answering yes to the given questions only."""
        answers = {q.key: q.key in positives for q in QUESTIONS}
        self.red_flag_checks.append(
            {**self._event(day, at), "local_date": day.isoformat(), "answers": answers}
        )

    def postop_check(
        self, day: date, days_after: int, positives: tuple[str, ...] = (), at: time = time(8, 30)
    ) -> None:
        """Log the daily post-operative check answering yes to the given signs only."""
        answers = {q.key: q.key in positives for q in postop.questions_for(days_after)}
        self.postop_checks.append(
            {**self._event(day, at), "local_date": day.isoformat(), "answers": answers}
        )

    def clinical(self, day: date, note: ClinicalNote) -> None:
        """Log a clinician's entry, made in clinic in the afternoon."""
        self.clinical_events.append(
            {
                **self._event(day, time(14, 0)),
                "kind": note.kind,
                "event_date": day.isoformat(),
                "details": note.details,
            }
        )


def _clip(nprs: float) -> int:
    return max(0, min(10, round(nprs)))


def missed_days(
    rng: random.Random, story: Story, start: date, today: date, keep: set[date]
) -> set[date]:
    """Pick the days with no exercise done, week by week counting back from yesterday."""
    span = (today - start).days
    missed: set[date] = set()
    owed = 0.0
    end = today - ONE_DAY
    while end >= start:
        block = [end - timedelta(days=i) for i in range(7) if end - timedelta(days=i) >= start]
        middle = (block[len(block) // 2] - start).days / max(span - 1, 1)
        # Carry the rounding over so each story's overall share comes out as written.
        owed += story.missed(middle) * len(block)
        count = min(round(owed), len([d for d in block if d not in keep]))
        owed -= count
        missed.update(rng.sample([d for d in block if d not in keep], count))
        end -= timedelta(days=7)
    return missed


def neuro_days(
    rng: random.Random, story: Story, day_plans: list[DayPlan], today: date
) -> set[date]:
    """Pick recent days with a neural glide on which tingling followed it.

    Never a day of one of the story's stopped exercises: a glide stopped during it gets no
    question after it, so the episode would be lost whichever way the dice fell.
    """
    if not story.neuro_days:
        return set()
    stopped = {today - timedelta(days=days_ago) for days_ago, *_ in story.stops}
    recent = [
        p.date
        for p in day_plans
        if p.date >= today - timedelta(days=5)
        and p.date not in stopped
        and any(s.category == "neural_glide" for s in p.sessions)
    ]
    return set(rng.sample(recent, min(story.neuro_days, len(recent))))


def _ordinary_stop(protocol: Protocol, exercise_id: str) -> str | None:
    """Return the id of a stop sign that needs nobody (level `stop`), if the exercise has one."""
    signs = [s.id for s in protocol.exercise(exercise_id).stop_if if s.level == "stop"]
    return signs[0] if signs else None


def _exercise_day(
    diary: Diary,
    protocol: Protocol,
    plan: DayPlan,
    nprs: int,
    neural_flare: bool,
    stops: dict[str, str],
) -> None:
    rng, first, flared = diary.rng, True, False
    for s in plan.sessions:
        neural = s.category == "neural_glide"
        # The app asks after every glide; a flare day's first glide brings the tingling on.
        answer = None
        if neural:
            answer = "settled" if neural_flare and not flared else "none"
            flared = flared or answer == "settled"
        after = nprs + (1 if answer == "settled" else rng.choice((-1, 0, 0, 0)))
        pain = (nprs, _clip(after)) if first or answer == "settled" else None
        r = rng.random()
        if s.exercise_id in stops:
            sign = stops.pop(s.exercise_id)
            diary.session(s, "skipped", 0, "stop_if", sign, pain)
            continue
        if answer == "settled":
            diary.session(s, "done", s.dose.sets, pain=pain, nerve=answer)
        elif r < 0.008 and (sign := _ordinary_stop(protocol, s.exercise_id)):
            done = rng.randrange(1, s.dose.sets) if s.dose.sets > 1 else 0
            diary.session(s, "partial" if done else "skipped", done, "stop_if", sign, pain)
        elif r < 0.035 and s.dose.sets > 1:
            sets = rng.randrange(1, s.dose.sets)
            diary.session(s, "partial", sets, "no_time", pain=pain, nerve=answer)
        elif r < 0.05:
            diary.session(s, "skipped", 0, rng.choice(("no_time", "pain", "other")))
            continue
        else:
            diary.session(s, "done", s.dose.sets, pain=pain, nerve=answer)
        first = False


def simulate(
    rng: random.Random,
    story: Story,
    plan_id: int,
    protocol: Protocol,
    day_plans: list[DayPlan],
    today: date,
) -> Diary:
    """Return the events of a story from the plan start to yesterday."""
    diary = Diary(rng, story.timezone, plan_id)
    start = day_plans[0].date
    surgery = story.plan_dates(today)[1]
    stop_days = {today - timedelta(days=ago): (ex, sign) for ago, ex, sign in story.stops}
    sign_day = today - timedelta(days=story.postop_signs_days_ago or 0)
    span = max((today - start).days - 1, 1)
    flares = neuro_days(rng, story, day_plans, today)
    missed = missed_days(rng, story, start, today, keep=flares)
    red_day = today - timedelta(days=story.red_flag_days_ago or 0)
    pop_day = today - timedelta(days=story.pop_days_ago or 0)
    for plan in day_plans:
        day, index = plan.date, (plan.date - start).days
        nprs = _clip(story.pain(index / span) + rng.choice(NOISE))
        # The first week is the pain baseline: patients are asked to log it every day.
        if index < 7 or day in flares or rng.random() < 0.88:
            diary.pain(day, time(7, 15), nprs, rng.choice(("rest", "rest", "sitting")))
        if rng.random() < 0.2:
            diary.pain(
                day, time(13, 0), nprs + rng.choice(NOISE), rng.choice(("walking", "sitting"))
            )
        paused = story.red_flag_days_ago is not None and day >= red_day
        if story.red_flag_days_ago is not None and day == red_day:
            diary.red_flag_check(day, story.red_flag_positives)
            if story.red_flag_later_positives:
                diary.red_flag_check(day, story.red_flag_later_positives, at=time(19, 30))
        elif index % 7 == 6 and rng.random() < 0.9:
            diary.red_flag_check(day)
        if surgery is not None and postop.is_due((day - surgery).days):
            if story.postop_signs_days_ago is not None and day == sign_day:
                days_after = (day - surgery).days
                diary.postop_check(day, days_after, story.postop_signs, at=time(17, 5))
            elif rng.random() < 0.9:
                diary.postop_check(day, (day - surgery).days)
        if paused:
            for s in plan.sessions:
                diary.session(
                    s,
                    "skipped",
                    0,
                    "unwell",
                    note="Red-flag check advised emergency care; exercises paused.",
                )
        elif day in missed:
            # Half the missed days leave no trace at all: the app was never opened.
            if rng.random() < 0.5:
                reason = rng.choice(MISSED_REASONS)
                for s in plan.sessions:
                    diary.session(s, "skipped", 0, reason)
        elif plan.sessions:
            stops = dict([stop_days[day]]) if day in stop_days else {}
            _exercise_day(diary, protocol, plan, nprs, day in flares, stops)
            if day in flares:
                diary.pain(
                    day,
                    time(19, 45),
                    nprs + 1,
                    "after_exercise",
                    tingling=True,
                    note="Tingling down the back of the leg after the sciatic slider.",
                )
            elif rng.random() < 0.15:
                diary.pain(day, time(19, 45), nprs + rng.choice((0, 0, 1)), "after_exercise")
        if story.pop_days_ago is not None and day == pop_day:
            # Pain 6, under the old cut-off of 7: the post-op check's pop question raises it.
            diary.pain(
                day,
                time(16, 40),
                6,
                "walking",
                note="Slipped on the stairs and felt a pop at the back of the thigh.",
            )
    for note in story.clinical:
        diary.clinical(start + timedelta(days=note.day), note)
    return diary
