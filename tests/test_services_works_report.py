"""The new figures in the period report: PDF sections and CSV files equal the services'."""

from __future__ import annotations

import csv

from team_fixtures import rows
from test_services_reports import PERIOD, pdf_text

from app.domain.models import Resident
from app.i18n import set_language, t
from app.services import reports, street_alarms, what_works
from app.services.reports import _latin


def test_pdf_has_every_new_section(seeded):
    store, _ = seeded
    set_language("nl")
    text = pdf_text(reports.pdf(store, PERIOD))
    for key in ("works.title", "streets.title", "faces.title", "quarterly.title"):
        assert _latin(t(key)) in text, key
    assert "geen bewijs van oorzaak" in text
    assert not any(_latin(r.name) in text for r in rows(store, Resident))


def test_csv_figures_equal_the_services(seeded, tmp_path):
    store, _ = seeded
    files = {f.path.stem: f for f in reports.csv_files(store, PERIOD, tmp_path)}
    with files["what_works"].path.open(encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(what_works.PRACTICES) * 14
    works = what_works.compute(store, PERIOD)
    key = next(r for r in works.results if r.practice == "key_figure").overall
    [row] = [r for r in table if r["practice"] == "key_figure" and r["domain"] == "overall"]
    assert (int(row["n_with"]), int(row["n_without"])) == (key.n_with, key.n_without)
    with files["street_alarms"].path.open(encoding="utf-8") as fh:
        streets = list(csv.DictReader(fh))
    alarms = street_alarms.compute(store, PERIOD.end)
    assert [r["street"] for r in streets] == [a.street for a in alarms]
    assert files["quarterly"].rows >= 1 and files["familiar_faces"].rows == 9
    text = files["quarterly"].path.read_text(encoding="utf-8")
    assert not any(r.name in text or r.id in text for r in rows(store, Resident))
