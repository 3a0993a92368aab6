"""The server's fast change check never accepts what ``protocol.parse_change`` refuses.

``validate`` skips ``parse_change`` for changes its own check vouches for (for push speed);
this holds that shortcut to the protocol's rules, on valid changes and on damaged ones.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_server import protocol
from sync_server.protocol import KINDS, ProtocolError, new_id
from sync_server.validate import fast_ok, parse_push

DEVICE = "dev-1"
OWN = re.compile("[0-9a-f]{16}@" + re.escape(DEVICE)).fullmatch
STAMP = "0000018f2a3b4c5d@" + DEVICE

VALUES: dict[str, Any] = {
    protocol.STR: st.text(max_size=30),
    protocol.INT: st.integers(-(2**53) + 1, 2**53 - 1),
    protocol.FLOAT: st.floats(allow_nan=False, allow_infinity=False) | st.integers(-1000, 1000),
    protocol.BOOL: st.booleans(),
    protocol.DATE: st.dates().map(lambda d: d.isoformat()),
    protocol.DATETIME: st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z"),
    protocol.LIST: st.dictionaries(st.text(max_size=10), st.sampled_from([
        {DEVICE: [STAMP[:16], None]},                                   # an add
        {DEVICE: ["0000000000000002", "0000000000000001"]},             # a re-add
        {"other": ["0000000000000001", "0000000000000001"]},            # a removal
    ]), max_size=5),
    protocol.REF: st.uuids().map(str),
}


@st.composite
def changes(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    names = draw(st.lists(st.sampled_from(sorted(KINDS[kind]) + ["_deleted"]), min_size=1,
                          max_size=5, unique=True))
    fields = {}
    for name in names:
        value = draw(st.booleans() if name == "_deleted" else VALUES[KINDS[kind][name]])
        value = draw(st.sampled_from([value, None]))
        base = draw(st.sampled_from([None, "0000000000000001@other", STAMP]))
        fields[name] = draw(st.sampled_from([[value, STAMP, base], [value, STAMP]]))
    return {"seq": draw(st.integers(0, 10**6)), "tx": draw(st.integers(0, 10**6)),
            "kind": kind, "id": new_id(), "team": new_id(), "fields": fields}


DAMAGE = [None, True, False, 0, -1, 2**53, 2**70, 1.5, float("inf"), "", "x", "x" * 20_001,
          [], {}, ["a", 1], "2024-1-1", "2024-01-01T10:00", "ABCDEF", new_id().upper(),
          "0000018f2a3b4c5d@other", "0000018F2A3B4C5D@" + DEVICE, "٣٣٣٣-٣٣-٣٣", "A" * 16]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, prefix + (i,))
    return out


def _protocol_accepts(ch: Any) -> bool:
    try:
        protocol.parse_change(ch, device=DEVICE)
    except ProtocolError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(changes())
def test_valid_changes_take_the_fast_path(ch: dict[str, Any]) -> None:
    assert _protocol_accepts(ch)
    assert fast_ok(ch, OWN)


@settings(max_examples=500, deadline=None)
@given(changes(), st.data())
def test_fast_path_never_accepts_what_the_protocol_refuses(ch: dict[str, Any],
                                                           data: st.DataObject) -> None:
    damaged = copy.deepcopy(ch)
    path = data.draw(st.sampled_from(_paths(damaged)))
    target = damaged
    for key in path[:-1]:
        target = target[key]
    if data.draw(st.booleans()) and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = data.draw(st.sampled_from(DAMAGE))
    if fast_ok(damaged, OWN):
        assert _protocol_accepts(damaged), damaged


def test_unknown_field_names_and_extra_keys() -> None:
    ch = {"seq": 1, "tx": 1, "kind": "contact", "id": new_id(), "team": new_id(),
          "fields": {"nope": ["x", STAMP]}}
    assert not fast_ok(ch, OWN) and not _protocol_accepts(ch)
    ch["fields"] = {"note": ["x", STAMP]}
    ch["extra"] = float("inf")  # ignored by the protocol, never stored; the fast check leaves
    assert not fast_ok(ch, OWN) and _protocol_accepts(ch)  # it to the slow path (depth check)


def test_slow_path_builds_the_same_item() -> None:
    """A change only ``parse_change`` accepts (a float field holding a huge int) still works."""
    ch = {"seq": 1, "tx": 1, "kind": "contact", "id": new_id(), "team": new_id(),
          "fields": {"lat": [2**60, STAMP, None], "note": ["x", STAMP, None]}}
    assert not fast_ok(copy.deepcopy(ch), OWN) and _protocol_accepts(ch)
    item = parse_push({"device": DEVICE, "epoch": "e", "changes": [ch]}, DEVICE).items[0]
    assert item.fields == {"lat": [2**60, STAMP], "note": ["x", STAMP]}
    assert json.loads(item.text) == {"lat": [2**60, STAMP], "note": ["x", STAMP]}


def test_parse_push_builds_items_without_null_bases() -> None:
    ch = {"seq": 1, "tx": 1, "kind": "contact", "id": new_id(), "team": new_id(),
          "fields": {"note": ["x", STAMP, None], "street": ["y", STAMP, "0000000000000001@b"]}}
    batch = parse_push({"device": DEVICE, "epoch": "e", "changes": [ch]}, DEVICE)
    item = batch.items[0]
    assert item.fields == {"note": ["x", STAMP], "street": ["y", STAMP, "0000000000000001@b"]}
    assert item.top == STAMP
    assert batch.newest_ms == protocol.stamp_ms(STAMP)
    other = parse_push({"device": DEVICE, "epoch": "e", "changes": [
        dict(ch, fields={"note": ["z", STAMP, None]})]}, DEVICE)
    assert other.items[0].digest != item.digest
