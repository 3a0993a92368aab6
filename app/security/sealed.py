"""Small secrets kept in files beside the database, sealed with the store's data key.

``seal`` encrypts (HMAC-SHA256 as a keystream in counter mode, a fresh nonce each time) and
authenticates (HMAC-SHA256 over nonce and ciphertext, encrypt-then-MAC), with subkeys derived
from the data key per ``purpose``; standard library only, like ``keyslot``. Without the PIN
there is no data key, so a copied file is of no use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

_NONCE, _TAG = 16, 32


class Unsealable(ValueError):
    """The text was not sealed with this key for this purpose, or was changed since."""


def seal(key: bytes, plain: bytes, purpose: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE)
    body = nonce + _xor(plain, _stream(key, purpose, nonce, len(plain)))
    return base64.b64encode(body + _tag(key, purpose, body)).decode("ascii")


def unseal(key: bytes, text: str, purpose: bytes) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, binascii.Error, UnicodeError):
        raise Unsealable("not a sealed text") from None
    body, tag = raw[:-_TAG], raw[-_TAG:]
    if len(body) < _NONCE or not hmac.compare_digest(tag, _tag(key, purpose, body)):
        raise Unsealable("not sealed with this key, or changed")
    nonce, sealed = body[:_NONCE], body[_NONCE:]
    return _xor(sealed, _stream(key, purpose, nonce, len(sealed)))


def _subkey(key: bytes, purpose: bytes, use: bytes) -> bytes:
    return hmac.new(key, b"wijkweb sealed v1 " + purpose + b" " + use, hashlib.sha256).digest()


def _stream(key: bytes, purpose: bytes, nonce: bytes, length: int) -> bytes:
    enc = _subkey(key, purpose, b"enc")
    return b"".join(hmac.new(enc, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
                    for i in range((length + 31) // 32))[:length]


def _tag(key: bytes, purpose: bytes, body: bytes) -> bytes:
    return hmac.new(_subkey(key, purpose, b"mac"), body, hashlib.sha256).digest()


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))
