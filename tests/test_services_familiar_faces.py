"""Vaste gezichten counted by hand on a small team: tenure from the household's first record
or its last handover, the 12-month share, handovers per 100 households and "uit beeld"."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import flet as ft
from test_ui_team_lead import LeadApp, walk

from app.services import familiar_faces
from app.services.familiar_faces import quarter_ends
from app.store import Store
from app.ui.familiar_faces import FamiliarFacesCard
from wijkweb_protocol import new_id

DAY = date(2025, 12, 31)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def small_team(store: Store) -> dict[str, str]:
    team, w1, w2 = new_id(), new_id(), new_id()
    ids = {}
    with store.transaction():
        for key, contacts in (("a", [date(2024, 1, 10), date(2025, 12, 20)]),
                              ("b", [date(2024, 1, 10), date(2025, 12, 1)]),
                              ("c", [date(2025, 6, 1)]),
                              ("d", [date(2026, 3, 1)])):
            hh = store.create("household", team, {"name": key, "street": "Tulpstraat",
                                                  "primary_worker_id": w1})
            rid = store.create("resident", team, {"household_id": hh, "name": key})
            for day in contacts:
                store.create("contact", team, {"at": at(day), "resident_ids": [rid]})
            ids[key] = hh
        store.update("household", ids["b"], {"primary_worker_id": w2})
        ids["handover"] = store.create("handover", team, {
            "household_id": ids["b"], "from_worker_id": w1, "to_worker_id": w2,
            "at": at(date(2025, 9, 1))})
        store.create("handover", team, {  # a year and more ago: not in "per year"
            "household_id": ids["a"], "to_worker_id": w1, "at": at(date(2024, 2, 1))})
    return ids


def test_figures_as_counted_by_hand(store):
    ids = small_team(store)
    faces = familiar_faces.compute(store, weeks=8, today=DAY).now
    assert faces.households == sorted([ids["a"], ids["b"], ids["c"]])  # d is not known yet
    tenure = {x.household_id: x.days for x in faces.tenures}
    assert tenure == {ids["a"]: (DAY - date(2024, 2, 1)).days,
                      ids["b"]: (DAY - date(2025, 9, 1)).days,
                      ids["c"]: (DAY - date(2025, 6, 1)).days}
    assert faces.long == [ids["a"]] and faces.long_share == round(1 / 3, 3)
    assert faces.handovers == [ids["handover"]] and faces.handed == [ids["b"]]
    assert faces.handovers_per_100 == 33.3
    assert faces.out_of_sight == [ids["c"]]
    assert familiar_faces.compute(store, weeks=40, today=DAY).now.out_of_sight == []


def test_the_trend_applies_the_same_rules_at_each_quarter_end(store):
    ids = small_team(store)
    out = familiar_faces.compute(store, weeks=8, today=date(2026, 1, 15))
    assert [f.day for f in out.trend] == quarter_ends(date(2026, 1, 15))
    assert out.trend[-1].day == DAY and out.trend[-1].long == [ids["a"]]
    mid = next(f for f in out.trend if f.day == date(2025, 6, 30))
    assert mid.households == sorted([ids["a"], ids["b"], ids["c"]])
    assert mid.handovers == [] and mid.out_of_sight == sorted([ids["a"], ids["b"]])


def test_quarter_ends():
    assert quarter_ends(date(2026, 5, 3), 5) == [
        date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31),
        date(2026, 3, 31)]


def test_each_figure_opens_its_households(store):
    small_team(store)
    app = LeadApp(store, 1440)
    card = FamiliarFacesCard(app)
    card.weeks.value = "1"
    asyncio.run(card.load())
    tiles = [c for c in walk(card) if isinstance(c, ft.ListTile) and c.on_click]
    assert len(tiles) == 4
    asyncio.run(tiles[-1].on_click(None))  # all households
    [dialog] = app.dialogs
    assert len(dialog.content.content.controls) == 4
    card.weeks.value = "zero"
    asyncio.run(card.load())
    assert card.weeks.error
