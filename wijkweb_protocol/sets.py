"""List fields as add-wins sets (observed-remove): the items map, its merge, and edits.

A list field's value is an *items* map ``{item: {device: [added, removed]}}``: per item, per
device that added it, the HLC of that device's latest add and the HLC of the latest of those
adds that someone removed (``null``: none). Merging takes, per item and device, the larger
``added`` and the larger ``removed`` (``null`` is smallest). An item is present while any
device's ``added`` is past its ``removed``. A removal writes ``removed = added`` for the adds its
writer saw, so an add it did not see keeps the item: add wins over a concurrent remove. Shown
order: by the item's earliest live add stamp, then by the item's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from wijkweb_protocol.clock import HLC_RE, make_stamp, split_stamp
from wijkweb_protocol.limits import MAX_ADDERS, MAX_LIST, is_text


def written_by(items: Items, hlc: str, writer: str) -> bool:
    """The rules of a pushed items map: every HLC at most the register's own (so the clock-skew
    check of the stamp covers them); an entry of another device only removes what it added."""
    for adds in items.values():
        for device, (added, removed) in adds.items():
            if added > hlc or (device != writer and removed != added):
                return False
    return True


Items = dict[str, dict[str, list[Any]]]
"""A list field's value: item → device → ``[added, removed]`` (HLCs; ``removed`` may be None)."""
DEVICE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_items(v: Any) -> bool:
    """The shape of an items map: texts to devices to ``[hlc, hlc | null]``, removed ≤ added."""
    if not isinstance(v, dict) or len(v) > MAX_LIST:
        return False
    for item, adds in v.items():
        if not is_text(item) or not isinstance(adds, dict) or not 0 < len(adds) <= MAX_ADDERS:
            return False
        for device, pair in adds.items():
            if (DEVICE_RE.fullmatch(device) is None or not isinstance(pair, list)
                    or len(pair) != 2 or not isinstance(pair[0], str)
                    or HLC_RE.fullmatch(pair[0]) is None):
                return False
            removed = pair[1]
            if removed is not None and not (isinstance(removed, str)
                                            and HLC_RE.fullmatch(removed) and removed <= pair[0]):
                return False
    return True


def as_items(v: Any) -> Items | None:
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
    hlc, device = split_stamp(stamp)
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
