"""The review export ("visitatie"): an anonymised dataset of a period for outside reviewers.

What makes it anonymous: per-export pseudonyms (an HMAC of the id under a key made for this
export and then forgotten, so two exports cannot be linked and no pseudonym leads back to an
id); birth years in 10-year bands; streets generalised to their neighbourhood (the area that
lists them); months instead of days; no names, notes or other free text; workers only by role.
A k-anonymity check (k ≥ ``K``) over the quasi-identifiers (neighbourhood, birth band): a
resident in a rarer combination first loses the birth band, then the neighbourhood, and is
left out (with their rows) when even that leaves fewer than ``K``. ``codebook.csv`` explains
every column. Only a team lead exports; each export goes to the server's audit log.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from app.domain.models import (
    Area,
    Household,
    NetworkPerson,
    Resident,
    Worker,
)
from app.services import context
from app.services.overview import Period, period_records
from app.services.reports import exports_dir
from app.store import Store
from app.sync import exports_log

K = 5
HIDDEN = "*"
UNKNOWN = "unknown"
PERSON = ["resident", "household", "area", "birth_band"]
"""The columns a row about a resident carries; (area, birth_band) are the quasi-identifiers."""

CODEBOOK: dict[str, dict[str, str]] = {
    "residents": {
        "resident": "Pseudonym of the resident, valid within this export only",
        "household": "Pseudonym of the household, valid within this export only",
        "area": "Neighbourhood (buurt) of the household's street; * = suppressed for k",
        "birth_band": "Birth year in 10-year bands (1970-1979); unknown; * = suppressed for k",
        "ambitions": "Number of ambitions recorded (the texts are left out)",
        "talents": "Number of talents recorded",
        "obstacles": "Number of obstacles recorded",
    },
    "contacts": {
        "contact": "Number of the contact within this export (one row per resident met)",
        "month": "Month of the contact (YYYY-MM)",
        "channel": "street, home_visit, phone, office_hours or activity",
        "themes": "Policy themes, separated by ;",
        "group_size": "People in an anonymous group contact; empty for a contact with residents",
        "follow_up": "1 when a follow-up was needed",
        "worker_role": "Role of the worker (no name)",
    },
    "activations": {
        "activation": "Number of the network activation within this export",
        "month": "Month of the activation (YYYY-MM)",
        "outcome": "agreed, happened, held (after 3 months) or failed",
        "people": "Number of network people activated",
        "key_figures": "How many of them are key figures (sleutelfiguren)",
        "worker_role": "Role of the worker (no name)",
    },
    "agreements": {
        "agreement": "Number of the agreement within this export",
        "due_month": "Month the agreement was due (YYYY-MM)",
        "status": "open, done or cancelled",
        "owner_kind": "Who owns it: worker, resident or network_person",
    },
    "outcome_scores": {
        "month": "Month of the score (YYYY-MM)",
        "domain": "ZRM domain (Zelfredzaamheid-Matrix)",
        "score": "ZRM score 1 (acute problems) to 5 (fully self-reliant)",
    },
    "signals": {
        "month": "Month of the signal (YYYY-MM)",
        "area": "Neighbourhood of the street; * = street in no known neighbourhood",
        "category": "vacancy, litter, nuisance, subletting, maintenance or safety",
        "severity": "1 (low) to 3 (high)",
        "status": "new, in_progress or resolved",
    },
    "initiatives": {
        "month": "Month of the initiative (YYYY-MM)",
        "area": "Neighbourhood of the street; * = street in no known neighbourhood",
    },
}
_PERSON_MEANING = {name: CODEBOOK["residents"][name] for name in PERSON}
for _table in ("contacts", "activations", "agreements", "outcome_scores"):
    CODEBOOK[_table].update(_PERSON_MEANING)


class NotAllowed(PermissionError):
    """Only a team lead may export for a review."""


@dataclass(frozen=True)
class ReviewExport:
    folder: Path
    rows: dict[str, int]  # file name → data rows
    suppressed: int  # residents left out for k
    generalised: int  # residents whose birth band or area was hidden


def _month(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()
    return f"{value:%Y-%m}"


def birth_band(year: int | None) -> str:
    return f"{year // 10 * 10}-{year // 10 * 10 + 9}" if year else UNKNOWN


def neighbourhoods(areas: list[Area]) -> dict[str, str]:
    """Street → the name of the area that lists it (a buurt before its wijk)."""
    out: dict[str, str] = {}
    for area in sorted(areas, key=lambda a: a.parent_id is None):  # buurten first
        for street in area.streets:
            out.setdefault(street, area.name)
    return out


def k_anonymise(qis: dict[str, tuple[str, str]], k: int = K) -> tuple[dict[str, tuple[str, str]],
                                                                       set[str], int]:
    """Per resident (area, band): generalise the rare ones step by step; returns the kept
    quasi-identifiers, the residents left out and how many were generalised."""
    out = dict(qis)
    generalised: set[str] = set()
    for step in (lambda a, b: (a, HIDDEN), lambda a, b: (HIDDEN, HIDDEN)):
        counts = Counter(out.values())
        for rid, qi in list(out.items()):
            if counts[qi] < k:
                out[rid] = step(*qi)
                generalised.add(rid)
    counts = Counter(out.values())
    dropped = {rid for rid, qi in out.items() if counts[qi] < k}
    return ({r: qi for r, qi in out.items() if r not in dropped}, dropped,
            len(generalised - dropped))


def export(store: Store, period: Period, out_dir: Path | None = None) -> ReviewExport:
    """Write the anonymised CSVs and the codebook; the export is logged for the audit."""
    if context.current(store).role != "team_lead":
        raise NotAllowed("review export needs a team lead")
    key = secrets.token_bytes(32)  # this export's pseudonym key, never stored

    def pseudonym(prefix: str, real: str) -> str:
        return f"{prefix}{hmac.new(key, real.encode(), hashlib.sha256).hexdigest()[:12]}"

    with store.session() as s:
        areas = neighbourhoods(list(s.exec(select(Area).where(~col(Area.deleted))).all()))
        residents = {r.id: r for r in s.exec(select(Resident).where(~col(Resident.deleted)))}
        streets = {h.id: h.street for h in s.exec(select(Household).where(
            ~col(Household.deleted)))}
        roles = {w.id: w.role for w in s.exec(select(Worker))}
        keys = set(s.exec(select(NetworkPerson.id).where(NetworkPerson.key_figure)).all())
        records = period_records(s, period)
    contacts, acts, agreements = records.contacts, records.activations, records.agreements
    signals, initiatives, scores = records.signals, records.initiatives, records.scores

    involved = ({r for c in contacts for r in c.resident_ids} | {a.resident_id for a in acts}
                | {a.resident_id for a in agreements if a.resident_id}
                | {o.resident_id for o in scores}) & set(residents)
    qis = {rid: (areas.get(streets.get(residents[rid].household_id or "", ""), HIDDEN),
                 birth_band(residents[rid].birth_year)) for rid in involved}
    kept, dropped, generalised = k_anonymise(qis)

    def person(rid: str | None) -> list[str] | None:
        """The resident's columns, or None when the resident is left out for k."""
        if rid is None or rid not in kept:
            return None
        r = residents[rid]
        return [pseudonym("R-", rid), pseudonym("H-", r.household_id or rid), *kept[rid]]

    tables: dict[str, list[list[Any]]] = defaultdict(list)
    for rid in sorted(kept, key=lambda r: pseudonym("R-", r)):
        r = residents[rid]
        tables["residents"].append([*(person(rid) or []), len(r.ambitions), len(r.talents),
                                    len(r.obstacles)])
    for n, c in enumerate(contacts, 1):
        base = [n, _month(c.at), c.channel, ";".join(c.themes), c.group_size or "",
                int(c.follow_up), roles.get(c.worker_id or "", "")]
        if c.group_size and not c.resident_ids:
            tables["contacts"].append([*base, "", "", areas.get(c.street, HIDDEN), ""])
        for rid in c.resident_ids:
            if (who := person(rid)) is not None:
                tables["contacts"].append([*base, *who])
    for n, a in enumerate(acts, 1):
        if (who := person(a.resident_id)) is not None:
            tables["activations"].append([
                n, _month(a.date), a.outcome, len(a.person_ids),
                sum(p in keys for p in a.person_ids), roles.get(a.worker_id or "", ""), *who])
    for n, g in enumerate(agreements, 1):
        if (who := person(g.resident_id)) is not None:
            tables["agreements"].append([n, _month(g.due), g.status, g.owner_kind, *who])
    for o in scores:
        if (who := person(o.resident_id)) is not None:
            tables["outcome_scores"].append([_month(o.date), o.domain, o.score, *who])
    for x in signals:
        tables["signals"].append([_month(x.at), areas.get(x.street, HIDDEN), x.category,
                                  x.severity, x.status])
    for i in initiatives:
        tables["initiatives"].append([_month(i.at), areas.get(i.street, HIDDEN)])

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = out_dir or exports_dir(store) / (
        f"visitatie-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{stamp}")
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for name, columns in CODEBOOK.items():
        _write(folder / f"{name}.csv", list(columns), tables.get(name, []))
        rows[f"{name}.csv"] = len(tables.get(name, []))
    _write(folder / "codebook.csv", ["file", "column", "meaning"],
           [[f"{name}.csv", column, meaning] for name, columns in CODEBOOK.items()
            for column, meaning in columns.items()])
    exports_log.queue(store, "review_export", sum(rows.values()))
    return ReviewExport(folder, rows, len(dropped), generalised)


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
