"""The calendar link kept on the phone: per account, forgotten when stopped; offline words."""

from mobile.core.api import ApiError
from mobile.core.calendarfeed import failure_text, forget_link, keep_link, saved_link

SERVER = "http://stride.test"
ANSWER = {
    "id": 3,
    "url": "https://stride.test/api/v1/calendar/secret.ics",
    "webcal_url": "webcal://stride.test/api/v1/calendar/secret.ics",
    "created_at": "2026-12-02T01:00:00+00:00",
}


def test_the_link_is_kept_for_its_account_only(store):
    store.save_session(SERVER, "tok-a", {"id": 1, "patient_id": 1, "role": "patient"})
    assert saved_link(store) is None
    keep_link(store, ANSWER)
    assert saved_link(store)["webcal_url"] == ANSWER["webcal_url"]
    store.save_session(SERVER, "tok-b", {"id": 2, "patient_id": 2, "role": "patient"})
    assert saved_link(store) is None, "another patient on this phone never sees it"
    store.save_session(SERVER, "tok-a2", {"id": 1, "patient_id": 1, "role": "patient"})
    assert saved_link(store)["url"] == ANSWER["url"], "back to the first: still there"
    forget_link(store)
    assert saved_link(store) is None


def test_offline_says_nothing_changed_and_other_failures_give_the_servers_reason():
    offline = failure_text(ApiError(None, "Cannot reach the server."), "stopping the link")
    assert offline.startswith("You are offline: stopping the link needs the internet.")
    assert "Nothing has changed" in offline
    refused = ApiError(403, "This action needs the role patient.")
    assert failure_text(refused, "making a calendar link") == refused.message
