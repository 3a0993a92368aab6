"""Bad input gets its precise 4xx and changes nothing: the database dump is identical after.

Malformed JSON, wrong types, unknown kinds, oversized and gzip-bomb bodies, missing and revoked
tokens, stale clients, and a seeded fuzz over push bodies that must never produce a 500.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import socket
import tracemalloc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sync_server.protocol import PROTOCOL_HEADER, new_id

if TYPE_CHECKING:
    from server_fixtures import DeviceClient, Harness

pytest_plugins = ["server_fixtures"]

MIB = 1024 * 1024


def _body(dev: DeviceClient, changes: list[Any], **over: Any) -> dict[str, Any]:
    return {"device": dev.id, "epoch": dev.epoch, "changes": changes} | over


def _good(dev: DeviceClient) -> dict[str, Any]:
    return dev.change("contact", {"note": "ok", "lat": 52.0, "group_size": 3})


def _edit(change: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(change)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


_DELETE = object()

# (case id, how to break one good change, expected status, expected code)
CHANGE_CASES: list[tuple[str, tuple[Any, ...], Any, int, str]] = [
    ("not-object", (), None, 422, "bad_change"),
    ("unknown-kind", ("kind",), "spaceship", 422, "unknown_kind"),
    ("kind-is-list", ("kind",), ["contact"], 422, "unknown_kind"),
    ("bad-id", ("id",), "1234", 422, "bad_id"),
    ("uppercase-id", ("id",), new_id().upper(), 422, "bad_id"),
    ("bad-team", ("team",), 7, 422, "bad_team"),
    ("seq-text", ("seq",), "1", 422, "bad_seq"),
    ("seq-missing", ("seq",), _DELETE, 422, "bad_seq"),
    ("tx-negative", ("tx",), -1, 422, "bad_seq"),
    ("fields-empty", ("fields",), {}, 422, "bad_fields"),
    ("fields-list", ("fields",), [], 422, "bad_fields"),
    ("unknown-field", ("fields", "colour"), ["red", None, None], 422, "unknown_field"),
    ("register-short", ("fields", "note"), ["x"], 422, "bad_register"),
    ("register-dict", ("fields", "note"), {"v": 1}, 422, "bad_register"),
    ("int-for-str", ("fields", "note", 0), 5, 422, "bad_value"),
    ("str-for-int", ("fields", "group_size", 0), "3", 422, "bad_value"),
    ("bool-for-int", ("fields", "group_size", 0), True, 422, "bad_value"),
    ("huge-int", ("fields", "group_size", 0), 2**60, 422, "bad_value"),
    ("text-too-long", ("fields", "note", 0), "x" * 20_001, 422, "field_too_large"),
    ("bad-deleted", ("fields", "_deleted"), ["yes", None, None], 422, "bad_value"),
    ("stamp-garbage", ("fields", "note", 1), "yesterday", 422, "bad_stamp"),
    ("stamp-null", ("fields", "note", 1), None, 422, "bad_stamp"),
    ("bad-base", ("fields", "note", 2), "nope", 422, "bad_stamp"),
]


@pytest.mark.parametrize("case,path,value,status,code", CHANGE_CASES,
                         ids=[c[0] for c in CHANGE_CASES])
def test_invalid_change_is_422_with_index_and_writes_nothing(
        server: Harness, case: str, path: tuple[Any, ...], value: Any, status: int,
        code: str) -> None:
    dev = server.device()
    good = _good(dev)
    bad = _edit(_good(dev), path, value) if path else value
    before = server.dump()
    resp = dev.push([good, bad])
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    assert resp.json()["index"] == 1
    assert server.dump() == before


def test_stamp_of_another_device_is_refused(server: Harness) -> None:
    dev = server.device()
    forged = dev.change("contact", {"note": "x"}, stamp="0000018f00000000@someone-else")
    before = server.dump()
    resp = dev.push([forged])
    assert resp.status_code == 422 and resp.json()["code"] == "bad_stamp"
    assert server.dump() == before


RAW_CASES: list[tuple[str, Callable[[DeviceClient], bytes], int, str]] = [
    ("malformed", lambda d: b'{"device": ', 400, "bad_json"),
    ("not-utf8", lambda d: b'{"device": "\xff\xfe"}', 400, "bad_json"),
    ("nan", lambda d: json.dumps(_body(d, [_good(d)])).replace("52.0", "NaN").encode(),
     400, "bad_json"),
    ("infinity-literal", lambda d: json.dumps(_body(d, [_good(d)])).replace(
        "52.0", "1e999").encode(), 400, "bad_json"),
    ("huge-number", lambda d: json.dumps(_body(d, [_good(d)])).replace(
        "52.0", "1" + "0" * 5000).encode(), 400, "bad_json"),
    ("deep-nesting", lambda d: b"[" * 100_000 + b"]" * 100_000, 400, "too_deep"),
    ("lone-surrogate", lambda d: json.dumps(_body(d, [_good(d)])).replace(
        '"ok"', '"\\ud800"').encode(), 400, "bad_json"),
    ("array", lambda d: b"[]", 400, "bad_request"),
    ("empty", lambda d: b"", 400, "bad_json"),
    ("no-device", lambda d: json.dumps({"epoch": "e", "changes": []}).encode(),
     400, "bad_request"),
    ("device-number", lambda d: json.dumps(_body(d, [], device=5)).encode(),
     400, "bad_request"),
    ("other-device", lambda d: json.dumps(_body(d, [], device="someone")).encode(),
     403, "device_mismatch"),
    ("no-epoch", lambda d: json.dumps({"device": d.id, "changes": []}).encode(),
     400, "bad_request"),
    ("epoch-spaces", lambda d: json.dumps(_body(d, [], epoch="a b")).encode(),
     400, "bad_request"),
    ("changes-object", lambda d: json.dumps(_body(d, {})).encode(), 400, "bad_request"),
    ("too-many", lambda d: json.dumps(_body(d, [_good(d)] * 1001)).encode(),
     413, "batch_too_large"),
    ("seq-jump", lambda d: json.dumps(_body(d, [_good(d), dict(_good(d), seq=d.seq + 5)])
                                      ).encode(), 400, "bad_batch"),
]


@pytest.mark.parametrize("case,make,status,code", RAW_CASES, ids=[c[0] for c in RAW_CASES])
def test_bad_push_body_is_4xx_and_writes_nothing(server: Harness, case: str,
                                                 make: Callable[[DeviceClient], bytes],
                                                 status: int, code: str) -> None:
    dev = server.device()
    body = make(dev)
    before = server.dump()
    resp = dev.http.post("/v1/push", content=body,
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    assert isinstance(resp.json()["message"], str) and resp.json()["message"]
    assert server.dump() == before
    assert dev.http.get("/v1/health").status_code == 200  # the connection still works


def test_gzip_bomb_is_refused_without_inflating_it(server: Harness) -> None:
    dev = server.device()
    bomb = gzip.compress(b"0" * (64 * MIB), 9)
    assert len(bomb) < 200_000
    before = server.dump()
    tracemalloc.start()  # the server runs in this process: its allocations count too
    try:
        resp = dev.http.post("/v1/push", content=bomb, headers={"Content-Encoding": "gzip"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert resp.status_code == 413 and resp.json()["code"] == "body_too_large"
    assert peak < 20 * MIB  # inflated at most a little past the 8 MiB cap, not 64 MiB
    assert server.dump() == before


def test_broken_gzip_and_unknown_encoding(server: Harness) -> None:
    dev = server.device()
    resp = dev.http.post("/v1/push", content=b"\x1f\x8b garbage",
                         headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 400 and resp.json()["code"] == "bad_request"
    cut = gzip.compress(json.dumps(_body(dev, [])).encode())[:-10]
    resp = dev.http.post("/v1/push", content=cut, headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 400
    resp = dev.http.post("/v1/push", content=b"{}", headers={"Content-Encoding": "br"})
    assert resp.status_code == 415 and resp.json()["code"] == "unsupported_encoding"


def _raw(h: Harness, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send bytes on a fresh socket; the status and JSON body of the answer."""
    with socket.create_connection(h.server.server_address[:2], timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        while len(rest) < length:
            rest += sock.recv(65536)
    return int(head.split()[1]), json.loads(rest[:length])


def test_oversized_body_is_refused_before_reading_it(server: Harness) -> None:
    dev = server.device()
    before = server.dump()
    status, body = _raw(server, (
        f"POST /v1/push HTTP/1.1\r\nHost: x\r\n{PROTOCOL_HEADER}: 2\r\n"
        f"Authorization: Bearer {dev.token}\r\nContent-Length: {8 * MIB + 1}\r\n\r\n"
    ).encode())
    assert status == 413 and body["code"] == "body_too_large"
    assert server.dump() == before


def test_oversized_chunked_body_is_refused(server: Harness) -> None:
    dev = server.device()
    status, body = _raw(server, (
        f"POST /v1/push HTTP/1.1\r\nHost: x\r\n{PROTOCOL_HEADER}: 2\r\n"
        f"Authorization: Bearer {dev.token}\r\nTransfer-Encoding: chunked\r\n\r\n"
        f"{8 * MIB + 1:x}\r\n").encode())
    assert status == 413 and body["code"] == "body_too_large"


def test_chunked_body_is_accepted(server: Harness) -> None:
    dev = server.device()
    payload = json.dumps(_body(dev, [_good(dev)])).encode()
    resp = dev.http.post("/v1/push", content=iter([payload[:10], payload[10:]]))
    assert resp.status_code == 200, resp.text
    assert resp.json()["acked"] == 1


def test_malformed_request_line_and_content_length(server: Harness) -> None:
    status, body = _raw(server, b"GARBAGE\r\n\r\n")
    assert status == 400 and body["code"] == "bad_request"
    status, body = _raw(server, b"POST /v1/enroll HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Length: ten\r\n\r\n")
    assert status == 400 and body["code"] == "bad_framing"  # strict framing (issue 12)
    status, body = _raw(server, b"GET /v1/pull?limit=%ff HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status in (400, 426) and body["code"] in ("bad_request", "protocol_unsupported")


@pytest.mark.parametrize("headers,status,code", [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Bearer not-a-token"}, 401, "unauthorized"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "unauthorized"),
    ({"Authorization": "Bearer"}, 401, "unauthorized"),
])
def test_missing_or_unknown_token(server: Harness, headers: dict[str, str], status: int,
                                  code: str) -> None:
    dev = server.device()
    before = server.dump()
    for method, path in (("POST", "/v1/push"), ("GET", "/v1/pull"), ("GET", "/v1/conflicts")):
        resp = httpx.request(method, server.url + path, headers={PROTOCOL_HEADER: "2", **headers},
                             json=_body(dev, [_good(dev)]) if method == "POST" else None)
        assert resp.status_code == status and resp.json()["code"] == code
    assert server.dump() == before


def test_revoked_device_is_403_everywhere(server: Harness) -> None:
    dev = server.device(role="team_lead")
    server.store.revoke(dev.id)
    before = server.dump()
    assert dev.push([_good(dev)]).json()["code"] == "device_revoked"
    for path in ("/v1/pull", "/v1/conflicts", f"/v1/history/contact/{new_id()}"):
        resp = dev.http.get(path)
        assert resp.status_code == 403 and resp.json()["code"] == "device_revoked"
    assert server.dump() == before


@pytest.mark.parametrize("version", [None, "0", "1", "3", "one"])
def test_stale_or_missing_protocol_is_426(server: Harness, version: str | None) -> None:
    dev = server.device()
    headers = {"Authorization": f"Bearer {dev.token}"}
    if version is not None:
        headers[PROTOCOL_HEADER] = version
    before = server.dump()
    for method, path, body in (("POST", "/v1/push", _body(dev, [_good(dev)])),
                               ("GET", "/v1/pull", None),
                               ("POST", "/v1/enroll", {"code": "X", "device": "d"})):
        resp = httpx.request(method, server.url + path, headers=headers, json=body)
        assert resp.status_code == 426, (path, resp.text)
        assert resp.json()["code"] == "protocol_unsupported"
        assert resp.json()["supported"] == [2]
    assert server.dump() == before


@pytest.mark.parametrize("body,status,code", [
    ({"code": "ABCD-EFGH-JKLM", "device": "phone"}, 401, "enrollment_invalid"),
    ({"code": 12, "device": "phone"}, 400, "bad_request"),
    ({"device": "phone"}, 400, "bad_request"),
    ({"code": "x", "device": "has space"}, 400, "bad_request"),
    ({"code": "x", "device": "x" * 65}, 400, "bad_request"),
    ({"code": "x", "device": ["phone"]}, 400, "bad_request"),
    ({"code": "x", "device": "server"}, 409, "device_exists"),
    ({"code": "x", "device": "phone", "label": 5}, 400, "bad_request"),
])
def test_bad_enrollment(server: Harness, body: dict[str, Any], status: int, code: str) -> None:
    worker = server.store.add_worker("An", "street_coach", [server.team()])
    real = server.store.create_enrollment(worker)
    if body.get("code") == "x":
        body = dict(body, code=real)
    before = server.dump()
    resp = httpx.post(f"{server.url}/v1/enroll", json=body, headers={PROTOCOL_HEADER: "2"})
    assert resp.status_code == status, resp.text
    assert resp.json()["code"] == code
    assert server.dump() == before


def test_fuzzed_push_bodies_never_500_nor_write_when_refused(server: Harness) -> None:
    """Seeded random damage to valid batches: any answer but 200 leaves the database as is."""
    rnd = random.Random(20240501)
    dev = server.device()
    nasty: list[Any] = [None, True, 0, -1, 2**63, 1.5, "", "x" * 30, [], {}, [[]], {"a": {}},
                        "0000000000000000@" + dev.id, new_id(), "2024-13-45", ["a", 1]]
    statuses: set[int] = set()
    for _ in range(150):
        batch = [_good(dev) for _ in range(3)]
        victim = rnd.choice(batch)
        spot: Any = victim
        keys: list[Any] = []
        while isinstance(spot, (dict, list)) and spot and rnd.random() < 0.7:
            key = rnd.choice(list(spot)) if isinstance(spot, dict) else rnd.randrange(len(spot))
            keys.append(key)
            spot = spot[key]
        if keys:
            _edit_in_place(victim, keys, rnd.choice(nasty))
        before = server.dump()
        resp = dev.push(batch)
        statuses.add(resp.status_code)
        assert resp.status_code < 500, resp.text
        body = resp.json()
        assert isinstance(body, dict)
        if resp.status_code != 200:
            assert body["code"] and body["message"]
            assert server.dump() == before
            dev.seq = dev.push([]).json()["acked"]
    assert 200 in statuses and len(statuses) > 2


def _edit_in_place(obj: Any, keys: list[Any], value: Any) -> None:
    for key in keys[:-1]:
        obj = obj[key]
    obj[keys[-1]] = value
