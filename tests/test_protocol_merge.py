"""Merge laws over random rows: any order, any duplication of deliveries converges."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wijkweb_protocol import DELETED, encode_hlc, make_stamp, merge, merge_all

values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(), st.just(""),
    st.lists(st.text(max_size=5), max_size=3),
)
# Few distinct clocks and devices, so that equal stamps and ties happen often.
stamps = st.builds(lambda ms, c, d: make_stamp(encode_hlc(ms, c), d),
                   st.integers(0, 3), st.integers(0, 2), st.sampled_from(["a", "b", "c"]))
field_names = st.sampled_from(["name", "street", "note", "themes", DELETED])
states = st.dictionaries(field_names, st.tuples(values, stamps).map(list), max_size=5)


@given(states, states)
def test_merge_is_commutative(a, b):
    assert merge(a, b) == merge(b, a)


@given(states, states, states)
def test_merge_is_associative(a, b, c):
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


@given(states, states)
def test_merge_is_idempotent(a, b):
    ab = merge(a, b)
    assert merge(ab, b) == ab
    assert merge(a, a) == {k: list(v) for k, v in a.items()}


@given(st.lists(states, min_size=1, max_size=6), st.randoms())
def test_any_order_and_duplication_converges(deliveries, rnd):
    expected = merge_all(deliveries)
    shuffled = deliveries + rnd.sample(deliveries, k=len(deliveries) // 2)
    rnd.shuffle(shuffled)
    assert merge_all(shuffled) == expected


@given(states, states)
def test_merge_keeps_the_larger_stamp_per_field(a, b):
    out = merge(a, b)
    assert set(out) == set(a) | set(b)
    for name, reg in out.items():
        candidates = [s[name][1] for s in (a, b) if name in s]
        assert reg[1] == max(candidates)


def test_merge_does_not_change_its_arguments():
    a = {"name": ["x", make_stamp(encode_hlc(1, 0), "a")]}
    b = {"name": ["y", make_stamp(encode_hlc(2, 0), "b")]}
    merge(a, b)
    assert a == {"name": ["x", make_stamp(encode_hlc(1, 0), "a")]}


def test_device_id_breaks_a_tie_of_clocks():
    hlc = encode_hlc(100, 0)
    a = {"note": ["from a", make_stamp(hlc, "a")]}
    b = {"note": ["from b", make_stamp(hlc, "b")]}
    assert merge(a, b)["note"][0] == "from b"
    assert merge(b, a)["note"][0] == "from b"


def test_delete_then_recreate_follows_the_clock():
    s = [make_stamp(encode_hlc(ms, 0), "a") for ms in (1, 2, 3)]
    created = {DELETED: [False, s[0]], "name": ["Ayse", s[0]]}
    deleted = {DELETED: [True, s[1]]}
    recreated = {DELETED: [False, s[2]]}
    assert merge_all([recreated, created, deleted])[DELETED][0] is False
    assert merge_all([created, deleted])[DELETED][0] is True
