"""The pull feed over real HTTP: pages, cursors and resets, team scopes, long-poll."""

from __future__ import annotations

import base64
import json
import shutil
import statistics
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]


def _batch(dev: Any, n: int) -> list[str]:
    changes = [dev.change("contact", {"note": f"n{i}"}) for i in range(n)]
    assert dev.push(changes).status_code == 200
    return [c["id"] for c in changes]


def test_pages_never_split_a_commit(server: Harness) -> None:
    dev = server.device()
    batches = [_batch(dev, 7) for _ in range(3)]
    pages, cursor = [], None
    while True:
        page = dev.pull(cursor, limit=5).json()
        pages.append({r["id"] for r in page["rows"] if r["kind"] == "contact"})
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert pages == [set(b) for b in batches]  # each page is exactly one whole commit


def test_limit_cuts_between_commits(server: Harness) -> None:
    dev = server.device()
    singles = [_batch(dev, 1)[0] for _ in range(5)]
    first = dev.pull(limit=4).json()  # team, worker, 2 contacts
    assert len(first["rows"]) == 4 and first["more"] is True
    rest = dev.pull(first["cursor"], limit=4).json()
    assert [r["id"] for r in rest["rows"]] == singles[2:]
    assert rest["more"] is False


@pytest.mark.parametrize("limit", ["0", "5001", "abc", "-1", "1.5", "٣"])
def test_bad_limit(server: Harness, limit: str) -> None:
    dev = server.device()
    resp = dev.http.get("/v1/pull", params={"limit": limit})
    assert resp.status_code == 400 and resp.json()["code"] == "bad_limit"


@pytest.mark.parametrize("wait", ["-1", "31", "soon", "nan"])
def test_bad_wait(server: Harness, wait: str) -> None:
    dev = server.device()
    resp = dev.http.get("/v1/pull", params={"wait": wait})
    assert resp.status_code == 400 and resp.json()["code"] == "bad_request"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "!!!not-base64!!!", _b64(b"not json"), _b64(b"[1, 2]"), _b64(b'{"e": 1, "p": {}}'),
    _b64(b'{"e": "x", "p": {"t": -1}}'), _b64(b'{"e": "x", "p": {"t": "1"}}'),
    _b64(b"[" * 5000)])
def test_undecodable_cursor_is_bad_cursor(server: Harness, cursor: str) -> None:
    dev = server.device()
    resp = dev.pull(cursor)
    assert resp.status_code == 400 and resp.json()["code"] == "bad_cursor"


def test_cursor_of_another_server_requires_reset(make_server) -> None:
    one, two = make_server(), make_server()
    _, cursor = one.device().pull_all()
    resp = two.device().pull(cursor)
    assert resp.status_code == 410
    assert resp.json()["code"] == "reset_required" and resp.json()["reason"] == "other_server"


def test_cursor_from_before_a_backup_restore_requires_reset(make_server, tmp_path) -> None:
    live = make_server()
    dev = live.device()
    _batch(dev, 3)
    live.store.backup(tmp_path / "backup.db")
    _batch(dev, 3)
    _, cursor = dev.pull_all()
    headers = dict(dev.http.headers)
    live.stop()
    restored = make_server(tmp_path / "backup.db")
    busy = restored.device(teams=dev.teams)
    for _ in range(8):  # the restored server's versions pass the old cursor's
        _batch(busy, 1)
    resp = httpx.get(f"{restored.url}/v1/pull", params={"cursor": cursor}, headers=headers)
    assert resp.status_code == 410 and resp.json()["reason"] == "server_restored"
    fresh = httpx.get(f"{restored.url}/v1/pull", headers=headers).json()
    assert len([r for r in fresh["rows"] if r["kind"] == "contact"]) == 3 + 8


def test_cursor_ahead_of_a_copied_database_file_requires_reset(make_server, tmp_path) -> None:
    live = make_server(tmp_path / "live.db")
    dev = live.device()
    _batch(dev, 2)
    live.stop()
    shutil.copy(tmp_path / "live.db", tmp_path / "copy.db")
    again = make_server(tmp_path / "live.db")
    again.devices.append(dev)
    dev.http = httpx.Client(base_url=again.url, headers=dict(dev.http.headers))
    _batch(dev, 2)
    _, cursor = dev.pull_all()
    copy = make_server(tmp_path / "copy.db")
    resp = httpx.get(f"{copy.url}/v1/pull", params={"cursor": cursor},
                     headers=dict(dev.http.headers))
    assert resp.status_code == 410 and resp.json()["reason"] == "server_restored"


