"""What the team lead's online-only screens share: reaching the server, and saying kindly why
it did not work (offline, not enrolled, no access) instead of failing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import t
from app.services import conflicts as service
from app.services import sync as sync_service
from app.services.sync import OFFLINE, NotEnrolled, SyncError, TeamLead, error_text
from app.ui.handlers import guarded
from app.ui.widgets import TOUCH, muted, refresh, screen_column

if TYPE_CHECKING:
    from app.ui.shell import App


def config_dir(app: App) -> Path | None:
    """Where this device keeps its enrollment (None: sync is not running here)."""
    return getattr(getattr(app, "sync", None), "data_dir", None)


def opener(app: App) -> Callable[[], TeamLead]:
    """A blocking ``() -> TeamLead`` to call inside ``App.bg``; raises ``NotEnrolled``."""
    store, where = app.store, config_dir(app)
    return lambda: service.open_lead(store, where)


def own_device(app: App) -> str:
    """This device's id on the server ("" when not enrolled); reads a file: call it in bg."""
    return sync_service.own_device(app.store, config_dir(app))


def explain(err: SyncError) -> str:
    """The plain words for a failed call of these screens."""
    if err.code in OFFLINE:
        return f"{t('team.online_only')} {error_text(err.code)}"
    if isinstance(err, NotEnrolled):
        return t("team.not_enrolled")
    return error_text(err.code)


class OnlineScreen:
    """A team lead's screen whose content comes from the server: explanation, reload button,
    progress, a status line for why it could not load, and the list. Subclasses fill
    ``self.list`` in ``_load``."""

    title_key = ""
    explain_key = ""

    def __init__(self, app: App):
        self.app = app
        self.title = t(self.title_key)

    def build(self) -> ft.Control:
        self.status = ft.Text("", size=15, visible=False)
        self.busy = ft.ProgressBar(visible=False)
        self.list = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self.reload_button = ft.TextButton(content=t("team.reload"), icon=ft.Icons.REFRESH,
                                           on_click=self._reload, height=TOUCH)
        return screen_column([muted(t(self.explain_key)), ft.Row([self.reload_button]),
                              self.busy, self.status, self.list, ft.Container(height=80)],
                             spacing=10)

    async def load(self) -> None:
        await self._load()

    @guarded
    async def _reload(self, _e: Any = None) -> None:
        await self._load()

    def _say(self, text: str) -> None:
        self.status.value, self.status.visible = text, bool(text)
        refresh(self.status)

    async def _load(self) -> None:
        raise NotImplementedError
