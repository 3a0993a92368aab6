"""The wire protocol shared by the app and the sync server: clock, envelope, kinds and merge.

Standard library only, so that both sides import the same rules. The merge rule, stated once:

* Every field of a row is a register holding ``[value, stamp]``.
* A **stamp** is ``"<hlc>@<device>"``. The HLC part is 16 hex digits (48-bit milliseconds, 16-bit
  counter), fixed width, so comparing two stamps as text compares ``(hlc, device)``: time first,
  the device id breaks ties.
* A plain field is a last-writer-wins register: ``merge`` keeps the register with the larger
  stamp. Two registers with the same stamp come from the same write and hold the same value;
  should they ever differ, the larger canonical JSON of the value wins, so the merge stays
  commutative, associative and idempotent in every case.
* A **list field** (type ``list``: dreams, talents, themes, …) is an add-wins set. Its value is an
  *items* map ``{item: {device: [added, removed]}}``: per item, per device that added it, the HLC
  of that device's latest add and the HLC of the latest of those adds that someone removed
  (``null``: none). Merging takes, per item and device, the larger ``added`` and the larger
  ``removed`` (``null`` is smallest); the register's stamp is the larger stamp. An item is present
  while any device's ``added`` is past its ``removed``. A removal writes ``removed = added`` for
  the adds its writer saw, so an add it did not see (another device's, or a later one of the same
  device, whose HLC is larger) keeps the item: add wins over a concurrent remove. Shown order:
  by the item's earliest live add stamp, then by the item's text. A ``null`` value is the empty set.
* A delete is the register ``_deleted`` set to ``True``; a re-create sets it to ``False`` later.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

PROTOCOL_VERSION = 2
"""2: list fields travel as add-wins sets (items maps); 1 sent them as whole lists."""
PROTOCOL_HEADER = "Wijkweb-Protocol"
SCHEMA_HEADER = "Wijkweb-Schema"
"""The app's local schema version (``PRAGMA user_version``); absent means 1, the first release."""

MAX_FUTURE_MS = 10 * 60 * 1000
"""A change stamped further ahead of the server's clock than this is refused: ``clock_skew``."""

MAX_COUNTER = 0xFFFF
MAX_MS = (1 << 48) - 1
DELETED = "_deleted"

# --------------------------------------------------------------------------- clock


def encode_hlc(ms: int, counter: int) -> str:
    """Fixed-width text form: 12 hex digits of milliseconds, then 4 of counter."""
    return f"{ms:012x}{counter:04x}"


def decode_hlc(text: str) -> tuple[int, int]:
    if not isinstance(text, str) or not _HLC_RE.fullmatch(text):
        raise ProtocolError("bad_stamp", "A clock value must be 16 hexadecimal digits.")
    return int(text[:12], 16), int(text[12:], 16)


def make_stamp(hlc: str, device: str) -> str:
    return f"{hlc}@{device}"


def split_stamp(stamp: str) -> tuple[str, str]:
    """``"<hlc>@<device>"`` → ``(hlc, device)``; raises ``bad_stamp`` on anything else."""
    if not isinstance(stamp, str) or not _STAMP_RE.fullmatch(stamp):
        raise ProtocolError("bad_stamp", "A stamp must look like '<16 hex digits>@<device id>'.")
    return stamp[:16], stamp[17:]


def stamp_ms(stamp: str) -> int:
    return int(stamp[:12], 16)


