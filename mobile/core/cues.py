"""The exercise timer without a clock of its own: which step is on, when it ends, which cue.

`HoldTimer` is told the time (`now`, monotonic seconds) by whoever drives it, so the time left
comes from a clock and not from counting frames (a slow frame cannot stretch a 30 s hold), and a
test can let a 60 s rest pass at once. When the clock ends a hold or a rest it hands back a `Cue`;
a step the patient ends with a tap gives none (they are looking at the phone already).

`CuePlayer` is the thin part that touches the device: a chime through Kivy's audio and a buzz
through plyer's vibrator. It imports both on first use, so this module imports without Kivy, and
it does without either, silently, where a device has no audio output (Xvfb) or no vibrator.
"""

import logging
import math
import os
import struct
import tempfile
import wave
from dataclasses import dataclass

from mobile.core.dose import Step

log = logging.getLogger(__name__)
RATE = 22050  # samples per second: plenty for a chime, small to synthesize


@dataclass(frozen=True)
class Cue:
    """What the patient hears and feels without looking: a short chime and a buzz."""

    name: str
    notes: tuple[float, ...]  # the chime's notes in Hz, one after another
    buzz_s: float  # how long the phone vibrates


# Design choices: falling notes say "let go", rising ones "start again", three rising notes
# "all done"; buzzes short enough not to startle, the last one longer.
RELAX = Cue("relax", (880.0, 660.0), 0.25)  # a hold ended
GO = Cue("go", (660.0, 880.0), 0.4)  # a rest ended: the next hold or set begins
DONE = Cue("done", (660.0, 880.0, 1175.0), 0.7)  # the last set ended
CUES = (RELAX, GO, DONE)


def set_ends(steps: list[Step], index: int) -> bool:
    """Tell whether step `index` is the last working step of its set."""
    step = steps[index]
    later = [s for s in steps[index + 1 :] if s.kind != "rest"]
    return step.kind != "rest" and (not later or later[0].set_number != step.set_number)


class HoldTimer:
    """Where the patient is in a dose's steps; time passes only while `running`."""

    def __init__(self, steps: list[Step]):
        self.steps = steps
        self.index = 0
        self.sets_completed = 0
        self.remaining = float(steps[0].seconds) if steps else 0.0
        self.running = False
        self.started = False  # the first set has begun (the clock ran or a set was done)
        self._last = 0.0

    @property
    def finished(self) -> bool:
        """Tell whether every step is behind the patient."""
        return self.index >= len(self.steps)

    @property
    def step(self) -> Step | None:
        """Return the step on now (None when finished)."""
        return None if self.finished else self.steps[self.index]

    @property
    def timed(self) -> bool:
        """Tell whether the step on now runs on the clock (a hold or a rest, not a set of reps)."""
        return self.step is not None and self.step.kind != "reps"

    @property
    def fraction(self) -> float:
        """Return how much of the step on now is over (0..1), for the ring."""
        if self.step is None or not self.step.seconds:
            return 1.0 if self.finished else 0.0
        return min(max(1 - self.remaining / self.step.seconds, 0.0), 1.0)

    def remaining_at(self, now: float) -> float:
        """Return the time left in the step on now at `now`, without moving the timer on."""
        return self.remaining - (now - self._last) if self.running else self.remaining

    @property
    def rest_follows(self) -> bool:
        """Tell whether the step after the one on now is a rest."""
        after = self.index + 1
        return after < len(self.steps) and self.steps[after].kind == "rest"

    def start(self, now: float) -> None:
        """Run the clock from `now`: the first start, or going on after a pause."""
        if self.timed:
            self.running, self.started, self._last = True, True, now

    def pause(self, now: float) -> list[Cue]:
        """Stop the clock, keeping the time left; return the cues of steps that ended meanwhile."""
        cues = self.advance(now)
        self.running = False
        return cues

    def advance(self, now: float) -> list[Cue]:
        """Let the time since the last call pass; return the cues of the steps it ended, in order.

        Time beyond a step's end counts towards the next step, so a late frame (or a phone that
        slept) leaves the patient where the clock says they are.
        """
        if not self.running:
            return []
        self.remaining -= now - self._last
        self._last = now
        cues = []
        while self.running and self.remaining <= 0:
            over, ended = -self.remaining, self.step
            self._next()
            cues.append(GO if ended.kind == "rest" else DONE if self.finished else RELAX)
            if self.running:
                self.remaining -= over
        return cues

    def finish_step(self, now: float) -> None:
        """End the step on now by the patient's tap (Set done, Skip rest, Next): no cue."""
        if self.finished:
            return
        self._next()
        self.start(now)  # what follows a tap starts on its own, a rest after a set included

    def _next(self) -> None:
        if set_ends(self.steps, self.index):
            self.sets_completed += 1
        self.index += 1
        self.started = True
        if self.step is None:
            self.running, self.remaining = False, 0.0
            return
        self.remaining = float(self.step.seconds)
        if not self.timed:
            self.running = False  # a set of reps waits for the patient's "Set done"


