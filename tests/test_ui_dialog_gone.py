"""A message after a dialog waits until the dialog has left the screen: on the web, Flutter
moves an announcement into an open dialog, so one made while it closes is never heard."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import flet as ft

from app.ui import shell
from app.ui.shell import App


def _app() -> tuple[App, list[ft.AlertDialog]]:
    shown: list[ft.AlertDialog] = []
    page = SimpleNamespace(show_dialog=shown.append)
    return App(page, None, None, None), shown  # type: ignore[arg-type]


def test_the_wait_ends_when_flutter_reports_the_dialog_gone() -> None:
    async def run() -> None:
        app, shown = _app()
        dialog = ft.AlertDialog(title=ft.Text("Zeker?"))
        app.dialog(dialog)
        assert shown == [dialog]
        waiting = asyncio.create_task(app.dialog_gone(dialog))
        for _ in range(20):  # the wait holds for as long as no dismiss came
            await asyncio.sleep(0)
        assert not waiting.done()
        await dialog.on_dismiss(None)  # after the closing animation
        await asyncio.wait_for(waiting, 5)
        await asyncio.wait_for(app.dialog_gone(dialog), 5)  # gone already: at once

    asyncio.run(run())


def test_the_wait_is_bounded_for_a_page_that_went_away(monkeypatch) -> None:
    monkeypatch.setattr(shell, "DIALOG_GONE_S", 0.05)

    async def run() -> None:
        app, _shown = _app()
        dialog = ft.AlertDialog(title=ft.Text("Zeker?"))
        app.dialog(dialog)
        await asyncio.wait_for(app.dialog_gone(dialog), 5)  # no dismiss ever comes

    asyncio.run(run())
