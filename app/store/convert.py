"""Field values in their three forms: Python (what services pass), wire (JSON) and SQLite column.

Dates travel as ``YYYY-MM-DD``; datetimes as ISO 8601 with offset on the wire and as naive UTC
``YYYY-MM-DD HH:MM:SS.ffffff`` in a column (the form SQLAlchemy reads back); lists as JSON text.
A list field's "wire" value here is the plain list shown; its items map is the store's business.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sync_server.protocol import BOOL, DATETIME, DELETED, KINDS, LIST, check_value

_DB_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def to_wire(kind: str, name: str, value: Any) -> Any:
    """``value`` of ``kind.name`` in wire form; ``ProtocolError`` if it does not fit the type."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{kind}.{name}: datetimes must be timezone-aware")
        value = value.astimezone(UTC).isoformat(timespec="milliseconds")
    elif isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, tuple):
        value = list(value)
    check_value(kind, name, value, plain=True)
    return value


def _datetime_to_db(value: str) -> str:
    if len(value) == 29 and value.endswith("+00:00") and value[10] == "T":
        return f"{value[:10]} {value[11:23]}000"  # the form to_wire makes: no parsing needed
    return datetime.fromisoformat(value).astimezone(UTC).strftime(_DB_DATETIME)


def _datetime_from_db(value: str) -> str:
    return datetime.strptime(value, _DB_DATETIME).replace(tzinfo=UTC).isoformat(
        timespec="milliseconds")


_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_TO_DB: dict[str, Callable[[Any], Any]] = {
    DATETIME: _datetime_to_db,
    LIST: _to_json,
    BOOL: int,
}
_FROM_DB: dict[str, Callable[[Any], Any]] = {
    DATETIME: _datetime_from_db,
    LIST: json.loads,
    BOOL: bool,
}


def wire_to_db(kind: str, name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == DELETED:
        return int(value)
    conv = _TO_DB.get(KINDS[kind][name])
    return conv(value) if conv else value


@cache
def db_converters(kind: str) -> dict[str, Callable[[Any], Any] | None]:
    """Field → wire-to-column function (None where the value is stored as it is)."""
    return {name: _TO_DB.get(type_) for name, type_ in KINDS[kind].items()}


def db_to_wire(kind: str, name: str, value: Any) -> Any:
    if value is None:
        return None
    conv = _FROM_DB.get(KINDS[kind][name])
    return conv(value) if conv else value


def columns(kind: str) -> list[str]:
    """The field columns of a kind's table, in schema order."""
    return list(KINDS[kind])
