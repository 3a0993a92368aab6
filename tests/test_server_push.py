"""Push semantics over real HTTP: exactly-once, gaps, stale epochs, clock skew, scopes, purge,
conflicts."""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

from wijkweb_protocol import MAX_FUTURE_MS, encode_hlc, make_stamp, new_id

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]


def _count(h: Harness, sql: str, *args: object) -> int:
    db = sqlite3.connect(h.db_path)
    try:
        return db.execute(sql, args).fetchone()[0]
    finally:
        db.close()


def test_same_batch_twice_is_applied_once(server: Harness) -> None:
    dev = server.device()
    batch = [dev.change("contact", {"note": f"n{i}"}) for i in range(5)]
    first = dev.push(batch).json()
    logged = _count(server, "SELECT count(*) FROM changes WHERE device = ?", dev.id)
    version = _count(server, "SELECT value FROM meta WHERE key = 'version'")
    again = dev.push(batch)
    assert again.status_code == 200
    assert again.json()["acked"] == first["acked"] == 5
    assert _count(server, "SELECT count(*) FROM changes WHERE device = ?", dev.id) == logged == 5
    assert _count(server, "SELECT value FROM meta WHERE key = 'version'") == version


def test_overlapping_batch_applies_only_the_new_part(server: Harness) -> None:
    dev = server.device()
    batch = [dev.change("contact", {"note": f"n{i}"}) for i in range(4)]
    dev.push(batch[:2])
    resp = dev.push(batch)
    assert resp.json()["acked"] == 4
    assert _count(server, "SELECT count(*) FROM changes WHERE device = ?", dev.id) == 4


def test_gap_is_refused_with_expected_seq(server: Harness) -> None:
    dev = server.device()
    dev.push([dev.change("contact", {"note": "one"})])
    dev.seq += 2  # seqs 2 and 3 never sent
    before = server.dump()
    resp = dev.push([dev.change("contact", {"note": "four"})])
    assert resp.status_code == 409
    assert resp.json()["code"] == "gap" and resp.json()["expected"] == 2
    assert server.dump() == before


def test_changed_replay_is_epoch_stale_and_new_epoch_starts_at_one(server: Harness) -> None:
    dev = server.device()
    ch = dev.change("contact", {"note": "original"})
    dev.push([ch])
    restored = dict(ch, fields={"note": ["different", ch["fields"]["note"][1], None]})
    before = server.dump()
    resp = dev.push([restored])
    assert resp.status_code == 409 and resp.json()["code"] == "epoch_stale"
    assert server.dump() == before
    fresh = dict(restored, seq=1)
    resp = dev.push([fresh], epoch="epoch-2")
    assert resp.status_code == 200 and resp.json()["acked"] == 1


def test_clock_skew_writes_nothing(server: Harness) -> None:
    dev = server.device()
    future = encode_hlc(int(time.time() * 1000) + MAX_FUTURE_MS + 60_000, 0)
    ok = dev.change("contact", {"note": "fine"})
    bad = dev.change("contact", {"note": "from 2031"}, stamp=make_stamp(future, dev.id))
    before = server.dump()
    resp = dev.push([ok, bad])
    assert resp.status_code == 409
    body = resp.json()
    assert body["code"] == "clock_skew"
    assert len(body["server_time"]) == 16 and body["server_time"] < future
    assert server.dump() == before


