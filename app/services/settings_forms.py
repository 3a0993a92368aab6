"""The settings screen's two forms as models: enrolling this device, and changing the PIN.

The controls write every change into one of these; the save hands the fields (named as the use
case's values) to the use case and keeps what was typed when refused. No Flet here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.services import settings
from app.services import sync as sync_service
from app.services.forms import Errors
from app.store import Store


@dataclass
class EnrollmentForm:
    """"Apparaat koppelen": the sync server's address and the enrollment code."""

    server_url: str = ""
    code: str = ""

    def save(self, runner: sync_service.SyncRunner, store: Store) -> Errors:
        """Enroll with the code; on success remember the server and forget the code. A missing
        address is the address's error, every other one the code's."""
        error = sync_service.enroll(runner, self.server_url, self.code)
        if error is not None:
            return {"server_url" if error == "error.server_required" else "code": error}
        settings.save_server_url(store, self.server_url)
        self.code = ""
        return {}


class PinChanger(Protocol):
    """What changes the PIN (the vault): raises ``WrongPin``, ``TooSoon`` or ``ValueError``
    (a too weak new PIN) when it refuses."""

    def change_pin(self, old: str, new: str) -> None: ...


@dataclass
class PinForm:
    """The current PIN and the new one, as typed."""

    old: str = ""
    new: str = ""

    def save(self, vault: PinChanger) -> None:
        """Change the PIN and forget both; when refused the error is raised and both stay."""
        vault.change_pin(self.old, self.new)
        self.old = self.new = ""
