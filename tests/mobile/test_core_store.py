"""The device store: session, pulled data, outbox, acknowledgement and the log mirror."""

import threading

from mobile.core.store import Store

USER = {"id": 7, "email": "p@example.org", "role": "patient", "patient_id": 3}
URL = "http://stride.test"


def _pain(store, nprs=4, day="2026-11-20"):
    return store.enqueue("pain_log", {"local_date": day, "nprs": nprs, "context": "rest"})


def _flag(store, day="2026-11-20"):
    return store.enqueue("red_flag_check", {"local_date": day, "answers": {"fever": True}})


def test_session_cursor_and_settings_survive_a_restart(tmp_path):
    path = str(tmp_path / "s.sqlite3")
    first = Store(path)
    assert first.get_session() is None and first.get_cursor() == 0
    first.save_session(URL, "tok", USER)
    first.set_cursor(42)
    first.set_setting("reminder_times", {"morning": "07:30"})
    _pain(first)
    first.close()
    again = Store(path)
    assert again.get_session() == {"server_url": URL, "token": "tok", "user": USER}
    assert again.get_cursor() == 42
    assert again.get_setting("reminder_times") == {"morning": "07:30"}
    assert again.get_setting("missing", "fallback") == "fallback"
    assert again.pending_count() == 1
    again.clear_session()
    assert again.get_session() is None
    again.close()


def test_enqueue_mirrors_the_event_at_once_and_outbox_puts_red_flags_first(store):
    store.save_session(URL, "tok", USER)
    first = _pain(store, 3)
    flag = _flag(store)
    second = _pain(store, 5)
    assert [e["id"] for e in store.outbox()] == [flag, first, second]
    event = store.outbox()[1]
    assert event["type"] == "pain_log" and set(event) == {"id", "type", "data"}
    assert event["data"]["nprs"] == 3 and event["data"]["recorded_at"]
    assert [row["nprs"] for row in store.pain_logs("2026-11-20", "2026-11-20")] == [3, 5]
    assert all(row["pending"] for row in store.pain_logs())
    assert store.pain_logs("2026-11-21", "2026-11-30") == []
    assert store.red_flag_checks()[0]["level"] == "urgent"
    assert store.pending_count() == 3
    assert len(store.outbox(limit=2)) == 2


def test_acknowledge_removes_stored_events_and_keeps_refused_ones_visible(store):
    store.save_session(URL, "tok", USER)
    created, duplicate, refused, unknown = (_pain(store, n) for n in (1, 2, 3, 4))
    store.acknowledge(
        [
            {"id": created, "status": "created"},
            {"id": duplicate, "status": "duplicate"},
            {
                "id": refused,
                "status": "rejected",
                "message": "invalid event",
                "errors": {"nprs": ["bad"]},
            },
            {"id": "not-ours", "status": "created"},
        ]
    )
    assert [e["id"] for e in store.outbox()] == [unknown]
    [rejected] = store.rejected()
    assert rejected["id"] == refused and rejected["message"] == "invalid event"
    assert rejected["errors"] == {"nprs": ["bad"]} and rejected["data"]["nprs"] == 3
    # A refused entry no longer counts on the device; stored ones stop being "pending".
    assert [(r["nprs"], r["pending"]) for r in store.pain_logs()] == [
        (1, False),
        (2, False),
        (4, True),
    ]
    store.dismiss_rejected()
    assert store.rejected() == []


def test_merge_history_never_doubles_the_devices_own_entries(store):
    store.save_session(URL, "tok", USER)
    mine = _pain(store, 6, "2026-11-19")
    store.acknowledge([{"id": mine, "status": "created"}])
    waiting = _pain(store, 2, "2026-11-19")
    server_rows = [
        {
            "id": "a1",
            "local_date": "2026-11-19",
            "nprs": 8,
            "context": "night",
            "received_at": "2026-11-19T06:00:00+00:00",
            "patient_id": 3,
        },
        {
            "id": mine,
            "local_date": "2026-11-19",
            "nprs": 6,
            "context": "rest",
            "received_at": "2026-11-19T09:30:00.5+00:00",
            "patient_id": 3,
        },
    ]
    store.merge_history([], server_rows)
    store.merge_history([], server_rows)
    rows = store.pain_logs()
    assert [r["id"] for r in rows] == ["a1", mine, waiting]  # server time first, then waiting
    assert [r["pending"] for r in rows] == [False, False, True]
    assert rows[1]["received_at"] == "2026-11-19T09:30:00.500000+00:00"


def test_pulled_changes_are_upserted_by_id(store):
    plan = {"id": 1, "status": "active", "protocol_id": "p", "protocol_version": 1}
    store.apply_changes(
        {
            "plans": [plan, {**plan, "id": 2, "status": "ended"}],
            "protocol_versions": [{"id": "p", "version": 1, "content": {"id": "p"}}],
            "alerts": [{"id": 5, "status": "open"}],
        }
    )
    store.apply_changes({"plans": [{**plan, "status": "ended"}], "alerts": [{"id": 5}]})
    store.apply_changes({"plans": [{**plan, "id": 3}]})
    assert [p["id"] for p in store.plans()] == [1, 2, 3]
    assert store.active_plan()["id"] == 3
    assert store.protocol("p", 1) == {"id": "p"} and store.protocol("p", 2) is None
    assert store.alerts() == [{"id": 5}]


def test_another_account_never_sees_or_pushes_the_first_accounts_entries(store):
    store.save_session(URL, "tok", USER)
    store.apply_changes({"plans": [{"id": 1, "status": "active"}]})
    store.set_cursor(9)
    mine = _pain(store)
    store.clear_session()
    store.save_session(URL, "tok2", {**USER, "id": 8, "patient_id": 4})
    assert store.outbox() == [] and store.pain_logs() == [] and store.pending_count() == 0
    assert store.plans() == [] and store.get_cursor() == 0
    store.save_session(URL, "tok3", USER)
    assert [e["id"] for e in store.outbox()] == [mine]


def test_enqueue_from_many_threads_loses_nothing(store):
    store.save_session(URL, "tok", USER)
    made: list[str] = []

    def worker():
        for n in range(50):
            made.append(_pain(store, n % 11))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 200
    assert {e["id"] for e in store.outbox()} == set(made)
    assert len(store.pain_logs()) == 200


def test_a_correction_replaces_the_log_it_supersedes_on_every_date(store):
    store.save_session(URL, "tok", USER)
    mistaken = _pain(store, 9, day="2026-11-20")
    kept = _pain(store, 3, day="2026-11-21")
    store.enqueue(
        "pain_log",
        {"local_date": "2026-11-22", "nprs": 4, "context": "rest", "supersedes": mistaken},
    )
    assert [row["nprs"] for row in store.pain_logs()] == [3, 4]
    # The mistaken 9 is gone from its own day too, though its correction is dated later.
    assert store.pain_logs("2026-11-20", "2026-11-20") == []
    assert [row["id"] for row in store.pain_logs("2026-11-21", "2026-11-21")] == [kept]
    # Exercise logs are not corrected by a pain log.
    assert store.exercise_logs() == []
