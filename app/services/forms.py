"""Parsing what people type into form fields; each parser returns a value or raises ``Invalid``.

Errors are translation keys (``error.*``), shown next to the field; the typed text is never
thrown away, the form keeps it.
"""

from __future__ import annotations

import re
from datetime import date

from wijkweb_protocol import MAX_TEXT

Errors = dict[str, str]
"""field → translation key of the message shown next to that field."""


class Invalid(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(text: str) -> date:
    """``2025-03-01`` or the Dutch ``1-3-2025`` / ``1/3/2025`` / ``1.3.2025``."""
    text = text.strip()
    if m := _ISO.match(text):
        y, mo, d = map(int, m.groups())
    elif m := _DMY.match(text):
        d, mo, y = map(int, m.groups())
    else:
        raise Invalid("error.date_invalid")
    try:
        return date(y, mo, d)
    except ValueError:
        raise Invalid("error.date_invalid") from None


def optional_date(text: str | None) -> date | None:
    return parse_date(text) if text and text.strip() else None


def parse_int(text: str | int, lo: int, hi: int, key: str) -> int:
    """A whole number in ``lo..hi``; ``key`` is the error shown otherwise."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise Invalid(key) from None
    if not lo <= value <= hi:
        raise Invalid(key)
    return value


def parse_location(text: str) -> tuple[float, float] | None:
    """``"52.37, 4.89"`` → (lat, lon); empty → None."""
    if not text.strip():
        return None
    parts = re.split(r"[,;\s]+", text.strip())
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise Invalid("error.location_invalid") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("error.location_invalid")
    return lat, lon


def check(errors: Errors, field: str, fn, *args):  # noqa: ANN001, ANN201 - tiny helper
    """Run a parser; on ``Invalid`` record the error for ``field`` and return None."""
    try:
        return fn(*args)
    except Invalid as e:
        errors[field] = e.key
        return None


def require_text(errors: Errors, field: str, text: str | None, key: str = "error.required",
                 limit: int = 200) -> str:
    """Trimmed text that must be present and not longer than ``limit``."""
    value = (text or "").strip()
    if not value:
        errors[field] = key
    elif len(value) > limit:
        errors[field] = "error.too_long"
    return value


def limit_text(errors: Errors, field: str, text: str | None, limit: int = MAX_TEXT) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        errors[field] = "error.too_long"
    return value
