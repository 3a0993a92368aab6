"""The figures of "Wat werkt", the sliding streets, "Vaste gezichten" and the quarterly
aggregates in the period report: PDF sections and CSV files, from the same services as the
screens. Nothing here names a person: practices and quarters are team totals, streets carry
counts only, households are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from app.i18n import decimal, t, vocab
from app.services import csv_tables, familiar_faces, quarterly, street_alarms, what_works
from app.services.overview import Period
from app.store import Store

QUARTER_COLUMNS = ("households", "same_worker_12m", "handovers_12m", "out_of_sight",
                   "streets_in_alarm")
"""The quarterly figures the PDF shows (the CSV has all of them)."""


class Doc(Protocol):
    """The report's PDF document (``app.services.reports._Pdf``)."""

    def h2(self, text: str) -> None: ...

    def para(self, text: str, size: int = 10) -> None: ...

    def paged_table(self, header: Sequence[str], rows: Sequence[Sequence[object]],
                    widths: Sequence[float]) -> None: ...


def _state(alarm: street_alarms.StreetAlarm) -> str:
    return t("streets.alarm" if alarm.alarm else "streets.watch" if alarm.watch
             else "streets.normal")


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def pdf_sections(doc: Doc, store: Store, period: Period) -> None:
    """Four sections after the outcomes: what works, streets, familiar faces, quarters."""
    works = what_works.compute(store, period)
    doc.h2(t("works.title"))
    doc.para(t("works.not_cause"), 9)
    for i in range(1, 5):
        doc.para(t(f"works.method_{i}"), 8)
    doc.paged_table([t("works.practice"), t("works.n_sides"), t("works.difference")],
              [(vocab("practice", r.practice), f"{r.overall.n_with} / {r.overall.n_without}",
                what_works.estimate_text(r.overall)) for r in works.results], [75, 30, 75])

    alarms = [a for a in street_alarms.compute(store, period.end) if a.level > 0]
    doc.h2(t("streets.title"))
    doc.para(t("streets.explain"), 8)
    doc.paged_table([t("report.street"), t("report.state"), t("report.recent"), t("report.normal"),
               t("report.test")],
              [(a.street, _state(a), decimal(a.recent), decimal(a.detector.baseline),
                decimal(a.level)) for a in alarms[:20]], [50, 25, 35, 35, 30])

    faces = familiar_faces.compute(store, today=period.end)
    doc.h2(t("faces.title"))
    doc.paged_table([t("faces.quarter"), t("faces.long"), t("faces.handovers"),
               t("faces.out_of_sight", weeks=faces.now.weeks)],
              [(f"{f.day:%d-%m-%Y}",
                _cell(None if f.long_share is None else f"{f.long_share:.0%}"),
                decimal(f.handovers_per_100), len(f.out_of_sight))
               for f in [*faces.trend, faces.now]], [30, 55, 55, 40])

    doc.h2(t("quarterly.title"))
    doc.para(t("quarterly.explain"), 8)
    quarters = quarterly.snapshot(store)
    doc.paged_table([t("faces.quarter"), *(t(f"quarterly.{c}") for c in QUARTER_COLUMNS)],
              [(q.label, *(_cell(q.figures.get(c)) for c in QUARTER_COLUMNS))
               for q in quarters[-12:]], [25, 31, 31, 31, 31, 31])


def csv_files(store: Store, period: Period, out_dir: Path) -> list[tuple[Path, int]]:
    """what_works.csv, street_alarms.csv, familiar_faces.csv and quarterly.csv; their rows."""
    works = what_works.compute(store, period)
    tables: dict[str, tuple[list[str], list[list[object]]]] = {
        "what_works": (
            ["practice", "domain", "n_with", "n_without", "difference", "low_90", "high_90",
             "interval_excludes_zero"],
            [[r.practice, domain, e.n_with, e.n_without, _blank(e.difference), _blank(e.low),
              _blank(e.high), int(e.found)]
             for r in works.results
             for domain, e in [(what_works.OVERALL, r.overall), *r.domains.items()]]),
        "street_alarms": (
            ["street", "state", "cusum", "limit", "baseline_per_week", "recent_per_week",
             "signals", "contacts"],
            [[a.street, "alarm" if a.alarm else "watch" if a.watch else "normal",
              round(a.level, 2), street_alarms.LIMIT, round(a.detector.baseline, 2),
              round(a.recent, 2), a.signals.value, a.contacts.value]
             for a in street_alarms.compute(store, period.end)]),
    }
    faces = familiar_faces.compute(store, today=period.end)
    tables["familiar_faces"] = (
        ["day", "households", "same_worker_12m", "handovers_12m", "handovers_per_100",
         "out_of_sight", "out_of_sight_weeks"],
        [[f.day, len(f.households), len(f.long), len(f.handovers),
          _blank(f.handovers_per_100), len(f.out_of_sight), f.weeks]
         for f in [*faces.trend, faces.now]])
    quarters = quarterly.snapshot(store)
    names = sorted({k for q in quarters for k in q.figures})
    tables["quarterly"] = (
        ["quarter", "frozen", *names],
        [[q.label, int(q.frozen), *(_blank(q.figures.get(n)) for n in names)]
         for q in quarters])
    return csv_tables.write(out_dir, tables)


def _blank(value: object) -> object:
    return "" if value is None else value
