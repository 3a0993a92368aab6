"""The review export (visitatie): no name, note, street or real id in its files; k ≥ 5 over
(neighbourhood, birth band) on every row; a codebook for every column; team lead only; logged."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from team_fixtures import rows

from app.domain.models import (
    Activation,
    Agreement,
    Area,
    Contact,
    Household,
    Initiative,
    NetworkPerson,
    OutcomeScore,
    Resident,
    Signal,
    Tie,
    Worker,
)
from app.services import context, review_export
from app.services.overview import Period
from app.services.review_export import HIDDEN, K, k_anonymise
from app.sync import exports_log


def read(path) -> list[dict[str, str]]:  # noqa: ANN001
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def lead(seeded):
    store, ids = seeded
    context.set_current(store, ids["workers"][4], ids["team"], "team_lead")
    return store, ids


def test_no_name_note_street_or_real_id_in_the_files(lead, tmp_path):
    store, _ = lead
    out = review_export.export(store, Period.last(365), tmp_path / "a")
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.folder.glob("*.csv"))
    assert out.rows["contacts.csv"] > 100 and out.rows["residents.csv"] >= K
    forbidden = set()
    for model in (Resident, Household, Worker, NetworkPerson):
        forbidden |= {r.name for r in rows(store, model)}
    forbidden |= {c.note for c in rows(store, Contact) if c.note}
    forbidden |= {s.note for s in rows(store, Signal) if s.note}
    forbidden |= {a.what for a in rows(store, Agreement)}
    forbidden |= {a.request for a in rows(store, Activation)}
    forbidden |= {i.title for i in rows(store, Initiative)} | {
        i.carried_by for i in rows(store, Initiative)}
    forbidden |= {street for a in rows(store, Area) for street in a.streets}
    for model in (Resident, Household, Worker, NetworkPerson, Contact, Signal, Agreement,
                  Activation, Initiative, OutcomeScore, Tie, Area):
        forbidden |= {r.id for r in rows(store, model)}
    forbidden |= {r.id[:12] for r in rows(store, Resident)}
    for needle in forbidden:
        assert needle not in text, needle


def test_k_holds_on_every_row(lead, tmp_path):
    store, _ = lead
    out = review_export.export(store, Period.last(365), tmp_path / "a")
    residents = {r["resident"]: (r["area"], r["birth_band"])
                 for r in read(out.folder / "residents.csv")}
    groups = Counter(residents.values())
    assert all(n >= K for n in groups.values()), groups
    checked = 0
    for name in ("contacts", "activations", "agreements", "outcome_scores"):
        for row in read(out.folder / f"{name}.csv"):
            if row["resident"]:
                assert (row["area"], row["birth_band"]) == residents[row["resident"]]
                assert groups[residents[row["resident"]]] >= K
                checked += 1
    assert checked > 100


def test_every_column_is_in_the_codebook_and_pseudonyms_change_per_export(lead, tmp_path):
    store, _ = lead
    first = review_export.export(store, Period.last(365), tmp_path / "a")
    book = {(r["file"], r["column"]) for r in read(first.folder / "codebook.csv")}
    for path in first.folder.glob("*.csv"):
        if path.name != "codebook.csv":
            header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
            assert {(path.name, c) for c in header} <= book, path.name
    second = review_export.export(store, Period.last(365), tmp_path / "b")
    a = {r["resident"] for r in read(first.folder / "residents.csv")}
    b = {r["resident"] for r in read(second.folder / "residents.csv")}
    assert len(a) == len(b) and not a & b


def test_only_a_team_lead_exports_and_each_export_is_logged(lead, tmp_path):
    store, ids = lead
    review_export.export(store, Period.last(365), tmp_path / "a")
    assert exports_log.pending(store)[-1]["what"] == "review_export"
    context.set_current(store, ids["workers"][0], ids["team"], "street_coach")
    with pytest.raises(review_export.NotAllowed):
        review_export.export(store, Period.last(365), tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_rare_combinations_are_generalised_then_left_out():
    qis = {f"a{i}": ("Bloemenbuurt", "1970-1979") for i in range(5)}
    qis |= {f"b{i}": ("Bloemenbuurt", f"19{i}0-19{i}9") for i in range(3)}  # rare bands
    qis |= {f"c{i}": ("Bloemenbuurt", "1980-1989") for i in range(2)}
    qis |= {"d": ("Vogelkwartier", "1990-1999")}
    kept, dropped, generalised = k_anonymise(qis)
    assert kept["a0"] == ("Bloemenbuurt", "1970-1979")
    assert kept["b0"] == kept["c1"] == ("Bloemenbuurt", HIDDEN)
    assert dropped == {"d"} and generalised == 5


def test_the_reports_screen_makes_the_review_export(lead):
    import asyncio

    from test_ui_team_lead import LeadApp

    from app.ui.review_export import ReviewExportPanel
    from app.ui.routes import make_screen

    store, _ = lead
    app = LeadApp(store, 1440)
    screen = make_screen(app, "reports", "")
    [panel] = [c for c in screen.build().controls if isinstance(c, ReviewExportPanel)]
    asyncio.run(panel._export(None))
    assert panel.result.visible and "visitatie-" in panel.result.value
    assert list((store.path.parent / "exports").glob("visitatie-*/codebook.csv"))
