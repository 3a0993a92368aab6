"""Data scope and identity, over real HTTP: no row, erasure, error, feed or cursor crosses a team.

* A row may name only rows of its own team: every reference field of every kind
  (``protocol.REFERENCES``, so a new one is covered here without a change) pointing at a row
  the server holds in another team refuses the whole transaction, ``reference_out_of_scope``.
* A reference to an id the server does not know yet is taken (devices create offline, in any
  order). Should a row with that id later arrive in another team, the reference dangles: a
  change that names it again is refused, and an erasure never follows it.
* Cursors are sealed; push answers and errors name nothing of another team.
* Device names cannot pass for the server; labels cannot reorder what a log shows.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

import wijkweb_protocol as protocol
from sync_server import auth, feed
from sync_server.push import SERVER_KINDS
from wijkweb_protocol import KINDS, REF, REF_LISTS, REFERENCES, new_id

PROTO = {protocol.PROTOCOL_HEADER: str(protocol.PROTOCOL_VERSION)}

if TYPE_CHECKING:
    from server_fixtures import DeviceClient, Harness

pytest_plugins = ["server_fixtures"]

REFERENCE_FIELDS = [(kind, name) for kind, names in REFERENCES.items()
                    if kind not in SERVER_KINDS for name in names]
TARGET = {"household_id": "household", "resident_id": "resident", "resident_ids": "resident",
          "person_id": "network_person", "person_ids": "network_person", "owner_id": "resident",
          "contact_id": "contact", "area_id": "area", "parent_id": "area"}
"""The kind a reference field names (a worker field names a worker); any other: a household."""


def test_every_id_field_of_the_schema_is_a_reference() -> None:
    """A list of ids must be declared in ``REF_LISTS``: only then is it scoped (and erased)."""
    lists = {name for spec in KINDS.values() for name, typ in spec.items()
             if typ == protocol.LIST}
    assert REF_LISTS <= lists
    assert lists - REF_LISTS == {"streets", "ambitions", "talents", "obstacles", "themes",
                                 "support"}, "a new list field: is it a list of row ids?"
    assert all(name in REFERENCES[kind] for kind, spec in KINDS.items()
               for name, typ in spec.items() if typ == REF)


def _target(server: Harness, dev: DeviceClient, name: str) -> str:
    """The id of a row of ``dev``'s team that field ``name`` could name."""
    if name.endswith("worker_id"):
        return dev.worker
    kind = TARGET.get(name, "household")
    row = dev.change(kind, _filler(kind))
    assert dev.push([row]).json()["rejected"] == []
    return row["id"]


def _filler(kind: str) -> dict[str, Any]:
    return {"area": {"name": "Wijk"}, "resident": {"name": "R"}, "network_person": {"name": "P"},
            "contact": {"note": "c"}}.get(kind, {"street": "Laan"})


def _value(name: str, ref: str) -> Any:
    return [ref] if name in REF_LISTS else ref


@pytest.mark.parametrize(("kind", "name"), REFERENCE_FIELDS)
def test_a_reference_to_another_teams_row_is_refused(server: Harness, kind: str,
                                                     name: str) -> None:
    a = server.device(teams=[server.team("Noord")])
    b = server.device(teams=[server.team("Zuid")])
    mine, theirs = _target(server, a, name), _target(server, b, name)
    ok = a.change(kind, {name: _value(name, mine)})
    assert a.push([ok]).json()["rejected"] == []  # the same field within the team: taken
    before = server.dump()
    sibling = a.change("signal", {"street": "Dorpsstraat"})
    bad = a.change(kind, {name: _value(name, theirs)}, same_tx=True)
    resp = a.push([sibling, bad])
    assert resp.status_code == 200
    assert [(r["seq"], r["code"]) for r in resp.json()["rejected"]] == [
        (sibling["seq"], "tx_rejected"), (bad["seq"], "reference_out_of_scope")]
    for secret in (theirs, b.teams[0], b.worker, "Zuid"):
        assert secret not in resp.text
    after = server.dump()
    rows = dict(after)["rows"]
    assert rows == dict(before)["rows"]  # neither change of the transaction made a row
    # An update that moves an existing reference across is refused too.
    move = a.change(kind, {name: _value(name, theirs)}, id=ok["id"])
    assert a.push([move]).json()["rejected"][0]["code"] == "reference_out_of_scope"


