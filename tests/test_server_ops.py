"""Operating the server: overload, admin CLI, graceful stop on signals, TLS, logs, last resorts."""

from __future__ import annotations

import logging
import signal
import sqlite3
import ssl
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from server_fixtures import poll_until

from sync_server.store import ServerStore
from wijkweb_protocol import PROTOCOL_HEADER, Clock, new_id

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: "2"}


def test_overload_answers_429_at_once(make_server) -> None:
    h = make_server(max_in_flight=1)
    dev = h.device()
    blocked = dev.change("contact", {"note": "waits for the writer"})
    h.store._wlock.acquire()  # the database is busy: the push below holds the only slot
    try:
        result: dict[str, Any] = {}
        pusher = threading.Thread(target=lambda: result.update(resp=dev.push([blocked])))
        pusher.start()
        poll_until(lambda: h.server.in_flight == 1, "the push holds the slot")
        start = time.monotonic()
        resp = h.anonymous.get("/v1/health")
        assert time.monotonic() - start < 1
        assert resp.status_code == 429
        assert resp.json()["code"] == "overloaded" and resp.headers["Retry-After"] == "1"
    finally:
        h.store._wlock.release()
    pusher.join(60)
    assert result["resp"].status_code == 200
    # the slot is given back just after the answer went out: the client may be quicker
    poll_until(lambda: h.server.in_flight == 0, "the slot given back")
    assert h.anonymous.get("/v1/health").status_code == 200


