"""The patient's private calendar link, kept on this device for the signed-in account.

The server shows the link once (POST /me/calendar-feed); the app keeps it so the patient can
copy it again later, offline too. It is kept per account (another patient signing in on the
same phone never sees it) and forgotten when the patient stops it.
"""

KEY = "calendar_feed"  # {"url", "webcal_url", "created_at"}


def saved_link(store) -> dict | None:
    """Return the calendar link made on this device for the signed-in patient, or None."""
    link = store.account_value(KEY)
    return link if isinstance(link, dict) and link.get("url") else None


def keep_link(store, answer: dict) -> dict:
    """Keep the link of the server's answer (it replaces any link kept before)."""
    link = {k: answer.get(k) for k in ("url", "webcal_url", "created_at")}
    store.update_account_value(KEY, lambda _old: link)
    return link


def forget_link(store) -> None:
    """Forget the kept link (the patient stopped it)."""
    store.update_account_value(KEY, lambda _old: None)


def failure_text(error, doing: str) -> str:
    """Return what to tell the patient when making or stopping the link failed."""
    if getattr(error, "offline", False):
        return (
            f"You are offline: {doing} needs the internet. Nothing has changed; "
            "try again when you are connected."
        )
    return getattr(error, "message", None) or str(error)
