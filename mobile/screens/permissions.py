"""Runtime permissions: what Android 13+ makes an app ask for while it runs (docs/mobile.md)."""

from kivy.utils import platform


def ask_for_notifications() -> None:
    """Ask Android for the right to post reminders; elsewhere (and before Android 13) a no-op.

    POST_NOTIFICATIONS is listed in buildozer.spec, but from API 33 on a notification is
    dropped in silence until the person has also said yes to this question. Asked when a
    patient signs in: staff get no reminders. Older Android grants it with the install.
    """
    if platform != "android":
        return
    from android.permissions import Permission, request_permissions

    request_permissions([Permission.POST_NOTIFICATIONS])
