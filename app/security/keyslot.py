"""The data key wrapped by a key derived from the PIN: the only form in which it is on disk.

``scrypt(PIN, fresh salt)`` gives 64 bytes: the first half is XORed with the random data key
(a one-time pad, since every wrap draws a new salt), the second half keys an HMAC over the
result, so a wrong PIN is recognised without touching the database. Standard library only.
Changing the PIN writes a new slot around the same data key: nothing is re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from typing import Any

VERSION = 1
SCRYPT_N = 2**16  # ~0.25 s and 64 MiB here per try; the cost of each guess offline
SCRYPT_R = 8
SCRYPT_P = 1
_CONTEXT = b"wijkweb data key v1"


class WrongPin(ValueError):
    """The PIN does not unwrap the data key; ``wait``: seconds before the next try."""

    def __init__(self, wait: float = 0.0):
        super().__init__("wrong PIN")
        self.wait = wait


@dataclass(frozen=True)
class KeySlot:
    """What ``key.json`` holds: the KDF's parameters, the wrapped key and its check."""

    salt: str
    wrapped: str
    check: str
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P
    kdf: str = "scrypt"
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        if data.get("version") != VERSION or data.get("kdf") != "scrypt":
            raise ValueError("a key file this version of the app cannot read")
        return cls(**data)


def new_data_key() -> bytes:
    return secrets.token_bytes(32)


def wrap(key: bytes, pin: str, n: int = SCRYPT_N) -> KeySlot:
    """A slot that gives ``key`` back to ``pin`` only."""
    salt = secrets.token_bytes(16)
    pad, mac_key = _derive(pin, salt, n, SCRYPT_R, SCRYPT_P)
    wrapped = bytes(a ^ b for a, b in zip(key, pad, strict=True))
    return KeySlot(_b64(salt), _b64(wrapped), _b64(_mac(mac_key, salt, wrapped)), n=n)


def unwrap(slot: KeySlot, pin: str) -> bytes:
    """The data key, or ``WrongPin``."""
    salt, wrapped = _unb64(slot.salt), _unb64(slot.wrapped)
    pad, mac_key = _derive(pin, salt, slot.n, slot.r, slot.p)
    if not hmac.compare_digest(_mac(mac_key, salt, wrapped), _unb64(slot.check)):
        raise WrongPin()
    return bytes(a ^ b for a, b in zip(wrapped, pad, strict=True))


def _derive(pin: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    out = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                         maxmem=256 * 1024 * 1024, dklen=64)
    return out[:32], out[32:]


def _mac(mac_key: bytes, salt: bytes, wrapped: bytes) -> bytes:
    return hmac.new(mac_key, _CONTEXT + salt + wrapped, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
