"""The hybrid logical clock: monotonic whatever the wall clock does, text order = time order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wijkweb_protocol import (
    MAX_COUNTER,
    Clock,
    ProtocolError,
    decode_hlc,
    encode_hlc,
    make_stamp,
    split_stamp,
)


class FakeWall:
    def __init__(self, ms: int):
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_now_follows_the_wall_clock():
    wall = FakeWall(1_000)
    clock = Clock("a", wall=wall)
    assert decode_hlc(clock.now()) == (1_000, 0)
    wall.ms = 2_000
    assert decode_hlc(clock.now()) == (2_000, 0)


def test_wall_clock_going_backwards_never_moves_the_clock_back():
    wall = FakeWall(5_000)
    clock = Clock("a", wall=wall)
    first = clock.now()
    wall.ms = 1_000
    later = [clock.now() for _ in range(3)]
    assert first < later[0] < later[1] < later[2]
    assert [decode_hlc(h) for h in later] == [(5_000, 1), (5_000, 2), (5_000, 3)]


def test_remote_clock_ahead_is_taken_over_and_passed():
    clock = Clock("a", wall=FakeWall(1_000))
    remote = encode_hlc(9_000, 7)
    after = clock.update(remote)
    assert decode_hlc(after) == (9_000, 8)
    assert clock.now() > remote


def test_remote_clock_behind_does_not_pull_the_clock_back():
    clock = Clock("a", wall=FakeWall(9_000))
    mine = clock.now()
    after = clock.update(encode_hlc(1_000, 3))
    assert after > mine
    assert decode_hlc(after) == (9_000, 1)


def test_update_accepts_a_whole_stamp():
    clock = Clock("a", wall=FakeWall(1))
    clock.update(make_stamp(encode_hlc(50, 0), "b"))
    assert decode_hlc(clock.last) == (50, 1)


def test_counter_overflow_borrows_the_next_millisecond():
    clock = Clock("a", last=encode_hlc(7_000, MAX_COUNTER - 1), wall=FakeWall(0))
    assert decode_hlc(clock.now()) == (7_000, MAX_COUNTER)
    assert decode_hlc(clock.now()) == (7_001, 0)


def test_reset_forgets_a_clock_that_ran_ahead():
    wall = FakeWall(1_000)
    clock = Clock("a", last=encode_hlc(10**12, 0), wall=wall)
    clock.reset(encode_hlc(900, 0))
    assert decode_hlc(clock.now()) == (1_000, 0)


def test_last_survives_a_restart():
    wall = FakeWall(3_000)
    clock = Clock("a", wall=wall)
    clock.now()
    clock.now()
    restarted = Clock("a", last=clock.last, wall=FakeWall(10))
    assert restarted.now() > clock.last


@given(st.tuples(st.integers(0, 2**48 - 1), st.integers(0, MAX_COUNTER)),
       st.tuples(st.integers(0, 2**48 - 1), st.integers(0, MAX_COUNTER)))
def test_text_order_equals_value_order(a, b):
    assert (encode_hlc(*a) < encode_hlc(*b)) == (a < b)
    assert decode_hlc(encode_hlc(*a)) == a


@given(st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
       st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
       st.sampled_from(["a", "b", "z9"]), st.sampled_from(["a", "b", "z9"]))
def test_stamp_order_is_hlc_then_device(h1, h2, d1, d2):
    s1, s2 = make_stamp(h1, d1), make_stamp(h2, d2)
    assert (s1 < s2) == ((h1, d1) < (h2, d2))
    assert split_stamp(s1) == (h1, d1)


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=50))
def test_stamps_are_strictly_increasing_whatever_the_wall_does(walls):
    wall = FakeWall(walls[0])
    clock = Clock("a", wall=wall)
    seen = []
    for ms in walls:
        wall.ms = ms
        seen.append(clock.now())
    assert seen == sorted(set(seen))


@pytest.mark.parametrize("bad", ["", "xyz", "0" * 15, "0" * 16 + "@", "0" * 16 + "@a b", 5, None])
def test_bad_stamps_are_refused(bad):
    with pytest.raises(ProtocolError) as err:
        split_stamp(bad)
    assert err.value.code == "bad_stamp"
