"""List fields as add-wins sets: the merge laws, and what an add or a removal may and may not do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_server.protocol import (
    Clock,
    ProtocolError,
    add_items,
    edit_items,
    encode_hlc,
    is_items,
    make_stamp,
    merge,
    merge_items,
    merge_register,
    new_id,
    parse_change,
    present,
    remove_items,
)

WORDS = ["fietsles volgen", "werk in de bakkerij", "taalcafé", "zwemmen"]
DEVICES = ["a", "b", "c"]
# Few distinct clocks, so that equal HLCs (ties) happen often.
hlcs = st.builds(lambda ms, c: encode_hlc(ms, c), st.integers(0, 3), st.integers(0, 2))


@st.composite
def pairs(draw: st.DrawFn) -> list[str | None]:
    added = draw(hlcs)
    removed = draw(st.one_of(st.none(), hlcs.filter(lambda h: h <= added)))
    return [added, removed]


items_maps = st.dictionaries(st.sampled_from(WORDS),
                             st.dictionaries(st.sampled_from(DEVICES), pairs(), min_size=1,
                                             max_size=3), max_size=4)
maybe_items = st.one_of(st.none(), items_maps)


@given(maybe_items, maybe_items)
def test_merge_items_is_commutative(a, b):
    assert merge_items(a, b) == merge_items(b, a)


@given(maybe_items, maybe_items, maybe_items)
def test_merge_items_is_associative(a, b, c):
    assert merge_items(merge_items(a, b), c) == merge_items(a, merge_items(b, c))


@given(maybe_items, maybe_items)
def test_merge_items_is_idempotent(a, b):
    ab = merge_items(a, b)
    assert merge_items(ab, b) == ab
    assert merge_items(a, a) == a


@given(items_maps)
def test_generated_maps_are_valid_wire_values(a):
    assert is_items(a)


def test_merge_items_does_not_change_its_arguments():
    a = {"x": {"a": [encode_hlc(1, 0), None]}}
    merge_items(a, {"x": {"a": [encode_hlc(2, 0), encode_hlc(1, 0)]}})
    assert a == {"x": {"a": [encode_hlc(1, 0), None]}}


class Replica:
    """One device's copy of a single list field, written only through the protocol's helpers."""

    def __init__(self, device: str, ms: list[int]):
        self.clock = Clock(device, wall=lambda: ms[0])
        self.reg: list | None = None

    def write(self, delta_of) -> list:
        stamp = self.clock.stamp()
        delta = [delta_of(self.reg[0] if self.reg else None, stamp), stamp]
        self.reg = merge_register(self.reg, delta)
        return delta

    def add(self, item: str) -> list:
        return self.write(lambda items, stamp: add_items(items, [item], stamp))

    def remove(self, item: str) -> list:
        return self.write(lambda items, _stamp: remove_items(items, [item]))

    def receive(self, reg: list) -> None:
        self.clock.update(reg[1])
        self.reg = merge_register(self.reg, reg)

    @property
    def shown(self) -> list[str]:
        return present(self.reg[0]) if self.reg else []


ops = st.lists(st.tuples(st.sampled_from(["add", "remove", "sync"]), st.integers(0, 2),
                         st.sampled_from(WORDS[:3]), st.integers(0, 2), st.booleans()),
               max_size=30)


@given(ops, st.randoms())
def test_replicas_converge_under_any_delivery_order_and_duplication(script, rnd):
    ms = [1]
    replicas = [Replica(d, ms) for d in DEVICES]
    sent: list[list] = []  # every change any replica made, as it went over the wire
    for op, who, item, other, tick in script:
        ms[0] += tick  # a wall clock that sometimes stands still: equal milliseconds
        me = replicas[who]
        if op == "add":
            sent.append(me.add(item))
        elif op == "remove":
            sent.append(me.remove(item))
        elif me.reg is not None:
            replicas[other].receive(me.reg)
    for r in replicas:  # each replica gets every change, shuffled, some twice
        deliveries = sent + rnd.sample(sent, k=len(sent) // 2)
        rnd.shuffle(deliveries)
        for reg in deliveries:
            r.receive(reg)
    assert all(r.reg == replicas[0].reg for r in replicas)
    assert all(r.shown == replicas[0].shown for r in replicas)


@given(ops)
def test_a_removal_never_removes_an_add_it_did_not_see(script):
    """Whatever the history, an add made after the remover's last sync outlives the removal."""
    ms = [1]
    a, b = Replica("a", ms), Replica("b", ms)
    for op, who, item, _other, tick in script:
        ms[0] += tick
        me, peer = (a, b) if who % 2 == 0 else (b, a)
        if op == "add":
            me.add(item)
        elif op == "remove":
            me.remove(item)
        elif me.reg is not None:
            peer.receive(me.reg)
    word = WORDS[0]
    removal = a.remove(word)  # a removes what it sees of the word (maybe nothing) ...
    re_add = b.write(lambda items, stamp: {word: {"b": [stamp[:16], None]}})  # ... b adds anew
    for r in (a, b):
        r.receive(removal)
        r.receive(re_add)
    assert word in a.shown and word in b.shown


