"""The exercise timer's clock and cues, without a screen, and the chimes Kivy's audio plays."""

import os
import subprocess
import sys
import textwrap
import types
import wave

import pytest

from domain.protocol import Dose
from mobile.core import cues
from mobile.core.cues import DONE, GO, RELAX, HoldTimer, write_chime
from mobile.core.dose import hold_plan

# Rests between sets (30 s after 5 s holds), as protocols pair short holds with long rests.
TWO_BY_THREE = Dose(sets=3, reps=2, hold_s=5, rest_s=30)
UNTIMED = Dose(sets=2, reps=12, rest_s=60)


def run(timer: HoldTimer, until: float, start: float = 0.0, tick: float = 0.5):
    """Advance the timer in ticks from `start` to `until`; return the cue names, in order."""
    heard, now = [], start
    while now < until:
        now = min(now + tick, until)
        heard += [cue.name for cue in timer.advance(now)]
    return heard


def test_a_running_dose_cues_every_hold_end_rest_end_and_the_last_set():
    timer = HoldTimer(hold_plan(TWO_BY_THREE))
    timer.start(0.0)
    heard = run(timer, until=5 * 6 + 30 * 2)
    assert heard == ["relax", "relax", "go", "relax", "relax", "go", "relax", "done"]
    assert timer.finished and not timer.running and timer.sets_completed == 3


def test_the_rest_starts_on_its_own_after_the_last_hold_of_a_set():
    timer = HoldTimer(hold_plan(TWO_BY_THREE))
    timer.start(100.0)
    assert timer.advance(110.0) == [RELAX, RELAX]
    assert timer.step.kind == "rest" and timer.running and timer.sets_completed == 1
    assert timer.remaining == 30


def test_time_paused_does_not_count_and_time_past_a_step_end_counts_towards_the_next():
    timer = HoldTimer(hold_plan(TWO_BY_THREE))
    timer.start(0.0)
    assert timer.pause(3.0) == [] and timer.remaining == 2
    assert timer.advance(60.0) == [], "paused: a minute later nothing has moved"
    timer.start(60.0)
    assert timer.advance(64.0) == [RELAX]  # a late frame: 2 s over the first hold's end
    assert (timer.step.rep_number, timer.remaining) == (2, 3)


def test_a_long_gap_passes_every_step_it_covers_with_their_cues_in_order():
    timer = HoldTimer(hold_plan(TWO_BY_THREE))
    timer.start(0.0)
    assert timer.advance(46.0) == [RELAX, RELAX, GO, RELAX]
    assert (timer.step.set_number, timer.step.rep_number, timer.remaining) == (2, 2, 4)


def test_a_tap_ends_a_step_without_a_cue_and_what_follows_runs_on_its_own():
    timer = HoldTimer(hold_plan(TWO_BY_THREE))
    assert not timer.started
    timer.finish_step(0.0)  # "Next" before the clock ever ran
    assert timer.started and timer.running and timer.step.rep_number == 2
    timer.finish_step(1.0)
    assert timer.step.kind == "rest" and timer.running and timer.sets_completed == 1
    assert timer.advance(31.0) == [GO]


def test_an_untimed_set_waits_for_set_done_then_its_rest_runs_and_ends_with_go():
    timer = HoldTimer(hold_plan(UNTIMED))
    timer.start(0.0)
    assert not timer.running and not timer.timed, "a set of reps has no clock to start"
    assert timer.advance(500.0) == []
    timer.finish_step(500.0)  # "Set done"
    assert timer.step.kind == "rest" and timer.running and timer.sets_completed == 1
    assert timer.advance(560.0) == [GO]
    assert timer.step.kind == "reps" and timer.step.set_number == 2 and not timer.running
    timer.finish_step(600.0)
    assert timer.finished and timer.sets_completed == 2 and not timer.running


def test_the_ring_fills_as_the_step_runs():
    timer = HoldTimer(hold_plan(TWO_BY_THREE))
    assert timer.fraction == 0
    timer.start(0.0)
    timer.advance(2.5)
    assert timer.fraction == pytest.approx(0.5)
    timer.advance(1000.0)
    assert timer.finished and timer.fraction == 1


