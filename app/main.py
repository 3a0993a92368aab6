"""Starting the UI: ``main(page)`` for one session, ``run(...)`` for the process.

One vault, one store and one sync runner per process, shared by every session (a browser tab
in web mode, the window on a device). The store opens with the first right PIN; every session
starts at the lock screen (``app.ui.lock``). In web mode CanvasKit and fonts are served from
the local package (``FLET_WEB_NO_CDN``), so the app starts without internet; the fallback fonts
for other scripts and emoji come from ``assets/`` (``app.ui.theme``), on a device too.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.security import Vault
from app.store import Store, default_data_dir

if TYPE_CHECKING:
    from app.services.sync import SyncRunner

log = logging.getLogger(__name__)


@dataclass
class _Process:
    """What every session of this process shares, each made once."""

    data_dir: str | None = None
    vault: Vault | None = None
    sync: SyncRunner | None = None


_process = _Process()


def vault(data_dir: str | Path | None = None) -> Vault:
    """The vault of this process (made once; the store inside opens at the first unlock)."""
    if _process.vault is None:
        _process.vault = Vault(Path(data_dir or default_data_dir()))
    return _process.vault


def _sync(store: Store, data_dir: Path) -> SyncRunner:
    from app.services import sync

    if _process.sync is None:
        from app.services import quarterly

        store.before_purge = quarterly.before_purge  # erasures leave their quarterly counts
        _process.sync = sync.start(store, data_dir)
    return _process.sync


async def main(page) -> None:  # noqa: ANN001 - flet.Page, imported lazily (see run)
    """One session: the lock screen, and the app behind it once the PIN is right."""
    from app.ui.lock import LockGate
    from app.ui.routes import make_screen
    from app.ui.shell import App

    data_dir = Path(_process.data_dir or default_data_dir())
    await LockGate(page, vault(data_dir),
                   lambda page, store: App(page, store, _sync(store, data_dir),
                                          make_screen)).start()


def run(web: bool = False, port: int = 0, data_dir: str | Path | None = None) -> None:
    """Serve the app: in a browser (``web``) on ``port``, or as a desktop/device window."""
    if web:
        # read by flet_web when it serves the client; must be set before flet starts
        os.environ["FLET_WEB_NO_CDN"] = "true"
    import flet as ft

    _process.data_dir = str(data_dir or default_data_dir())
    vault(_process.data_dir)
    # loopback only: the web mode serves resident data to a browser on this machine, no further
    from app.ui.theme import ASSETS_DIR

    ft.run(main, view=ft.AppView.WEB_BROWSER if web else None, host="127.0.0.1", port=port,
           no_cdn=True, assets_dir=str(ASSETS_DIR))
