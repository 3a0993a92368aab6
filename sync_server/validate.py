"""Checks a push body and turns it into ready-to-store items, before any lock is taken.

Every change must pass ``protocol.parse_change``. Running it on 1000 changes costs more than the
whole database write, so a fast check with the same rules (but stricter: plain types, ASCII
digits) runs first; only a change it does not vouch for goes through ``parse_change``, which then
gives the precise error. The fast check may refuse what ``parse_change`` accepts, never the
other way round (``tests/test_server_validate.py`` holds it to that).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any, NamedTuple

import wijkweb_protocol as protocol
from sync_server import nesting
from sync_server.errors import bad_request
from sync_server.http_errors import ApiError
from wijkweb_protocol import (
    DELETED,
    HLC_RE,
    KINDS,
    MAX_TEXT,
    STAMP_RE,
    ProtocolError,
    split_stamp,
)

MAX_CHANGES = 1000
EPOCH_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _unencodable(o: Any) -> Any:
    raise TypeError(f"{type(o).__name__} is not JSON")


_make_encoder = json.encoder.c_make_encoder  # type: ignore[attr-defined]  # private; not in typeshed
if _make_encoder is not None:
    # json's own C encoder, made once: ``JSONEncoder.encode`` builds one per call, a third of
    # the cost of encoding a change's fields. Same output; no cycle check (parsed JSON has none).
    _one_shot = _make_encoder(None, _unencodable, json.encoder.encode_basestring_ascii, None,
                              ":", ",", False, False, True)

    def _encode(o: Any) -> str:
        """``json.dumps(o, separators=(",", ":"))`` for JSON-parsed data."""
        return "".join(_one_shot(o, 0))
else:  # pragma: no cover - CPython has the C encoder
    _encode = json.JSONEncoder(separators=(",", ":")).encode
UUID_MATCH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch
"""``protocol.is_uuid`` without parsing: a match for a UUID in canonical text form."""
_STAMP = STAMP_RE.fullmatch
_SAFE_INT = 2**53
_UNSEEN = object()


class Item(NamedTuple):
    """One validated change, with what the store needs precomputed."""

    seq: int
    tx: int
    kind: str
    id: str
    team: str
    fields: dict[str, list[Any]]
    """As pushed, less null bases: ``[value, stamp]`` or ``[value, stamp, base]``. So a new
    row's state is exactly this, and the change log stores the same text."""
    text: str
    """``fields`` as JSON."""
    digest: bytes
    """8 bytes of SHA-256 over kind, id, team and fields: tells a replay from a different change."""
    top: str
    """The change's largest stamp."""
    bare: bool
    """No register carries a base: ``fields`` (and ``text``) are a row state as they are."""


class Batch(NamedTuple):
    push_epoch: str
    items: list[Item]
    newest_ms: int
    """The largest millisecond any stamp of the batch carries (0 for an empty batch)."""


def _is_float(v: Any) -> bool:
    t = type(v)
    return (t is float and math.isfinite(v)) or (t is int and -_SAFE_INT < v < _SAFE_INT)


def _is_items(v: Any) -> bool:
    """An items map; the rules that need the stamp (``protocol.written_by``) run inline."""
    return type(v) is dict and protocol.is_items(v)


_FAST: dict[str, Any] = {
    protocol.STR: str,  # checked inline by _fast_items: type str, at most MAX_TEXT long
    protocol.INT: lambda v: type(v) is int and -_SAFE_INT < v < _SAFE_INT,
    protocol.FLOAT: _is_float,
    protocol.BOOL: bool,  # checked inline: type bool
    protocol.DATE: protocol.is_date,
    protocol.DATETIME: protocol.is_datetime,
    protocol.LIST: _is_items,
    protocol.REF: lambda v: type(v) is str and UUID_MATCH(v) is not None,
}
_FAST_KINDS = {kind: {name: _FAST[t] for name, t in spec.items()} for kind, spec in KINDS.items()}
for _checks in _FAST_KINDS.values():
    _checks[DELETED] = bool


def fast_ok(ch: Any, own_stamp: Any) -> bool:
    """True only if ``parse_change(ch, device)`` passes; ``own_stamp`` matches its stamps."""
    return _fast_items([ch], own_stamp)[0] is not None


