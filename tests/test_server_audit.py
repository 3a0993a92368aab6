"""The audit log over real HTTP: each action recorded with ids only, readable by leads (own
teams) and administrators, paged, and impossible to edit."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sync_server.protocol import PROTOCOL_HEADER

if TYPE_CHECKING:
    from server_fixtures import DeviceClient, Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: "2"}
MARK = "Zwaantje" + uuid.uuid4().hex[:8]
"""A unique resident name and note text: it must never show up in the audit log."""


def _admin_token(server: Harness) -> str:
    worker = server.store.add_worker("Beheer", "administrator", [])
    code = server.store.create_enrollment(worker)
    resp = server.anonymous.post("/v1/enroll", headers=PROTO,
                                 json={"code": code, "device": "admin-laptop"})
    assert resp.status_code == 200, resp.text
    return resp.json()["token"]


def _entries(http: Any, **params: Any) -> list[dict[str, Any]]:
    resp = http.get("/v1/audit", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()["entries"]


def _scene(server: Harness) -> tuple[str, DeviceClient, DeviceClient, DeviceClient, str]:
    """A lead and two coaches of one team; a household with a name, a contact with a note, a
    conflict on the household's street; the lead reviews it, exports, revokes a coach."""
    team = server.team("Noord")
    lead = server.device("team_lead", [team])
    coach, other = server.device(teams=[team]), server.device(teams=[team])
    household = str(uuid.uuid4())
    assert coach.push([coach.change("household", {"name": MARK, "street": "Lindelaan"},
                                    id=household),
                       coach.change("contact", {"note": f"{MARK} sprak over schulden"})]
                      ).status_code == 200
    assert other.push([other.change("household", {"street": "Pleinweg"}, id=household)]
                      ).status_code == 200
    assert lead.pull().status_code == 200
    conflict = server.store.conflicts()[0]["id"]
    assert lead.http.post(f"/v1/conflicts/{conflict}/review").status_code == 200
    resp = lead.http.post("/v1/audit/export", json={"what": "report_pdf", "team": team,
                                                    "count": 2})
    assert resp.status_code == 200 and resp.json() == {"recorded": True}
    assert lead.http.post(f"/v1/team/devices/{other.id}/revoke").status_code == 200
    server.store.purge("household", household)
    return team, lead, coach, other, household


def test_every_action_is_recorded_with_ids(server: Harness) -> None:
    team, lead, coach, other, household = _scene(server)
    entries = _entries(lead.http)
    got = {(e["action"], e["kind"], e["row_id"], e["device"]) for e in entries}
    assert ("created", "team", team, "admin-cli") in got
    assert ("code_issued", "worker", coach.worker, "admin-cli") in got
    assert ("enrolled", "device", coach.id, coach.id) in got
    assert ("created", "household", household, coach.id) in got
    assert ("changed", "household", household, other.id) in got
    assert ("revoked", "device", other.id, lead.id) in got
    assert ("purged", "household", household, "admin-cli") in got
    pulled = [e for e in entries if e["action"] == "pulled"]
    assert [(e["device"], e["team"]) for e in pulled] == [(lead.id, team)]
    assert pulled[0]["count"] >= 4  # team, workers, household, contact
    exported = [e for e in entries if e["action"] == "exported"]
    assert [(e["kind"], e["count"], e["worker"]) for e in exported] == [
        ("report_pdf", 2, lead.worker)]
    reviewed = [e for e in entries if e["action"] == "reviewed"]
    assert [(e["kind"], e["device"], e["team"]) for e in reviewed] == [
        ("conflict", lead.id, team)]
    assert all(e["team"] == team for e in entries)
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)


def test_the_log_holds_no_resident_data(server: Harness, cli: Any) -> None:
    _scene(server)
    admin = httpx.Client(base_url=server.url, headers={
        "Authorization": f"Bearer {_admin_token(server)}"})
    text = json.dumps(_entries(admin))
    admin.close()
    assert MARK not in text and "schulden" not in text and "Lindelaan" not in text
    shown = cli("admin", "--db", str(server.db_path), "audit")
    assert shown.returncode == 0, shown.stderr
    assert "purged" in shown.stdout and MARK not in shown.stdout
    db = sqlite3.connect(server.db_path)
    try:
        rows = db.execute("SELECT * FROM audit").fetchall()
    finally:
        db.close()
    assert rows and MARK not in repr(rows)


def test_a_lead_sees_only_own_teams_and_an_administrator_all(server: Harness) -> None:
    noord, zuid = server.team("Noord"), server.team("Zuid")
    lead = server.device("team_lead", [noord])
    coach_zuid = server.device(teams=[zuid])
    assert coach_zuid.push([coach_zuid.change("signal", {"street": "Dorpsstraat"})]
                           ).status_code == 200
    assert {e["team"] for e in _entries(lead.http)} == {noord}
    admin = httpx.Client(base_url=server.url, headers={
        "Authorization": f"Bearer {_admin_token(server)}"})
    teams = {e["team"] for e in _entries(admin)}
    admin.close()
    assert {noord, zuid} <= teams


def test_pages_follow_on_without_gaps(server: Harness) -> None:
    team = server.team()
    lead = server.device("team_lead", [team])
    assert lead.push([lead.change("signal", {"street": f"Straat {i}"}) for i in range(7)]
                     ).status_code == 200
    everything = _entries(lead.http)
    seen: list[int] = []
    after = 0
    while True:
        resp = lead.http.get("/v1/audit", params={"after": after, "limit": 3})
        page = resp.json()
        seen += [e["id"] for e in page["entries"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert seen == [e["id"] for e in everything] and len(seen) >= 9


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_no_endpoint_edits_the_log(server: Harness, method: str) -> None:
    lead = server.device("team_lead")
    before = _entries(lead.http)
    for path in ("/v1/audit", f"/v1/audit/{before[0]['id']}", "/v1/audit/export"):
        resp = lead.http.request(method, path, json={"action": "nothing"})
        assert resp.status_code in (404, 405), (path, resp.status_code)
    assert _entries(lead.http) == before


def test_the_table_refuses_edits_even_from_sql(server: Harness) -> None:
    server.device("team_lead")
    db = sqlite3.connect(server.db_path)
    try:
        for sql in ("UPDATE audit SET device = 'someone-else'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(sql)
    finally:
        db.close()


def test_bad_audit_requests_are_precise(server: Harness) -> None:
    team = server.team()
    lead = server.device("team_lead", [team])
    for params, code in (({"after": "-1"}, "bad_request"), ({"limit": "0"}, "bad_limit")):
        resp = lead.http.get("/v1/audit", params=params)
        assert (resp.status_code, resp.json()["code"]) == (400, code)
    for body in ({"what": "everything", "team": team, "count": 1},
                 {"what": "report_csv", "team": team, "count": -1},
                 {"what": "report_csv", "team": team, "count": True}, [1]):
        resp = lead.http.post("/v1/audit/export", json=body)
        assert resp.status_code == 400, body