class Clock:
    """Hybrid logical clock: never runs backwards, survives a wall clock that does.

    ``now()`` stamps a local event; ``update(remote)`` ratchets past a clock value seen from
    another device, so the next local stamp is larger than anything this device has seen.
    When the 16-bit counter would overflow, the clock borrows the next millisecond.
    """

    def __init__(self, device: str, last: str | None = None, wall: Callable[[], int] | None = None):
        self.device = device
        self._wall = wall or (lambda: int(time.time() * 1000))
        self._ms, self._counter = decode_hlc(last) if last else (0, 0)
        self._lock = threading.Lock()

    @property
    def last(self) -> str:
        return encode_hlc(self._ms, self._counter)

    def now(self) -> str:
        with self._lock:
            wall = self._wall()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._tick()
            return self.last

    def update(self, remote: str) -> str:
        """Take in a remote HLC (or stamp); afterwards ``last`` is past both clocks."""
        r_ms, r_counter = decode_hlc(remote[:16])
        with self._lock:
            wall = self._wall()
            if wall > self._ms and wall > r_ms:
                self._ms, self._counter = wall, 0
            elif r_ms > self._ms or (r_ms == self._ms and r_counter > self._counter):
                self._ms, self._counter = r_ms, r_counter
                self._tick()
            else:
                self._tick()
            return self.last

    def reset(self, floor: str) -> None:
        """Forget a clock that ran ahead (a phone set to 2031): restart from ``floor``."""
        with self._lock:
            self._ms, self._counter = decode_hlc(floor[:16])

    def stamp(self) -> str:
        return make_stamp(self.now(), self.device)

    def _tick(self) -> None:
        if self._counter >= MAX_COUNTER:
            self._ms, self._counter = self._ms + 1, 0
        else:
            self._counter += 1
        if self._ms > MAX_MS:
            raise OverflowError("hybrid logical clock passed 48 bits of milliseconds")


# --------------------------------------------------------------------------- kinds

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

MAX_TEXT = 20_000
"""Longest string value of a field, in characters."""
MAX_LIST = 500
"""Most items of a list field (in one register on the wire, or in the list the app passes)."""
MAX_ADDERS = 64
"""Most devices one item of a list field names in one register."""


# --------------------------------------------------------------------------- errors


