"""Documents the app saves (a referral packet): where they go, and handing one to the device.

Android: plyer's share sheet, so the clinician sends the PDF to mail or a messaging app. A
desktop: the platform's opener (`os.startfile`, `open`, `xdg-open`). Screens call these through
the module, so a test can put a fake here.
"""

import logging
import os
import shutil
import subprocess
import sys

log = logging.getLogger(__name__)

FOLDER = "referrals"


def save(data_dir: str, name: str, data: bytes) -> str:
    """Write `data` as `name` under the app's data folder; return the file's path."""
    folder = os.path.join(data_dir, FOLDER)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, os.path.basename(name))
    partial = path + ".part"
    with open(partial, "wb") as file:
        file.write(data)
    os.replace(partial, path)  # a half-written packet never stands under the real name
    return path


def can_open() -> bool:
    """Tell whether this device has a way to open or share a saved file."""
    return _share() is not None or _opener() is not None


def open_document(path: str, title: str = "Referral packet") -> bool:
    """Share the file (Android) or open it in the desktop's viewer; tell whether that worked."""
    share = _share()
    if share is not None:
        try:
            share.share_file(path, os.path.basename(path), title)
            return True
        except Exception:  # NotImplementedError off Android; a refused permission on it
            log.info("plyer could not share %s", path, exc_info=True)
    opener = _opener()
    if opener is None:
        return False
    try:
        opener(path)
        return True
    except OSError:
        log.warning("could not open %s", path, exc_info=True)
        return False


def _share():
    """Return plyer's share facade where plyer is packaged (2.1+), else None."""
    try:
        from plyer import share  # optional: not every platform (or venv) has it
    except ImportError:
        return None
    return share


def _opener():
    """Return the desktop's way to open a file in its default viewer, or None."""
    if sys.platform.startswith("win"):
        return os.startfile
    command = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(command) is None:
        return None
    return lambda path: subprocess.Popen([command, path])
