"""The settings screen's form models without Flet: enrolling answers the error beside the field
it belongs to and keeps what was typed, and on success remembers the server and forgets the
code; the PIN is changed through the real vault, both typed PINs stay when refused and are
forgotten when changed."""

from __future__ import annotations

import pytest

from app.security import Vault, WrongPin
from app.services import settings, sync
from app.services.settings_forms import EnrollmentForm, PinForm

PIN = "482915"


class Redeemed:
    """A runner whose server accepts every code: what it was asked to redeem."""

    available = True

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def enroll(self, server_url: str, code: str) -> None:
        self.asked.append((server_url, code))


def test_an_enrollment_refused_keeps_what_was_typed(store, tmp_path):
    runner = sync.start(store, tmp_path, run=False)
    form = EnrollmentForm(code="AB12")
    assert form.save(runner, store) == {"server_url": "error.server_required"}
    form.server_url, form.code = "http://127.0.0.1:9", " "
    assert form.save(runner, store) == {"code": "error.code_required"}
    assert (form.server_url, form.code) == ("http://127.0.0.1:9", " ")
    assert settings.server_url(store) == ""


def test_an_enrollment_remembers_the_server_and_forgets_the_code(store):
    runner = Redeemed()
    form = EnrollmentForm(" https://sync.example.nl ", " AB12 ")
    assert form.save(runner, store) == {}
    assert runner.asked == [("https://sync.example.nl", "AB12")]
    assert (form.server_url, form.code) == (" https://sync.example.nl ", "")
    assert settings.server_url(store).strip() == "https://sync.example.nl"


def test_a_pin_is_changed_and_both_typed_pins_stay_when_refused(tmp_path):
    vault = Vault(tmp_path, scrypt_n=2**10)
    vault.set_up(PIN).close()
    form = PinForm("000000", "new-passphrase")
    with pytest.raises(WrongPin):
        form.save(vault)
    assert (form.old, form.new) == ("000000", "new-passphrase")
    form.old = PIN
    form.save(vault)
    assert (form.old, form.new) == ("", "")
    vault.unlock("new-passphrase").close()
