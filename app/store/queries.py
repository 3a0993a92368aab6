"""The reads the screens need, as methods of ``Store``: typed rows, deleted ones hidden."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app.domain.models import (
    Activation,
    Agreement,
    Contact,
    Household,
    NetworkPerson,
    OutcomeScore,
    Resident,
    Signal,
    Tie,
)
from app.store.fold import SQL_NAME as FOLD
from app.store.fold import fold


@dataclass(frozen=True)
class TimelineItem:
    """One entry of a resident's timeline: when, which kind, and the row itself."""

    at: datetime
    kind: str
    row: Any


def _utc(value: datetime | date | None) -> datetime:
    if value is None:
        return datetime.min.replace(tzinfo=UTC)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local calendar day as UTC bounds."""
    lo = datetime.combine(day, time.min).astimezone().astimezone(UTC)  # local midnight
    return lo, lo + timedelta(days=1)


class Queries:
    """Mixed into ``Store``; needs ``self.session()``."""

    def session(self) -> Session:  # pragma: no cover - provided by Store
        raise NotImplementedError

    def get(self, model: type, row_id: str) -> Any | None:
        """A live row by id, or None when it is absent or deleted."""
        with self.session() as s:
            row = s.get(model, row_id)
            return row if row is not None and not row.deleted else None

    def todays_contacts(self, worker_id: str | None = None, day: date | None = None
                        ) -> Sequence[Contact]:
        """Contacts of one local calendar day (today by default), newest first."""
        lo, hi = _day_bounds(day or date.today())
        q = select(Contact).where(~col(Contact.deleted), Contact.at >= lo, Contact.at < hi)
        if worker_id:
            q = q.where(Contact.worker_id == worker_id)
        with self.session() as s:
            return s.exec(q.order_by(col(Contact.at).desc())).all()

    def timeline(self, resident_id: str) -> list[TimelineItem]:
        """Contacts, activations, agreements and scores of a resident, newest first."""
        with self.session() as s:
            contacts = s.exec(select(Contact).where(
                ~col(Contact.deleted),
                col(Contact.id).in_(_contact_ids(s, resident_id)))).all()
            activations = s.exec(select(Activation).where(
                ~col(Activation.deleted), Activation.resident_id == resident_id)).all()
            agreements = s.exec(select(Agreement).where(
                ~col(Agreement.deleted), Agreement.resident_id == resident_id)).all()
            scores = s.exec(select(OutcomeScore).where(
                ~col(OutcomeScore.deleted), OutcomeScore.resident_id == resident_id)).all()
        items = [TimelineItem(_utc(c.at), "contact", c) for c in contacts]
        items += [TimelineItem(_utc(a.date), "activation", a) for a in activations]
        items += [TimelineItem(_utc(a.due), "agreement", a) for a in agreements]
        items += [TimelineItem(_utc(o.date), "outcome_score", o) for o in scores]
        return sorted(items, key=lambda i: (i.at, i.kind, i.row.id), reverse=True)

    def open_agreements(self, worker_id: str | None = None, resident_id: str | None = None,
                        overdue_only: bool = False, today: date | None = None
                        ) -> Sequence[Agreement]:
        """Open agreements by due date (undated last); ``overdue_only`` keeps those past due."""
        q = select(Agreement).where(~col(Agreement.deleted), Agreement.status == "open")
        if worker_id:
            q = q.where(or_(col(Agreement.worker_id) == worker_id,
                            and_(col(Agreement.owner_kind) == "worker",
                                 col(Agreement.owner_id) == worker_id)))
        if resident_id:
            q = q.where(Agreement.resident_id == resident_id)
        if overdue_only:
            q = q.where(col(Agreement.due) < (today or date.today()))
        q = q.order_by(col(Agreement.due).is_(None), col(Agreement.due), Agreement.id)
        with self.session() as s:
            return s.exec(q).all()

    def search_residents(self, text: str = "", limit: int = 50, offset: int = 0
                         ) -> list[tuple[Resident, Household | None]]:
        """Residents whose name or household street contains ``text``, by name, one page.

        Accents and case do not matter ("ayse" finds "Ayşe"). Scans the narrow local
        ``resident_search`` index (folded names and streets) rather than the tables, so a
        keystroke over 50,000 residents stays well under 100 ms.
        """
        sql = "SELECT id FROM resident_search"
        params: list[Any] = []
        if text.strip():
            sql += " WHERE name LIKE ? ESCAPE '\\' OR street LIKE ? ESCAPE '\\'"
            params = [_like(fold(text))] * 2
        sql += " ORDER BY name, id LIMIT ? OFFSET ?"
        with self.session() as s:
            ids = [r[0] for r in s.connection().exec_driver_sql(sql, (*params, limit, offset))]
            rows = s.exec(select(Resident, Household)
                          .join(Household, col(Household.id) == Resident.household_id,
                                isouter=True)
                          .where(col(Resident.id).in_(ids))).all()
        order = {rid: i for i, rid in enumerate(ids)}
        return sorted(((r, h) for r, h in rows), key=lambda pair: order[pair[0].id])

    def search_people(self, text: str = "", key_figures_only: bool = False, limit: int = 50,
                      offset: int = 0) -> Sequence[NetworkPerson]:
        """Network people and key figures by name, organisation, street or what they offer.

        Accents and case do not matter, as in ``search_residents``; a team's network is small
        enough to fold every row per query.
        """
        q = select(NetworkPerson).where(~col(NetworkPerson.deleted))
        if key_figures_only:
            q = q.where(col(NetworkPerson.key_figure))
        if text.strip():
            pattern = _like(fold(text))
            q = q.where(or_(*(getattr(func, FOLD)(c).like(pattern, escape="\\") for c in (
                col(NetworkPerson.name), col(NetworkPerson.organisation),
                col(NetworkPerson.street), col(NetworkPerson.offers)))))
        q = q.order_by(NetworkPerson.name, NetworkPerson.id).limit(limit).offset(offset)
        with self.session() as s:
            return s.exec(q).all()

    def ties(self, resident_id: str) -> list[tuple[Tie, NetworkPerson]]:
        """A resident's ties with the person at the other end: the ecogram's spokes."""
        q = (select(Tie, NetworkPerson)
             .join(NetworkPerson, col(NetworkPerson.id) == Tie.person_id)
             .where(Tie.resident_id == resident_id, ~col(Tie.deleted),
                    ~col(NetworkPerson.deleted))
             .order_by(Tie.kind, NetworkPerson.name))
        with self.session() as s:
            return [(t, p) for t, p in s.exec(q).all()]

    def person_ties(self, person_id: str) -> list[tuple[Tie, Resident]]:
        """The residents a network person is tied to (the tie seen from the other side)."""
        q = (select(Tie, Resident)
             .join(Resident, col(Resident.id) == Tie.resident_id)
             .where(Tie.person_id == person_id, ~col(Tie.deleted), ~col(Resident.deleted))
             .order_by(Resident.name))
        with self.session() as s:
            return [(t, r) for t, r in s.exec(q).all()]

    def signals(self, streets: Sequence[str] | None = None, open_only: bool = True
                ) -> Sequence[Signal]:
        """Street signals, by street then newest first; ``streets`` narrows to my streets."""
        q = select(Signal).where(~col(Signal.deleted))
        if open_only:
            q = q.where(Signal.status != "resolved")
        if streets is not None:
            q = q.where(col(Signal.street).in_(list(streets)))
        with self.session() as s:
            return s.exec(q.order_by(Signal.street, col(Signal.at).desc())).all()


def _contact_ids(s: Session, resident_id: str) -> list[str]:
    rows = s.connection().exec_driver_sql(
        "SELECT contact_id FROM contact_resident WHERE resident_id = ?", (resident_id,))
    return [r[0] for r in rows]
