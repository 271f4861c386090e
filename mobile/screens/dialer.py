"""Tap-to-call: plyer places the call where it can (Android, CALL_PHONE), a tel: link elsewhere."""

import logging
import webbrowser

log = logging.getLogger(__name__)


def dial(number: str) -> None:
    """Call `number`: plyer dials it; failing that, a tel: link opens a dialer with it."""
    # Screens call `dialer.dial(...)` through the module, so a test can put a fake here.
    try:
        from plyer import call

        call.makecall(tel=number)
        return
    except ImportError:
        pass  # plyer is not packaged: the tel: link below still opens a dialer
    except Exception:  # NotImplementedError on a desktop; a refused permission on a phone
        log.info("plyer could not dial %s; trying a tel: link", number, exc_info=True)
    if not webbrowser.open(f"tel:{number}"):
        log.warning("no dialer on this device for %s", number)
