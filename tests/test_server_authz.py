"""The authorisation matrix: every endpoint × caller role × own/other team, over real HTTP.

Roles: no token, a bad token, a revoked device, a worker (street coach), a team lead and an
administrator (in no team). "Own" targets live in team Noord (the worker's and the lead's),
"other" targets in team Zuid. Every cell states the exact status and code; a new route without
a row here fails ``test_every_route_is_in_the_matrix``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sync_server import api
from sync_server.protocol import PROTOCOL_HEADER, new_id
from sync_server.ratelimit import RateLimits

if TYPE_CHECKING:
    from server_fixtures import DeviceClient, Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: "2"}
ROLES = ("none", "bad_token", "revoked", "worker", "team_lead", "administrator")


@dataclass
class Caller:
    role: str
    device: str
    http: httpx.Client


@dataclass
class Scene:
    """What the calls act on, per team: ``own`` (Noord) and ``other`` (Zuid)."""

    server: Harness
    team: dict[str, str]
    household: dict[str, str]
    conflict: dict[str, int]
    worker: dict[str, str]
    device: dict[str, str]
    erasable: dict[str, str]
    """Per team a household that the first successful call erases (the lead's, on own)."""


def _conflict(a: DeviceClient, b: DeviceClient) -> str:
    """Two devices write one household's street without seeing each other: a conflict."""
    rid = new_id()
    assert a.push([a.change("household", {"street": "Lindelaan"}, id=rid)]).status_code == 200
    assert b.push([b.change("household", {"street": "Pleinweg"}, id=rid)]).status_code == 200
    return rid


@pytest.fixture
def scene(server: Harness) -> tuple[Scene, dict[str, Caller]]:
    noord, zuid = server.team("Noord"), server.team("Zuid")
    worker = server.device("street_coach", [noord])
    lead = server.device("team_lead", [noord])
    revoked = server.device("street_coach", [noord])
    server.store.revoke(revoked.id)
    admin = _admin(server)
    households, targets, workers, erasable = {}, {}, {}, {}
    for side, team in (("own", noord), ("other", zuid)):
        a, b = server.device("caretaker", [team]), server.device("caretaker", [team])
        households[side] = _conflict(a, b)
        targets[side], workers[side] = b.id, b.worker
        erasable[side] = new_id()
        assert a.push([a.change("household", {"street": "Kade"}, id=erasable[side])]
                      ).json()["rejected"] == []
    conflicts = {c["team"]: c["id"] for c in server.store.conflicts()}
    callers = {
        "none": Caller("none", "nobody", server.anonymous),
        "bad_token": Caller("bad_token", "nobody", _client(server, "x" * 43)),
        "revoked": Caller("revoked", revoked.id, revoked.http),
        "worker": Caller("worker", worker.id, worker.http),
        "team_lead": Caller("team_lead", lead.id, lead.http),
        "administrator": admin,
    }
    sc = Scene(server, {"own": noord, "other": zuid}, households,
               {"own": conflicts[noord], "other": conflicts[zuid]}, workers, targets,
               erasable)
    yield sc, callers
    for role in ("bad_token", "administrator"):
        callers[role].http.close()


def _client(server: Harness, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


def _admin(server: Harness, teams: list[str] | None = None) -> Caller:
    """An administrator's device; by default in no team (it then reads no resident data)."""
    worker = server.store.add_worker("Beheer", "administrator", teams or [])
    code = server.store.create_enrollment(worker)
    device = f"admin-{uuid.uuid4().hex[:8]}"
    resp = server.anonymous.post("/v1/enroll", headers=PROTO,
                                 json={"code": code, "device": device})
    assert resp.status_code == 200, resp.text
    assert resp.json()["role"] == "administrator"
    return Caller("administrator", device, _client(server, resp.json()["token"]))


Call = Callable[[Scene, Caller, str], httpx.Response]


def _push(sc: Scene, c: Caller, side: str) -> httpx.Response:
    stamp = f"{0x19000000000 << 16:016x}@{c.device}"
    change = {"seq": 1, "tx": 1, "kind": "household", "id": new_id(), "team": sc.team[side],
              "fields": {"street": ["Dorpsstraat", stamp]}}
    return c.http.post("/v1/push", headers=PROTO, json={
        "device": c.device, "epoch": uuid.uuid4().hex, "changes": [change]})


CALLS: dict[tuple[str, str], Call] = {
    ("GET", "/v1/health"): lambda sc, c, side: c.http.get("/v1/health"),
    ("GET", "/v1/openapi.json"): lambda sc, c, side: c.http.get("/v1/openapi.json"),
    ("POST", "/v1/enroll"): lambda sc, c, side: c.http.post(
        "/v1/enroll", headers=PROTO, json={"code": "AAAA-BBBB-CCCC", "device": "new-one"}),
    ("POST", "/v1/push"): _push,
    ("GET", "/v1/pull"): lambda sc, c, side: c.http.get("/v1/pull", headers=PROTO),
    ("GET", "/v1/history/{kind}/{id}"): lambda sc, c, side: c.http.get(
        f"/v1/history/household/{sc.household[side]}"),
    ("GET", "/v1/conflicts"): lambda sc, c, side: c.http.get("/v1/conflicts"),
    ("POST", "/v1/conflicts/{id}/review"): lambda sc, c, side: c.http.post(
        f"/v1/conflicts/{sc.conflict[side]}/review"),
    ("GET", "/v1/team/devices"): lambda sc, c, side: c.http.get("/v1/team/devices"),
    ("POST", "/v1/team/enrollments"): lambda sc, c, side: c.http.post(
        "/v1/team/enrollments", json={"worker": sc.worker[side]}),
    ("POST", "/v1/team/devices/{id}/revoke"): lambda sc, c, side: c.http.post(
        f"/v1/team/devices/{sc.device[side]}/revoke"),
    ("POST", "/v1/households/{id}/erase"): lambda sc, c, side: c.http.post(
        f"/v1/households/{sc.erasable[side]}/erase"),
    ("GET", "/v1/admin/teams"): lambda sc, c, side: c.http.get("/v1/admin/teams"),
    ("POST", "/v1/admin/teams"): lambda sc, c, side: c.http.post(
        "/v1/admin/teams", json={"name": "Oost"}),
    ("POST", "/v1/admin/workers"): lambda sc, c, side: c.http.post(
        "/v1/admin/workers", json={"name": "Nieuw", "role": "caretaker",
                                   "teams": [sc.team[side]]}),
    ("GET", "/v1/audit"): lambda sc, c, side: c.http.get("/v1/audit"),
    ("POST", "/v1/audit/export"): lambda sc, c, side: c.http.post(
        "/v1/audit/export", json={"what": "report_csv", "team": sc.team[side], "count": 3}),
    ("POST", "/v1/device/refused"): lambda sc, c, side: c.http.post(
        "/v1/device/refused", json={"count": 0}),
}

OK = (200, "ok")
NO_TOKEN = (401, "unauthorized")
REVOKED = (403, "device_revoked")
FORBIDDEN = (403, "forbidden")
NOT_FOUND = (404, "not_found")
OTHER_TEAM = (403, "forbidden_team")
PUSH_REFUSED = (200, "forbidden_team")
"""A push is answered 200; the change itself is rejected with this code."""

Cell = tuple[tuple[int, str], tuple[int, str]]
"""Expected (status, code) for the own team, then for the other team."""
AUTHED = {"none": (NO_TOKEN, NO_TOKEN), "bad_token": (NO_TOKEN, NO_TOKEN),
          "revoked": (REVOKED, REVOKED)}


def _row(worker: Cell, lead: Cell, admin: Cell) -> dict[str, Cell]:
    return {**AUTHED, "worker": worker, "team_lead": lead, "administrator": admin}


_PUBLIC = dict.fromkeys(ROLES, (OK, OK))
_ENROLL = dict.fromkeys(ROLES, ((401, "enrollment_invalid"),) * 2)
_FORBIDDEN = (FORBIDDEN, FORBIDDEN)
_SCOPED = (OK, NOT_FOUND)

MATRIX: dict[tuple[str, str], dict[str, Cell]] = {
    ("GET", "/v1/health"): _PUBLIC,
    ("GET", "/v1/openapi.json"): _PUBLIC,
    ("POST", "/v1/enroll"): _ENROLL,
    ("POST", "/v1/push"): _row((OK, PUSH_REFUSED), (OK, PUSH_REFUSED),
                               (PUSH_REFUSED, PUSH_REFUSED)),
    ("GET", "/v1/pull"): _row((OK, OK), (OK, OK), (OK, OK)),
    ("GET", "/v1/history/{kind}/{id}"): _row(_FORBIDDEN, _SCOPED, _FORBIDDEN),
    ("GET", "/v1/conflicts"): _row(_FORBIDDEN, (OK, OK), _FORBIDDEN),
    ("POST", "/v1/conflicts/{id}/review"): _row(_FORBIDDEN, _SCOPED, _FORBIDDEN),
    ("GET", "/v1/team/devices"): _row(_FORBIDDEN, (OK, OK), (OK, OK)),
    ("POST", "/v1/team/enrollments"): _row(_FORBIDDEN, _SCOPED, (OK, OK)),
    ("POST", "/v1/team/devices/{id}/revoke"): _row(_FORBIDDEN, _SCOPED, (OK, OK)),
    ("POST", "/v1/households/{id}/erase"): _row(_FORBIDDEN, _SCOPED, (NOT_FOUND, OK)),
    ("GET", "/v1/admin/teams"): _row(_FORBIDDEN, _FORBIDDEN, (OK, OK)),
    ("POST", "/v1/admin/teams"): _row(_FORBIDDEN, _FORBIDDEN, (OK, OK)),
    ("POST", "/v1/admin/workers"): _row(_FORBIDDEN, _FORBIDDEN, (OK, OK)),
    ("GET", "/v1/audit"): _row(_FORBIDDEN, (OK, OK), (OK, OK)),
    ("POST", "/v1/audit/export"): _row((OK, OTHER_TEAM), (OK, OTHER_TEAM),
                                       (OTHER_TEAM, OTHER_TEAM)),
    ("POST", "/v1/device/refused"): _row((OK, OK), (OK, OK), (OK, OK)),
}


def _outcome(resp: httpx.Response) -> tuple[int, str]:
    body: Any = resp.json()
    if resp.status_code != 200:
        return resp.status_code, body["code"]
    if isinstance(body, dict) and body.get("rejected"):
        return 200, body["rejected"][0]["code"]
    return 200, "ok"


def test_every_route_is_in_the_matrix() -> None:
    routes = {(r.method, r.path) for r in api.ROUTES}
    assert routes == set(MATRIX) == set(CALLS)
    for cells in MATRIX.values():
        assert set(cells) == set(ROLES)


def test_authorisation_matrix(scene: tuple[Scene, dict[str, Caller]]) -> None:
    sc, callers = scene
    # the bad-token and enroll rows fail on purpose, more often than the limits allow
    sc.server.server.limits = RateLimits(auth_burst=1000, enroll_burst=1000)
    wrong = []
    for (method, path), cells in MATRIX.items():
        for role in ROLES:
            for side, expected in zip(("own", "other"), cells[role], strict=True):
                got = _outcome(CALLS[(method, path)](sc, callers[role], side))
                if got != expected:
                    wrong.append(f"{method} {path} as {role} on {side} team: {got}, "
                                 f"expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_scoped_answers_hold_only_own_teams(scene: tuple[Scene, dict[str, Caller]]) -> None:
    sc, callers = scene
    noord, zuid = sc.team["own"], sc.team["other"]
    rows = callers["worker"].http.get("/v1/pull", headers=PROTO).json()["rows"]
    assert rows and {r["team"] for r in rows} == {noord}
    lead = callers["team_lead"].http
    assert {c["team"] for c in lead.get("/v1/conflicts").json()["conflicts"]} == {noord}
    entries = lead.get("/v1/audit").json()["entries"]
    assert entries and {e["team"] for e in entries} == {noord}
    teams_seen = {t for w in lead.get("/v1/team/devices").json()["workers"] for t in w["teams"]}
    assert teams_seen == {noord}
    admin = callers["administrator"].http
    assert admin.get("/v1/pull", headers=PROTO).json()["rows"] == []  # in no team: no data
    everyone = {t for w in admin.get("/v1/team/devices").json()["workers"] for t in w["teams"]}
    assert everyone == {noord, zuid}
    assert {e["team"] for e in admin.get("/v1/audit").json()["entries"]} >= {noord, zuid}


def test_a_lead_cannot_widen_its_reach(server: Harness) -> None:
    """A lead may not enroll a device for a worker who also works elsewhere, nor for (or
    revoke) an administrator: that code or device would reach beyond the lead's teams."""
    noord, zuid = server.team("Noord"), server.team("Zuid")
    lead = server.device("team_lead", [noord])
    both = server.device("caretaker", [noord, zuid])
    admin = _admin(server)
    admin_worker = next(d["worker"] for d in server.store.devices() if d["id"] == admin.device)
    with server.store._write() as db:  # an administrator in a team: a database from before
        db.execute("INSERT INTO worker_teams VALUES (?, ?, 0)", (admin_worker, noord))
    for worker in (both.worker, admin_worker):
        resp = lead.http.post("/v1/team/enrollments", json={"worker": worker})
        assert (resp.status_code, resp.json()["code"]) == (403, "needs_administrator")
    for device in (admin.device, both.id):  # a revoke wipes the device's unsent Zuid work too
        resp = lead.http.post(f"/v1/team/devices/{device}/revoke")
        assert (resp.status_code, resp.json()["code"]) == (403, "needs_administrator")
        assert zuid not in resp.text and both.worker not in resp.text
    assert not any(d["revoked"] for d in server.store.devices())
    assert admin.http.get("/v1/pull", headers=PROTO).json()["rows"] == []  # still no data
    resp = admin.http.post("/v1/team/enrollments", json={"worker": both.worker})
    assert resp.status_code == 200, resp.text
    admin.http.close()
