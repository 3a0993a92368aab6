"""Erasure of a household (AVG art. 17) and retention, with real app devices over real HTTP.

After ``admin erase-household`` the household and everything linked to it is gone: from every
device (also one that was offline with an unsent edit), from the server's database file and its
WAL (searched byte for byte for a unique marker), and from a backup made afterwards. Retention
reports and purges exactly the households past their term.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wijkweb_protocol import retention

if TYPE_CHECKING:
    from server_fixtures import Harness
    from sync_fixtures import AppDevice, Fleet

pytest_plugins = ["server_fixtures", "sync_fixtures"]
YEAR_MS = int(365.25 * 24 * 3600 * 1000)


def _family(dev: AppDevice, mark: str, basis: str = "consent") -> dict[tuple[str, str], str]:
    """A household with two residents and everything that can hang off them; the marker is in
    names and notes. Returns (kind, id) → what the row is."""
    s, team = dev.store, dev.team
    rows: dict[tuple[str, str], str] = {}

    def add(kind: str, values: dict[str, Any], what: str) -> str:
        row_id = s.create(kind, team, values)
        rows[(kind, row_id)] = what
        return row_id

    hh = add("household", {"name": f"Fam. {mark}", "street": "Lindelaan",
                           "legal_basis": basis, "note": f"{mark} schulden"}, "household")
    mother = add("resident", {"household_id": hh, "name": f"Moeder {mark}"}, "resident")
    son = add("resident", {"household_id": hh, "name": f"Zoon {mark}"}, "resident")
    aunt = add("network_person", {"name": f"Tante {mark}"}, "own person")
    add("tie", {"resident_id": mother, "person_id": aunt, "kind": "family"}, "tie")
    add("contact", {"resident_ids": [mother, son], "note": f"{mark} thuis",
                    "at": "2026-11-02T10:00:00+00:00"}, "contact")
    add("agreement", {"what": f"{mark} belt", "resident_id": son, "owner_kind": "resident",
                      "owner_id": son}, "agreement")
    add("outcome_score", {"resident_id": mother, "domain": "financien", "score": 2,
                          "date": "2026-11-02"}, "score")
    add("activation", {"resident_id": son, "person_ids": [aunt], "request": mark,
                       "date": "2026-11-02"}, "activation")
    return rows


def _neighbours(dev: AppDevice) -> dict[str, str]:
    """Rows that must outlive the erasure: another household, and a key figure both use."""
    s, team = dev.store, dev.team
    other = s.create("household", team, {"name": "Fam. Jansen", "legal_basis": "consent"})
    resident = s.create("resident", team, {"household_id": other, "name": "Piet Jansen"})
    return {"household": other, "resident": resident}


def _bytes_of(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def test_erasure_reaches_every_device_the_file_and_later_backups(
        fleet: Fleet, cli: Any, tmp_path: Path) -> None:
    mark = "Zwaluw" + uuid.uuid4().hex[:10]
    team = fleet.harness.team("Noord")
    a, b, late = fleet.device([team]), fleet.device([team]), fleet.device([team])
    erased = _family(a, mark)
    key_figure = a.store.create("network_person", team, {"name": "Coach Ali", "key_figure": True})
    mother = next(i for (k, i), w in erased.items() if w == "resident")
    a.store.create("tie", team, {"resident_id": mother, "person_id": key_figure})
    household = next(i for (k, i), w in erased.items() if k == "household")
    keep = _neighbours(a)
    for dev in (a, b, late):
        dev.sync()
    assert all(key in late.state() for key in erased)
    late.store.update("resident", mother, {"name": f"Moeder {mark} (offline edit)"})

    done = cli("admin", "--db", str(fleet.harness.db_path), "erase-household", household)
    assert done.returncode == 0, done.stderr
    assert "2 resident" in done.stdout and "1 network_person" in done.stdout
    assert mark not in done.stdout

    for dev in (a, b, late):
        dev.sync()
        state = dev.state()
        assert not set(erased) & set(state), "an erased row survived on a device"
        assert ("network_person", key_figure) in state  # a key figure serves everyone
        assert ("household", keep["household"]) in state
        assert ("resident", keep["resident"]) in state
        assert dev.store.pending_count() == 0
        assert mark not in repr(state)
        assert mark.encode() not in _bytes_of(dev.store.path), "erased bytes left on a device"

    server = fleet.harness
    server.store.scrub()
    assert mark.encode() not in _bytes_of(server.db_path)
    backup = tmp_path / "after.db"
    server.store.backup(backup)
    assert mark.encode() not in _bytes_of(backup)
    db = sqlite3.connect(backup)
    try:
        kept = {k: n for k, n in db.execute("SELECT kind, count(*) FROM rows WHERE purged = 1 "
                                            "GROUP BY kind")}
    finally:
        db.close()
    assert kept["resident"] == 2 and kept["household"] == 1  # ids only, as purge notices


def test_erasing_twice_or_an_unknown_household_is_a_clear_refusal(fleet: Fleet, cli: Any) -> None:
    team = fleet.harness.team()
    a = fleet.device([team])
    household = next(i for (k, i) in _family(a, "Merel") if k == "household")
    a.sync()
    db = str(fleet.harness.db_path)
    assert cli("admin", "--db", db, "erase-household", household).returncode == 0
    for target in (household, str(uuid.uuid4()), "not-an-id"):
        again = cli("admin", "--db", db, "erase-household", target)
        assert again.returncode == 2 and "no such household" in again.stderr


def test_retention_purges_exactly_the_households_past_their_term(make_server: Any) -> None:
    now = [1_800_000_000_000]
    server: Harness = make_server(wall=lambda: now[0])
    team = server.team()
    coach = server.device(teams=[team])
    ids = {}
    for basis in ("consent", "public_task_youth", "unknown_basis"):
        hh = str(uuid.uuid4())
        resident = str(uuid.uuid4())
        resp = coach.push([coach.change("household", {"legal_basis": basis}, id=hh),
                           coach.change("resident", {"household_id": hh, "name": "X"},
                                        id=resident)])
        assert resp.status_code == 200 and resp.json()["rejected"] == []
        ids[basis] = (hh, resident)
    now[0] += int(1.9 * YEAR_MS)
    assert server.store.retention_report() == []
    now[0] += int(0.2 * YEAR_MS)  # 2.1 years: past consent's 2, far from the Jeugdwet's 20
    report = server.store.retention_report()
    assert {r["household"] for r in report} == {ids["consent"][0], ids["unknown_basis"][0]}
    assert {r["basis"] for r in report} == {"consent"}
    assert all(r["rows"] == {"household": 1, "resident": 1} for r in report)
    assert [r["household"] for r in server.store.retention_report({"public_task_youth": 2})
            if r["household"] == ids["public_task_youth"][0]]
    purged = server.store.retention_purge()
    assert {r["household"] for r in purged} == {ids["consent"][0], ids["unknown_basis"][0]}
    rows, _ = coach.pull_all()
    gone = {r["id"] for r in rows if r.get("purged")}
    assert gone == {*ids["consent"], *ids["unknown_basis"]}
    assert server.store.retention_report() == []
    entries = server.store.audit_log()
    assert sum(e["action"] == "purged" for e in entries) == 4


def test_retention_cli_reports_ids_not_names(fleet: Fleet, cli: Any) -> None:
    team = fleet.harness.team()
    a = fleet.device([team])
    rows = _family(a, "Kievit")
    a.sync()
    db = str(fleet.harness.db_path)
    shown = cli("admin", "--db", db, "retention", "--report")
    assert shown.returncode == 0 and shown.stdout.strip().count("\n") == 0  # the header alone
    shown = cli("admin", "--db", db, "retention", "--report", "--rule", "consent=0")
    household = next(i for (k, i) in rows if k == "household")
    assert shown.returncode == 0 and household in shown.stdout
    assert "Kievit" not in shown.stdout and "resident:2" in shown.stdout
    bad = cli("admin", "--db", db, "retention", "--report", "--rule", "gossip=1")
    assert bad.returncode == 2 and "BASIS=YEARS" in bad.stderr


def test_every_legal_basis_of_the_app_has_a_rule() -> None:
    from app.domain.vocab import LEGAL_BASES

    assert set(LEGAL_BASES) == set(retention.RULES)
    assert retention.rule_for("nonsense").basis == retention.DEFAULT_BASIS
    assert retention.expires("2026-01-01T00:00:00Z", 2) == "2028-01-01T00:00:00Z"


def test_a_revoked_device_wipes_its_records_on_next_contact(fleet: Fleet) -> None:
    """The lead revokes a lost phone over the API; on its next sync round the phone deletes
    every record, its outbox (an unsent note too) and its enrollment, down to the file bytes."""
    from app.sync.config import DeviceConfig
    from app.sync.runner import SyncRunner

    mark = "Specht" + uuid.uuid4().hex[:10]
    team = fleet.harness.team()
    lead, phone = fleet.device([team], role="team_lead"), fleet.device([team])
    _family(phone, mark)
    phone.sync()
    phone.store.create("signal", team, {"street": "Kerkstraat", "note": f"{mark} onverzonden",
                                        "at": "2026-11-02T10:00:00+00:00"})
    with lead.client() as c:
        c.call("POST", f"/v1/team/devices/{phone.config.device}/revoke")
    assert SyncRunner(phone.store, phone.data_dir).run_once() is None
    assert phone.state() == {} and phone.store.pending_count() == 0
    assert DeviceConfig.load(phone.data_dir) is None
    assert phone.store.meta("sync.last_error") == "device_revoked"
    assert mark.encode() not in _bytes_of(phone.store.path)
    lead.sync()
    assert any(k == "household" for k, _ in lead.state())  # the team's copy is untouched


def test_a_lead_erases_on_request_over_the_api(fleet: Fleet) -> None:
    team = fleet.harness.team()
    coach, lead = fleet.device([team]), fleet.device([team], role="team_lead")
    rows = _family(coach, "Grutto")
    household = next(i for (k, i) in rows if k == "household")
    coach.sync()
    with lead.client() as c:
        answer = c.call("POST", f"/v1/households/{household}/erase")
    assert answer["household"] == household and answer["erased"]["resident"] == 2
    coach.sync()
    assert not set(rows) & set(coach.state())
    purged = [e for e in fleet.harness.store.audit_log() if e["action"] == "purged"]
    assert {e["device"] for e in purged} == {lead.config.device}
    assert {(e["kind"], e["row_id"]) for e in purged} == set(rows)
