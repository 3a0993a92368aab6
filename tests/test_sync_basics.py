"""App devices syncing through a real server: the everyday cases, over real HTTP."""

from __future__ import annotations

import threading
import time

import pytest
from sync_fixtures import make_conflict

from app.sync import errors
from app.sync.client import SyncClient
from app.sync.runner import INTERVAL, RETRY_CAP, SyncRunner, SyncStatus, retry_delay
from sync_server.server import SyncServer
from wijkweb_protocol import encode_hlc


def test_a_contact_recorded_offline_reaches_a_colleague(fleet):
    team = fleet.harness.team()
    phone, laptop = fleet.device([team]), fleet.device([team])
    rid = phone.store.create("resident", team, {"name": "Ayşe Yilmaz"})
    result = phone.sync()
    assert result.pushed == 1 and phone.store.pending_count() == 0
    laptop.sync()
    assert laptop.store.values("resident", rid)["name"] == "Ayşe Yilmaz"
    assert laptop.state() == phone.state()


def test_enrollment_stores_the_token_outside_the_database(fleet):
    team = fleet.harness.team()
    dev = fleet.device([team])
    assert (dev.data_dir / "device.json").exists()
    assert dev.config.token not in (dev.data_dir / "wijkweb.sqlite").read_bytes().decode(
        "latin-1")
    assert dev.store.meta("team_id") == team and dev.store.meta("worker_id") == dev.config.worker


def test_two_workers_editing_different_fields_offline_both_keep_their_edit(fleet):
    team = fleet.harness.team()
    a, b = fleet.device([team]), fleet.device([team])
    rid = a.store.create("resident", team, {"name": "Mo", "birth_year": 1990})
    a.sync()
    b.sync()
    a.store.update("resident", rid, {"name": "Mohamed"})
    b.store.update("resident", rid, {"birth_year": 1991})
    for dev in (a, b, a):
        dev.sync()
    for dev in (a, b):
        values = dev.store.values("resident", rid)
        assert (values["name"], values["birth_year"]) == ("Mohamed", 1991)
    assert fleet.harness.store.conflicts() == []


def test_concurrent_edits_of_one_field_converge_and_are_listed_as_a_conflict(fleet):
    a, b, rid = make_conflict(fleet, fleet.harness.team())
    assert a.store.values("household", rid)["street"] == b.store.values("household", rid)[
        "street"]
    [conflict] = fleet.harness.store.conflicts()
    assert conflict["field"] == "street"
    assert {conflict["winner"][0], conflict["loser"][0]} == {"Esdoornstraat", "Pleinweg"}


def test_a_delete_reaches_every_device(fleet):
    team = fleet.harness.team()
    a, b = fleet.device([team]), fleet.device([team])
    rid = a.store.create("resident", team, {"name": "Weg"})
    a.sync()
    b.sync()
    b.store.delete("resident", rid)
    b.sync()
    a.sync()
    assert ("resident", rid) not in a.state()


def test_nothing_to_do_is_a_quiet_round(fleet):
    team = fleet.harness.team()
    dev = fleet.device([team])
    dev.sync()
    result = dev.sync()
    assert (result.pushed, result.pulled) == (0, 0)


def test_sync_records_success_and_plain_error_codes(fleet):
    team = fleet.harness.team()
    dev = fleet.device([team])
    dev.sync()
    assert dev.store.meta("sync.last_success") and not dev.store.meta("sync.last_error")
    fleet.harness.store.revoke(dev.config.device)
    with pytest.raises(errors.DeviceRevoked):
        dev.sync()
    assert dev.store.meta("sync.last_error") == "device_revoked"


def test_an_unreachable_server_keeps_every_change(fleet, tmp_path):
    team = fleet.harness.team()
    dev = fleet.device([team])
    dev.store.create("resident", team, {"name": "Bewaard"})
    dev.config.server = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(errors.Offline):
        dev.sync()
    assert dev.store.pending_count() == 1
    assert dev.store.meta("sync.last_error") == "offline"


def test_a_wrong_token_is_unauthorized_and_keeps_the_outbox(fleet):
    team = fleet.harness.team()
    dev = fleet.device([team])
    dev.store.create("resident", team, {"name": "Bewaard"})
    dev.config.token = "not-the-token"
    with pytest.raises(errors.Unauthorized):
        dev.sync()
    assert dev.store.pending_count() == 1


def test_a_large_first_download_comes_in_pages_with_progress(fleet):
    team = fleet.harness.team()
    writer, reader = fleet.device([team]), fleet.device([team])
    with writer.store.transaction():
        for i in range(450):
            writer.store.create("resident", team, {"name": f"Bewoner {i}"})
    writer.sync()
    seen = []
    with SyncClient(reader.store, reader.config, page=100,
                    on_progress=lambda done, total: seen.append(done)) as client:
        client.sync()
    assert len([k for k in reader.state() if k[0] == "resident"]) == 450
    assert seen == sorted(seen) and seen[-1] >= 450


