"""Frames per second of the exercise screen while its figure moves, on the desktop window.

`python bench/figure_fps.py [--seconds 6]` starts an in-process demo server, signs the app in
as the demo patient at 420x860 (under Xvfb when there is no display), opens the first exercise
of Today that has a figure and a hold (one whose hold keeps moving, like a walk, first), starts
the timer and counts the window's frames while the figure moves into the hold (and, for a
moving hold, while it holds), then while it moves back at the start of the rest. Kivy draws a
frame only when something changed and caps the window at 60 frames per second, so the figure
is measured while it moves. It prints the frames per second and the time the figure's update
takes per frame. Prints figures only; nothing is asserted.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tools.screenshots import PASSWORD, PATIENT, SIZES, kivy_environment, serve_demo  # noqa: E402

SIZE = SIZES["phone"]


def run(url: str, folder: str, seconds: float) -> dict:
    """Run the app, animate one exercise, and return the measurements."""
    kivy_environment(folder)
    from kivy.config import Config

    Config.set("graphics", "width", str(SIZE[0]))
    Config.set("graphics", "height", str(SIZE[1]))
    from kivy.clock import Clock
    from kivy.core.window import Window

    from mobile.app import StrideApp

    app = StrideApp(
        server_url=url, data_dir=os.path.join(folder, "app"), email=PATIENT, password=PASSWORD
    )
    found: dict = {"flips": [], "update_s": []}

    def flip(*_args):
        found["flips"].append(time.perf_counter())

    def measure(exercise):
        figure = exercise.figure
        window = min(figure.move_s, exercise.item.dose.hold_s / 3)
        if len(figure.sequence("hold")) > 1:
            window = seconds / 2
        found["window"] = window
        real = exercise._animate

        def timed(*args):
            t0 = time.perf_counter()
            real(*args)
            found["update_s"].append(time.perf_counter() - t0)

        exercise._animate = timed
        exercise.toggle()  # Start: the first hold
        found["started"] = time.perf_counter()
        Window.bind(on_flip=flip)

        def rest(_dt):  # jump to the rest: the figure moves back, then rests
            found["hold_frames"] = len(found["flips"])
            exercise.skip()
            Clock.schedule_once(stop, min(figure.move_s, exercise.timer.step.seconds / 3))

        def stop(_dt):
            found["back_window"] = min(figure.move_s, exercise.timer.step.seconds / 3)
            found["moving_frames"] = len(found["flips"])
            # For reference: the same window redrawn every frame with the figure still.
            redraw = Clock.schedule_interval(lambda _dt: Window.canvas.ask_update(), 0)
            Clock.schedule_once(lambda _dt: end(redraw), 1.5)

        def end(redraw):
            redraw.cancel()
            Window.unbind(on_flip=flip)
            found["ended"] = time.perf_counter()
            app.stop()

        Clock.schedule_once(rest, window)

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
        Clock.schedule_once(lambda _dt: measure(manager.current_screen), 1.0)
        return False

    app.bind(on_start=lambda *_a: Clock.schedule_interval(check, 0.1) and None)
    app.run()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        screen = f"-screen 0 {SIZE[0]}x{SIZE[1]}x24"
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", screen, sys.executable, *sys.argv])
    folder = tempfile.mkdtemp(prefix="stride-bench-")
    try:
        found = run(serve_demo(folder), folder, args.seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if "error" in found or "ended" not in found:
        sys.exit(found.get("error", "the app stopped before the measurement"))
    flips, hold, updates = found["flips"], found["hold_frames"], found["update_s"]
    print(f"exercise screen animating '{found['exercise']}' (420x860, Xvfb + Mesa):")
    print(f"  moving in ({found['window']:.1f} s): {hold / found['window']:.1f} frames per second")
    back = (found["moving_frames"] - hold) / found["back_window"]
    print(f"  moving back ({found['back_window']:.1f} s): {back:.1f} frames per second")
    still = (len(flips) - found["moving_frames"]) / 1.5
    print(f"  the same window redrawn every frame, figure still: {still:.1f} frames per second")
    print(
        f"  figure update per frame: median {statistics.median(updates) * 1000:.2f} ms, "
        f"slowest {max(updates) * 1000:.2f} ms ({len(updates)} updates)"
    )


if __name__ == "__main__":
    main()
