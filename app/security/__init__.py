"""The device's secrets: the data key wrapped by the worker's PIN, the PIN's back-off, and the
vault that opens the encrypted store only after the right PIN (see docs/device-security.md)."""

from app.security.files import DamagedFile
from app.security.keyslot import WrongPin
from app.security.pin_lockout import TooSoon
from app.security.vault import MIN_PIN_LENGTH, NotAPin, Vault, pin_problem

__all__ = [
    "MIN_PIN_LENGTH", "DamagedFile", "NotAPin", "TooSoon", "Vault", "WrongPin", "pin_problem",
]
