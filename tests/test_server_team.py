"""A team lead's devices and people endpoints over real HTTP: roles, team isolation, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from sync_server.protocol import PROTOCOL_HEADER

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: "2"}


def _two_teams(server: Harness):  # noqa: ANN202
    north, south = server.team("Noord"), server.team("Zuid")
    lead = server.device(role="team_lead", teams=[north])
    coach = server.device(teams=[north])
    stranger = server.device(teams=[south])
    return north, south, lead, coach, stranger


def test_lead_lists_workers_and_devices_of_own_teams_only(server: Harness) -> None:
    north, south, lead, coach, stranger = _two_teams(server)
    both = server.store.add_worker("Beide", "caretaker", [south, north])
    resp = lead.http.get("/v1/team/devices")
    assert resp.status_code == 200, resp.text
    workers = {w["id"]: w for w in resp.json()["workers"]}
    assert set(workers) == {lead.worker, coach.worker, both}
    assert workers[both]["teams"] == [north]  # another team's id is not shown
    assert workers[both]["devices"] == []
    device = workers[coach.worker]["devices"][0]
    assert device["id"] == coach.id and device["label"] == "test"
    assert device["revoked"] is False and device["last_seen"].endswith("Z")
    assert workers[coach.worker]["role"] == "street_coach"
    assert stranger.worker not in workers


def test_others_are_forbidden(server: Harness) -> None:
    _, _, _, coach, _ = _two_teams(server)
    for method, path, body in [("GET", "/v1/team/devices", None),
                               ("POST", "/v1/team/enrollments", {"worker": coach.worker}),
                               ("POST", f"/v1/team/devices/{coach.id}/revoke", None)]:
        resp = coach.http.request(method, path, json=body)
        assert resp.status_code == 403 and resp.json()["code"] == "forbidden", path
    assert not any(d["revoked"] for d in server.store.devices())


def test_enrollment_code_enrolls_a_new_device_of_the_worker(server: Harness) -> None:
    _, _, lead, coach, _ = _two_teams(server)
    before = datetime.now(UTC)
    resp = lead.http.post("/v1/team/enrollments", json={"worker": coach.worker, "hours": 2})
    assert resp.status_code == 200, resp.text
    data = resp.json()
    expires = datetime.strptime(data["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + timedelta(hours=2) - timedelta(seconds=5) <= expires
    assert expires <= before + timedelta(hours=2, seconds=5)
    enrolled = server.anonymous.post("/v1/enroll", headers=PROTO,
                                     json={"code": data["code"], "device": "new-phone"})
    assert enrolled.status_code == 200 and enrolled.json()["worker"] == coach.worker


def test_enrollment_defaults_to_a_day(server: Harness) -> None:
    _, _, lead, coach, _ = _two_teams(server)
    data = lead.http.post("/v1/team/enrollments", json={"worker": coach.worker}).json()
    expires = datetime.strptime(data["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(expires - datetime.now(UTC) - timedelta(hours=24)) < timedelta(seconds=10)


@pytest.mark.parametrize("body, status, code", [
    (b"", 400, "bad_json"),
    (b"{nope", 400, "bad_json"),
    (b"[]", 400, "bad_request"),
    (b"{}", 400, "bad_request"),
    (b'{"worker": 7}', 400, "bad_request"),
    (b'{"worker": ""}', 400, "bad_request"),
    (b'{"worker": "W", "hours": 0}', 400, "bad_request"),
    (b'{"worker": "W", "hours": 169}', 400, "bad_request"),
    (b'{"worker": "W", "hours": "24"}', 400, "bad_request"),
    (b'{"worker": "W", "hours": true}', 400, "bad_request"),
    (b'{"worker": "W", "hours": null}', 400, "bad_request"),
    (b'{"worker": "W", "hours": 1e999}', 400, "bad_json"),
    (b'{"worker": "no-such-worker"}', 404, "not_found"),
])
def test_bad_enrollment_requests_are_precise_4xx(server: Harness, body: bytes, status: int,
                                                 code: str) -> None:
    _, _, lead, coach, _ = _two_teams(server)
    body = body.replace(b'"W"', f'"{coach.worker}"'.encode())
    before = server.dump()
    resp = lead.http.post("/v1/team/enrollments", content=body,
                          headers={"Content-Type": "application/json"})
    assert (resp.status_code, resp.json()["code"]) == (status, code), resp.text
    assert server.dump() == before


def test_another_teams_worker_and_device_are_not_found(server: Harness) -> None:
    _, _, lead, _, stranger = _two_teams(server)
    before = server.dump()
    enroll = lead.http.post("/v1/team/enrollments", json={"worker": stranger.worker})
    revoke = lead.http.post(f"/v1/team/devices/{stranger.id}/revoke")
    for resp in (enroll, revoke):
        assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert server.dump() == before
    assert stranger.pull().status_code == 200


def test_revoke_stops_the_device_at_once_and_is_idempotent(server: Harness) -> None:
    _, _, lead, coach, _ = _two_teams(server)
    assert coach.pull().status_code == 200
    for _ in range(2):
        resp = lead.http.post(f"/v1/team/devices/{coach.id}/revoke")
        assert resp.status_code == 200 and resp.json() == {"id": coach.id, "revoked": True}
    denied = coach.pull()
    assert denied.status_code == 403 and denied.json()["code"] == "device_revoked"
    listed = {d["id"]: d for w in lead.http.get("/v1/team/devices").json()["workers"]
              for d in w["devices"]}
    assert listed[coach.id]["revoked"] is True


def test_revoke_bad_ids_and_own_device(server: Harness) -> None:
    _, _, lead, _, _ = _two_teams(server)
    own = lead.http.post(f"/v1/team/devices/{lead.id}/revoke")
    assert own.status_code == 400 and own.json()["code"] == "bad_request"
    for path in ("/v1/team/devices/nope/revoke", f"/v1/team/devices/{'x' * 300}/revoke",
                 "/v1/team/devices/a%20b/revoke", "/v1/team/devices//revoke"):
        resp = lead.http.post(path)
        assert resp.status_code == 404 and resp.json()["code"] == "not_found", path
    wrong = lead.http.get(f"/v1/team/devices/{lead.id}/revoke")
    assert wrong.status_code == 405
    assert lead.pull().status_code == 200


def test_without_token_is_401(server: Harness) -> None:
    resp = httpx.get(f"{server.url}/v1/team/devices")
    assert resp.status_code == 401 and resp.json()["code"] == "unauthorized"


def test_a_lead_in_two_teams_sees_both(server: Harness) -> None:
    north, south = server.team("Noord"), server.team("Zuid")
    lead = server.device(role="team_lead", teams=[north, south])
    a, b = server.device(teams=[north]), server.device(teams=[south])
    ids = {w["id"] for w in lead.http.get("/v1/team/devices").json()["workers"]}
    assert {a.worker, b.worker, lead.worker} <= ids
    assert lead.http.post(f"/v1/team/devices/{b.id}/revoke").status_code == 200