def _fast_items(changes: list[Any], own_stamp: Any) -> list[Item | None]:
    """Each change as an ``Item`` if it passes the fast check, else None (ask the protocol).

    One loop over the whole batch with everything bound locally: this runs for every field
    of every pushed change, so name lookups are a measurable share of a push.
    """
    out: list[Item | None] = []
    append, typ, length = out.append, type, len
    uuid_ok, base_ok, encode, sha = UUID_MATCH, _STAMP, _encode, hashlib.sha256
    kinds, unseen, item, max_text = _FAST_KINDS, _UNSEEN, Item, MAX_TEXT
    is_items, written_by = _is_items, protocol.written_by
    for ch in changes:
        if typ(ch) is not dict or length(ch) > 6:  # more keys than a change has: ask the protocol
            append(None)
            continue
        kind, row_id, team = ch.get("kind"), ch.get("id"), ch.get("team")
        checks = kinds.get(kind) if typ(kind) is str else None
        seq, tx, fields = ch.get("seq", 0), ch.get("tx", 0), ch.get("fields")
        if (checks is None or typ(row_id) is not str or typ(team) is not str
                or uuid_ok(row_id) is None or uuid_ok(team) is None
                or typ(seq) is not int or seq < 0 or typ(tx) is not int or tx < 0
                or typ(fields) is not dict or not fields):
            append(None)
            continue
        top = ""
        bare = True
        last: Any = unseen  # the fields of one write share a stamp: check each one once
        for name, reg in fields.items():
            check = checks.get(name)
            if check is None or typ(reg) is not list:
                break
            n = length(reg)
            if n == 3:
                value, stamp, base = reg
                if base is None:
                    del reg[2]  # a null base says nothing: store [value, stamp]
                elif typ(base) is not str or base_ok(base) is None:
                    break
                else:
                    bare = False
            elif n == 2:
                value, stamp = reg
            else:
                break
            if stamp != last:
                if typ(stamp) is not str or own_stamp(stamp) is None:
                    break
                if stamp > top:
                    top = stamp
                last = stamp
            if value is not None:  # the common types inline: a call per value costs
                if check is str:
                    if typ(value) is not str or length(value) > max_text:
                        break
                elif check is bool:
                    if typ(value) is not bool:
                        break
                elif not check(value) or (check is is_items
                                          and not written_by(value, *split_stamp(stamp))):
                    break
        else:
            text = encode(fields)
            key = f"{kind}\x00{row_id}\x00{team}\x00{text}".encode()
            append(item(seq, tx, kind, row_id, team, fields, text,
                        sha(key).digest()[:8], top, bare))
            continue
        append(None)
    return out


def _slow_item(ch: dict[str, Any]) -> Item:
    """For a change only ``parse_change`` vouched for: the same Item, built plainly."""
    fields = ch["fields"]
    for reg in fields.values():
        if len(reg) == 3 and reg[2] is None:
            del reg[2]
    kind, row_id, team, text = ch["kind"], ch["id"], ch["team"], _encode(fields)
    key = f"{kind}\x00{row_id}\x00{team}\x00{text}".encode()
    return Item(ch["seq"], ch["tx"], kind, row_id, team, fields, text,
                hashlib.sha256(key).digest()[:8], max(reg[1] for reg in fields.values()),
                all(len(reg) == 2 for reg in fields.values()))


def parse_push(body: Any, device: str) -> Batch:
    """Check a push body completely; raise ``ApiError`` with the first problem found."""
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.")
    if nesting.exceeds({k: v for k, v in body.items() if k != "changes"}):
        raise nesting.too_deep()
    claimed = body.get("device")
    if not isinstance(claimed, str):
        raise bad_request("'device' must be the device id, a string.")
    if claimed != device:
        raise ApiError(403, "device_mismatch", "The body names another device than the token.")
    epoch = body.get("epoch")
    if not isinstance(epoch, str) or EPOCH_RE.fullmatch(epoch) is None:
        raise bad_request("'epoch' must be 1 to 64 letters, digits, '-' or '_'.")
    changes = body.get("changes")
    if not isinstance(changes, list):
        raise bad_request("'changes' must be a list.")
    if len(changes) > MAX_CHANGES:
        raise ApiError(413, "batch_too_large",
                       f"A push may carry at most {MAX_CHANGES} changes.", max=MAX_CHANGES)
    own_stamp = re.compile(HLC_RE.pattern + "@" + re.escape(device)).fullmatch
    items: list[Item] = []
    newest = ""
    for index, (ch, item) in enumerate(zip(changes, _fast_items(changes, own_stamp),
                                           strict=True)):
        if item is None:  # the fast check passes only shallow changes: check the others
            if nesting.exceeds(ch, nesting.MAX_DEPTH - 2):
                raise nesting.too_deep(index=index)
            try:
                protocol.parse_change(ch, device=device)
            except ProtocolError as err:
                raise ApiError(422, err.code, err.message, index=index, **err.detail) from None
        if "seq" not in ch or "tx" not in ch:
            raise ApiError(422, "bad_seq", "Every change must carry 'seq' and 'tx'.", index=index)
        item = item or _slow_item(ch)
        items.append(item)
        if item.top > newest:
            newest = item.top
    for index in range(1, len(items)):
        if items[index].seq != items[index - 1].seq + 1:
            raise bad_request("The seqs of a batch must be consecutive.", code="bad_batch",
                              index=index)
    return Batch(epoch, items, protocol.stamp_ms(newest) if newest else 0)