def test_cursor_from_before_compaction_requires_reset(server: Harness) -> None:
    dev = server.device()
    ids = _batch(dev, 2)
    old_cursor = dev.pull(limit=1).json()["cursor"]
    server.store.purge("contact", ids[0])
    server.store.compact()
    resp = dev.pull(old_cursor)
    assert resp.status_code == 410 and resp.json()["reason"] == "compacted"
    rows, cursor = dev.pull_all()
    assert ids[0] not in {r["id"] for r in rows} and ids[1] in {r["id"] for r in rows}
    assert dev.pull(cursor).status_code == 200


def test_teams_only_see_their_own_rows(server: Harness) -> None:
    a = server.device()
    b = server.device()
    mine = _batch(a, 2)
    rows, _ = b.pull_all()
    assert not set(mine) & {r["id"] for r in rows}
    assert {r["team"] for r in rows} == set(b.teams)


def test_joining_a_team_brings_its_older_rows(server: Harness) -> None:
    a = server.device()
    other = server.device()
    theirs = _batch(other, 3)
    _, cursor = a.pull_all()
    _batch(a, 1)
    server.store.join_team(a.worker, other.teams[0])
    page = a.pull(cursor).json()
    assert set(theirs) <= {r["id"] for r in page["rows"]}
    assert page["teams"] == [a.teams[0], other.teams[0]]
    server.store.leave_team(a.worker, other.teams[0])
    assert a.pull(page["cursor"]).json()["teams"] == [a.teams[0]]


def test_long_poll_wakes_on_a_commit(server: Harness) -> None:
    a = server.device()
    b = server.device(teams=a.teams)
    _, cursor = a.pull_all()
    got: dict[str, Any] = {}

    def poll() -> None:
        start = time.monotonic()
        got["page"] = a.pull(cursor, wait=10).json()
        got["took"] = time.monotonic() - start

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.3)
    pushed = _batch(b, 1)
    thread.join(10)
    assert [r["id"] for r in got["page"]["rows"]] == pushed
    assert 0.2 < got["took"] < 5


def test_long_poll_times_out_empty(server: Harness) -> None:
    dev = server.device()
    _, cursor = dev.pull_all()
    start = time.monotonic()
    page = dev.pull(cursor, wait=0.5).json()
    assert page["rows"] == [] and page["more"] is False
    assert 0.45 < time.monotonic() - start < 3


def test_long_polls_do_not_count_against_the_overload_limit(make_server) -> None:
    h = make_server(max_in_flight=2)
    dev = h.device()
    _, cursor = dev.pull_all()
    threads = [threading.Thread(target=dev.pull, args=(cursor, None, 1)) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    assert dev.http.get("/v1/health").status_code == 200
    for t in threads:
        t.join(10)


def test_shutdown_wakes_long_polls(make_server) -> None:
    h = make_server()
    dev = h.device()
    _, cursor = dev.pull_all()
    result: dict[str, Any] = {}

    def poll() -> None:
        start = time.monotonic()
        try:
            result["status"] = dev.pull(cursor, wait=25).status_code
        except Exception as exc:  # noqa: BLE001 - a closed connection is fine too
            result["status"] = type(exc).__name__
        result["took"] = time.monotonic() - start

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.3)
    h.server.stop()
    thread.join(10)
    assert result["took"] < 5 and result["status"] == 200


def test_no_change_pull_is_fast(server: Harness) -> None:
    dev = server.device()
    _batch(dev, 50)
    _, cursor = dev.pull_all()
    times = []
    for _ in range(20):
        start = time.perf_counter()
        assert dev.pull(cursor).status_code == 200
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.020


def test_feed_rows_are_valid_json_objects(server: Harness) -> None:
    dev = server.device()
    dev.push([dev.change("contact", {"note": 'quote " and \\ backslash, é ü 😀'})])
    page = json.loads(dev.pull().content)
    contact = next(r for r in page["rows"] if r["kind"] == "contact")
    assert contact["fields"]["note"][0] == 'quote " and \\ backslash, é ü 😀'
