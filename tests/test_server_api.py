"""Every endpoint's happy path, plus the HTTP rules every answer follows (real HTTP)."""

from __future__ import annotations

import gzip
import json
import socket
from typing import TYPE_CHECKING

import httpx

from sync_server.protocol import PROTOCOL_HEADER

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: "2"}


def test_health_needs_no_token(server: Harness) -> None:
    resp = httpx.get(f"{server.url}/v1/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "protocol": 2}
    assert resp.headers["Content-Length"] == str(len(resp.content))
    assert resp.headers["Content-Type"] == "application/json"


def test_openapi_document_is_served(server: Harness) -> None:
    resp = httpx.get(f"{server.url}/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["openapi"].startswith("3.0")
    assert "/v1/push" in doc["paths"]


def test_enroll_returns_token_worker_role_and_teams(server: Harness) -> None:
    team = server.team("Zuid")
    worker = server.store.add_worker("Sanne", "caretaker", [team])
    code = server.store.create_enrollment(worker)
    resp = httpx.post(f"{server.url}/v1/enroll", headers=PROTO,
                      json={"code": code.lower().replace("-", " "), "device": "tablet-1",
                            "label": "Tablet Sanne"})
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["device"] == "tablet-1" and data["worker"] == worker
    assert data["role"] == "caretaker" and data["teams"] == [team]
    assert len(data["token"]) >= 40
    ok = httpx.get(f"{server.url}/v1/pull", headers={
        **PROTO, "Authorization": f"Bearer {data['token']}"})
    assert ok.status_code == 200
    # The token itself is not in the database, only its hash.
    assert data["token"] not in json.dumps(server.dump(), default=str)


def test_enrollment_code_is_one_time(server: Harness) -> None:
    team = server.team()
    code = server.store.create_enrollment(server.store.add_worker("An", "street_coach", [team]))
    first = httpx.post(f"{server.url}/v1/enroll", headers=PROTO,
                       json={"code": code, "device": "phone-1"})
    again = httpx.post(f"{server.url}/v1/enroll", headers=PROTO,
                       json={"code": code, "device": "phone-2"})
    assert first.status_code == 200
    assert again.status_code == 401 and again.json()["code"] == "enrollment_invalid"


def test_expired_code_is_refused(make_server) -> None:
    now = [1_800_000_000_000]
    h = make_server(wall=lambda: now[0])
    worker = h.store.add_worker("An", "street_coach", [h.team()])
    code = h.store.create_enrollment(worker, hours=1)
    now[0] += 3600 * 1000 + 1
    resp = httpx.post(f"{h.url}/v1/enroll", headers=PROTO, json={"code": code, "device": "p1"})
    assert resp.status_code == 401 and resp.json()["code"] == "enrollment_invalid"


def test_device_id_taken_is_409_and_keeps_code(server: Harness) -> None:
    dev = server.device()
    worker = server.store.add_worker("Bo", "street_coach", dev.teams)
    code = server.store.create_enrollment(worker)
    before = server.dump()
    resp = httpx.post(f"{server.url}/v1/enroll", headers=PROTO,
                      json={"code": code, "device": dev.id})
    assert resp.status_code == 409 and resp.json()["code"] == "device_exists"
    assert server.dump() == before
    assert httpx.post(f"{server.url}/v1/enroll", headers=PROTO,
                      json={"code": code, "device": "other"}).status_code == 200


def test_push_then_pull_round_trip(server: Harness) -> None:
    dev = server.device()
    ch = dev.change("contact", {"at": "2024-05-01T10:00:00Z", "note": "Kort gesprek",
                                "themes": ["jeugd"], "follow_up": True, "group_size": 4,
                                "lat": 52.1, "_deleted": False})
    resp = dev.push([ch])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["acked"] == 1 and body["rejected"] == []
    assert len(body["server_time"]) == 16
    other = server.device(teams=dev.teams)
    rows, _ = other.pull_all()
    contact = next(r for r in rows if r["kind"] == "contact")
    assert contact["id"] == ch["id"] and contact["team"] == dev.teams[0]
    assert contact["fields"]["note"] == ["Kort gesprek", ch["fields"]["note"][1]]
    assert contact["fields"]["lat"][0] == 52.1
    assert contact["fields"]["_deleted"][0] is False
    page = other.pull().json()
    assert page["teams"] == dev.teams and "server_time" in page


def test_feed_publishes_team_and_worker_names(server: Harness) -> None:
    team = server.team("Team Centrum")
    dev = server.device(teams=[team])
    rows, _ = dev.pull_all()
    by_kind = {r["kind"]: r for r in rows}
    assert by_kind["team"]["id"] == team and by_kind["team"]["team"] == team
    assert by_kind["team"]["fields"]["name"][0] == "Team Centrum"
    assert by_kind["team"]["fields"]["name"][1].endswith("@server")
    assert by_kind["worker"]["id"] == dev.worker
    assert by_kind["worker"]["fields"]["role"][0] == "street_coach"


def test_history_for_team_lead(server: Harness) -> None:
    lead = server.device(role="team_lead")
    coach = server.device(teams=lead.teams)
    first = coach.change("signal", {"street": "Pleinweg", "severity": 2})
    coach.push([first])
    stamp = first["fields"]["severity"][1]
    edit = coach.change("signal", {"severity": 4}, id=first["id"], bases={"severity": stamp})
    coach.push([edit])
    resp = lead.http.get(f"/v1/history/signal/{first['id']}")
    assert resp.status_code == 200, resp.text
    hist = resp.json()
    assert hist["kind"] == "signal" and hist["team"] == lead.teams[0]
    assert [c["device"] for c in hist["changes"]] == [coach.id, coach.id]
    assert hist["changes"][0]["fields"]["severity"][0] == 2
    assert hist["changes"][1]["fields"]["severity"] == [4, edit["fields"]["severity"][1], stamp]
    assert hist["changes"][0]["version"] < hist["changes"][1]["version"]
    assert hist["changes"][0]["at"].endswith("Z")


def test_history_is_for_team_leads_of_the_row_team_only(server: Harness) -> None:
    coach = server.device()
    ch = coach.change("signal", {"street": "Pleinweg"})
    coach.push([ch])
    assert coach.http.get(f"/v1/history/signal/{ch['id']}").json()["code"] == "forbidden"
    other_lead = server.device(role="team_lead")  # another team
    resp = other_lead.http.get(f"/v1/history/signal/{ch['id']}")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert other_lead.http.get(f"/v1/history/nokind/{ch['id']}").status_code == 404
    lead = server.device(role="team_lead", teams=coach.teams)
    for odd in ("abc", "x" * 40, ch["id"].upper(), ch["id"].replace("-", "")):
        resp = lead.http.get(f"/v1/history/signal/{odd}")
        assert resp.status_code == 404 and resp.json()["code"] == "not_found", odd


def test_conflicts_list_and_review(server: Harness) -> None:
    lead = server.device(role="team_lead")
    a = server.device(teams=lead.teams)
    b = server.device(teams=lead.teams)
    row = a.change("household", {"street": "Lindelaan"})
    a.push([row])
    base = row["fields"]["street"][1]
    a.push([a.change("household", {"street": "Esdoornstraat"}, id=row["id"],
                     bases={"street": base})])
    b.push([b.change("household", {"street": "Wilgenpad"}, id=row["id"],
                     bases={"street": base})])
    listed = lead.http.get("/v1/conflicts").json()["conflicts"]
    assert len(listed) == 1
    conflict = listed[0]
    assert conflict["row_id"] == row["id"] and conflict["field"] == "street"
    assert conflict["kind"] == "household" and conflict["team"] == lead.teams[0]
    assert {conflict["winner"][0], conflict["loser"][0]} == {"Esdoornstraat", "Wilgenpad"}
    assert conflict["reviewed"] is False
    resp = lead.http.post(f"/v1/conflicts/{conflict['id']}/review")
    assert resp.status_code == 200 and resp.json() == {"id": conflict["id"], "reviewed": True}
    assert lead.http.get("/v1/conflicts").json()["conflicts"] == []
    everything = lead.http.get("/v1/conflicts", params={"all": "1"}).json()["conflicts"]
    assert [c["reviewed"] for c in everything] == [True]
    assert a.http.get("/v1/conflicts").status_code == 403
    outsider = server.device(role="team_lead")
    assert outsider.http.get("/v1/conflicts").json()["conflicts"] == []
    assert outsider.http.post(f"/v1/conflicts/{conflict['id']}/review").status_code == 404


def test_unknown_path_and_wrong_method(server: Harness) -> None:
    resp = httpx.get(f"{server.url}/v1/nothing")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    resp = httpx.get(f"{server.url}/v1/push", headers=PROTO)
    assert resp.status_code == 405 and resp.json()["code"] == "method_not_allowed"
    assert resp.headers["Allow"] == "POST"
    resp = httpx.request("PATCH", f"{server.url}/v1/health")
    assert resp.status_code == 405


def test_gzip_both_ways(server: Harness) -> None:
    dev = server.device()
    changes = [dev.change("contact", {"note": "x" * 200}) for _ in range(20)]
    body = gzip.compress(json.dumps({"device": dev.id, "epoch": dev.epoch,
                                     "changes": changes}).encode())
    resp = dev.http.post("/v1/push", content=body, headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["acked"] == 20
    raw = dev.http.get("/v1/pull", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["Content-Encoding"] == "gzip"
    assert len(raw.json()["rows"]) >= 20  # httpx decoded it
    plain = dev.http.get("/v1/pull", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    small = httpx.get(f"{server.url}/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # under 1 KB: not worth it


def test_keep_alive_serves_many_requests_on_one_connection(server: Harness) -> None:
    with socket.create_connection(server.server.server_address[:2]) as sock:
        for _ in range(3):
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(4096)
            header, _, rest = head.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in header.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            while len(rest) < length:
                rest += sock.recv(4096)
            assert json.loads(rest[:length]) == {"status": "ok", "protocol": 2}
