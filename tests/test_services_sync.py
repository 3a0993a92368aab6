"""The sync badge and the last result, in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.i18n import DEFAULT, set_language
from app.services import sync
from app.services.sync import SyncStatus, badge, last_result


def test_badge_words():
    set_language(DEFAULT)
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    assert badge(SyncStatus(pending=3, available=False)).text == "Lokaal · 3"
    assert badge(SyncStatus(pending=3, enrolled=True, last_error="offline")).offline
    assert badge(SyncStatus(pending=3, enrolled=True, last_error="offline")).text == "Offline · 3"
    assert badge(SyncStatus(pending=2, enrolled=True)).text == "2 wachtend"
    assert badge(SyncStatus(pending=0, enrolled=True, last_success=now)).text == "Bijgewerkt"
    assert badge(SyncStatus(pending=0, enrolled=True, running=True)).text == "Synchroniseren…"
    assert badge(SyncStatus(pending=1, enrolled=True, last_error="clock_skew")).text == \
        "Sync-fout · 1"


def test_last_result_in_plain_words():
    now = datetime.now(UTC)
    assert last_result(SyncStatus(0, enrolled=True, last_success=now), now).startswith(
        "gelukt vandaag om")
    assert "klok" in last_result(SyncStatus(0, enrolled=True, last_error="clock_skew"))
    assert "(teapot)" in last_result(SyncStatus(0, enrolled=True, last_error="teapot"))
    assert last_result(SyncStatus(0, enrolled=False)) == "Nog niet gekoppeld aan een server."
    assert "3 van 9" in last_result(SyncStatus(0, enrolled=True, running=True, progress=(3, 9)))
    yesterday = now - timedelta(days=1)
    assert "op " in last_result(SyncStatus(0, enrolled=True, last_success=yesterday), now)


def test_runner_without_enrollment(store, tmp_path):
    runner = sync.start(store, tmp_path, run=False)
    state = runner.status()
    assert state.pending == store.pending_count() and not state.enrolled and state.available
    assert sync.enroll(runner, "", "x") == "error.server_required"
    assert sync.enroll(runner, "http://127.0.0.1:9", "") == "error.code_required"
    heard: list[int] = []
    remove = runner.add_listener(lambda status: heard.append(status.pending))
    runner._notify()
    remove()
    runner._notify()
    assert heard == [store.pending_count()]
    assert runner.run_once() is None  # not enrolled: a round that says so
    assert runner.status().last_error == "not_enrolled"


def test_a_listener_that_fails_stops_neither_the_round_nor_the_others(store, tmp_path):
    runner = sync.start(store, tmp_path, run=False)
    heard: list[bool] = []

    def broken(_status: sync.SyncStatus) -> None:
        raise RuntimeError("a closed session")

    runner.add_listener(broken)
    runner.add_listener(lambda status: heard.append(status.running))
    runner._notify()
    assert heard == [False]


def test_a_screen_loads_again_only_for_the_kinds_it_shows():
    changed = {"contact": frozenset({"c1"})}
    assert sync.shows_changes(changed, frozenset({"contact", "resident"}))
    assert not sync.shows_changes(changed, frozenset({"agreement"}))
    assert not sync.shows_changes({}, frozenset({"contact"}))


def test_the_interval_comes_from_the_environment_when_it_is_a_number(monkeypatch):
    from app.sync.runner import INTERVAL

    for value, seconds in (("1", 1.0), ("", INTERVAL), ("soon", INTERVAL), ("-3", INTERVAL)):
        monkeypatch.setenv(sync.INTERVAL_ENV, value)
        assert sync.interval() == seconds
