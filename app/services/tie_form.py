"""The tie dialog as a model: the two ends (a resident and a network person, either picked or
given by the side the dialog opened from), kind, strength, support and note, with the dialog's
behaviour (the label of the ends, save — naming a new person on the way — and remove).

The dialog (``app/ui/tie_editor.py``) only shows this model; no Flet here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.models import Tie
from app.services import network
from app.services.context import Context
from app.services.forms import Errors
from app.store import Store

End = tuple[str, str]
"""(id, name) of one end of a tie; a person with the id "" is a new one, named in the search."""


@dataclass
class TieForm:
    resident: End | None = None
    person: End | None = None
    kind: str = "friend"
    strength: str = "strong"
    support: list[str] = field(default_factory=list)
    note: str = ""
    tie_id: str | None = None
    """Set: an existing tie, edited (its ends stay)."""

    @classmethod
    def of(cls, tie: Tie | None, resident: End | None = None,
           person: End | None = None) -> TieForm:
        """A new tie from one side, or the form of ``tie``."""
        if tie is None:
            return cls(resident, person)
        return cls(resident, person, tie.kind, tie.strength, list(tie.support), tie.note or "",
                   tie.id)

    def ends(self) -> str:
        """Both ends as one label ("Ayşe ↔ Buurthuis"), or "" when none is known yet."""
        return " ↔ ".join(end[1] for end in (self.resident, self.person) if end)

    def save(self, store: Store, ctx: Context) -> tuple[str | None, Errors]:
        """Save the tie (a new person named in the search is made first). Returns (id, errors)."""
        person_id = self.person[0] if self.person else None
        if self.person and not self.person[0]:
            person_id, _ = network.save_person(store, ctx, {"name": self.person[1]})
        return network.save_tie(store, ctx, self.resident[0] if self.resident else None,
                                person_id, self.kind, self.strength, self.support, self.note,
                                self.tie_id)

    def remove(self, store: Store) -> None:
        if self.tie_id is not None:
            network.remove_tie(store, self.tie_id)
