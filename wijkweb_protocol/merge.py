"""The one merge both sides use: per field, the register that wins.

A plain field is a last-writer-wins register ``[value, stamp]``: the larger stamp wins. Two
registers with the same stamp come from the same write and hold the same value; should they
ever differ, the larger canonical JSON of the value wins, so the merge stays commutative,
associative and idempotent in every case. A list field merges item by item (``sets``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from wijkweb_protocol.sets import as_items, merge_items


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
        return [merge_items(as_items(current[0]), as_items(incoming[0])),
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
