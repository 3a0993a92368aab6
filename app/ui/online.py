"""What the team lead's online-only screens share: reaching the server, and saying kindly why
it did not work (offline, not enrolled, no access) instead of failing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.i18n import t
from app.services import conflicts as service
from app.services.sync import OFFLINE, error_text
from app.sync import errors
from app.sync.config import DeviceConfig
from app.sync.team import TeamLead

if TYPE_CHECKING:
    from app.ui.shell import App


def config_dir(app: App) -> Path | None:
    """Where this device keeps its enrollment (None: sync is not running here)."""
    runner = getattr(getattr(app, "sync", None), "runner", None)
    return getattr(runner, "data_dir", None)


def opener(app: App) -> Callable[[], TeamLead]:
    """A blocking ``() -> TeamLead`` to call inside ``App.bg``; raises ``NotEnrolled``."""
    store, where = app.store, config_dir(app)
    return lambda: service.open_lead(store, where)


def own_device(app: App) -> str:
    """This device's id on the server ("" when not enrolled); reads a file: call it in bg."""
    where = config_dir(app)
    config = DeviceConfig.load(where) if where is not None else None
    return config.device if config else ""


def explain(err: errors.SyncError) -> str:
    """The plain words for a failed call of these screens."""
    if err.code in OFFLINE:
        return f"{t('team.online_only')} {error_text(err.code)}"
    if isinstance(err, errors.NotEnrolled):
        return t("team.not_enrolled")
    return error_text(err.code)
