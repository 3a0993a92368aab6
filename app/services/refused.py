"""Changes the server refused, in words a worker reads, and what the worker can do about them.

The sync sets a refused change aside on the device (``Store.rejected``), never silently: the
badge counts it, and this list says which record (as people know it), which field, and why (the
server's code in plain words). The worker corrects the record (any save of it sends the refused
fields again, as they stand then), sends it again as it is (e.g. once the change it was saved
with is discarded), or discards the change after a confirmation.

Every function here reads or writes SQLite: call it off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.i18n import t
from app.services.conflicts import parse_time
from app.store import Store
from app.store.store import created
from sync_server.protocol import DELETED

ROUTES = {"resident": "resident", "network_person": "person"}
"""Kinds whose record opens on a screen of its own (route ``name/<id>``)."""
LABEL_FIELDS = ("name", "title", "what", "request", "group_label", "street")
"""The field that names a record as people know it, by preference."""
LABEL_MAX = 80
FINAL = frozenset({"forbidden_team", "forbidden_kind", "team_mismatch"})
"""Refusals no correction on this device can lift (who may write where): only discarding."""


@dataclass(frozen=True)
class Refused:
    seq: int
    kind: str
    row_id: str
    record: str
    """The record in words: its name (or title …) and kind, never an id."""
    fields: str
    """Which fields, in words: the one the server named, or those the change wrote."""
    reason: str
    """Why, the server's code in plain words."""
    at: datetime | None
    route: str | None
    """Where the record opens to be corrected, or None (correct it where it is listed)."""
    correctable: bool = True
    """False when sending it again cannot help (``FINAL``): the worker can only discard it."""


def reason(code: str) -> str:
    """A refusal code (``forbidden_team``, ``field_too_large`` …) in plain words."""
    text = t(f"refused.reason.{code}")
    return text if not text.startswith("refused.reason.") else t("refused.reason.other",
                                                                 code=code)


def record_label(store: Store, kind: str, row_id: str, written: dict[str, object]) -> str:
    """"Bewoner Ayşe Kaya": the kind and the name as this device holds it (or as written)."""
    values = store.values(kind, row_id) or {}
    for name in LABEL_FIELDS:
        for source in (values, written):
            text = source.get(name)
            if isinstance(text, str) and text:
                short = text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1] + "…"
                return t("refused.record", kind=t(f"kind.{kind}"), name=short)
    return t(f"kind.{kind}")


def load(store: Store) -> list[Refused]:
    """Every refused change set aside on this device, oldest first."""
    out = []
    for r in store.rejected():
        change = r["change"]
        regs: dict[str, list[object]] = change.get("fields", {})
        written = {n: reg[0] for n, reg in regs.items() if isinstance(reg, list) and reg}
        named = change.get("field")
        if isinstance(named, str) and named in regs:
            fields = t(f"field.{named}")
        elif created(regs):
            fields = t("refused.new_record")
        else:
            fields = ", ".join(t(f"field.{n}") for n in sorted(regs) if n != DELETED) or (
                t(f"field.{DELETED}"))
        correctable = r["code"] not in FINAL
        route = ROUTES.get(r["kind"]) if correctable else None
        out.append(Refused(int(r["seq"]), r["kind"], r["id"],
                           record_label(store, r["kind"], r["id"], written), fields,
                           reason(r["code"]), parse_time(r["at"]),
                           f"{route}/{r['id']}" if route and store.values(r["kind"], r["id"])
                           else None, correctable))
    return out


def send_again(store: Store, seq: int) -> bool:
    """Send a refused change again as the record stands now; False if it was gone already."""
    return store.resend_rejected(seq)


def discard(store: Store, seq: int) -> bool:
    """Give a refused change up (after the worker confirmed); False if it was gone already."""
    return store.discard_rejected(seq)
