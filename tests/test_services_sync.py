"""The sync badge and the last result, in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.i18n import DEFAULT, set_language
from app.services import sync
from app.services.sync import SyncState, badge, last_result


def test_badge_words():
    set_language(DEFAULT)
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    assert badge(SyncState(pending=3, available=False)).text == "Lokaal · 3"
    assert badge(SyncState(pending=3, enrolled=True, last_error="offline")).offline
    assert badge(SyncState(pending=3, enrolled=True, last_error="offline")).text == "Offline · 3"
    assert badge(SyncState(pending=2, enrolled=True)).text == "2 wachtend"
    assert badge(SyncState(pending=0, enrolled=True, last_success=now)).text == "Bijgewerkt"
    assert badge(SyncState(pending=0, enrolled=True, running=True)).text == "Synchroniseren…"
    assert badge(SyncState(pending=1, enrolled=True, last_error="clock_skew")).text == \
        "Sync-fout · 1"


def test_last_result_in_plain_words():
    now = datetime.now(UTC)
    assert last_result(SyncState(0, enrolled=True, last_success=now), now).startswith(
        "gelukt vandaag om")
    assert "klok" in last_result(SyncState(0, enrolled=True, last_error="clock_skew"))
    assert "(teapot)" in last_result(SyncState(0, enrolled=True, last_error="teapot"))
    assert last_result(SyncState(0, enrolled=False)) == "Nog niet gekoppeld aan een server."
    assert "3 van 9" in last_result(SyncState(0, enrolled=True, running=True, progress=(3, 9)))
    yesterday = now - timedelta(days=1)
    assert "op " in last_result(SyncState(0, enrolled=True, last_success=yesterday), now)


def test_wrapper_without_enrollment(store, tmp_path):
    s = sync.Sync(store, tmp_path, start=False)
    state = s.state()
    assert state.pending == store.pending_count() and not state.enrolled
    assert s.enroll("", "x") == "error.server_required"
    assert s.enroll("http://127.0.0.1:9", "") == "error.code_required"
    heard = []
    remove = s.add_listener(lambda: heard.append(1))
    s._fan_out(None)
    remove()
    s._fan_out(None)
    assert heard == [1]
