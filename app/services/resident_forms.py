"""The resident page's dialogs as models: the primary worker, the legal basis and a new
activation.

Like ``dialog_forms``: the controls write every change into one of these, the save hands the
fields (named as the use case's values) to the use case, the errors are shown beside the
fields and the model keeps what was chosen and typed. No Flet here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.models import Household
from app.services import activations, residents, retention
from app.services.context import Context
from app.services.dialog_forms import Saved
from app.services.forms import Errors
from app.store import Store


@dataclass
class PrimaryWorkerForm:
    """The one familiar face of a household: the chosen worker (none while nobody is)."""

    household_id: str
    worker_id: str | None = None

    def save(self, store: Store) -> bool:
        """Make the chosen worker the primary worker; False (nothing saved) while none is."""
        if not self.worker_id:
            return False
        residents.set_primary_worker(store, self.household_id, self.worker_id)
        return True


@dataclass
class LegalBasisForm:
    """A household's legal basis (AVG) and the day consent was given, as typed."""

    household_id: str
    legal_basis: str = ""
    consent_date: str = ""

    @classmethod
    def of(cls, household: Household) -> LegalBasisForm:
        day = household.consent_date
        return cls(household.id, household.legal_basis,
                   day.strftime("%d-%m-%Y") if day else "")

    def term_years(self) -> str:
        """How long a household with the chosen basis is kept, as text ("2", "7.5")."""
        return retention.term_years(self.legal_basis)

    def save(self, store: Store) -> Errors:
        return residents.set_legal_basis(store, self.household_id, self.legal_basis,
                                         self.consent_date)


@dataclass
class ActivationForm:
    """A new activation of one resident: who is asked, for what, on which day (today when
    left empty)."""

    resident_id: str
    person_ids: list[str] = field(default_factory=list)
    request: str = ""
    day: str = ""

    def save(self, store: Store, ctx: Context) -> Saved:
        return activations.create(store, ctx, self.resident_id, self.person_ids, self.request,
                                  self.day)