class ProtocolError(ValueError):
    """A change or request that breaks the protocol; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str, **detail: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}


# --------------------------------------------------------------------------- envelope


@dataclass(frozen=True)
class Change:
    """One row's changed fields, as a device pushes it.

    ``fields`` maps a field name to ``[value, stamp]`` or ``[value, stamp, base]`` where
    ``base`` is the stamp of the value the writer saw before its edit (``None`` for a new
    field); the server uses it to tell a concurrent edit from a sequential one. A list field's
    value is an items map holding only what the write adds and removes.
    """

    kind: str
    id: str
    team: str
    fields: dict[str, list[Any]]
    seq: int = 0
    tx: int = 0

    def to_wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "tx": self.tx, "kind": self.kind, "id": self.id,
                "team": self.team, "fields": self.fields}


@dataclass
class Row:
    """The merged state of one row: what the pull feed carries and a store keeps."""

    kind: str
    id: str
    team: str
    fields: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def deleted(self) -> bool:
        reg = self.fields.get(DELETED)
        return bool(reg and reg[0])

    def values(self) -> dict[str, Any]:
        return {name: shown(reg[0]) for name, reg in self.fields.items()}


_HLC_RE = re.compile(r"[0-9a-f]{16}")
_STAMP_RE = re.compile(r"[0-9a-f]{16}@[A-Za-z0-9_-]{1,64}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})")


def is_uuid(text: Any) -> bool:
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
        ok = isinstance(value, list) and all(_is_text(x) for x in value)
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


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and len(v) <= MAX_TEXT


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
    STR: _is_text,
    INT: lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**53,
    FLOAT: lambda v: (isinstance(v, (int, float)) and not isinstance(v, bool)
                      and _is_finite(v)),
    BOOL: lambda v: isinstance(v, bool),
    DATE: is_date,
    DATETIME: is_datetime,
    LIST: lambda v: is_items(v),
    REF: is_uuid,
}


def parse_change(data: Any, device: str | None = None) -> Change:
    """Validate one pushed change and return it; raise ``ProtocolError`` with a precise code.

    With ``device`` given, every stamp must name that device: a device cannot write in
    another's name.
    """
    if not isinstance(data, dict):
        raise ProtocolError("bad_change", "A change must be a JSON object.")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ProtocolError("unknown_kind", "The change names a kind this server does not know.")
    row_id, team = data.get("id"), data.get("team")
    if not is_uuid(row_id):
        raise ProtocolError("bad_id", "A row id must be a UUID in its canonical text form.")
    if not is_uuid(team):
        raise ProtocolError("bad_team", "A change must name its team by UUID.")
    seq, tx = data.get("seq", 0), data.get("tx", 0)
    if not (_is_count(seq) and _is_count(tx)):
        raise ProtocolError("bad_seq", "'seq' and 'tx' must be non-negative integers.")
    fields = data.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise ProtocolError("bad_fields", "A change must carry at least one field.")
    known = KINDS[kind]
    for name, reg in fields.items():
        if name != DELETED and name not in known:
            raise ProtocolError("unknown_field", f"Kind '{kind}' has no field '{name}'.",
                                field=name)
        if not isinstance(reg, list) or len(reg) not in (2, 3):
            raise ProtocolError("bad_register", "A field must be [value, stamp] or "
                                "[value, stamp, base].", field=name)
        check_value(kind, name, reg[0])
        hlc, writer = split_stamp(reg[1])
        if device is not None and writer != device:
            raise ProtocolError("bad_stamp", "A stamp names another device.", field=name)
        if isinstance(reg[0], dict) and not written_by(reg[0], hlc, writer):
            raise ProtocolError("bad_items", "A list field's change may add only in its "
                                "writer's name, remove only what was added, and name no "
                                "clock past its stamp.", field=name)
        if len(reg) == 3 and reg[2] is not None:
            split_stamp(reg[2])
    return Change(kind, row_id, team, fields, seq, tx)


def written_by(items: Items, hlc: str, writer: str) -> bool:
    """The rules of a pushed items map: every HLC at most the register's own (so the clock-skew
    check of the stamp covers them); an entry of another device only removes what it added."""
    for adds in items.values():
        for device, (added, removed) in adds.items():
            if added > hlc or (device != writer and removed != added):
                return False
    return True


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def newest_ms(change: Change) -> int:
    return max(stamp_ms(reg[1]) for reg in change.fields.values())


# --------------------------------------------------------------------------- merge


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def wins(incoming: list[Any], current: list[Any] | None) -> bool:
    """True when plain register ``incoming`` beats ``current`` (``[value, stamp, ...]``)."""
    if current is None:
        return True
    if incoming[1] != current[1]:
        return incoming[1] > current[1]
    return canonical(incoming[0]) > canonical(current[0])


def is_set(register: list[Any] | None) -> bool:
    """Is this the register of a list field (an items map), merged as a set?"""
    return register is not None and isinstance(register[0], dict)


def merge_register(current: list[Any] | None, incoming: list[Any]) -> list[Any]:
    """The merge of two registers of one field, as a new ``[value, stamp]``."""
    if current is None:
        return [merge_items(None, incoming[0]) if is_set(incoming) else incoming[0], incoming[1]]
    if is_set(current) or is_set(incoming):
        return [merge_items(_items_or_none(current[0]), _items_or_none(incoming[0])),
                max(current[1], incoming[1])]
    return [incoming[0], incoming[1]] if wins(incoming, current) else [current[0], current[1]]


def brings(incoming: list[Any], current: list[Any] | None) -> bool:
    """Would merging ``incoming`` into ``current`` change it?"""
    if is_set(incoming) or is_set(current):
        return current is None or merge_register(current, incoming) != [current[0], current[1]]
    return wins(incoming, current)


def merge(a: Mapping[str, list[Any]], b: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    """Per field, merge the registers. Pure: neither argument is changed."""
    out = {name: merge_register(None, reg) for name, reg in a.items()}
    for name, reg in b.items():
        out[name] = merge_register(out.get(name), reg)
    return out


def merge_all(states: Iterable[Mapping[str, list[Any]]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for state in states:
        out = merge(out, state)
    return out


# --------------------------------------------------------------------------- list fields

Items = dict[str, dict[str, list[Any]]]
"""A list field's value: item → device → ``[added, removed]`` (HLCs; ``removed`` may be None)."""