# -- the chime


def chime_frames(cue: Cue) -> bytes:
    """Return the cue's chime as 16-bit mono PCM: bell-like notes that fade, with no click."""
    note_s, attack_s, peak = 0.16, 0.005, 0.45 * 32767
    samples = []
    for pitch in cue.notes:
        for i in range(int(note_s * RATE)):
            t = i / RATE
            envelope = min(t / attack_s, 1.0) * math.exp(-t * 14)
            wave_ = math.sin(2 * math.pi * pitch * t) + 0.3 * math.sin(4 * math.pi * pitch * t)
            samples.append(int(peak * envelope * wave_ / 1.3))
    return struct.pack(f"<{len(samples)}h", *samples)


def write_chime(cue: Cue, folder: str) -> str:
    """Write the cue's chime as a WAV file in `folder` (replacing an older one); return its path."""
    path = os.path.join(folder, f"chime-{cue.name}.wav")
    handle, scratch = tempfile.mkstemp(suffix=".wav", dir=folder)
    with os.fdopen(handle, "wb") as raw, wave.open(raw, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(chime_frames(cue))
    os.replace(scratch, path)  # a half-written chime is never loaded
    return path


# -- the device: Kivy's audio and plyer's vibrator, each optional


def load_sound(path: str):
    """Return Kivy's Sound for a file, or None where it cannot play (no audio device, no Kivy)."""
    try:
        from kivy.core.audio import SoundLoader
    except ImportError:
        return None
    sound = SoundLoader.load(path)
    # Without an audio device Kivy still returns a Sound, of length 0, that never plays.
    return sound if sound is not None and sound.length > 0 else None


def vibrate(seconds: float) -> bool:
    """Buzz the phone for `seconds` if plyer can; tell whether it did."""
    try:
        from plyer import vibrator  # optional: not every platform (or venv) has it
    except ImportError:
        return False
    try:
        vibrator.vibrate(time=seconds)
    except Exception:  # plyer raises NotImplementedError and others on platforms it lacks
        log.debug("no vibrator on this device", exc_info=True)
        return False
    return True


class CuePlayer:
    """Sound and buzz cues; the chimes are written to `folder` on first use (nothing shipped)."""

    def __init__(self, folder: str):
        self.folder = folder
        self._sounds: dict[str, object] = {}

    def play(self, cue: Cue) -> None:
        """Give one cue: the chime where there is audio, the buzz where there is a vibrator."""
        sound = self._sound(cue)
        if sound is not None:
            sound.stop()  # the last chime still ringing starts over rather than being skipped
            sound.play()
        vibrate(cue.buzz_s)

    def _sound(self, cue: Cue):
        if cue.name not in self._sounds:
            try:
                self._sounds[cue.name] = load_sound(write_chime(cue, self.folder))
            except OSError:  # a full or read-only disk: the buzz and the screen still tell
                log.warning("could not write the %s chime", cue.name, exc_info=True)
                self._sounds[cue.name] = None
        return self._sounds[cue.name]
