"""Period reports: a PDF with the overview's figures and bar charts (for the municipality), and
CSV files of the team's records (for analysis). Both from the same figures as the screens.

Without ``include_personal`` nothing identifies a person: no names, notes, free text or ids of
residents and workers; places appear only as streets with aggregated counts. With it, the PDF adds
the overdue agreements and the residents' outcomes by name, and the CSVs names and notes.
"""

from __future__ import annotations

import io
import tempfile
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from sqlmodel import col, select

from app.domain.models import (
    Agreement,
    Initiative,
    Resident,
    Team,
    Worker,
)
from app.i18n import change, t, vocab
from app.services import csv_tables, works_report
from app.services import outcomes as outcomes_service
from app.services import overview as overview_service
from app.services.overview import Period, period_records
from app.store import Store
from app.sync import exports_log

EXPORTS = "exports"
BAR = (0, 121, 107)  # teal, as the app
ALERT = (183, 28, 28)


def exports_dir(store: Store) -> Path:
    """Where the app writes reports: ``exports/`` next to the store's database."""
    out = store.path.parent / EXPORTS
    out.mkdir(parents=True, exist_ok=True)
    return out


def _latin(text: str) -> str:
    """The PDF's core font speaks Latin-1: keep accents that exist there, fold the rest."""
    out = []
    for ch in str(text):
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode(
                "latin-1")
            out.append({"–": "-", "—": "-", "ı": "i", "·": "-"}.get(ch, folded or "?"))
    return "".join(out)


# ---------------------------------------------------------------------- PDF


