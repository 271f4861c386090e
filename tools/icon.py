"""`python -m tools.icon`: draw the app icon (mobile/data/icon.png, buildozer.spec's icon.filename).

The icon is the mark of the sign-in screen (`StrideMark` in mobile/kv/widgets.kv) at 512 px, on
a transparent background, so the two cannot drift apart. Needs a display (Xvfb will do).
"""

import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ICON = os.path.join(ROOT, "mobile", "data", "icon.png")
PIXELS = 512  # what Android and iOS scale their launcher icons from


def main() -> None:
    """Open a window the size of the icon, draw the mark, save it as a PNG."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="stride-icon-kivy-"))
    from kivy.config import Config

    Config.set("graphics", "width", str(PIXELS))
    Config.set("graphics", "height", str(PIXELS))
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.factory import Factory

    from mobile.screens.base import load_kv

    class IconApp(App):
        def build(self):
            load_kv("widgets")
            return Factory.StrideMark(size_hint=(None, None), size=(PIXELS, PIXELS))

        def on_start(self):
            Clock.schedule_once(self.save, 0.5)  # after the first frames have drawn

        def save(self, _dt):
            os.makedirs(os.path.dirname(ICON), exist_ok=True)
            self.root.export_to_png(ICON)
            self.stop()

    IconApp().run()
    print(f"wrote {ICON}")


if __name__ == "__main__":
    sys.exit(main())
