"""Every row kind, its fields and their types on the wire, and the checks of a value.

A row is ``(kind, id)`` owned by one team; ``id`` is a UUID made on the device.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeGuard

from wijkweb_protocol.errors import ProtocolError
from wijkweb_protocol.limits import MAX_LIST, MAX_TEXT, is_text
from wijkweb_protocol.sets import is_items

DELETED = "_deleted"
"""The register that marks a row deleted (``True``); a re-create sets it to ``False`` later."""

# Field types on the wire. Every field may also be null.
STR, INT, FLOAT, BOOL, DATE, DATETIME, LIST, REF = (
    "str", "int", "float", "bool", "date", "datetime", "list", "ref",
)

KINDS: dict[str, dict[str, str]] = {
    "team": {"name": STR},
    "area": {"name": STR, "parent_id": REF, "streets": LIST},
    "worker": {"name": STR, "role": STR, "email": STR},
    "household": {
        "name": STR, "street": STR, "house_number": STR, "primary_worker_id": REF,
        "legal_basis": STR, "consent_date": DATE, "note": STR,
    },
    "resident": {
        "household_id": REF, "name": STR, "birth_year": INT,
        "ambitions": LIST, "talents": LIST, "obstacles": LIST,
    },
    "contact": {
        "at": DATETIME, "worker_id": REF, "street": STR, "lat": FLOAT, "lon": FLOAT,
        "resident_ids": LIST, "group_size": INT, "group_label": STR, "channel": STR,
        "themes": LIST, "note": STR, "follow_up": BOOL,
    },
    "network_person": {
        "name": STR, "organisation": STR, "key_figure": BOOL, "offers": STR, "street": STR,
        "worker_id": REF, "note": STR,
    },
    "tie": {
        "resident_id": REF, "person_id": REF, "kind": STR, "support": LIST, "strength": STR,
        "note": STR,
    },
    "activation": {
        "resident_id": REF, "person_ids": LIST, "request": STR, "date": DATE, "outcome": STR,
        "outcome_date": DATE, "worker_id": REF,
    },
    "agreement": {
        "what": STR, "owner_kind": STR, "owner_id": REF, "resident_id": REF, "due": DATE,
        "status": STR, "contact_id": REF, "worker_id": REF,
    },
    "signal": {
        "street": STR, "area_id": REF, "category": STR, "severity": INT, "status": STR,
        "note": STR, "at": DATETIME, "worker_id": REF,
    },
    "initiative": {"title": STR, "street": STR, "carried_by": STR, "note": STR, "at": DATE},
    "outcome_score": {
        "resident_id": REF, "domain": STR, "score": INT, "date": DATE, "worker_id": REF,
    },
    "handover": {
        "household_id": REF, "from_worker_id": REF, "to_worker_id": REF, "by_worker_id": REF,
        "at": DATETIME, "seen": BOOL,
    },
}
"""Every row kind and its fields: the one schema both sides check changes against."""
REF_LISTS = frozenset({"resident_ids", "person_ids"})
"""List fields whose items are row ids (``REF`` fields are single ids)."""


REFERENCES: dict[str, tuple[str, ...]] = {
    kind: tuple(name for name, typ in spec.items() if typ == REF or name in REF_LISTS)
    for kind, spec in KINDS.items()}
"""Per kind, every field that holds the id of another row: a row may name only rows of its own
team (``reference_out_of_scope``), and erasure follows these within one team only."""


def referenced_ids(kind: str, fields: Mapping[str, list[Any]]) -> list[tuple[str, str]]:
    """``(field, id)`` for every id the registers ``fields`` of a ``kind`` row refer to."""
    out: list[tuple[str, str]] = []
    for name in REFERENCES[kind]:
        reg = fields.get(name)
        value = reg[0] if reg else None
        if isinstance(value, str):
            out.append((name, value))
        elif isinstance(value, (list, dict)):  # a plain list, or a list field's items map
            out += [(name, x) for x in value if isinstance(x, str)]
    return out


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})")


def is_uuid(text: Any) -> TypeGuard[str]:
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def new_id() -> str:
    """A row id made on the device: random, so it never carries personal data."""
    return str(uuid.uuid4())


def check_value(kind: str, name: str, value: Any, plain: bool = False) -> None:
    """Raise ``bad_value`` unless ``value`` fits the declared type of ``kind.name``.

    A list field's value is an items map on the wire; with ``plain``, a plain list of texts
    (what the app's services pass the store, which turns it into adds and removes).
    """
    if value is None:
        return
    if name != DELETED and _oversized(KINDS[kind][name], value):
        raise ProtocolError("field_too_large", f"Field '{kind}.{name}' is too large: text at "
                            f"most {MAX_TEXT} characters, lists at most {MAX_LIST} items.",
                            field=name)
    if name == DELETED:
        ok = isinstance(value, bool)
    elif plain and KINDS[kind][name] == LIST:
        ok = isinstance(value, list) and all(is_text(x) for x in value)
    else:
        ok = _TYPE_CHECKS[KINDS[kind][name]](value)
    if not ok:
        expected = "bool" if name == DELETED else KINDS[kind][name]
        raise ProtocolError("bad_value", f"Field '{kind}.{name}' must be of type {expected}.",
                            field=name)


def _oversized(typ: str, value: Any) -> bool:
    """Text or a list (or one of its texts) past its limit: ``field_too_large``, not a type
    error, so the app can tell the user to shorten it."""
    if typ == STR:
        return isinstance(value, str) and len(value) > MAX_TEXT
    return typ == LIST and isinstance(value, (list, dict)) and (
        len(value) > MAX_LIST or any(isinstance(x, str) and len(x) > MAX_TEXT for x in value))


def is_date(v: Any) -> bool:
    """``YYYY-MM-DD`` in ASCII digits, and a real day (no 2024-13-45)."""
    if not isinstance(v, str) or not _DATE_RE.fullmatch(v):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _is_finite(v: int | float) -> bool:
    """``math.isfinite`` that answers False for an int too large for a float (no OverflowError)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def is_datetime(v: Any) -> bool:
    """ISO 8601 with an offset, in ASCII digits, and a real moment."""
    if not isinstance(v, str) or not _DATETIME_RE.fullmatch(v):
        return False
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    STR: is_text,
    INT: lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**53,
    FLOAT: lambda v: (isinstance(v, (int, float)) and not isinstance(v, bool)
                      and _is_finite(v)),
    BOOL: lambda v: isinstance(v, bool),
    DATE: is_date,
    DATETIME: is_datetime,
    LIST: lambda v: is_items(v),
    REF: is_uuid,
}