def test_a_past_clock_still_wins_after_it_has_pulled(fleet):
    """HLC ratchet: a phone whose clock is years behind writes after what it has seen."""
    team = fleet.harness.team()
    a, slow = fleet.device([team]), fleet.device([team])
    rid = a.store.create("resident", team, {"name": "Eerst"})
    a.sync()
    slow.store.clock._wall = lambda: 1_000_000  # 1970
    slow.sync()
    slow.store.update("resident", rid, {"name": "Later, met trage klok"})
    slow.sync()
    a.sync()
    assert a.store.values("resident", rid)["name"] == "Later, met trage klok"


def test_a_clock_far_ahead_is_refused_then_restamped_when_fixed(fleet):
    team = fleet.harness.team()
    dev, other = fleet.device([team]), fleet.device([team])
    wall = {"ms": 1_950_000_000_000 * 2}  # far in the future
    real = dev.store.clock._wall
    dev.store.clock._wall = lambda: wall["ms"]
    rid = dev.store.create("resident", team, {"name": "Van de toekomst"})
    with pytest.raises(errors.ClockSkew):
        dev.sync()  # the device clock is still wrong: nothing restamped, nothing lost
    assert dev.store.pending_count() == 1
    dev.store.clock._wall = real  # the user fixes the clock
    dev.sync()
    other.sync()
    assert other.store.values("resident", rid)["name"] == "Van de toekomst"
    stamp = dev.store._row("resident", rid)["stamps"]
    assert encode_hlc(wall["ms"], 0)[:8] not in stamp


def test_retry_waits_double_from_seconds_to_a_minute_with_jitter():
    low, high = (lambda: 0.0), (lambda: 1.0)
    assert [retry_delay(n, high) for n in (1, 2, 3, 4, 5, 6, 7, 20)] == [
        2, 4, 8, 16, 32, 60, 60, 60]
    assert [retry_delay(n, low) for n in (1, 2, 3, 6)] == [1, 2, 4, 30]
    assert retry_delay(1, low, floor=5) == 5 and retry_delay(1, low, floor=500) == 60


def test_sync_comes_back_by_itself_when_the_server_returns(fleet):
    """The server goes away while the coach works; when it is back (same address, same data),
    the runner's own retries send the work within seconds: no button, no 5-minute round."""
    harness = fleet.harness
    team = harness.team()
    coach, colleague = fleet.device([team]), fleet.device([team])
    host, port = harness.server.server_address[:2]
    harness.server.stop()  # the server goes down; its database stays
    rid = coach.store.create("resident", team, {"name": "Noor Visser"})
    runner = SyncRunner(coach.store, coach.data_dir)  # the app's defaults: 5-minute interval
    runner.start()
    back = None
    try:
        deadline = time.monotonic() + 120  # a bound for a busy machine, not a wait
        while runner.failures < 2 and time.monotonic() < deadline:
            runner._stop.wait(0.05)  # polling the state the runner reports
        assert runner.failures >= 2 and runner.status().last_error == "offline"
        assert runner.next_wait() <= RETRY_CAP < INTERVAL
        back = SyncServer(harness.store, host, port)  # back at the same address
        threading.Thread(target=back.serve_forever, args=(0.02,), daemon=True).start()
        while (runner.status().pending or runner.failures) and time.monotonic() < deadline:
            runner._stop.wait(0.05)
        status = runner.status()
        assert (status.pending, status.last_error, runner.failures) == (0, None, 0)
        colleague.sync()
        assert colleague.store.values("resident", rid)["name"] == "Noor Visser"
    finally:
        runner.stop()
        if back is not None:
            back.stop()


def test_the_runner_names_the_rows_a_pull_changed(fleet):
    """A screen loads again when a pull changed rows it shows: the runner's last report of a
    round names them by kind; a round that only pushed, or brought nothing new, names none."""
    team = fleet.harness.team()
    coach, lead = fleet.device([team]), fleet.device([team])
    rid = coach.store.create("resident", team, {"name": "Noor Visser"})
    runner = SyncRunner(lead.store, lead.data_dir)
    heard: list[SyncStatus] = []
    runner.add_listener(heard.append)
    runner.run_once()
    assert "resident" not in heard[-1].changed  # not on the server yet (its team and workers are)
    runner.run_once()
    assert heard[-1].changed == {}  # nothing new
    coach_runner = SyncRunner(coach.store, coach.data_dir)
    pushed: list[SyncStatus] = []
    coach_runner.add_listener(pushed.append)
    coach_runner.run_once()
    assert "resident" not in pushed[-1].changed and pushed[-1].pending == 0  # its own: pushed
    runner.run_once()
    assert heard[-1].changed == {"resident": frozenset({rid})} and not heard[-1].running
    assert all(not status.changed for status in heard if status.running)  # only the last
    runner.run_once()
    assert heard[-1].changed == {}
