"""The team lead's overview of a period: every figure with the ids of the records behind it.

Plain Python over ``store.session()``; the overview screen, the PDF report and the tests all
read the same ``Overview``. Periods are whole days ``start``–``end`` (both included), in UTC.

Definitions (the tests count them by hand the same way):

- contacts: ``at`` in the period; per week (Monday), theme (a contact counts once per theme)
  and channel; "anonymous street contacts" are contacts with a group (``group_size``).
- activations: ``date`` in the period, by outcome.
- agreements: ``due`` in the period and not cancelled, by owner kind and state: kept (done),
  overdue (open, due before ``today``) or open.
- signals: ``at`` in the period, by street and category; a street is *rising* when its second
  half of the period has more signals than its first half, and at least two.
- initiatives: ``at`` in the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import DateTime
from sqlalchemy.orm import QueryableAttribute
from sqlmodel import Session, col, select

from app.domain import vocab
from app.domain.models import (
    Activation,
    Agreement,
    Contact,
    Initiative,
    OutcomeScore,
    Signal,
    Synced,
)
from app.services.forms import Errors, Invalid, parse_date
from app.store import Store

AGREEMENT_STATES = ("kept", "open", "overdue")
PRESETS = {"4w": 28, "3m": 91, "6m": 182, "12m": 365}
"""Period choices of the screen: the last N days up to today."""
MAX_DAYS = 10 * 366
"""Longest period a team lead may choose (a report of ten years is a mistake, not a report)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def last(cls, days: int, today: date | None = None) -> Period:
        today = today or date.today()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """UTC datetimes: from the start day's midnight to (not including) the day after end."""
        lo = datetime.combine(self.start, time.min, UTC)
        return lo, datetime.combine(self.end + timedelta(days=1), time.min, UTC)

    @property
    def middle(self) -> date:
        return self.start + (self.end - self.start) / 2

    def label(self) -> str:
        return f"{self.start:%d-%m-%Y} – {self.end:%d-%m-%Y}"


def custom_period(start: str, end: str) -> tuple[Period | None, Errors]:
    """A period typed by the team lead (``1-1-2026`` or ``2026-01-01``), or the errors per field."""
    errors: Errors = {}
    days: dict[str, date] = {}
    for name, text in (("start", start), ("end", end)):
        try:
            days[name] = parse_date(text)
        except Invalid as bad:
            errors[name] = bad.key
    if errors:
        return None, errors
    if days["end"] < days["start"]:
        return None, {"end": "error.period_order"}
    if (days["end"] - days["start"]).days >= MAX_DAYS:
        return None, {"end": "error.period_too_long"}
    return Period(days["start"], days["end"]), {}


@dataclass
class Figure:
    """One number of the overview: ``key`` (a code or a date), its count and the records."""

    key: str
    kind: str  # the row kind behind it: contact, activation, agreement, signal, initiative
    ids: list[str] = field(default_factory=list)
    extra: int = 0  # e.g. the people counted in anonymous group contacts

    @property
    def value(self) -> int:
        return len(self.ids)


@dataclass
class StreetSignals:
    street: str
    by_category: dict[str, Figure]
    total: Figure
    first_half: int
    second_half: int

    @property
    def rising(self) -> bool:
        return self.second_half > self.first_half and self.second_half >= 2


@dataclass
class Overview:
    period: Period
    contacts: Figure
    weeks: list[Figure]  # key: the Monday, ISO date
    week_channels: dict[str, dict[str, Figure]]  # Monday → channel → contacts
    themes: list[Figure]
    channels: list[Figure]
    anonymous: Figure  # extra: the people in those groups
    activations: list[Figure]  # key: outcome
    agreements: dict[str, list[Figure]]  # owner kind → figures per state
    signals: list[StreetSignals]  # busiest street first
    signal_categories: list[Figure]
    initiatives: Figure

    @property
    def rising_streets(self) -> list[str]:
        return [s.street for s in self.signals if s.rising]


def _figures(keys: Iterable[str], kind: str) -> dict[str, Figure]:
    return {k: Figure(k, kind) for k in keys}


def _weeks(period: Period) -> list[date]:
    monday = period.start - timedelta(days=period.start.weekday())
    out = []
    while monday <= period.end:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def _day(value: datetime) -> date:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


RowT = TypeVar("RowT", bound=Synced)


def in_period(s: Session, model: type[RowT], when: Any, period: Period,
              *where: Any) -> Sequence[RowT]:
    """Live rows of ``model`` whose ``when`` (a date or a datetime column) falls in ``period``,
    oldest first."""
    column: QueryableAttribute[Any] = when  # one of model's columns, e.g. Contact.at
    if isinstance(getattr(column.type, "impl", column.type), DateTime):
        lo, hi = period.bounds
        inside = (column >= lo) & (column < hi)
    else:
        inside = (column >= period.start) & (column <= period.end)
    query = select(model).where(~col(model.deleted), inside, *where)
    return s.exec(query.order_by(column, col(model.id))).all()


@dataclass(frozen=True)
class PeriodRecords:
    """Every live record of a period, each kind by its own date: what the exports write out."""

    contacts: Sequence[Contact]
    activations: Sequence[Activation]
    agreements: Sequence[Agreement]
    signals: Sequence[Signal]
    initiatives: Sequence[Initiative]
    scores: Sequence[OutcomeScore]


def period_records(s: Session, period: Period) -> PeriodRecords:
    return PeriodRecords(
        contacts=in_period(s, Contact, Contact.at, period),
        activations=in_period(s, Activation, Activation.date, period),
        agreements=in_period(s, Agreement, Agreement.due, period),
        signals=in_period(s, Signal, Signal.at, period),
        initiatives=in_period(s, Initiative, Initiative.at, period),
        scores=in_period(s, OutcomeScore, OutcomeScore.date, period))


