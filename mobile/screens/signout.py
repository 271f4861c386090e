"""Signing out with entries still on the phone: say so, and offer to send them first.

Signing out keeps the outbox (it belongs to the account, and the same account signing in on
this phone again sends it), so neither choice loses an entry; the warning lets the patient get
them to the care team before leaving, which is what a care team relies on.
"""

from mobile.core import urgent
from mobile.core.sync import entries
from mobile.widgets.dialogs import ChoiceDialog

SYNC_FIRST, ANYWAY = "sync", "anyway"


def title(pending: int) -> str:
    """Return the warning, e.g. "3 entries have not reached your care team yet"."""
    verb = "has" if pending == 1 else "have"
    return f"{entries(pending)} {verb} not reached your care team yet"


def options(pending: int) -> list[tuple[str, str]]:
    """Return the two ways on (Cancel is the dialog's own)."""
    they = "it stays" if pending == 1 else "they stay"
    return [
        (SYNC_FIRST, "Sync now and sign out"),
        (ANYWAY, f"Sign out anyway ({they} on this phone)"),
    ]


def kept(pending: int) -> str:
    """Say what becomes of entries left on the phone."""
    they, are = ("it stays", "is") if pending == 1 else ("they stay", "are")
    return (
        f"If you sign out anyway, {they} saved on this phone and {are} sent the next time "
        "you sign in here."
    )


def ask(app) -> None:
    """Sign out at once when nothing waits to sync; otherwise warn and offer to sync first."""
    pending = app.store.pending_count()
    if not pending:
        app.sign_out()
        return
    them = "it" if pending == 1 else "them"
    _warn(app, pending, f"Send {them} now, before you sign out? {kept(pending)}")


def not_sent(state) -> str:
    """Say why a sync before signing out did not send everything, in plain words."""
    if state.needs_sign_in:
        why = "Your sign-in has expired, so nothing could be sent."
    elif state.offline:
        why = "This phone cannot reach your care team's server just now."
    elif state.last_error:
        why = "The server did not take them just now."
    else:
        why = "Not everything went in this sync."
    return f"{why} {kept(state.pending)}"


def _warn(app, pending: int, message: str) -> None:
    if urgent.urgent_waiting(app.store):
        number = urgent.contacts(app.store)["emergency_number"]
        message = f"One of them needs care today: do not wait for us, call {number}. {message}"
    ChoiceDialog(
        lambda choice: _chosen(app, choice),
        title=title(pending),
        message=message,
        options=options(pending),
    ).open()


def _chosen(app, choice: str) -> None:
    if choice == ANYWAY:
        app.sign_out()
        return
    serial = app.session_serial
    app.store.release()  # a Done still in its undo window goes too: the patient is leaving

    def synced(state) -> None:
        if app.session_serial != serial:
            return  # signed out (or in as someone else) meanwhile
        if state.pending == 0:  # all sent, even if a later step of the pass failed
            app.sign_out()
        else:
            _warn(app, state.pending, not_sent(state))

    app.sync.then(synced)
