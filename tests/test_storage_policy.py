"""Each team's storage policy over real HTTP: a device reporting storage class ``os`` is refused
at enrollment (``403 storage_policy``) until the team allows it, and the class it reports on
enrollment and on every sync is what its team lead sees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server_fixtures import both_backends

from sync_server import policy
from wijkweb_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, STORAGE_HEADER

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def _code(server: Harness, team: str) -> str:
    return server.store.create_enrollment(server.store.add_worker("Ans", "street_coach", [team]))


def _enroll(server: Harness, code: str, device: str, storage: str | None):  # noqa: ANN202
    body = {"code": code, "device": device} | ({"storage": storage} if storage else {})
    return server.anonymous.post("/v1/enroll", headers=PROTO, json=body)


def _storage_seen(server: Harness, lead_team: str) -> dict[str, str]:
    lead = server.device(role="team_lead", teams=[lead_team])
    workers = lead.http.get("/v1/team/devices").json()["workers"]
    return {d["id"]: d["storage"] for w in workers for d in w["devices"]}


def test_os_storage_is_refused_by_default_and_the_code_stays_usable(server: Harness,
                                                                      cli) -> None:  # noqa: ANN001
    team = server.team()
    code = _code(server, team)
    before = server.dump()
    refused = _enroll(server, code, "phone-1", "os")
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "storage_policy" and refused.json()["storage"] == "os"
    assert server.dump() == before  # nothing written: no device, the code unused

    done = cli("admin", "--db", str(server.db_path), "team-policy", team, "--allow-os-storage")
    assert done.returncode == 0, done.stderr
    assert "os storage allowed" in done.stdout
    ok = _enroll(server, code, "phone-1", "os")
    assert ok.status_code == 200, ok.text
    assert _storage_seen(server, team)["phone-1"] == "os"


@both_backends
def test_the_policy_can_be_set_and_refuses_on_both_backends(server: Harness) -> None:
    team = server.team()
    policy.set_team_policy(server.store, team, allow_os=True)
    assert _enroll(server, _code(server, team), "phone-pg", "os").status_code == 200
    policy.set_team_policy(server.store, team, allow_os=False)
    refused = _enroll(server, _code(server, team), "phone-pg2", "os")
    assert refused.status_code == 403 and refused.json()["code"] == "storage_policy"


def test_the_policy_can_be_required_again_and_shown(server: Harness, cli) -> None:  # noqa: ANN001
    team = server.team()
    policy.set_team_policy(server.store, team, allow_os=True)
    done = cli("admin", "--db", str(server.db_path), "team-policy", team,
               "--require-encrypted-storage")
    assert done.returncode == 0 and "encrypted storage required" in done.stdout
    assert _enroll(server, _code(server, team), "phone-2", "os").status_code == 403
    shown = cli("admin", "--db", str(server.db_path), "team-policy", team)
    assert "encrypted storage required" in shown.stdout
    unknown = cli("admin", "--db", str(server.db_path), "team-policy", "no-such-team")
    assert unknown.returncode == 2 and "no team" in unknown.stderr


@both_backends
def test_sqlcipher_and_silent_devices_enroll_and_report_on_sync(server: Harness) -> None:
    team = server.team()
    assert _enroll(server, _code(server, team), "laptop", "sqlcipher").status_code == 200
    assert _enroll(server, _code(server, team), "old-app", None).status_code == 200
    coach = server.device(teams=[team])
    assert coach.http.get("/v1/pull", headers={STORAGE_HEADER: "os"}).status_code == 200
    seen = _storage_seen(server, team)
    assert seen["laptop"] == "sqlcipher" and seen["old-app"] == "sqlcipher"
    assert seen[coach.id] == "os"  # what it reported last, on a sync


def test_an_unknown_storage_class_is_a_precise_400(server: Harness) -> None:
    team = server.team()
    code = _code(server, team)
    bad = _enroll(server, code, "phone-3", "plaintext")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_storage"
    coach = server.device(teams=[team])
    resp = coach.http.get("/v1/pull", headers={STORAGE_HEADER: "x" * 10})
    assert resp.status_code == 400 and resp.json()["code"] == "bad_storage"
    assert _enroll(server, code, "phone-3", "sqlcipher").status_code == 200  # code not spent
