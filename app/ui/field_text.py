"""A stored field as people read it: its name in words, codes as vocabulary words, references as
the name of the person or household they point at (never a UUID on screen)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.i18n import t, vocab
from sync_server.protocol import KINDS, REF, REF_LISTS

VOCAB_OF = {"channel": "channel", "themes": "theme", "category": "signal",
            "severity": "severity", "legal_basis": "legal_basis", "role": "role",
            "domain": "zrm", "support": "support", "strength": "strength", "outcome": "outcome",
            "owner_kind": "team_owner"}
"""Fields whose values are vocabulary codes, by field name …"""
VOCAB_OF_KIND = {("tie", "kind"): "tie", ("signal", "status"): "signal_status",
                 ("agreement", "status"): "status"}
"""… and where the same name means another vocabulary per kind."""


def label(name: str) -> str:
    return t(f"field.{name}")


def refs(kind: str, values: Iterable[tuple[str, Any]]) -> set[str]:
    """The ids among ``(field, value)`` pairs of ``kind`` that need a name."""
    out: set[str] = set()
    for name, value in values:
        if KINDS.get(kind, {}).get(name) == REF and isinstance(value, str):
            out.add(value)
        elif name in REF_LISTS and isinstance(value, list):
            out.update(v for v in value if isinstance(v, str))
    return out


def text(kind: str, name: str, value: Any, names: Mapping[str, str]) -> str:
    """``value`` of field ``name`` of a ``kind`` row, in words; nothing is a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return t("conflicts.yes") if value else t("conflicts.no")
    words = VOCAB_OF_KIND.get((kind, name)) or VOCAB_OF.get(name)
    is_ref = KINDS.get(kind, {}).get(name) == REF or name in REF_LISTS
    items = value if isinstance(value, list) else [value]
    if words:
        shown = [vocab(words, v) for v in items]
    elif is_ref:
        shown = [names.get(v, t("field.unknown_ref")) for v in items]
    else:
        shown = [str(v) for v in items]
    return ", ".join(shown)
