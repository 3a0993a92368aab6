"""The pull feed's cursor: opaque to clients, and sealed.

A cursor is ``"1." + base64url(kid ‖ nonce ‖ ciphertext ‖ tag)``.
The plaintext is ``{"p": {team: version}}`` with positions for the caller's teams only, encrypted
(HMAC-SHA256 as a keystream in counter mode) and authenticated (HMAC-SHA256, encrypt-then-MAC)
with a random secret kept in the server's database (``meta.cursor_key``), made anew with every
feed timeline. ``kid`` names the secret without revealing it, so a cursor of a restored backup's
timeline or of another server is told from a forged one. A device learns no server-wide figure,
and a cursor changed by one bit is ``400 bad_cursor``.

Positions are per team so that a device which joins a team later still receives that team's
older rows (from version 0) while its other teams continue where they were.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from typing import Any, NamedTuple

from sync_server.errors import Refusal, bad_request

RESET_MESSAGE = "Download everything again: the server cannot continue from this cursor."
SEALED = "1."
"""The prefix of a sealed cursor (a dot never occurs in base64url, so no older cursor has it)."""
_KID, _NONCE, _TAG = 4, 12, 16


def new_cursor_key() -> str:
    """A fresh cursor secret, as stored in ``meta``."""
    return secrets.token_hex(32)


class CursorKeys(NamedTuple):
    """The secret of this timeline and of the one a restored backup came from ('' if none)."""

    current: str
    previous: str = ""


def _subkey(key: str, purpose: bytes) -> bytes:
    return hmac.new(bytes.fromhex(key), purpose, hashlib.sha256).digest()


def _kid(key: str) -> bytes:
    return _subkey(key, b"kid")[:_KID]


def _keystream(key: str, nonce: bytes, length: int) -> bytes:
    enc = _subkey(key, b"enc")
    blocks = (hmac.new(enc, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
              for i in range((length + 31) // 32))
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def _tag(key: str, data: bytes) -> bytes:
    return hmac.new(_subkey(key, b"mac"), data, hashlib.sha256).digest()[:_TAG]


def encode_cursor(keys: CursorKeys, positions: dict[str, int]) -> str:
    plain = json.dumps({"p": positions}, separators=(",", ":"), sort_keys=True).encode()
    nonce = secrets.token_bytes(_NONCE)
    body = _kid(keys.current) + nonce + _xor(plain, _keystream(keys.current, nonce, len(plain)))
    return SEALED + base64.urlsafe_b64encode(body + _tag(keys.current, body)).decode().rstrip("=")


def _bad_cursor() -> Refusal:
    return bad_request("The cursor is not one this server made.", code="bad_cursor")


def decode_cursor(cursor: str | None, keys: CursorKeys, timeline: str,
                  previous_timeline: str = "") -> dict[str, int]:
    """Team positions of ``cursor`` ({} for none); 400 ``bad_cursor`` for a cursor changed or
    made up, 410 for one of another timeline (or an unsealed one from before cursors were)."""
    if not cursor:
        return {}
    if not cursor.startswith(SEALED):
        return _unsealed(cursor, timeline, previous_timeline)
    text = cursor[len(SEALED):]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise _bad_cursor() from None
    if len(raw) < _KID + _NONCE + _TAG:
        raise _bad_cursor()
    body, tag, kid = raw[:-_TAG], raw[-_TAG:], raw[:_KID]
    for key, reason in ((keys.current, ""), (keys.previous, "server_restored")):
        if key and hmac.compare_digest(kid, _kid(key)):
            if not hmac.compare_digest(tag, _tag(key, body)):
                raise _bad_cursor()
            if reason:
                raise reset_required(reason)
            nonce, sealed = body[_KID:_KID + _NONCE], body[_KID + _NONCE:]
            plain = _xor(sealed, _keystream(key, nonce, len(sealed)))
            return _positions(json.loads(plain))
    raise reset_required("other_server")


def _positions(data: Any) -> dict[str, int]:
    positions = data.get("p") if isinstance(data, dict) else None
    if (not isinstance(positions, dict)
            or not all(type(v) is int and v >= 0 for v in positions.values())):
        raise _bad_cursor()
    return positions


def _unsealed(cursor: str, timeline: str, previous_timeline: str) -> dict[str, int]:
    """A cursor of the older, unsealed form (base64 JSON naming the timeline): never trusted. One
    this server made asks for a fresh download (``cursor_upgrade``); anything else is refused
    as before."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data: Any = json.loads(raw)
    except (ValueError, binascii.Error, RecursionError):
        raise _bad_cursor() from None
    _positions(data)
    if not isinstance(data.get("e"), str):
        raise _bad_cursor()
    if data["e"] == timeline:
        raise reset_required("cursor_upgrade")
    restored = previous_timeline and data["e"] == previous_timeline
    raise reset_required("server_restored" if restored else "other_server")


def reset_required(reason: str) -> Refusal:
    """``reset_required``: the client must drop its synced rows and pull from the start
    (keeping its outbox)."""
    return Refusal(RESET_MESSAGE, code="reset_required", reason=reason)
