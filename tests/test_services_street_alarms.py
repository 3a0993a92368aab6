"""Sliding streets: the CUSUM alarms on a rise above a street's own normal, not on a busy
street's usual weeks; the records behind are the street's; a coach sees their street on Vandaag."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, time, timedelta

from app.services import context, street_alarms, today
from app.services.street_alarms import BASELINE_WEEKS, LIMIT, detect
from app.store import Store
from wijkweb_protocol import new_id

TODAY = date(2026, 6, 17)  # a Wednesday


def test_a_flat_street_gives_no_alarm():
    rng = random.Random(1)
    series = [float(rng.choice([0, 1, 1, 2])) for _ in range(52)]
    found = detect(series)
    assert found.first_alarm is None and max(found.cusum) < LIMIT


def test_a_rise_is_caught_after_it_starts():
    series = [1.0] * 40 + [4.0] * 12
    found = detect(series)
    assert found.first_alarm is not None and 40 <= found.first_alarm <= 43


def test_each_street_is_judged_by_its_own_normal():
    """Five a week is normal for a busy street and an alarm for a quiet one."""
    busy = [5.0, 4.0, 6.0, 5.0] * 13
    quiet = [0.0, 1.0, 0.0, 0.0] * 6 + [0.0, 1.0] + [5.0] * 26
    assert detect(busy).first_alarm is None
    assert detect(quiet).first_alarm == BASELINE_WEEKS + 1  # in the second week of five


def test_one_event_on_a_street_without_history_is_no_alarm():
    assert detect([0.0] * 51 + [3.0]).first_alarm is None


def street_team(store: Store, now: date = TODAY) -> dict[str, str]:
    """Merelstraat: one nuisance signal every other week, then three a week in the last six;
    Tulpstraat: an anonymous group now and then all year; a coach works the Merelstraat."""
    def at(weeks_ago: int, day: int = 1) -> datetime:
        monday = now - timedelta(days=now.weekday(), weeks=weeks_ago)
        return datetime.combine(monday + timedelta(days=min(day, now.weekday()) if not weeks_ago
                                                   else day), time(0), UTC)

    team, coach = new_id(), new_id()
    ids: dict[str, str] = {"team": team, "coach": coach}
    with store.transaction():
        store.create("worker", team, {"name": "Coach", "role": "street_coach"}, id=coach)
        store.create("household", team, {"name": "Fam. A", "street": "Merelstraat",
                                         "primary_worker_id": coach})
        for w in range(51, 5, -2):
            store.create("signal", team, {"street": "Merelstraat", "category": "nuisance",
                                          "severity": 1, "at": at(w), "note": "n"})
        for w in range(6):
            for d in range(3):
                ids[f"late{w}{d}"] = store.create("signal", team, {
                    "street": "Merelstraat", "category": "vacancy", "severity": 2,
                    "at": at(w, d), "note": "leeg"})
        for w in range(51, 0, -3):
            store.create("contact", team, {"at": at(w), "street": "Tulpstraat",
                                           "group_size": 4, "note": "groep"})
        ids["safety"] = store.create("contact", team, {
            "at": at(2), "street": "Merelstraat", "themes": ["safety_subversion"],
            "resident_ids": []})
        store.create("contact", team, {"at": at(2), "street": "Merelstraat",
                                       "themes": ["housing"], "resident_ids": []})
    return ids


def test_a_sliding_street_comes_first_with_its_records(store):
    ids = street_team(store)
    alarms = street_alarms.compute(store, TODAY)
    first = alarms[0]
    assert first.street == "Merelstraat" and first.alarm
    assert {a.street for a in alarms} == {"Merelstraat", "Tulpstraat"}
    assert not alarms[1].alarm
    late = {v for k, v in ids.items() if k.startswith("late")}
    assert late <= set(first.signals.ids)
    assert first.contacts.ids == [ids["safety"]]  # the housing contact is no street signal
    assert len(first.series) == 52 and first.series[-2] == 3 * 2 * 1.5


def test_the_coach_of_that_street_sees_the_alarm_on_vandaag(store):
    ids = street_team(store)
    ctx = context.Context(ids["coach"], ids["team"], "street_coach")
    assert today.today(store, ctx, TODAY).street_alarms == ["Merelstraat"]
    other = context.Context(new_id(), ids["team"], "street_coach")
    assert today.today(store, other, TODAY).street_alarms == []


def test_the_today_screen_shows_the_banner(store):
    from test_ui_team_lead import LeadApp

    from app.ui.today import TodayScreen

    ids = street_team(store, datetime.now(UTC).date())  # the screen looks at the real today
    context.set_current(store, ids["coach"], ids["team"], "street_coach")
    screen = TodayScreen(LeadApp(store, 1440, "street_coach"))
    screen.build()
    asyncio.run(screen.load())
    assert screen.sliding.visible and "Merelstraat" in screen.sliding.content.title.value
