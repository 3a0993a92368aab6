"""The store's side of sync: applying the feed, acks, rejections, epochs and re-stamping."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from app.domain.models import Resident
from app.store import Store
from wijkweb_protocol import (
    DELETED,
    add_items,
    encode_hlc,
    make_stamp,
    new_id,
    parse_change,
)


def stamp(ms: int, device: str = "other", counter: int = 0) -> str:
    return make_stamp(encode_hlc(ms, counter), device)


def feed_row(kind, row_id, team, **fields):
    return {"kind": kind, "id": row_id, "team": team, "fields": fields}


def test_a_pulled_older_value_never_overwrites_a_newer_local_edit(store, team):
    rid = store.create("resident", team, {"name": "lokaal nieuw"})
    store.apply_remote([feed_row("resident", rid, team, name=["oud van server", stamp(1)])])
    assert store.values("resident", rid)["name"] == "lokaal nieuw"


def test_a_pulled_newer_value_wins_and_keeps_other_fields(store, team):
    rid = store.create("resident", team, {"name": "Ayse", "birth_year": 1984})
    future = make_stamp(encode_hlc(2**47, 0), "other")
    n = store.apply_remote([feed_row("resident", rid, team, name=["Ayşe", future])])
    assert n == 1
    values = store.values("resident", rid)
    assert values["name"] == "Ayşe" and values["birth_year"] == 1984
    assert store.clock.now() > future[:16]  # the clock ratchets past what it pulled


def test_apply_creates_rows_with_their_types(store, team):
    rid, cid = new_id(), new_id()
    store.apply_remote([
        feed_row("resident", rid, team, name=["Mo", stamp(5)],
                 talents=[add_items(None, ["voetbal"], stamp(5)), stamp(5)],
                 **{DELETED: [False, stamp(5)]}),
        feed_row("contact", cid, team, at=["2026-11-20T09:30:00.000+00:00", stamp(5)],
                 resident_ids=[add_items(None, [rid], stamp(5)), stamp(5)],
                 follow_up=[True, stamp(5)],
                 **{DELETED: [False, stamp(5)]}),
    ], cursor="c1")
    assert store.values("resident", rid)["talents"] == ["voetbal"]
    assert store.values("contact", cid)["follow_up"] is True
    assert [i.row.id for i in store.timeline(rid)] == [cid]
    assert store.meta("cursor") == "c1"
    assert store.pending_count() == 0  # pulled rows are not pushed back


def test_remote_delete_and_recreate(store, team):
    rid = new_id()
    store.apply_remote([feed_row("resident", rid, team, name=["Mo", stamp(1)],
                                 **{DELETED: [False, stamp(1)]})])
    store.apply_remote([feed_row("resident", rid, team, **{DELETED: [True, stamp(2)]})])
    assert store.get(Resident, rid) is None
    store.apply_remote([feed_row("resident", rid, team, **{DELETED: [False, stamp(3)]})])
    assert store.get(Resident, rid).name == "Mo"


def test_purge_removes_the_row_and_its_unsent_changes(store, team):
    rid = store.create("resident", team, {"name": "weg ermee"})
    cid = store.create("contact", team, {"at": "2026-11-20T09:30:00Z", "resident_ids": [rid]})
    store.apply_remote([{"kind": "resident", "id": rid, "team": team, "purged": True},
                        {"kind": "contact", "id": cid, "team": team, "purged": True}])
    assert store.all_rows("resident") == {} and store.all_rows("contact") == {}
    assert store.pending_count() == 0
    assert store.timeline(rid) == []


def test_losing_a_team_drops_its_rows(store, team):
    other = new_id()
    mine = store.create("resident", team, {"name": "blijft"})
    theirs = store.create("resident", other, {"name": "gaat"})
    store.apply_remote([], teams=[team])
    assert set(store.all_rows("resident")) == {mine}
    assert theirs not in {c.id for c in store.outbox()}


def test_ack_drops_exactly_the_acknowledged_changes(store, team):
    ids = [store.create("resident", team, {"name": f"r{i}"}) for i in range(5)]
    batch = store.outbox(limit=3)
    assert [c.seq for c in batch] == [1, 2, 3]
    store.ack(3)
    assert [c.id for c in store.outbox()] == ids[3:]


def test_rejected_changes_are_kept_for_the_user(store, team):
    store.create("resident", team, {"name": "a"})
    store.create("resident", team, {"name": "b"})
    store.ack(2, [{"seq": 2, "code": "forbidden_team", "message": "not your team"}])
    assert store.pending_count() == 0
    [rej] = store.rejected()
    assert rej["code"] == "forbidden_team" and rej["change"]["fields"]["name"][0] == "b"


def test_a_batch_ends_at_a_transaction_edge(store, team):
    store.create("resident", team, {"name": "los"})
    with store.transaction():
        for i in range(4):
            store.create("resident", team, {"name": f"r{i}"})
    assert len(store.outbox(limit=3)) == 1  # not the first half of the transaction
    assert len(store.outbox(limit=5)) == 5
    store.ack(1)
    assert len(store.outbox(limit=2)) == 2  # a transaction larger than a batch goes in parts


def test_a_new_epoch_numbers_the_unsent_changes_from_one(store, team):
    for i in range(3):
        store.create("resident", team, {"name": f"r{i}"})
    store.ack(2)
    old = store.meta("epoch")
    assert store.start_push_epoch() != old
    assert [c.seq for c in store.outbox()] == [1]
    store.create("resident", team, {"name": "r3"})
    assert [c.seq for c in store.outbox()] == [1, 2]
    store.ack(2)
    assert store.pending_count() == 0


def test_restamp_after_a_clock_far_ahead(tmp_path, team):
    wall = [10**13]  # the year 2286
    s = Store(tmp_path / "skew.sqlite")
    s.clock._wall = lambda: wall[0]
    rid = s.create("resident", team, {"name": "Ayse"})
    wall[0] = 1_700_000_000_000
    assert s.restamp_outbox(encode_hlc(1_700_000_000_000, 0)) == 1
    [change] = s.outbox()
    assert all(reg[1] < encode_hlc(1_700_000_001_000, 0) for reg in change.fields.values())
    row = s._row("resident", rid)
    assert json.loads(row["stamps"])["name"] == change.fields["name"][1]
    s.close()


def test_restamp_renames_the_unsent_adds_of_list_items_everywhere(tmp_path, team):
    """Items added under a clock far ahead get the fresh clock in the change and in the row,
    so the change passes the server's checks and a later removal covers those very adds."""
    wall = [10**13]
    s = Store(tmp_path / "skew.sqlite")
    s.clock._wall = lambda: wall[0]
    rid = s.create("resident", team, {"name": "Ayse", "ambitions": ["zwemmen"]})
    s.add_to_list("resident", rid, "ambitions", ["taalcafé"])
    s.remove_from_list("resident", rid, "ambitions", ["zwemmen"])
    wall[0] = 1_700_000_000_000
    assert s.restamp_outbox(encode_hlc(1_700_000_000_000, 0)) == 3
    for change in s.outbox():
        parse_change(change.to_wire(), device=s.device)  # no HLC past its stamp
    sets = json.loads(s._row("resident", rid)["sets"])["ambitions"]
    assert all(h < encode_hlc(1_700_000_001_000, 0) for adds in sets.values()
               for pair in adds.values() for h in pair if h)
    added, removal = s.outbox()[1:]
    assert removal.fields["ambitions"][0]["zwemmen"] == {s.device: sets["zwemmen"][s.device]}
    assert added.fields["ambitions"][0]["taalcafé"][s.device][0] == sets["taalcafé"][s.device][0]
    assert s.values("resident", rid)["ambitions"] == ["taalcafé"]
    s.close()