def test_admin_cli_mirrors_the_store(server: Harness, cli, tmp_path: Path) -> None:
    db = str(server.db_path)
    team = cli("admin", "--db", db, "team-add", "Team West")
    assert team.returncode == 0, team.stderr
    team_id = team.stdout.strip()
    worker = cli("admin", "--db", db, "worker-add", "--team", team_id, "--name", "Noor",
                 "--role", "team_lead")
    assert worker.returncode == 0, worker.stderr
    worker_id = worker.stdout.strip()
    code = cli("admin", "--db", db, "enroll", "--worker", worker_id, "--hours", "2")
    assert code.returncode == 0
    # The running server sees what the CLI wrote: enroll with the printed code.
    resp = server.anonymous.post("/v1/enroll", headers=PROTO, json={
        "code": code.stdout.strip(), "device": "laptop-noor", "label": "Laptop"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["teams"] == [team_id] and resp.json()["role"] == "team_lead"
    token = resp.json()["token"]
    devices = cli("admin", "--db", db, "devices")
    assert "laptop-noor" in devices.stdout and "Laptop" in devices.stdout
    assert token not in devices.stdout

    headers = {**PROTO, "Authorization": f"Bearer {token}"}
    clock = Clock("laptop-noor")
    row = new_id()
    push = {"device": "laptop-noor", "epoch": "e", "changes": [
        {"seq": 1, "tx": 1, "kind": "resident", "id": row, "team": team_id,
         "fields": {"name": ["Fatima", clock.stamp(), None]}}]}
    assert server.anonymous.post("/v1/push", json=push, headers=headers).status_code == 200

    backup = tmp_path / "copy.db"
    done = cli("admin", "--db", db, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    copy = ServerStore(backup)
    try:
        assert copy.timeline != server.store.timeline  # opened as a restore: a new feed epoch
        assert copy.history([team_id], "resident", row)["changes"]
    finally:
        copy.close()
    again = cli("admin", "--db", db, "backup", str(backup))
    assert again.returncode == 2 and "exists" in again.stderr

    assert cli("admin", "--db", db, "purge", "resident", row).returncode == 0
    assert server.store.history([team_id], "resident", row)["purged"] is True
    assert cli("admin", "--db", db, "conflicts").returncode == 0

    assert cli("admin", "--db", db, "revoke", "laptop-noor").returncode == 0
    assert "yes" in cli("admin", "--db", db, "devices").stdout
    resp = server.anonymous.get("/v1/pull", headers=headers)
    assert resp.status_code == 403 and resp.json()["code"] == "device_revoked"


@pytest.mark.parametrize("args,message", [
    (["worker-add", "--team", "no-such-team", "--name", "X", "--role", "caretaker"],
     "no team"),
    (["enroll", "--worker", "nobody"], "no worker"),
    (["revoke", "nobody"], "no device"),
    (["purge", "contact", "00000000-0000-4000-8000-000000000000"], "no contact"),
    (["purge", "spaceship", "x"], "no kind"),
    (["purge", "contact", "not-a-uuid"], "no contact"),
    (["team-add", "   "], "name"),
])
def test_admin_cli_errors_exit_2(cli, tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("admin", "--db", str(tmp_path / "a.db"), *args)
    assert result.returncode == 2
    assert message in result.stderr.lower() and result.stdout == ""


def _push_until_stopped(url: str, token: str, device: str, team: str,
                        acked: list[int], errors: list[str]) -> None:
    clock = Clock(device)
    seq = 0
    with httpx.Client(base_url=url, headers={**PROTO, "Authorization": f"Bearer {token}"},
                      timeout=10) as http:
        while True:
            changes = []
            for _ in range(200):
                seq += 1
                changes.append({"seq": seq, "tx": seq, "kind": "contact", "id": new_id(),
                                "team": team, "fields": {"note": ["x" * 100, clock.stamp(),
                                                                  None]}})
            try:
                resp = http.post("/v1/push", json={"device": device, "epoch": "e",
                                                   "changes": changes})
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                return
            if resp.status_code != 200:
                errors.append(str(resp.status_code))
                return
            acked.append(resp.json()["acked"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_gracefully_without_losing_acked_changes(spawn, tmp_path: Path,
                                                              sig: int) -> None:
    db = tmp_path / "graceful.db"
    store = ServerStore(db)
    team = store.add_team("T")
    code = store.create_enrollment(store.add_worker("W", "street_coach", [team]))
    store.close()
    proc, url = spawn(db)
    enrolled = httpx.post(f"{url}/v1/enroll", headers=PROTO,
                          json={"code": code, "device": "phone"}).json()
    acked: list[int] = []
    errors: list[str] = []
    pusher = threading.Thread(target=_push_until_stopped,
                              args=(url, enrolled["token"], "phone", team, acked, errors))
    pusher.start()
    deadline = time.monotonic() + 10
    while len(acked) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(sig)
    assert proc.wait(10) == 0
    pusher.join(10)
    assert acked and errors  # it was pushing when the signal came
    check = sqlite3.connect(db)
    try:
        logged = check.execute("SELECT count(*) FROM changes WHERE device = 'phone'").fetchone()[0]
        last = check.execute("SELECT last_seq FROM epochs WHERE device = 'phone'").fetchone()[0]
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
    assert logged == last >= acked[-1]
    assert "stopping" in proc.stderr.read()


def test_tls_serves_https(spawn, tmp_path: Path, self_signed) -> None:
    cert, key = self_signed
    proc, url = spawn(tmp_path / "tls.db", "--tls-cert", str(cert), "--tls-key", str(key))
    assert url.startswith("https://")
    trust = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(verify=trust) as http:
        assert http.get(f"{url}/v1/health").json() == {"status": "ok", "protocol": 2}
        assert http.get(f"{url}/v1/pull", headers=PROTO).status_code == 401
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/v1/health")  # not trusted: refused by the client
    plain = url.replace("https://", "http://")
    refused = httpx.get(f"{plain}/v1/health", timeout=5)  # plain HTTP on the TLS port
    assert (refused.status_code, refused.json()["code"]) == (400, "tls_required")
    assert httpx.get(f"{url}/v1/health", verify=trust).status_code == 200  # still serving


def test_request_log_has_no_query_bodies_or_tokens(server: Harness, caplog) -> None:
    dev = server.device()
    caplog.set_level(logging.INFO, logger="wijkweb.server")
    dev.push([dev.change("resident", {"name": "Mohamed El Amrani"})])
    dev.pull(cursor="", limit=10)
    time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if r.name == "wijkweb.server"]
    assert any(line.startswith("POST /v1/push 200 ") and f"device={dev.id}" in line
               for line in lines), lines
    assert any(line.startswith("GET /v1/pull 200 ") for line in lines)
    text = "\n".join(lines)
    assert "limit" not in text and "Amrani" not in text and dev.token not in text


def test_unexpected_failure_is_500_internal_and_logged(server: Harness, caplog,
                                                       monkeypatch) -> None:
    lead = server.device(role="team_lead")

    def boom(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(server.store, "history", boom)
    caplog.set_level(logging.ERROR, logger="wijkweb.server")
    resp = lead.http.get(f"/v1/history/contact/{new_id()}")
    assert resp.status_code == 500 and resp.json()["code"] == "internal"
    assert any("internal error on GET /v1/history" in r.getMessage() for r in caplog.records)