def test_concurrent_adds_keep_both():
    ms = [100]
    coach, lead = Replica("coach", ms), Replica("lead", ms)
    one, two = coach.add("fietsles volgen"), lead.add("werk in de bakkerij")
    coach.receive(two)
    lead.receive(one)
    assert coach.shown == lead.shown == ["fietsles volgen", "werk in de bakkerij"]


def test_remove_of_a_seen_item_and_a_concurrent_re_add_keeps_the_re_add():
    ms = [100]
    coach, lead = Replica("coach", ms), Replica("lead", ms)
    lead.receive(coach.add("zwemmen"))
    ms[0] += 1
    removal = coach.remove("zwemmen")   # the coach saw her own add and removes it
    lead_re_add = lead.remove("zwemmen"), lead.add("zwemmen")  # the lead removes and adds again
    for reg in lead_re_add:
        coach.receive(reg)
    lead.receive(removal)
    assert coach.shown == lead.shown == ["zwemmen"]


def test_concurrent_removes_of_a_seen_item_remove_it():
    ms = [100]
    coach, lead = Replica("coach", ms), Replica("lead", ms)
    lead.receive(coach.add("zwemmen"))
    one, two = coach.remove("zwemmen"), lead.remove("zwemmen")
    coach.receive(two)
    lead.receive(one)
    assert coach.shown == lead.shown == []


def test_items_show_in_the_order_they_were_first_added():
    ms = [100]
    r = Replica("a", ms)
    for word in ["zwemmen", "taalcafé", "fietsles volgen"]:
        ms[0] += 1
        r.add(word)
    assert r.shown == ["zwemmen", "taalcafé", "fietsles volgen"]
    r.write(lambda items, stamp: edit_items(items, ["taalcafé", "werk in de bakkerij"], stamp))
    assert r.shown == ["taalcafé", "werk in de bakkerij"]


def test_a_list_field_merges_as_a_set_inside_a_row_merge():
    s1, s2 = make_stamp(encode_hlc(1, 0), "a"), make_stamp(encode_hlc(2, 0), "b")
    a = {"themes": [add_items(None, ["wonen"], s1), s1], "note": ["x", s1]}
    b = {"themes": [add_items(None, ["werk"], s2), s2], "note": ["y", s2]}
    out = merge(a, b)
    assert present(out["themes"][0]) == ["wonen", "werk"] and out["themes"][1] == s2
    assert out["note"] == ["y", s2]


def _change(fields: dict) -> dict:
    return {"kind": "resident", "id": new_id(), "team": new_id(), "fields": fields}


@pytest.mark.parametrize("value", [
    {"x": {"b": [encode_hlc(1, 0), None]}},                     # an add in another's name
    {"x": {"a": [encode_hlc(9, 0), None]}},                     # a clock past the stamp
    {"x": {"b": [encode_hlc(2, 0), encode_hlc(1, 0)]}},         # another's entry, not a removal
])
def test_a_pushed_items_map_may_not_write_in_another_name_or_from_the_future(value):
    stamp = make_stamp(encode_hlc(5, 0), "a")
    with pytest.raises(ProtocolError) as err:
        parse_change(_change({"ambitions": [value, stamp]}), device="a")
    assert err.value.code == "bad_items"


@pytest.mark.parametrize("value", [
    ["a plain list"], {"x": {}}, {"x": {"a": [encode_hlc(1, 0)]}},
    {"x": {"a": [encode_hlc(1, 0), encode_hlc(2, 0)]}},          # removed past added
    {"x": {"bad device!": [encode_hlc(1, 0), None]}},
])
def test_a_malformed_items_map_is_bad_value(value):
    stamp = make_stamp(encode_hlc(5, 0), "a")
    with pytest.raises(ProtocolError) as err:
        parse_change(_change({"ambitions": [value, stamp]}), device="a")
    assert err.value.code == "bad_value"


def test_a_removal_of_another_devices_add_is_accepted():
    stamp = make_stamp(encode_hlc(5, 0), "a")
    h = encode_hlc(1, 0)
    change = parse_change(_change({"ambitions": [{"x": {"b": [h, h]}}, stamp]}), device="a")
    assert change.fields["ambitions"][0] == {"x": {"b": [h, h]}}
