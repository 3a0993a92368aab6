"""The overview's figures equal hand counts on the seeded team, and each opens its records."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from team_fixtures import rows

from app.domain import vocab
from app.domain.models import Activation, Agreement, Contact, Initiative, Signal
from app.services import overview

TODAY = date.today()


def _in(day: date, period: overview.Period) -> bool:
    return period.start <= day <= period.end


@pytest.mark.parametrize("days", [28, 91, 365])
def test_figures_equal_hand_counts(seeded, days):
    store, _ = seeded
    period = overview.Period.last(days)
    ov = overview.compute(store, period)
    contacts = [c for c in rows(store, Contact) if _in(c.at.astimezone(UTC).date(), period)]
    assert ov.contacts.value == len(contacts) > 0
    assert sum(f.value for f in ov.weeks) == len(contacts)
    assert {f.key: f.value for f in ov.themes} == {
        th: sum(th in c.themes for c in contacts) for th in vocab.THEMES}
    assert {f.key: f.value for f in ov.channels} == {
        ch: sum(c.channel == ch for c in contacts) for ch in vocab.CHANNELS}
    groups = [c for c in contacts if c.group_size]
    assert (ov.anonymous.value, ov.anonymous.extra) == (
        len(groups), sum(c.group_size for c in groups))
    for week in ov.weeks:
        monday = date.fromisoformat(week.key)
        assert set(week.ids) == {c.id for c in contacts if monday <= c.at.astimezone(UTC).date()
                                 < monday + timedelta(days=7)}
        by_channel = ov.week_channels[week.key]
        assert {k: set(f.ids) for k, f in by_channel.items()} == {
            ch: {i for i in week.ids if i in {c.id for c in contacts if c.channel == ch}}
            for ch in vocab.CHANNELS}

    acts = [a for a in rows(store, Activation) if _in(a.date, period)]
    assert {f.key: set(f.ids) for f in ov.activations} == {
        o: {a.id for a in acts if a.outcome == o} for o in vocab.ACTIVATION_OUTCOMES}

    agreements = [a for a in rows(store, Agreement)
                  if a.due and _in(a.due, period) and a.status != "cancelled"]
    for kind, figures in ov.agreements.items():
        mine = [a for a in agreements if a.owner_kind == kind]
        by = {f.key: f.value for f in figures}
        assert by["kept"] == sum(a.status == "done" for a in mine)
        assert by["overdue"] == sum(a.status == "open" and a.due < TODAY for a in mine)
        assert by["open"] == sum(a.status == "open" and a.due >= TODAY for a in mine)
    assert sum(f.value for fs in ov.agreements.values() for f in fs) == len(agreements)

    signals = [s for s in rows(store, Signal) if _in(s.at.astimezone(UTC).date(), period)]
    per_street = Counter(s.street for s in signals)
    assert {r.street: r.total.value for r in ov.signals} == dict(per_street)
    assert {f.key: f.value for f in ov.signal_categories} == {
        c: sum(s.category == c for s in signals) for c in vocab.SIGNAL_CATEGORIES}
    middle = period.middle
    rising = sorted(st for st in per_street
                    if (late := sum(s.street == st and s.at.astimezone(UTC).date() > middle
                                    for s in signals)) >= 2 and late > per_street[st] - late)
    assert sorted(ov.rising_streets) == rising

    assert set(ov.initiatives.ids) == {i.id for i in rows(store, Initiative)
                                       if i.at and _in(i.at, period)}


def test_a_new_signal_streak_marks_the_street_rising(seeded):
    store, ids = seeded
    period = overview.Period.last(28)
    for k in range(3):
        store.create("signal", ids["team"], {"street": "Teststraat", "category": "litter",
                                             "at": datetime.now(UTC) - timedelta(days=k)})
    ov = overview.compute(store, period)
    assert "Teststraat" in ov.rising_streets
    [street] = [r for r in ov.signals if r.street == "Teststraat"]
    assert street.by_category["litter"].value == 3


def test_every_figure_opens_its_records(seeded):
    store, _ = seeded
    ov = overview.compute(store, overview.Period.last(91))
    theme = max(ov.themes, key=lambda f: f.value)
    lines = overview.records(store, theme, limit=10_000)
    assert {line.id for line in lines} == set(theme.ids)
    assert all(line.kind == "contact" and line.text for line in lines)
    days = [line.day for line in lines]
    assert days == sorted(days, reverse=True)
    for figure in [*ov.activations, *ov.signal_categories, ov.initiatives,
                   *ov.agreements["worker"]]:
        assert {line.id for line in overview.records(store, figure)} == set(figure.ids)


def test_an_empty_period_has_zero_figures(seeded):
    store, _ = seeded
    ov = overview.compute(store, overview.Period(date(2001, 1, 1), date(2001, 1, 31)))
    assert ov.contacts.value == 0 and not ov.signals and ov.initiatives.value == 0
    assert len(ov.weeks) == 5 and all(f.value == 0 for f in ov.weeks)


def test_a_typed_period_is_checked_per_field():
    from datetime import date

    from app.services.overview import Period, custom_period

    assert custom_period("1-1-2026", "2026-03-31") == (
        Period(date(2026, 1, 1), date(2026, 3, 31)), {})
    assert custom_period("31-2-2026", "") == (
        None, {"start": "error.date_invalid", "end": "error.date_invalid"})
    assert custom_period("1-4-2026", "31-3-2026") == (None, {"end": "error.period_order"})
    assert custom_period("1-1-2010", "1-1-2026") == (None, {"end": "error.period_too_long"})
    assert custom_period("1-1-2026", "1-1-2026")[0] == Period(date(2026, 1, 1), date(2026, 1, 1))
