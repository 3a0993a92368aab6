"""The end of every form dialog's save: each field shows its error (or loses an old one); when
nothing is wrong the dialog closes, a toast says so (to a screen reader too) and sync is asked to
push."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import flet as ft

from app.i18n import t
from app.ui.widgets import close_dialog, refresh, set_error_text, show_error

if TYPE_CHECKING:
    from app.ui.shell import App

ErrorSlots = Iterable[tuple[ft.Control, str | tuple[str, ...]]]
"""(control, error key(s)): a text field (its own error slot) or an ``error_text`` under chips,
with the service's error key it shows; of several keys, the first that has an error."""


def show_errors(errors: Mapping[str, str], slots: ErrorSlots) -> None:
    for ctl, keys in slots:
        names = (keys,) if isinstance(keys, str) else keys
        key = next((errors[k] for k in names if errors.get(k)), None)
        if isinstance(ctl, ft.Text):
            set_error_text(ctl, key)
        else:
            show_error(ctl, key)


async def finish_form(app: App, dialog: ft.AlertDialog, errors: Mapping[str, str],
                      slots: ErrorSlots = (), toast: str | None = None) -> bool:
    """Show the errors and keep the dialog open (False), or close it, say ``toast`` (a
    translation key) and push the change (True)."""
    show_errors(errors, slots)
    if errors:
        refresh(dialog)
        return False
    close_dialog(dialog)
    if toast:
        app.toast(t(toast), announce=True)
    await app.saved()
    return True