def test_a_worker_of_two_teams_may_be_named_in_either(server: Harness) -> None:
    noord, zuid = server.team("Noord"), server.team("Zuid")
    both = server.device(teams=[noord, zuid])  # its worker row is filed under Noord
    other = server.device(teams=[zuid])
    row = other.change("contact", {"worker_id": both.worker, "note": "samen"})
    assert other.push([row]).json()["rejected"] == []


def test_a_reference_to_a_row_made_in_the_same_batch_in_another_team(server: Harness) -> None:
    noord, zuid = server.team("Noord"), server.team("Zuid")
    both = server.device(teams=[noord, zuid])
    person = both.change("network_person", {"name": "Buur"}, team=zuid)
    tie = both.change("tie", {"person_id": person["id"]}, team=noord)
    body = both.push([person, tie]).json()
    assert [(r["seq"], r["code"]) for r in body["rejected"]] == [
        (tie["seq"], "reference_out_of_scope")]


def _household(dev: DeviceClient) -> tuple[str, str]:
    """A household with one resident in ``dev``'s team: (household, resident)."""
    hh = dev.change("household", {"name": "Fam.", "legal_basis": "consent"})
    res = dev.change("resident", {"household_id": hh["id"], "name": "Bewoner"})
    assert dev.push([hh, res]).json()["rejected"] == []
    return hh["id"], res["id"]


def _live(server: Harness, row_id: str) -> bool:
    with server.store._read() as db:
        (purged,) = db.execute("SELECT purged FROM rows WHERE id = ?", (row_id,)).fetchone()
    return not purged


@pytest.mark.parametrize("erased_side", ["a", "b"])
def test_erasure_never_crosses_a_team(server: Harness, erased_side: str) -> None:
    """The issue's case, both ways: a tie of team A names a network person of team B (made
    while the server did not know that id yet, then the person arrived in team B), and the
    other way round. Erasing either household purges only its own team's rows."""
    a = server.device("team_lead", [server.team("Noord")])
    b = server.device("team_lead", [server.team("Zuid")])
    hh_a, res_a = _household(a)
    hh_b, res_b = _household(b)
    person_a, person_b, res_a2 = new_id(), new_id(), new_id()
    tie_a = a.change("tie", {"resident_id": res_a, "person_id": person_b, "kind": "friend"})
    tie_b = b.change("tie", {"resident_id": res_b, "person_id": person_a, "kind": "friend"})
    contact_b = b.change("contact", {"resident_ids": [res_b, res_a2], "note": "buren"})
    assert a.push([tie_a]).json()["rejected"] == []  # ids unknown yet: taken
    assert b.push([tie_b, contact_b]).json()["rejected"] == []
    assert a.push([a.change("network_person", {"name": "Buur A"}, id=person_a),
                   a.change("resident", {"household_id": hh_a, "name": "Kind"}, id=res_a2)]
                  ).json()["rejected"] == []
    assert b.push([b.change("network_person", {"name": "Buur B"}, id=person_b)]
                  ).json()["rejected"] == []
    # Now the references dangle across: naming them again is refused.
    again = a.change("tie", {"person_id": person_b}, id=tie_a["id"])
    assert a.push([again]).json()["rejected"][0]["code"] == "reference_out_of_scope"
    lead, household = (a, hh_a) if erased_side == "a" else (b, hh_b)
    resp = lead.http.post(f"/v1/households/{household}/erase")
    assert resp.status_code == 200, resp.text
    erased = resp.json()["erased"]
    assert erased.get("network_person", 0) == 0 or erased_side == "a"
    if erased_side == "a":  # A's tie goes; B's person, contact and tie stay
        assert not any(_live(server, i) for i in (tie_a["id"], res_a, res_a2))
        assert all(_live(server, i) for i in (person_b, contact_b["id"], tie_b["id"], res_b))
        assert _live(server, person_a)  # B's tie names it: but B's rows do not keep A's alive
    else:
        assert not _live(server, tie_b["id"]) and not _live(server, contact_b["id"])
        assert all(_live(server, i) for i in (person_a, tie_a["id"], res_a, res_a2, hh_a))
        assert _live(server, person_b)
    # The other team's device sees nothing of the erasure in its feed.
    other = b if erased_side == "a" else a
    rows, _ = other.pull_all()
    assert all(r["team"] == other.teams[0] for r in rows)
    assert not [r for r in rows if r.get("purged")]


