"""Frames per second of the exercise screen while its figure moves, on the desktop window.

`python bench/figure_fps.py [--seconds 5]` starts an in-process demo server, signs the app in
as the demo patient at 420x860 (under Xvfb when there is no display), opens the first exercise
of Today that has a figure and a hold (one whose hold keeps moving, like a walk, first), starts
the timer and counts the window's frames:

- while the figure moves into the hold, then back out of it at the start of the rest: the
  screen's clock runs ten times slower than real time, so the figure moves on every frame for
  `--seconds` each, the same drawing as at full speed;
- with the figure still and the window redrawn every frame anyway.

Kivy draws a frame only when something changed, so these are the rates the window can keep
up. For scale, the same run measures a window with one moving rectangle (a child process: one
Kivy window per process) before and after the app, and prints each rate as a share of that
ceiling. It also prints the time the figure's update takes, the CPU the process spends per
moving frame (the software renderer's threads included), the canvas instructions the window
draws, and the machine's load average. Prints figures only; nothing is asserted.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tools.screenshots import PASSWORD, PATIENT, SIZES, kivy_environment, serve_demo  # noqa: E402

SIZE = SIZES["phone"]
SLOW = 0.1  # the screen's clock runs at a tenth of real time: the figure moves every frame


def window_config(folder: str) -> None:
    """Size the window before Kivy opens it, with Kivy's config kept in `folder`."""
    kivy_environment(folder)
    from kivy.config import Config

    Config.set("graphics", "width", str(SIZE[0]))
    Config.set("graphics", "height", str(SIZE[1]))


def trivial(seconds: float) -> float:
    """Return the frames per second of a window whose only drawing is one moving rectangle."""
    folder = tempfile.mkdtemp(prefix="stride-bench-")
    window_config(folder)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.graphics import Color, Rectangle
    from kivy.uix.widget import Widget

    flips: list[float] = []

    class Ceiling(App):
        def build(self):
            root = Widget()
            with root.canvas:
                Color(0.13, 0.38, 0.42, 1)
                self.square = Rectangle(size=(100, 100))
            return root

        def on_start(self):
            Clock.schedule_interval(self.move, 0)
            Clock.schedule_once(lambda _dt: Window.bind(on_flip=self.flip), 1.0)
            Clock.schedule_once(lambda _dt: self.stop(), 1.0 + seconds)

        def move(self, _dt):
            self.square.pos = ((self.square.pos[0] + 1) % 300, 10)

        def flip(self, *_args):
            flips.append(time.perf_counter())

    Ceiling().run()
    shutil.rmtree(folder, ignore_errors=True)
    return (len(flips) - 1) / (flips[-1] - flips[0])


