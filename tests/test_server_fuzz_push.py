"""Fuzzing ``POST /v1/push`` over real HTTP with hypothesis: random JSON, mutated valid bodies,
deep nesting, huge numbers, bad Unicode and raw bytes.

Whatever arrives: never a 5xx, always a JSON answer with a code when refused, and never a
partial write — a refused push leaves the database exactly as it was, an accepted one stores
every change it did not reject (and none of a rejected transaction), and sending it again
changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_server.protocol import PROTOCOL_HEADER, Clock, add_items

if TYPE_CHECKING:
    from server_fixtures import DeviceClient, Harness

pytest_plugins = ["server_fixtures"]
PROTO = {PROTOCOL_HEADER: "2", "Content-Type": "application/json"}
EXAMPLES = 60

EDGE = st.sampled_from([
    None, True, False, 0, -1, 2**53, -(2**63), 2**64, 10**400, 1e308, -0.0, 5e-324, "",
    "\ud800", "\udfff", "\x00", "é" * 20_001, "\u202e", "a" * 70, [], {}, [[[[[[]]]]]],
    "2026-02-30", "2026-11-02T10:00:00+00:00", "ffffffffffffffff@x", str(uuid.uuid4()),
])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=30) | EDGE)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)

KINDS = {
    "contact": {"note": st.text(max_size=40), "at": st.just("2026-11-02T10:00:00+00:00"),
                "themes": st.lists(st.text(max_size=8), max_size=3),
                "group_size": st.integers(0, 40), "follow_up": st.booleans()},
    "household": {"name": st.text(max_size=20), "street": st.text(max_size=20),
                  "legal_basis": st.sampled_from(["consent", "public_task_wmo"])},
    "signal": {"severity": st.integers(1, 5), "street": st.text(max_size=20)},
}


@st.composite
def valid_bodies(draw: Any, device: str, team: str) -> dict[str, Any]:
    """A push a real device could send: seqs from 1, changes grouped in transactions."""
    clock = Clock(device)
    changes = []
    tx = 0
    for seq in range(1, draw(st.integers(1, 6)) + 1):
        if seq == 1 or draw(st.booleans()):
            tx += 1
        kind = draw(st.sampled_from(sorted(KINDS)))
        names = draw(st.lists(st.sampled_from(sorted(KINDS[kind])), min_size=1, unique=True))
        stamp = clock.stamp()
        fields = {n: [draw(KINDS[kind][n]), stamp, None] for n in names}
        if "themes" in fields:  # a list field travels as the adds of its items
            fields["themes"][0] = add_items(None, fields["themes"][0], stamp)
        changes.append({"seq": seq, "tx": tx, "kind": kind, "id": str(uuid.uuid4()),
                        "team": team, "fields": fields})
    return {"device": device, "epoch": uuid.uuid4().hex, "changes": changes}


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*at, i))
    return out


@st.composite
def mutated(draw: Any, device: str, team: str) -> dict[str, Any]:
    """A valid body with one to three values replaced, removed or added somewhere."""
    body = draw(valid_bodies(device, team))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(body)[1:]))
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "remove":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(JSON)
        else:
            parent[path[-1]] = draw(JSON)
    return body


def _encode(body: Any) -> bytes:
    return json.dumps(body).encode()  # NaN, Infinity and lone surrogates as JSON writes them


@st.composite
def raw_bodies(draw: Any, device: str, team: str) -> bytes:
    """Bytes that are barely JSON: cut short, flipped, nested too deep, or noise."""
    good = _encode(draw(valid_bodies(device, team)))
    kind = draw(st.sampled_from(["cut", "flip", "deep", "noise", "bad_utf8", "big_number"]))
    if kind == "cut":
        return good[:draw(st.integers(0, len(good) - 1))]
    if kind == "flip":
        at = draw(st.integers(0, len(good) - 1))
        return good[:at] + bytes([draw(st.integers(0, 255))]) + good[at + 1:]
    if kind == "deep":
        depth = draw(st.sampled_from([33, 1000, 50_000]))
        return good.replace(b'"changes": [', b'"x": ' + b"[" * depth + b"]" * depth
                            + b', "changes": [', 1)
    if kind == "bad_utf8":
        return good.replace(b'"device"', b'"dev\xff\xfeice"', 1)
    if kind == "big_number":
        return good.replace(b'"seq": 1', b'"seq": 1' + b"0" * 5000, 1)
    return draw(st.binary(max_size=200))


def _rows(server: Harness) -> set[tuple[str, str]]:
    db = sqlite3.connect(server.db_path)
    try:
        return set(db.execute("SELECT kind, id FROM rows"))
    finally:
        db.close()


def _check(server: Harness, dev: DeviceClient, raw: bytes) -> None:
    before, rows_before = server.dump(), _rows(server)
    resp = dev.http.post("/v1/push", content=raw, headers=PROTO)
    assert resp.status_code < 500, resp.text
    answer = resp.json()
    if resp.status_code != 200:
        assert isinstance(answer["code"], str) and answer["message"]
        assert server.dump() == before, f"a refused push ({answer['code']}) wrote something"
        return
    body = json.loads(raw)
    rejected = {r["seq"] for r in answer["rejected"]}
    refused_tx = {c["tx"] for c in body["changes"] if c["seq"] in rejected}
    stored = _rows(server)
    for change in body["changes"]:
        key = (change["kind"], change["id"])
        if change["tx"] in refused_tx:
            assert key not in stored or key in rows_before, "a rejected transaction wrote"
        else:
            assert key in stored, f"change {change['seq']} was acked but not stored"
    after = server.dump()
    again = dev.http.post("/v1/push", content=raw, headers=PROTO)
    assert again.status_code == 200 and again.json()["acked"] == answer["acked"]
    assert again.json()["rejected"] == answer["rejected"]
    assert server.dump() == after, "the same push, sent again, changed the database"


FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def pusher(server: Harness) -> tuple[Harness, DeviceClient]:
    return server, server.device()


def test_random_json_never_fails(pusher: tuple[Harness, DeviceClient]) -> None:
    server, dev = pusher

    @FUZZ
    @given(body=JSON | st.fixed_dictionaries({"device": st.just(dev.id), "epoch": EDGE,
                                               "changes": st.lists(JSON, max_size=3)}))
    def run(body: Any) -> None:
        _check(server, dev, _encode(body))

    run()


def test_mutated_valid_bodies_never_fail_or_write_partly(
        pusher: tuple[Harness, DeviceClient]) -> None:
    server, dev = pusher

    @FUZZ
    @given(body=mutated(dev.id, dev.teams[0]))
    def run(body: Any) -> None:
        _check(server, dev, _encode(body))

    run()


def test_raw_bytes_never_fail(pusher: tuple[Harness, DeviceClient]) -> None:
    server, dev = pusher

    @FUZZ
    @given(raw=raw_bodies(dev.id, dev.teams[0]))
    def run(raw: bytes) -> None:
        _check(server, dev, raw)

    run()


def test_valid_bodies_are_taken_whole(pusher: tuple[Harness, DeviceClient]) -> None:
    """The control: unmutated bodies are accepted, with nothing rejected."""
    server, dev = pusher

    @settings(FUZZ, max_examples=20)
    @given(body=valid_bodies(dev.id, dev.teams[0]))
    def run(body: Any) -> None:
        resp = dev.http.post("/v1/push", content=_encode(body), headers=PROTO)
        assert resp.status_code == 200 and resp.json()["rejected"] == [], resp.text
        _check(server, dev, _encode(body))

    run()
