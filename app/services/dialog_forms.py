"""The small form dialogs as models: what is typed in each, and its save.

Each dialog's controls write every change into one of these; its save hands the fields (named
as the use case's values) to the use case, which validates and answers ``(id, errors)``: the
errors are shown beside the fields, and the model keeps what was typed. No Flet here. The two
large forms have modules of their own: ``contact_form`` and ``tie_form``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.domain.models import NetworkPerson
from app.services import agreements, network, residents, scores, signals
from app.services.context import Context
from app.services.forms import Errors
from app.store import Store

Saved = tuple[str | None, Errors]
"""The id of what was saved (None when not), and the errors per field."""


@dataclass
class AgreementForm:
    """A new agreement (the agreements screen), of a picked resident or the screen's own."""

    what: str = ""
    owner_kind: str = "worker"
    resident_id: str | None = None
    due: str = ""

    def save(self, store: Store, ctx: Context) -> Saved:
        return agreements.save(store, ctx, asdict(self))


@dataclass
class SignalForm:
    street: str = ""
    category: str = ""
    severity: int = 1
    note: str = ""

    def save(self, store: Store, ctx: Context) -> Saved:
        return signals.save_signal(store, ctx, asdict(self))


@dataclass
class InitiativeForm:
    title: str = ""
    street: str = ""
    carried_by: str = ""
    note: str = ""

    def save(self, store: Store, ctx: Context) -> Saved:
        return signals.save_initiative(store, ctx, asdict(self))


@dataclass
class PersonForm:
    """A network person or key figure, new or (``person_id``) edited."""

    name: str = ""
    organisation: str = ""
    offers: str = ""
    street: str = ""
    key_figure: bool = False
    person_id: str | None = None

    @classmethod
    def of(cls, person: NetworkPerson | None) -> PersonForm:
        if person is None:
            return cls()
        return cls(person.name, person.organisation or "", person.offers, person.street,
                   bool(person.key_figure), person.id)

    def save(self, store: Store, ctx: Context) -> Saved:
        values = asdict(self)
        return network.save_person(store, ctx, values, values.pop("person_id"))


@dataclass
class ResidentForm:
    """A new resident (with a household of their own), from the residents screen."""

    name: str = ""
    street: str = ""
    house_number: str = ""
    birth_year: str = ""

    def save(self, store: Store, ctx: Context) -> Saved:
        return residents.create_resident(store, ctx, self.name, self.street, self.house_number,
                                         self.birth_year)


@dataclass
class ScoreForm:
    """A self-sufficiency score (ZRM) of one resident: a domain (given when the dialog opened
    from it), a score and a day (today when left empty)."""

    resident_id: str
    domain: str = ""
    score: str | int = ""
    day: str = ""

    def save(self, store: Store, ctx: Context) -> Saved:
        return scores.record(store, ctx, self.resident_id, self.domain, self.score, self.day)