def test_each_chime_is_a_short_audible_wav_that_does_not_clip(tmp_path):
    for cue in cues.CUES:
        path = write_chime(cue, str(tmp_path))
        with wave.open(path) as chime:
            assert (chime.getnchannels(), chime.getsampwidth()) == (1, 2)
            seconds = chime.getnframes() / chime.getframerate()
            frames = chime.readframes(chime.getnframes())
        assert 0.2 < seconds < 1.0, cue.name
        peak = max(
            abs(int.from_bytes(frames[i : i + 2], "little", signed=True))
            for i in range(0, len(frames), 2)
        )
        assert 0.3 * 32767 < peak < 32767, cue.name
    assert sorted(os.listdir(tmp_path)) == ["chime-done.wav", "chime-go.wav", "chime-relax.wav"]


@pytest.fixture()
def fake_plyer(monkeypatch):
    """Put a plyer with a recording vibrator where `import plyer` finds it."""
    buzzes: list[float] = []
    vibrator = types.SimpleNamespace(vibrate=lambda time: buzzes.append(time))
    monkeypatch.setitem(sys.modules, "plyer", types.SimpleNamespace(vibrator=vibrator))
    return buzzes


def test_a_cue_buzzes_through_plyer_where_it_has_a_vibrator(fake_plyer, tmp_path):
    player = cues.CuePlayer(str(tmp_path))
    player.play(RELAX)
    player.play(DONE)
    assert fake_plyer == [RELAX.buzz_s, DONE.buzz_s]


def test_without_plyer_or_with_a_plyer_that_cannot_vibrate_the_cue_is_silent(monkeypatch):
    monkeypatch.setitem(sys.modules, "plyer", None)  # `import plyer` raises ImportError
    assert cues.vibrate(0.3) is False

    def refuse(time):
        raise NotImplementedError("no vibrator on a desktop")

    plyer = types.SimpleNamespace(vibrator=types.SimpleNamespace(vibrate=refuse))
    monkeypatch.setitem(sys.modules, "plyer", plyer)
    assert cues.vibrate(0.3) is False


def test_a_folder_it_cannot_write_costs_the_chime_not_the_buzz(tmp_path, fake_plyer):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the app's data folder should be")
    cues.CuePlayer(str(not_a_folder)).play(GO)
    assert fake_plyer == [GO.buzz_s]


PLAY = textwrap.dedent(
    """
    import sys
    from mobile.core.cues import CUES, CuePlayer
    player = CuePlayer(sys.argv[1])
    for cue in CUES:
        player.play(cue)
        sound = player._sounds[cue.name]
        print(cue.name, "none" if sound is None else f"{sound.state} {sound.length:.2f}")
    """
)


def play_in_kivy(tmp_path, driver: str) -> list[str]:
    """Play every cue through Kivy's audio in a fresh process with this SDL audio driver."""
    env = dict(os.environ, SDL_AUDIODRIVER=driver, KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1")
    env["KIVY_HOME"] = str(tmp_path / "kivy")
    done = subprocess.run(
        [sys.executable, "-c", PLAY, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split("\n")[:-1]


def test_kivy_loads_and_plays_each_chime_where_there_is_an_audio_device(tmp_path):
    # SDL's "dummy" driver is an audio device that plays into nothing: Kivy's real path.
    played = play_in_kivy(tmp_path, "dummy")
    assert [line.split()[:2] for line in played] == [[cue.name, "play"] for cue in cues.CUES]
    assert all(0.2 < float(line.split()[2]) < 1.0 for line in played)


def test_without_an_audio_device_the_cue_degrades_silently(tmp_path):
    # No such driver: the mixer cannot open, as under Xvfb on a machine without a sound card.
    assert play_in_kivy(tmp_path, "no-such-audio") == [f"{cue.name} none" for cue in cues.CUES]