def compute(store: Store, period: Period, today: date | None = None) -> Overview:
    """All figures of ``period`` (a handful of queries; thousands of rows are fine)."""
    today = today or date.today()
    with store.session() as s:
        contacts = in_period(s, Contact, Contact.at, period)
        acts = in_period(s, Activation, Activation.date, period)
        agreements = in_period(s, Agreement, Agreement.due, period,
                               Agreement.status != "cancelled")
        signals = in_period(s, Signal, Signal.at, period)
        initiatives = in_period(s, Initiative, Initiative.at, period)

    weeks = {w.isoformat(): Figure(w.isoformat(), "contact") for w in _weeks(period)}
    week_channels = {w: _figures(vocab.CHANNELS, "contact") for w in weeks}
    themes = _figures(vocab.THEMES, "contact")
    channels = _figures(vocab.CHANNELS, "contact")
    anonymous = Figure("anonymous", "contact")
    for c in contacts:
        day = _day(c.at)
        monday = (day - timedelta(days=day.weekday())).isoformat()
        weeks[monday].ids.append(c.id)
        week_channels[monday].setdefault(c.channel, Figure(c.channel, "contact")).ids.append(c.id)
        for theme in dict.fromkeys(c.themes):
            themes.setdefault(theme, Figure(theme, "contact")).ids.append(c.id)
        channels.setdefault(c.channel, Figure(c.channel, "contact")).ids.append(c.id)
        if c.group_size:
            anonymous.ids.append(c.id)
            anonymous.extra += c.group_size

    outcomes = _figures(vocab.ACTIVATION_OUTCOMES, "activation")
    for a in acts:
        outcomes.setdefault(a.outcome, Figure(a.outcome, "activation")).ids.append(a.id)

    by_owner = {k: _figures(AGREEMENT_STATES, "agreement") for k in vocab.OWNER_KINDS}
    for g in agreements:
        state = ("kept" if g.status == "done" else
                 "overdue" if g.due is not None and g.due < today else "open")
        by_owner.setdefault(g.owner_kind, _figures(AGREEMENT_STATES, "agreement"))
        by_owner[g.owner_kind][state].ids.append(g.id)

    middle = period.middle
    streets: dict[str, StreetSignals] = {}
    categories = _figures(vocab.SIGNAL_CATEGORIES, "signal")
    for sig in signals:
        row = streets.setdefault(sig.street, StreetSignals(
            sig.street, _figures(vocab.SIGNAL_CATEGORIES, "signal"),
            Figure(sig.street, "signal"), 0, 0))
        row.by_category.setdefault(sig.category, Figure(sig.category, "signal")).ids.append(
            sig.id)
        row.total.ids.append(sig.id)
        categories.setdefault(sig.category, Figure(sig.category, "signal")).ids.append(sig.id)
        if _day(sig.at) <= middle:
            row.first_half += 1
        else:
            row.second_half += 1

    return Overview(
        period=period,
        contacts=Figure("contacts", "contact", [c.id for c in contacts]),
        weeks=list(weeks.values()), week_channels=week_channels, themes=list(themes.values()),
        channels=list(channels.values()), anonymous=anonymous,
        activations=list(outcomes.values()),
        agreements={k: list(v.values()) for k, v in by_owner.items()},
        signals=sorted(streets.values(), key=lambda r: (-r.total.value, r.street)),
        signal_categories=list(categories.values()),
        initiatives=Figure("initiatives", "initiative", [i.id for i in initiatives]))


# ---------------------------------------------------------------------- the records behind one

MODELS: dict[str, Any] = {"contact": Contact, "activation": Activation, "agreement": Agreement,
                          "signal": Signal, "initiative": Initiative}


@dataclass(frozen=True)
class RecordLine:
    """One record behind a figure, as a line a person reads (date, place, what)."""

    id: str
    kind: str
    day: date | None
    text: str
    resident_id: str | None = None


def _describe(kind: str, row: Any, t: Any) -> RecordLine:
    if kind == "contact":
        what = ", ".join([t(f"channel.{row.channel}"),
                          *(t(f"theme.{x}") for x in row.themes)])
        who = (f"{row.group_label or ''} ({row.group_size})" if row.group_size else "")
        text = " · ".join(p for p in (row.street, what, who, row.note) if p)
        return RecordLine(row.id, kind, _day(row.at), text,
                          (row.resident_ids or [None])[0])
    if kind == "activation":
        return RecordLine(row.id, kind, row.date,
                          f"{row.request} · {t(f'outcome.{row.outcome}')}", row.resident_id)
    if kind == "agreement":
        return RecordLine(row.id, kind, row.due,
                          f"{row.what} · {t(f'owner.{row.owner_kind}')} · "
                          f"{t(f'status.{row.status}')}", row.resident_id)
    if kind == "signal":
        return RecordLine(row.id, kind, _day(row.at),
                          f"{row.street} · {t(f'signal.{row.category}')} · {row.note}")
    return RecordLine(row.id, kind, row.at,
                      f"{row.title} · {row.street} · {row.carried_by}")


def records(store: Store, figure: Figure, limit: int = 200) -> list[RecordLine]:
    """The records behind ``figure``, newest first, as readable lines (at most ``limit``)."""
    from app.i18n import t

    model = MODELS[figure.kind]
    ids: Sequence[str] = figure.ids
    out: list[RecordLine] = []
    with store.session() as s:
        for i in range(0, len(ids), 500):
            out += [_describe(figure.kind, r, t) for r in s.exec(
                select(model).where(col(model.id).in_(ids[i:i + 500]))).all() if not r.deleted]
    out.sort(key=lambda r: (r.day or date.min, r.id), reverse=True)
    return out[:limit]