_DEVICE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_items(v: Any) -> bool:
    """The shape of an items map: texts to devices to ``[hlc, hlc | null]``, removed ≤ added."""
    if not isinstance(v, dict) or len(v) > MAX_LIST:
        return False
    for item, adds in v.items():
        if not _is_text(item) or not isinstance(adds, dict) or not 0 < len(adds) <= MAX_ADDERS:
            return False
        for device, pair in adds.items():
            if (_DEVICE_RE.fullmatch(device) is None or not isinstance(pair, list)
                    or len(pair) != 2 or not isinstance(pair[0], str)
                    or _HLC_RE.fullmatch(pair[0]) is None):
                return False
            removed = pair[1]
            if removed is not None and not (isinstance(removed, str)
                                            and _HLC_RE.fullmatch(removed) and removed <= pair[0]):
                return False
    return True


def _items_or_none(v: Any) -> Items | None:
    return v if isinstance(v, dict) else None


def _later(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    return a if b is None or a >= b else b


def merge_items(a: Items | None, b: Items | None) -> Items | None:
    """Per item and device, the later ``added`` and the later ``removed``. Pure; None is the
    empty set (and the merge of two Nones)."""
    if a is None and b is None:
        return None
    out = {item: {dev: [p[0], p[1]] for dev, p in adds.items()} for item, adds in (a or {}).items()}
    for item, adds in (b or {}).items():
        mine = out.setdefault(item, {})
        for dev, (added, removed) in adds.items():
            have = mine.get(dev)
            mine[dev] = [added, removed] if have is None else [
                max(have[0], added), _later(have[1], removed)]
    return out


def _live(adds: Mapping[str, list[Any]]) -> list[str]:
    """The stamps of the adds of one item that no removal covers."""
    return [make_stamp(p[0], dev) for dev, p in adds.items() if p[1] is None or p[0] > p[1]]


def shown(value: Any) -> Any:
    """A register's value as people see it: a list field's items map as the list it shows."""
    return present(value) if isinstance(value, dict) else value


def present(items: Items | None) -> list[str]:
    """The items a list field shows, in display order (earliest live add first)."""
    first = {}
    for item, adds in (items or {}).items():
        live = _live(adds)
        if live:
            first[item] = min(live)
        # an item whose every add was removed stays as a tombstone: it is not shown
    return sorted(first, key=lambda item: (first[item], item))


def add_items(items: Items | None, new: Iterable[str], stamp: str) -> Items:
    """The change that adds ``new`` (those not shown yet) in the name of ``stamp``'s writer."""
    hlc, device = stamp[:16], stamp[17:]
    shown = set(present(items))
    return {item: {device: [hlc, None]} for item in dict.fromkeys(new) if item not in shown}


def remove_items(items: Items | None, gone: Iterable[str]) -> Items:
    """The change that removes ``gone``: exactly the adds of them that ``items`` holds."""
    out: Items = {}
    for item in dict.fromkeys(gone):
        adds = (items or {}).get(item, {})
        live = {dev: [p[0], p[0]] for dev, p in adds.items() if p[1] is None or p[0] > p[1]}
        if live:
            out[item] = live
    return out


def edit_items(items: Items | None, wanted: Iterable[str], stamp: str) -> Items:
    """The change that makes the field show ``wanted``: adds what is missing, removes the rest."""
    wanted = list(dict.fromkeys(wanted))
    delta = remove_items(items, [item for item in present(items) if item not in wanted])
    delta.update(add_items(items, wanted, stamp))
    return delta