def test_an_own_network_person_goes_even_if_another_team_names_it(server: Harness) -> None:
    """A row of another team naming a person does not keep that person from an erasure."""
    a = server.device("team_lead", [server.team("Noord")])
    b = server.device(teams=[server.team("Zuid")])
    hh, res = _household(a)
    person = new_id()
    assert b.push([b.change("tie", {"person_id": person})]).json()["rejected"] == []
    assert a.push([a.change("network_person", {"name": "Tante"}, id=person),
                   a.change("tie", {"resident_id": res, "person_id": person})]
                  ).json()["rejected"] == []
    erased = a.http.post(f"/v1/households/{hh}/erase").json()["erased"]
    assert erased["network_person"] == 1 and not _live(server, person)


def test_push_answers_say_nothing_of_another_teams_erased_row(server: Harness) -> None:
    a = server.device(teams=[server.team("Noord")])
    b = server.device(teams=[server.team("Zuid")])
    theirs = b.change("signal", {"street": "Zuidweg"})
    b.push([theirs])
    server.store.purge("signal", theirs["id"])
    for team in (a.teams[0], b.teams[0]):
        resp = a.push([a.change("signal", {"street": "x"}, id=theirs["id"], team=team)])
        body = resp.json()
        assert "purged" not in body and b.teams[0] not in body["rejected"][0]["message"]
        assert body["rejected"][0]["code"] in ("team_mismatch", "forbidden_team")
    # the same team: the device learns it was erased (it deletes its copy)
    own = b.push([b.change("signal", {"street": "y"}, id=theirs["id"])]).json()
    assert own["purged"] == [{"kind": "signal", "id": theirs["id"]}]


# ---------------------------------------------------------------------- cursors


