"""The period report: PDF figures equal hand counts, no personal data unless asked; CSV rows."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from datetime import UTC

import pytest
from team_fixtures import rows

from app.domain.models import (
    Activation,
    Agreement,
    Contact,
    Initiative,
    NetworkPerson,
    OutcomeScore,
    Resident,
    Signal,
    Worker,
)
from app.domain.vocab import CHANNELS
from app.i18n import change, set_language, t, vocab
from app.services import reports
from app.services.overview import Period
from app.sync import exports_log

PERIOD = Period.last(91)


def pdf_text(data: bytes) -> str:
    """The text shown in a PDF, read without fpdf2: inflate each stream, collect ``(...) Tj``."""
    assert data.startswith(b"%PDF-")
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass
        out += [m.decode("latin-1") for m in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", stream)]
    return "\n".join(out)


def _in(day, period=PERIOD) -> bool:
    return period.start <= day <= period.end


@pytest.fixture(autouse=True)
def dutch():
    set_language("nl")


def test_pdf_figures_equal_hand_counts_and_hold_no_names(seeded):
    store, _ = seeded
    data = reports.pdf(store, PERIOD)
    text = pdf_text(data)
    lines = text.splitlines()
    contacts = [c for c in rows(store, Contact) if _in(c.at.astimezone(UTC).date())]
    groups = [c for c in contacts if c.group_size]
    signals = [s for s in rows(store, Signal) if _in(s.at.astimezone(UTC).date())]
    acts = [a for a in rows(store, Activation) if _in(a.date)]

    def after(label: str) -> str:
        return lines[lines.index(label) + 1]

    assert after("Contacten") == str(len(contacts))
    assert after("Anonieme straatcontacten") == str(len(groups))
    assert after("Mensen in die groepen") == str(sum(c.group_size for c in groups))
    assert after("Signalen") == str(len(signals))
    assert after("Netwerkactiveringen") == str(len(acts))
    assert after("Houdt stand na 3 maanden") == str(sum(a.outcome == "held" for a in acts))
    names = ([r.name for r in rows(store, Resident)] + [w.name for w in rows(store, Worker)]
             + [p.name for p in rows(store, NetworkPerson)])
    notes = [x.note for x in [*contacts, *signals] if x.note]
    leaked = [n for n in names + notes if reports._latin(n) in text]
    assert not leaked
    for street in {s.street for s in signals}:  # streets only as aggregated counts
        assert street in text


def test_pdf_with_personal_data_names_residents(seeded):
    store, _ = seeded
    text = pdf_text(reports.pdf(store, PERIOD, include_personal=True))
    scored = {s.resident_id for s in rows(store, OutcomeScore)}
    names = [r.name for r in rows(store, Resident) if r.id in scored]
    assert sum(reports._latin(n) in text for n in names) >= len(names) // 2


def test_csv_rows_equal_hand_counts_without_personal_columns(seeded, tmp_path):
    store, _ = seeded
    files = {f.path.stem: f for f in reports.csv_files(store, PERIOD, tmp_path)}
    expected = {
        "contacts": sum(_in(c.at.astimezone(UTC).date()) for c in rows(store, Contact)),
        "activations": sum(_in(a.date) for a in rows(store, Activation)),
        "agreements": sum(bool(a.due) and _in(a.due) for a in rows(store, Agreement)),
        "signals": sum(_in(s.at.astimezone(UTC).date()) for s in rows(store, Signal)),
        "initiatives": sum(bool(i.at) and _in(i.at) for i in rows(store, Initiative)),
        "outcome_scores": sum(_in(o.date) for o in rows(store, OutcomeScore)),
    }
    assert {k: files[k].rows for k in expected} == expected
    assert set(files) == {*expected, "what_works", "street_alarms", "familiar_faces",
                          "quarterly"}
    everything = ""
    for name, f in ((k, files[k]) for k in expected):
        with f.path.open(encoding="utf-8") as fh:
            table = list(csv.reader(fh))
        assert len(table) == expected[name] + 1
        assert not {t(f"csv.{c}") for c in ("note", "resident", "worker", "what",
                                             "resident_names")} & set(table[0])
        everything += f.path.read_text(encoding="utf-8")
    for r in rows(store, Resident):
        assert r.name not in everything and r.id not in everything


def test_csv_with_personal_data_and_export_folder(seeded):
    store, _ = seeded
    pdf_path, files = reports.export(store, PERIOD, include_personal=True)
    assert pdf_path.parent.parent == store.path.parent / "exports"
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    [contacts] = [f for f in files if f.path.stem == "contacts"]
    with contacts.path.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert any(row["namen bewoners"] for row in table) and any(row["notitie"] for row in table)


def test_csv_holds_dutch_words_with_a_code_column_for_scripts(seeded, tmp_path):
    store, _ = seeded
    files = {f.path.stem: f for f in reports.csv_files(store, PERIOD, tmp_path)}
    with files["contacts"].path.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert table and {"datum", "straat", "kanaal", "channel_code", "thema's"} <= set(table[0])
    for row in table:
        assert row["kanaal"] == vocab("channel", row["channel_code"])
        assert row["kanaal"] in {vocab("channel", c) for c in CHANNELS}
    assert any(row["thema's"] for row in table)
    with files["signals"].path.open(encoding="utf-8") as fh:
        [header] = list(csv.reader(fh))[:1]
    assert header[:7] == ["id", "datum", "straat", "soort", "category_code", "ernst",
                          "severity_code"]


def test_downloads_are_bytes_and_leave_nothing_in_the_app_folder(seeded):
    """What the save/share dialog gets: the PDF and one ZIP of the CSVs, written nowhere."""
    store, _ = seeded
    pdf, packed, files = reports.export_downloads(store, PERIOD)
    span = f"{PERIOD.start:%Y%m%d}-{PERIOD.end:%Y%m%d}"
    assert pdf.name == f"rapportage-{span}.pdf" and pdf.data.startswith(b"%PDF-")
    assert packed.name == f"wijkweb-csv-{span}.zip"
    with zipfile.ZipFile(io.BytesIO(packed.data)) as z:
        assert sorted(z.namelist()) == sorted(f"{f.path.stem}.csv" for f in files)
        contacts = z.read("contacts.csv").decode("utf-8").splitlines()
    assert len(contacts) == next(f.rows for f in files if f.path.stem == "contacts") + 1
    assert not (store.path.parent / "exports").exists()
    assert [e["what"] for e in exports_log.pending(store)][-2:] == ["report_pdf", "report_csv"]


def test_headless_report_command(tmp_path, monkeypatch):
    from app import __main__ as cli
    from app.demo import seed
    from app.store import Store

    monkeypatch.setenv("WIJKWEB_PIN", "123456")  # a plain database: encrypted by the command
    store = Store.open_default(tmp_path)
    seed(store)
    store.close()
    args = ["report", "--from", PERIOD.start.isoformat(), "--to", PERIOD.end.isoformat(),
            "--data-dir", str(tmp_path)]
    assert cli.main([*args, "--pdf", str(tmp_path / "r.pdf"),
                     "--csv-dir", str(tmp_path / "csv")]) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert len(list((tmp_path / "csv").glob("*.csv"))) == 6 + 4  # records + works_report
    assert cli.main(args) == 0  # both into exports/
    [folder] = (tmp_path / "exports").iterdir()
    assert (folder / "rapportage.pdf").exists() and (folder / "csv" / "contacts.csv").exists()


def test_pdf_scores_use_decimal_commas_and_a_drawn_arrow(seeded):
    store, _ = seeded
    text = pdf_text(reports.pdf(store, PERIOD, include_personal=True))
    assert "->" not in text
    assert re.search(r"^\d,\d$", text, re.M)  # "2,5" before the arrow, "3,0" after it
    assert not re.search(r"^\d\.\d+$", text, re.M)


def test_a_long_table_repeats_its_header_on_every_page():
    doc = reports._Pdf("Test")
    doc.add_page()
    doc.paged_table(["Kolom een", "Kolom twee"], [(f"regel {i}", change(1.26, 2.5))
                                            for i in range(150)], [60, 60])
    text = pdf_text(bytes(doc.output()))
    assert doc.pages_count >= 3
    assert text.count("Kolom een") == doc.pages_count
    assert "1,3" in text and "2,5" in text and "1,3 -> 2,5" not in text
