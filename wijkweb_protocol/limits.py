"""How large a field may be: the bounds both sides hold values to."""

from __future__ import annotations

from typing import Any

MAX_TEXT = 20_000
"""Longest string value of a field, in characters."""
MAX_LIST = 500
"""Most items of a list field (in one register on the wire, or in the list the app passes)."""
MAX_ADDERS = 64
"""Most devices one item of a list field names in one register."""


def is_text(v: Any) -> bool:
    return isinstance(v, str) and len(v) <= MAX_TEXT