def measure_trivial(seconds: float) -> float:
    """Run `trivial` in a child process (this one's window is the app's) and return its rate."""
    out = subprocess.run(
        [sys.executable, __file__, "--trivial", "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def instructions(widget) -> int:
    """Return how many canvas instructions the widget tree under `widget` holds."""
    own = sum(
        len(c.children) for c in (widget.canvas.before, widget.canvas, widget.canvas.after) if c
    )
    return own + sum(instructions(child) for child in widget.children)


class Phases:
    """Count flips between marks: each phase's frames and seconds."""

    def __init__(self):
        self.flips: list[float] = []
        self.marks: dict[str, tuple[int, float]] = {}
        self.started: tuple[int, float] = (0, 0.0)

    def flip(self, *_args) -> None:
        self.flips.append(time.perf_counter())

    def begin(self) -> None:
        self.started = (len(self.flips), time.perf_counter())

    def end(self, name: str) -> None:
        frames, at = self.started
        self.marks[name] = (len(self.flips) - frames, time.perf_counter() - at)

    def fps(self, name: str) -> float:
        frames, seconds = self.marks[name]
        return frames / seconds


def run(url: str, folder: str, seconds: float) -> dict:
    """Run the app, animate one exercise, and return the measurements."""
    window_config(folder)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from mobile.app import StrideApp

    app = StrideApp(
        server_url=url, data_dir=os.path.join(folder, "app"), email=PATIENT, password=PASSWORD
    )
    phases, found = Phases(), {"update_s": []}

    def measure(exercise):
        real, origin = exercise._animate, time.perf_counter()
        exercise.now = lambda: origin + (time.perf_counter() - origin) * SLOW

        def timed(*args):
            t0 = time.perf_counter()
            real(*args)
            found["update_s"].append(time.perf_counter() - t0)

        exercise._animate = timed
        figure = exercise.figure
        moving = seconds * SLOW  # the screen's seconds the figure moves for
        if len(figure.sequence("hold")) == 1:  # a still hold: only the move in moves
            moving = min(moving, figure.move_s, exercise.item.dose.hold_s / 3)
        exercise.toggle()  # Start: the first hold
        Window.bind(on_flip=phases.flip)
        phases.begin()
        cpu = time.process_time()

        def back(_dt):  # jump to the rest: the figure moves back, then rests
            phases.end("moving in")
            found["cpu_per_frame"] = (time.process_time() - cpu) / phases.marks["moving in"][0]
            exercise.skip()
            back_s = min(figure.move_s, exercise.timer.step.seconds / 3)
            phases.begin()
            Clock.schedule_once(still, min(back_s, seconds * SLOW) / SLOW)

        def still(_dt):
            phases.end("moving back")
            exercise.pause()  # the figure stands still; the window is redrawn every frame
            found["instructions"] = instructions(Window)
            redraw = Clock.schedule_interval(lambda _dt: Window.canvas.ask_update(), 0)
            phases.begin()
            Clock.schedule_once(lambda _dt: end(redraw), seconds)

        def end(redraw):
            phases.end("still")
            redraw.cancel()
            Window.unbind(on_flip=phases.flip)
            found["ended"] = True
            app.stop()

        Clock.schedule_once(back, moving / SLOW)

    def check(_dt):
        manager = app.root.ids.sm
        today = manager.current_screen if manager.current == "today" else None
        if today is None or today.view is None:
            return True
        items = [i for i in today.view.items if i.figure is not None and i.dose.hold_s > 0]
        items.sort(key=lambda i: len(i.figure.sequence("hold")) == 1)  # a moving hold first
        if not items:
            found["error"] = "no exercise with a figure and a hold on Today"
            app.stop()
            return False
        found["exercise"] = items[0].name
        today.start(items[0])
        Clock.schedule_once(lambda _dt: measure(manager.current_screen), 1.5)
        return False

    app.bind(on_start=lambda *_a: Clock.schedule_interval(check, 0.1) and None)
    app.run()
    found["phases"] = phases
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--trivial", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        screen = f"-screen 0 {SIZE[0]}x{SIZE[1]}x24"
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", screen, sys.executable, *sys.argv])
    if args.trivial:
        print(f"{trivial(args.seconds):.2f}")
        return
    load = os.getloadavg()[0]
    before = measure_trivial(args.seconds)
    folder = tempfile.mkdtemp(prefix="stride-bench-")
    try:
        found = run(serve_demo(folder), folder, args.seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if "error" in found or "ended" not in found:
        sys.exit(found.get("error", "the app stopped before the measurement"))
    after = measure_trivial(args.seconds)
    ceiling, phases, updates = (before + after) / 2, found["phases"], found["update_s"]
    print(f"exercise screen animating '{found['exercise']}' ({SIZE[0]}x{SIZE[1]}, Xvfb + Mesa):")
    for name, what in (
        ("moving in", "the figure moving into the hold"),
        ("moving back", "the figure moving back at the rest"),
        ("still", "the figure still, the window redrawn every frame"),
    ):
        fps = phases.fps(name)
        print(f"  {what}: {fps:.1f} frames per second ({fps / ceiling:.2f} of the ceiling)")
    print(
        f"  ceiling, one moving rectangle in the same window size: {ceiling:.1f} frames per "
        f"second ({before:.1f} before the app, {after:.1f} after)"
    )
    print(
        f"  figure update per frame: median {statistics.median(updates) * 1000:.2f} ms, "
        f"slowest {max(updates) * 1000:.2f} ms ({len(updates)} updates)"
    )
    print(
        f"  CPU per moving frame, renderer threads included: {found['cpu_per_frame'] * 1000:.1f} ms"
    )
    print(f"  canvas instructions in the window: {found['instructions']}")
    print(f"  load average: {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
