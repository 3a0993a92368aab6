"""Controls bound to a form's model, and the end of every form dialog's save.

A bound control shows one field of a model (``app/services/dialog_forms.py`` …) and writes each
change back into it, so a save reads the model, never the controls. At the end of a save each
field shows its error (or loses an old one); when nothing is wrong the dialog closes, a toast
says so (to a screen reader too) and sync is asked to push."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.ui.widgets import (
    Choice,
    close_dialog,
    date_field,
    field,
    refresh,
    set_error_text,
    show_error,
)

if TYPE_CHECKING:
    from app.ui.shell import App

ErrorSlots = Iterable[tuple[ft.FormFieldControl | ft.Text, str | tuple[str, ...]]]
"""(control, error key(s)): a text field (its own error slot) or an ``error_text`` under chips,
with the service's error key it shows; of several keys, the first that has an error."""


def bound_field(model: object, name: str, label: str, **kw: Any) -> ft.TextField:
    """A text field showing ``model.<name>``, writing what is typed back into it."""
    box = field(label, getattr(model, name),
                on_change=lambda _e: setattr(model, name, box.value or ""), **kw)
    return box


def bound_date(app: App, model: object, name: str, label: str) -> ft.TextField:
    """A date field (typed or picked) showing ``model.<name>``, writing each change back."""
    box = date_field(app, label, getattr(model, name),
                     on_change=lambda _e: setattr(model, name, box.value or ""))
    return box


def bound_choice(model: object, name: str, key: str, codes: Sequence[Any],
                 multi: bool = False, default: Any = "",
                 label: Callable[[Any], str] | None = None,
                 then: Callable[[], Any] | None = None) -> Choice:
    """Chips of a vocabulary showing ``model.<name>`` (one code, or a list with ``multi``),
    writing each choice back (``default`` when none is chosen), then calling ``then`` (to show
    what follows from the choice). ``label`` names a code that is not a vocabulary's."""
    value = getattr(model, name)

    def chosen() -> Any:  # what ``then`` answers: a coroutine is awaited by the chips
        setattr(model, name, chips.value if multi else chips.first(default))
        return then() if then else None

    chips = Choice(key, codes, list(value) if multi else [value] if value else [], multi=multi,
                   on_change=chosen, label=label)
    return chips


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
        await app.dialog_gone(dialog)
        app.toast(t(toast))
    await app.saved()
    return True