def _raw(cursor: str) -> bytes:
    text = cursor[2:]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_cursor_is_sealed_and_reveals_nothing(server: Harness) -> None:
    dev = server.device()
    for _ in range(3):
        dev.push([dev.change("signal", {"street": "Laan"})])
    _, cursor = dev.pull_all()
    assert cursor.startswith("1.")
    raw = _raw(cursor)
    assert dev.teams[0].encode() not in raw and b'{"p":{' not in raw
    assert dev.pull_all()[1] != cursor  # a fresh nonce: equal positions, unequal text
    assert dev.pull(cursor).status_code == 200
    def flip(at: int) -> str:
        return cursor[:at] + ("A" if cursor[at] != "A" else "B") + cursor[at + 1:]

    for at in (9, len(cursor) // 2, len(cursor) - 2):  # nonce, body, tag: one character
        resp = dev.pull(flip(at))
        assert (resp.status_code, resp.json()["code"]) == (400, "bad_cursor"), at
    assert dev.pull(cursor[:-6]).json()["code"] == "bad_cursor"
    # The key id (the first 6 characters after "1.") changed reads as a cursor of another
    # server (a sibling restore of a backup): a fresh download, never data.
    resp = dev.pull(flip(3))
    assert resp.status_code == 410 and resp.json()["reason"] == "other_server"


def test_an_unsealed_cursor_of_this_server_asks_for_a_fresh_download(server: Harness) -> None:
    """A cursor of the form before sealing (base64 JSON) is never trusted: one naming this
    server's epoch (an app that updated) resets; a made-up one is still ``bad_cursor``."""
    dev = server.device()
    old = base64.urlsafe_b64encode(json.dumps(
        {"e": server.store.timeline, "p": {dev.teams[0]: 1}}).encode()).decode().rstrip("=")
    resp = dev.pull(old)
    assert resp.status_code == 410 and resp.json()["reason"] == "cursor_upgrade"
    forged = base64.urlsafe_b64encode(b'{"e": 7, "p": {}}').decode()
    assert dev.pull(forged).json()["code"] == "bad_cursor"


def test_a_cursor_holds_positions_of_the_callers_teams_only(server: Harness) -> None:
    """Positions of teams a device left are dropped from the cursor it is given next."""
    noord, zuid = server.team("Noord"), server.team("Zuid")
    dev = server.device(teams=[noord, zuid])
    _, cursor = dev.pull_all()
    server.store.leave_team(dev.worker, zuid)
    page = dev.pull(cursor).json()
    positions = feed.decode_cursor(page["cursor"], server.store.cursor_keys, server.store.timeline)
    assert set(positions) == {noord}


# ---------------------------------------------------------------------- names and roles


@pytest.mark.parametrize("device", ["server", "SERVER", "Server", "admin-cli", "ADMIN-CLI",
                                    "admin", "System"])
def test_reserved_device_names_are_refused_in_any_case(server: Harness, device: str) -> None:
    worker = server.store.add_worker("W", "street_coach", [server.team()])
    code = server.store.create_enrollment(worker)
    resp = server.anonymous.post("/v1/enroll", headers=PROTO,
                                 json={"code": code, "device": device})
    assert (resp.status_code, resp.json()["code"]) == (409, "device_exists")


@pytest.mark.parametrize("device", ["-", "_", "-x", "a b", "x" * 65, "é"])
def test_device_names_must_match_the_strict_pattern(server: Harness, device: str) -> None:
    worker = server.store.add_worker("W", "street_coach", [server.team()])
    code = server.store.create_enrollment(worker)
    resp = server.anonymous.post("/v1/enroll", headers=PROTO,
                                 json={"code": code, "device": device})
    assert (resp.status_code, resp.json()["code"]) == (400, "bad_request")
    assert server.store.devices() == []


def test_device_labels_are_cleaned_of_control_and_direction_characters(server: Harness) -> None:
    worker = server.store.add_worker("W", "street_coach", [server.team()])
    code = server.store.create_enrollment(worker)
    label = ("Tel\u202efoon\u2066 van\u200f\u200e Ann\x1b[31m\n\r\x7f\u2028 " + "x" * 100
             + "\u2069\u202a\u202b\u202c\u202d\u200b\ufeff")
    resp = server.anonymous.post("/v1/enroll", headers=PROTO,
                                 json={"code": code, "device": "phone-1", "label": label})
    assert resp.status_code == 200, resp.text
    (stored,) = [d["label"] for d in server.store.devices()]
    assert stored.startswith("Telfoon van Ann[31m x")
    assert len(stored) <= auth.MAX_LABEL
    assert all(ch.isprintable() for ch in stored)


@pytest.mark.parametrize("how", ["add", "join", "api"])
def test_an_administrator_cannot_join_a_team(server: Harness, cli: Any, how: str) -> None:
    team = server.team()
    if how == "add":
        with pytest.raises(Exception) as err:
            server.store.add_worker("Beheer", "administrator", [team])
        assert getattr(err.value, "code", "") == "administrator_in_team"
    elif how == "join":
        admin = server.store.add_worker("Beheer", "administrator", [])
        server.stop()
        done = cli("admin", "--db", str(server.db_path), "worker-join", admin, team)
        assert done.returncode == 2 and "administrator_in_team" in done.stderr
        return
    else:
        token_worker = server.store.add_worker("Root", "administrator", [])
        code = server.store.create_enrollment(token_worker)
        tok = server.anonymous.post("/v1/enroll", headers=PROTO,
                                    json={"code": code, "device": "adm-1"}).json()["token"]
        resp = server.anonymous.post("/v1/admin/workers", headers={
            "Authorization": f"Bearer {tok}"}, json={"name": "B", "role": "administrator",
                                                     "teams": [team]})
        assert (resp.status_code, resp.json()["code"]) == (409, "administrator_in_team")
    assert not [w for w in server.store.workers() if w["teams"] and w["role"] == "administrator"]


def test_the_client_knows_every_rejection_code() -> None:
    from sync_server import openapi
    from wijkweb_protocol import REJECTIONS

    assert list(REJECTIONS) == openapi.SCHEMAS["Rejection"]["properties"]["code"]["enum"]