class _Pdf(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.report_title = title
        self.set_auto_page_break(True, margin=15)
        self.set_title(_latin(title))
        self.set_creator("Wijkweb")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 6, _latin(f"{self.report_title} - {self.page_no()}"), align="C")

    def h1(self, text: str) -> None:
        self.set_font("Helvetica", "B", 18)
        self.set_text_color(0)
        self.multi_cell(0, 9, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def h2(self, text: str) -> None:
        if self.get_y() > 240:
            self.add_page()
        self.ln(3)
        self.set_font("Helvetica", "B", 13)
        self.set_text_color(0)
        self.cell(0, 8, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str, size: int = 10) -> None:
        self.set_font("Helvetica", size=size)
        self.set_text_color(40)
        self.multi_cell(0, 5, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def bars(self, rows: Sequence[tuple[str, int]], marks: Sequence[bool] = ()) -> None:
        """A horizontal bar chart: label, bar, value; drawn with rectangles."""
        top = max([v for _, v in rows] + [1])
        label_w, bar_w, h = 62, 105, 5.5
        self.set_font("Helvetica", size=9)
        for i, (label, value) in enumerate(rows):
            if self.get_y() > 275:
                self.add_page()
            y = self.get_y()
            self.set_text_color(40)
            self.set_xy(self.l_margin, y)
            self.cell(label_w, h, _latin(label)[:40])
            colour = ALERT if i < len(marks) and marks[i] else BAR
            self.set_fill_color(*colour)
            width = bar_w * value / top
            if width > 0:
                self.rect(self.l_margin + label_w, y + 1, width, h - 2, style="F")
            self.set_xy(self.l_margin + label_w + width + 2, y)
            self.cell(20, h, str(value))
            self.set_xy(self.l_margin, y + h)
        self.ln(2)

    def columns(self, rows: Sequence[tuple[str, int]]) -> None:
        """A vertical bar chart (e.g. per week), with axis labels underneath."""
        if not rows:
            return
        if self.get_y() > 220:
            self.add_page()
        top = max([v for _, v in rows] + [1])
        x0, y0, height = self.l_margin, self.get_y() + 4, 40
        width = (self.w - self.l_margin - self.r_margin) / len(rows)
        self.set_draw_color(150)
        self.line(x0, y0 + height, x0 + width * len(rows), y0 + height)
        self.set_font("Helvetica", size=7)
        self.set_text_color(40)
        for i, (label, value) in enumerate(rows):
            bar = height * value / top
            self.set_fill_color(*BAR)
            if bar > 0:
                self.rect(x0 + i * width + width * 0.15, y0 + height - bar, width * 0.7, bar,
                          style="F")
            self.set_xy(x0 + i * width, y0 + height - bar - 4)
            self.cell(width, 4, str(value), align="C")
            self.set_xy(x0 + i * width, y0 + height + 1)
            self.cell(width, 4, _latin(label), align="C")
        self.set_xy(self.l_margin, y0 + height + 7)

    def paged_table(self, header: Sequence[str], rows: Sequence[Sequence[object]],
                    widths: Sequence[float]) -> None:
        """Rows under a header that is repeated at the top of every page the table runs on."""
        self._table_header(header, widths)
        for row in rows:
            if self.get_y() > 275:
                self.add_page()
                self._table_header(header, widths)
            for value, w in zip(row, widths, strict=True):
                self._cell(str(value), w, 5.5)
            self.ln(5.5)
        self.ln(2)

    def _table_header(self, header: Sequence[str], widths: Sequence[float]) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(0)
        for text, w in zip(header, widths, strict=True):
            self._cell(text, w, 6, border="B")
        self.ln(6)
        self.set_font("Helvetica", size=9)
        self.set_text_color(40)

    def _cell(self, text: str, width: float, height: float, border: str = "") -> None:
        """One table cell; "2,5 → 3,0" gets a drawn arrow (the core font has none, and "->"
        is not an arrow)."""
        x, y = self.get_x(), self.get_y()
        if "→" not in text:
            self.cell(width, height, _latin(text)[: int(width / 1.7)], border=border)
            return
        first, latest = (_latin(part.strip()) for part in text.split("→", 1))
        self.cell(width, height, "", border=border)  # the border under the whole cell
        self.set_xy(x, y)
        self.cell(self.get_string_width(first) + 1.5, height, first)
        ax, ay = self.get_x() + 0.5, y + height / 2 + 0.1
        self.set_draw_color(40)
        self.set_fill_color(40)
        self.set_line_width(0.25)
        self.line(ax, ay, ax + 4, ay)
        self.polygon([(ax + 4.6, ay), (ax + 3.2, ay - 0.9), (ax + 3.2, ay + 0.9)], style="F")
        self.set_x(ax + 5.5)
        self.cell(self.get_string_width(latest) + 1, height, latest)
        self.set_xy(x + width, y)


def _team_name(store: Store) -> str:
    with store.session() as s:
        team = s.exec(select(Team).where(~col(Team.deleted))).first()
    return team.name if team else ""


def pdf(store: Store, period: Period, include_personal: bool = False,
        today: datetime | None = None) -> bytes:
    """The period report as PDF bytes."""
    ov = overview_service.compute(store, period)
    out = outcomes_service.compute(store, period, personal=include_personal)
    title = t("report.title")
    doc = _Pdf(title)
    doc.add_page()
    doc.h1(f"{title}: {_team_name(store)}")
    doc.para(t("report.period", period=period.label()))
    doc.para(t("report.made", at=(today or datetime.now(UTC)).strftime("%d-%m-%Y %H:%M")) + " - "
             + (t("report.personal") if include_personal else t("report.anonymous")), 8)

    doc.h2(t("report.key_figures"))
    agreements = [f for figures in ov.agreements.values() for f in figures]
    doc.paged_table([t("report.figure"), t("report.count")], [
        (t("overview.contacts"), ov.contacts.value),
        (t("overview.anonymous"), ov.anonymous.value),
        (t("overview.anonymous_people"), ov.anonymous.extra),
        (t("overview.activations"), sum(f.value for f in ov.activations)),
        (vocab("outcome", "held"), len(out.activations_held)),
        (t("overview.agreements"), sum(f.value for f in agreements)),
        (t("overview.signals"), sum(f.value for f in ov.signal_categories)),
        (t("overview.initiatives"), ov.initiatives.value),
    ], [110, 30])

    doc.h2(t("overview.per_week"))
    doc.columns([(f"{datetime.fromisoformat(f.key):%d-%m}", f.value) for f in ov.weeks])
    doc.h2(t("overview.by_theme"))
    doc.bars([(vocab("theme", f.key), f.value) for f in ov.themes])
    doc.h2(t("overview.by_channel"))
    doc.bars([(vocab("channel", f.key), f.value) for f in ov.channels])
    doc.h2(t("overview.activations"))
    doc.bars([(vocab("outcome", f.key), f.value) for f in ov.activations])
    doc.h2(t("overview.agreements"))
    doc.paged_table([t("overview.owner"), *(t(f"agreement_state.{s}") for s in
                                     overview_service.AGREEMENT_STATES)],
              [(vocab("team_owner", kind), *(f.value for f in figures))
               for kind, figures in ov.agreements.items()], [55, 35, 35, 35])
    doc.h2(t("overview.signals"))
    doc.bars([(vocab("signal", f.key), f.value) for f in ov.signal_categories])
    doc.h2(t("overview.signals_by_street"))
    doc.bars([(s.street + (" (!)" if s.rising else ""), s.total.value) for s in ov.signals],
             [s.rising for s in ov.signals])
    if ov.rising_streets:
        doc.para(t("overview.rising", streets=", ".join(ov.rising_streets)))
    doc.h2(t("overview.initiatives"))
    by_street: dict[str, int] = {}
    if ov.initiatives.ids:
        with store.session() as s:
            for i in s.exec(select(Initiative).where(col(Initiative.id).in_(ov.initiatives.ids))):
                by_street[i.street] = by_street.get(i.street, 0) + 1
    doc.bars(sorted(by_street.items()))

    doc.h2(t("outcomes.title"))
    doc.para(t("outcomes.explain"), 9)
    doc.paged_table([t("outcomes.domain"), t("outcomes.residents"), t("outcomes.improved"),
               t("outcomes.same"), t("outcomes.worse"), t("outcomes.first_latest")],
              [(vocab("zrm", d.domain), d.residents, d.improved, d.same, d.worse,
                change(d.first_avg, d.latest_avg) if d.residents else "-")
               for d in out.domains], [55, 22, 25, 22, 22, 34])
    doc.para(t("outcomes.held", held=len(out.activations_held), total=out.activations))
    works_report.pdf_sections(doc, store, period)

    if include_personal:
        doc.add_page()
        doc.h2(t("report.overdue_by_name"))
        overdue = [i for f in agreements if f.key == "overdue" for i in f.ids]
        with store.session() as s:
            rows = s.exec(select(Agreement).where(col(Agreement.id).in_(overdue))
                          .order_by(col(Agreement.due))).all() if overdue else []
            names = {r.id: r.name for r in s.exec(select(Resident))}
        doc.paged_table([t("report.due"), t("report.resident"), t("report.what")],
                  [(f"{a.due:%d-%m-%Y}" if a.due else "", names.get(a.resident_id or "", ""),
                    a.what) for a in rows], [25, 55, 100])
        doc.h2(t("report.outcomes_by_name"))
        doc.paged_table([t("report.resident"), t("outcomes.domains"), t("outcomes.first_latest")],
                  [(r.name, r.domains, change(r.first_avg, r.latest_avg))
                   for r in out.residents], [80, 30, 50])
    return bytes(doc.output())


# ---------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class CsvFile:
    path: Path
    rows: int
    records: bool = True  # False: figures (works_report), not records; the audit counts records


def _day(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).date().isoformat()


CODED = {"channel": "channel", "themes": "theme", "worker_role": "role", "outcome": "outcome",
         "status": "status", "owner_kind": "owner", "category": "signal",
         "severity": "severity", "signal_status": "signal_status", "domain": "zrm"}
"""Columns holding vocabulary codes → their vocabulary: written in words, each followed by a
``<column>_code`` column with the code itself, for scripts (codes do not change with the
language; words do)."""


def _table(columns: list[str], rows: list[list[object]]
           ) -> tuple[list[str], list[list[object]]]:
    """Header and rows of one CSV: column names in the report's language, coded columns as
    words plus their code; a list of codes (themes) joined with ";"."""
    header: list[str] = []
    for name in columns:
        header += [t(f"csv.{name}"), f"{name}_code"] if name in CODED else [t(f"csv.{name}")]
    out = []
    for row in rows:
        cells: list[object] = []
        for name, value in zip(columns, row, strict=True):
            if name not in CODED:
                cells.append(value)
                continue
            items = value if isinstance(value, list) else [value]
            cells += [";".join(vocab(CODED[name], v) for v in items if v != ""),
                      ";".join(str(v) for v in items)]
        out.append(cells)
    return header, out


def csv_files(store: Store, period: Period, out_dir: Path,
              include_personal: bool = False) -> list[CsvFile]:
    """One CSV per record kind of the period in ``out_dir``; the number of rows of each.

    Headers and coded values in the report's language (Dutch by default), each coded column
    followed by its code (see ``CODED``); dates as ISO (2026-03-01), which spreadsheets read.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    p = include_personal
    with store.session() as s:
        workers = {w.id: w for w in s.exec(select(Worker))}
        names = {r.id: r.name for r in s.exec(select(Resident))} if p else {}
        records = period_records(s, period)
    contacts, acts, agreements = records.contacts, records.activations, records.agreements
    signals, initiatives, scores = records.signals, records.initiatives, records.scores

    def role(wid: str | None) -> str:
        return workers[wid].role if wid in workers else ""

    def who(wid: str | None) -> list[str]:
        return [workers[wid].name if wid in workers else ""] if p else []

    personal = ["worker", "resident_names", "note"] if p else []
    tables: dict[str, tuple[list[str], list[list[object]]]] = {
        "contacts": _table(
            ["id", "date", "street", "channel", "themes", "residents", "group_size",
             "follow_up", "worker_role", *personal],
            [[c.id, _day(c.at), c.street, c.channel, c.themes, len(c.resident_ids),
              c.group_size or "", int(c.follow_up), role(c.worker_id),
              *(who(c.worker_id) + [";".join(names.get(r, "") for r in c.resident_ids), c.note]
                if p else [])] for c in contacts]),
        "activations": _table(
            ["id", "date", "outcome", "outcome_date", "people", "worker_role",
             *(["resident", "request"] if p else [])],
            [[a.id, a.date, a.outcome, a.outcome_date or "", len(a.person_ids),
              role(a.worker_id), *([names.get(a.resident_id, ""), a.request] if p else [])]
             for a in acts]),
        "agreements": _table(
            ["id", "due", "status", "owner_kind", *(["resident", "what"] if p else [])],
            [[a.id, a.due or "", a.status, a.owner_kind,
              *([names.get(a.resident_id or "", ""), a.what] if p else [])]
             for a in agreements]),
        "signals": _table(
            ["id", "date", "street", "category", "severity", "signal_status",
             *(["note"] if p else [])],
            [[x.id, _day(x.at), x.street, x.category, x.severity, x.status,
              *([x.note] if p else [])] for x in signals]),
        "initiatives": _table(
            ["id", "date", "street", *(["title", "carried_by"] if p else [])],
            [[i.id, i.at or "", i.street, *([i.title, i.carried_by] if p else [])]
             for i in initiatives]),
        "outcome_scores": _table(
            ["id", "date", "domain", "score", *(["resident"] if p else [])],
            [[o.id, o.date, o.domain, o.score, *([names.get(o.resident_id, "")] if p else [])]
             for o in scores]),
    }
    files = [CsvFile(path, n) for path, n in csv_tables.write(out_dir, tables)]
    files += [CsvFile(path, n, records=False)
              for path, n in works_report.csv_files(store, period, out_dir)]
    return files


def export(store: Store, period: Period, include_personal: bool = False,
           out_dir: Path | None = None) -> tuple[Path, list[CsvFile]]:
    """PDF and CSVs of ``period`` in one folder under ``exports/``; the PDF's path and CSVs."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = out_dir or exports_dir(store) / f"{period.start:%Y%m%d}-{period.end:%Y%m%d}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    pdf_path = folder / "rapportage.pdf"
    pdf_path.write_bytes(pdf(store, period, include_personal))
    files = csv_files(store, period, folder / "csv", include_personal)
    _log(store, files)
    return pdf_path, files


@dataclass(frozen=True)
class Download:
    """A file for the system's save/share dialog (a download in a browser)."""

    name: str
    data: bytes


def export_downloads(store: Store, period: Period, include_personal: bool = False
                     ) -> tuple[Download, Download, list[CsvFile]]:
    """The PDF and a ZIP of the CSVs as bytes, for ``FilePicker.save_file``: on a phone the
    app's own folder is out of the worker's reach, so nothing is left in it."""
    span = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    report = Download(f"rapportage-{span}.pdf", pdf(store, period, include_personal))
    packed = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        files = csv_files(store, period, Path(tmp), include_personal)
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f.path, f.path.name)
        files = [CsvFile(Path(f.path.name), f.rows, f.records) for f in files]
    _log(store, files)
    return report, Download(f"wijkweb-csv-{span}.zip", packed.getvalue()), files


def _log(store: Store, files: list[CsvFile]) -> None:
    exports_log.queue(store, "report_pdf", 0)  # figures, not records
    exports_log.queue(store, "report_csv", sum(f.rows for f in files if f.records))