def test_slightly_fast_clock_is_accepted_and_ratchets_server_time(server: Harness) -> None:
    dev = server.device()
    ahead = encode_hlc(int(time.time() * 1000) + MAX_FUTURE_MS // 2, 0)
    resp = dev.push([dev.change("contact", {"note": "x"}, stamp=make_stamp(ahead, dev.id))])
    assert resp.status_code == 200
    assert resp.json()["server_time"] > ahead


def test_forbidden_team_rejects_the_whole_transaction(server: Harness) -> None:
    dev = server.device()
    elsewhere = server.team("Elders")
    ok_alone = dev.change("contact", {"note": "fine"})
    tx_a = dev.change("household", {"street": "Lindelaan"})
    tx_b = dev.change("resident", {"name": "X"}, team=elsewhere, same_tx=True)
    after = dev.change("contact", {"note": "also fine"})
    resp = dev.push([ok_alone, tx_a, tx_b, after])
    assert resp.status_code == 200
    body = resp.json()
    assert body["acked"] == after["seq"]
    assert [(r["seq"], r["code"]) for r in body["rejected"]] == [
        (tx_a["seq"], "tx_rejected"), (tx_b["seq"], "forbidden_team")]
    rows, _ = dev.pull_all()
    ids = {r["id"] for r in rows}
    assert ok_alone["id"] in ids and after["id"] in ids
    assert tx_a["id"] not in ids
    assert _count(server, "SELECT count(*) FROM rows WHERE id = ?", tx_b["id"]) == 0
    # A retry of the same batch gets the same answer, rejections included.
    assert dev.push([ok_alone, tx_a, tx_b, after]).json()["rejected"] == body["rejected"]


def test_row_under_another_team_is_team_mismatch(server: Harness) -> None:
    a = server.device()
    both = server.device(teams=[a.teams[0], server.team("Twee")])
    row = a.change("signal", {"street": "Pleinweg"})
    a.push([row])
    move = both.change("signal", {"street": "Elders"}, id=row["id"], team=both.teams[1])
    body = both.push([move]).json()
    assert body["rejected"] == [{"seq": move["seq"], "code": "team_mismatch",
                                 "message": body["rejected"][0]["message"]}]


def test_devices_cannot_write_server_kinds(server: Harness) -> None:
    dev = server.device()
    rename = dev.change("team", {"name": "Hacked"}, id=dev.teams[0])
    body = dev.push([rename]).json()
    assert body["rejected"][0]["code"] == "forbidden_kind"
    rows, _ = dev.pull_all()
    team_row = next(r for r in rows if r["kind"] == "team")
    assert team_row["fields"]["name"][0] != "Hacked"


def test_rejected_changes_still_advance_the_ack(server: Harness) -> None:
    dev = server.device()
    bad = dev.change("contact", {"note": "x"}, team=server.team("Other"))
    body = dev.push([bad]).json()
    assert body["acked"] == 1
    assert [(r["seq"], r["code"]) for r in body["rejected"]] == [(1, "forbidden_team")]
    assert dev.push([dev.change("contact", {"note": "next"})]).json()["acked"] == 2


def test_purge_sends_notice_ignores_later_pushes_and_drops_history(server: Harness) -> None:
    lead = server.device(role="team_lead")
    coach = server.device(teams=lead.teams)
    row = coach.change("resident", {"name": "Ayse Yilmaz", "birth_year": 1980})
    coach.push([row])
    _, cursor = lead.pull_all()
    server.store.purge("resident", row["id"])
    rows, cursor = lead.pull_all(cursor)
    assert rows == [{"kind": "resident", "id": row["id"], "team": lead.teams[0],
                     "purged": True}]
    late = coach.change("resident", {"name": "Ayse Y."}, id=row["id"])
    resp = coach.push([late])
    assert resp.status_code == 200
    assert resp.json()["acked"] == late["seq"] and resp.json()["rejected"] == []
    assert lead.pull_all(cursor)[0] == []  # not resurrected
    hist = lead.http.get(f"/v1/history/resident/{row['id']}").json()
    assert hist["purged"] is True and hist["changes"] == []
    dump = repr(server.dump())
    assert "Ayse" not in dump


def test_concurrent_edits_are_conflicts_sequential_ones_not(server: Harness) -> None:
    a = server.device()
    b = server.device(teams=a.teams)
    row = a.change("agreement", {"what": "Formulier", "status": "open"})
    a.push([row])
    seen = row["fields"]["status"][1]
    # b saw a's value, then edited: sequential, no conflict.
    seq_edit = b.change("agreement", {"status": "done"}, id=row["id"], bases={"status": seen})
    b.push([seq_edit])
    assert server.store.conflicts() == []
    # a edits again, still based on its own old value: concurrent with b's edit.
    later = make_stamp(encode_hlc(int(time.time() * 1000) + 1000, 0), a.id)
    concurrent = a.change("agreement", {"status": "late"}, id=row["id"],
                          bases={"status": seen}, stamp=later)
    a.push([concurrent])
    conflicts = server.store.conflicts()
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c["field"] == "status" and c["row_id"] == row["id"]
    assert c["winner"] == [concurrent["fields"]["status"][0], concurrent["fields"]["status"][1]]
    assert c["loser"] == ["done", seq_edit["fields"]["status"][1]]
    rows, _ = b.pull_all()
    merged = next(r for r in rows if r["id"] == row["id"])
    assert merged["fields"]["status"][0] == "late"  # the larger stamp, deterministically
    assert merged["fields"]["what"][0] == "Formulier"  # other fields untouched


def test_same_value_edits_are_not_conflicts(server: Harness) -> None:
    a = server.device()
    b = server.device(teams=a.teams)
    row = a.change("signal", {"status": "open"})
    a.push([row])
    base = row["fields"]["status"][1]
    a.push([a.change("signal", {"status": "closed"}, id=row["id"], bases={"status": base})])
    b.push([b.change("signal", {"status": "closed"}, id=row["id"], bases={"status": base})])
    assert server.store.conflicts() == []


def test_losing_field_is_kept_in_history(server: Harness) -> None:
    lead = server.device(role="team_lead")
    a = server.device(teams=lead.teams)
    row_id = new_id()
    newer = a.change("contact", {"note": "newer"}, id=row_id)
    older = dict(newer, seq=newer["seq"] + 1, tx=newer["tx"] + 1,
                 fields={"note": ["older", encode_hlc(1, 0) + "@" + a.id, None]})
    a.seq += 1
    a.push([newer, older])
    rows, _ = lead.pull_all()
    assert next(r for r in rows if r["id"] == row_id)["fields"]["note"][0] == "newer"
    hist = lead.http.get(f"/v1/history/contact/{row_id}").json()
    assert [c["fields"]["note"][0] for c in hist["changes"]] == ["newer", "older"]


def test_one_push_is_one_commit_version(server: Harness) -> None:
    dev = server.device()
    dev.push([dev.change("contact", {"note": str(i)}) for i in range(30)])
    assert _count(server, "SELECT count(DISTINCT version) FROM changes WHERE device = ?",
                  dev.id) == 1
    assert _count(server, "SELECT count(DISTINCT version) FROM rows WHERE kind = 'contact'") == 1


def test_delete_is_a_tombstone_in_the_feed(server: Harness) -> None:
    dev = server.device()
    row = dev.change("initiative", {"title": "Moestuin"})
    dev.push([row])
    _, cursor = dev.pull_all()
    dev.push([dev.change("initiative", {"_deleted": True}, id=row["id"])])
    rows, _ = dev.pull_all(cursor)
    assert len(rows) == 1 and rows[0]["fields"]["_deleted"][0] is True
    assert rows[0]["fields"]["title"][0] == "Moestuin"


def test_feed_registers_are_value_and_stamp_even_for_edits_of_unknown_rows(
        server: Harness) -> None:
    dev = server.device()
    row = new_id()  # e.g. the server was restored and lost the row: the edit has a base
    edit = dev.change("contact", {"note": "edited", "street": "Pleinweg"}, id=row,
                      bases={"note": "0000000000000001@" + dev.id})
    dev.push([edit])
    rows, _ = dev.pull_all()
    fields = next(r for r in rows if r["id"] == row)["fields"]
    assert fields == {"note": ["edited", edit["fields"]["note"][1]],
                      "street": ["Pleinweg", edit["fields"]["street"][1]]}
