"""Starting the UI: ``main(page)`` for one session, ``run(...)`` for the process.

One store and one sync runner per process, shared by every session (a browser tab in web mode,
the window on a device). In web mode CanvasKit and fonts are served from the local package
(``FLET_WEB_NO_CDN``), so the app starts without internet.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.store import Store, default_data_dir

log = logging.getLogger(__name__)
_process: dict[str, object] = {}


def open_store(data_dir: str | Path | None = None) -> Store:
    """The store of this process (opened once)."""
    if "store" not in _process:
        _process["store"] = Store.open_default(data_dir)
    return _process["store"]  # type: ignore[return-value]


def _sync(store: Store, data_dir: Path):  # noqa: ANN202 - app.services.sync.Sync
    from app.services.sync import Sync

    if "sync" not in _process:
        _process["sync"] = Sync(store, data_dir)
    return _process["sync"]


async def main(page) -> None:  # noqa: ANN001 - flet.Page, imported lazily (see run)
    """One session: build the shell on this page."""
    from app.ui.shell import App

    data_dir = Path(_process.get("data_dir") or default_data_dir())
    store = open_store(data_dir)
    await App(page, store, _sync(store, data_dir)).start()


def run(web: bool = False, port: int = 0, data_dir: str | Path | None = None) -> None:
    """Serve the app: in a browser (``web``) on ``port``, or as a desktop/device window."""
    if web:
        # read by flet_web when it serves the client; must be set before flet starts
        os.environ["FLET_WEB_NO_CDN"] = "true"
    import flet as ft

    _process["data_dir"] = str(data_dir or default_data_dir())
    open_store(_process["data_dir"])
    # loopback only: the web mode serves resident data to a browser on this machine, no further
    ft.run(main, view=ft.AppView.WEB_BROWSER if web else None, host="127.0.0.1", port=port,
           no_cdn=True)