def test_resend_own_sends_own_adds_and_removals_of_list_items(store, team):
    rid = new_id()
    theirs = add_items(None, ["koken"], stamp(5, "other"))
    store.apply_remote([feed_row("resident", rid, team, name=["Mo", stamp(5)],
                                 talents=[theirs, stamp(5)], **{DELETED: [False, stamp(5)]})])
    store.add_to_list("resident", rid, "talents", ["naaien"])
    store.remove_from_list("resident", rid, "talents", ["koken"])
    store.ack(2)
    assert store.resend_own() == 1
    [change] = store.outbox()
    parse_change(change.to_wire(), device=store.device)
    items = change.fields["talents"][0]
    assert set(items) == {"naaien", "koken"} and items["koken"]["other"][0] == items[
        "koken"]["other"][1]


def test_reset_keeps_unsent_rows_and_forgets_the_rest(store, team):
    pulled = new_id()
    store.apply_remote([feed_row("resident", pulled, team, name=["server", stamp(1)])],
                       cursor="c9")
    mine = store.create("resident", team, {"name": "nog niet verstuurd"})
    store.forget_synced_rows()
    assert set(store.all_rows("resident")) == {mine}
    assert store.meta("cursor") is None and store.pending_count() == 1


regs = st.tuples(st.text(max_size=5), st.integers(1, 6), st.sampled_from(["a", "b"]))


@given(st.lists(regs, min_size=1, max_size=8), st.randoms())
def test_applying_in_any_order_gives_the_same_row(tmp_path_factory, deliveries, rnd):
    team, rid = new_id(), new_id()
    rows = [feed_row("resident", rid, team, name=[v, stamp(ms, d)]) for v, ms, d in deliveries]
    results = []
    for order in (rows, rnd.sample(rows, len(rows)), rows[::-1] + rows):
        s = Store(tmp_path_factory.mktemp("o") / "s.sqlite")
        for r in order:
            s.apply_remote([r])
        results.append(s.values("resident", rid)["name"])
        s.close()
    assert results[0] == results[1] == results[2]


def test_a_pulled_list_field_merges_with_local_adds_and_removes_only_what_it_saw(store, team):
    """The coach adds a dream offline while the lead's add and removal arrive: both adds stay,
    and the lead's removal takes away only the add the lead had seen."""
    rid = store.create("resident", team, {"name": "Mo", "ambitions": ["zwemmen"]})
    store.add_to_list("resident", rid, "ambitions", ["fietsles volgen"])
    mine = json.loads(store._db.execute("SELECT sets FROM resident").fetchone()[0])["ambitions"]
    seen = {"zwemmen": mine["zwemmen"]}  # the lead synced before the coach's second add
    lead_add = add_items(seen, ["werk in de bakkerij"], stamp(2**41, "lead"))
    lead_removal = {"zwemmen": {store.device: [seen["zwemmen"][store.device][0]] * 2}}
    store.apply_remote([feed_row("resident", rid, team, ambitions=[lead_add, stamp(2**41, "lead")]),
                        feed_row("resident", rid, team,
                                 ambitions=[lead_removal, stamp(2**41 + 1, "lead")])])
    assert store.values("resident", rid)["ambitions"] == ["fietsles volgen", "werk in de bakkerij"]
    assert store.remove_from_list("resident", rid, "ambitions", ["werk in de bakkerij"])
    assert store.values("resident", rid)["ambitions"] == ["fietsles volgen"]
    [*_, last] = store.outbox()
    lead_hlc = encode_hlc(2**41, 0)
    assert last.fields["ambitions"][0] == {"werk in de bakkerij": {"lead": [lead_hlc, lead_hlc]}}
