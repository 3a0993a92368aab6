"""The frame around every screen: navigation (bar on phones, rail from 840 px), the app bar with
the sync badge, the "Nieuw contact" button, routing with a back stack, and background work.

Routes are ``"name"`` or ``"name/arg"`` (``resident/<id>``); ``App.go`` shows one, ``App.back``
returns. Nothing here touches the store on the event loop: ``App.bg`` runs it in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import flet as ft

from app.i18n import set_language, t
from app.services import Store, context, settings
from app.services import sync as sync_service
from app.services.sync import SyncRunner, SyncStatus
from app.ui import theme
from app.ui.handlers import guarded
from app.ui.widgets import SyncBadge, refresh

if TYPE_CHECKING:
    from app.ui.lock import LockGate

log = logging.getLogger(__name__)
WIDE = 840
DIALOG_GONE_S = 3
"""The longest wait for a closed dialog to leave the screen (its closing animation: 0.15 s)."""
R = TypeVar("R")


class Screen(Protocol):
    """A screen. One that shows synced rows read-only may also name their kinds in ``shows``
    (``frozenset[str]``): a pull that changed rows of those kinds loads it again in place."""

    title: str

    def build(self) -> ft.Control: ...

    def load(self) -> Awaitable[None]: ...


NAV = [  # (route, label key, icon, selected icon); the phone bar shows the first five
    ("today", "nav.today", ft.Icons.TODAY_OUTLINED, ft.Icons.TODAY),
    ("residents", "nav.residents", ft.Icons.PEOPLE_OUTLINE, ft.Icons.PEOPLE),
    ("network", "nav.network", ft.Icons.HUB_OUTLINED, ft.Icons.HUB),
    ("agreements", "nav.agreements", ft.Icons.ASSIGNMENT_OUTLINED, ft.Icons.ASSIGNMENT),
    ("signals", "nav.signals", ft.Icons.CAMPAIGN_OUTLINED, ft.Icons.CAMPAIGN),
    ("settings", "nav.settings", ft.Icons.SETTINGS_OUTLINED, ft.Icons.SETTINGS),
]
TEAM_LEAD_NAV = [  # a team lead's laptop screens, before settings
    ("overview", "nav.overview", ft.Icons.DASHBOARD_OUTLINED, ft.Icons.DASHBOARD),
    ("outcomes", "nav.outcomes", ft.Icons.TRENDING_UP_OUTLINED, ft.Icons.TRENDING_UP),
    ("what_works", "nav.what_works", ft.Icons.SCIENCE_OUTLINED, ft.Icons.SCIENCE),
    ("streets", "nav.streets", ft.Icons.ADD_ROAD_OUTLINED, ft.Icons.ADD_ROAD),
    ("handover", "nav.handover", ft.Icons.SWAP_HORIZ_OUTLINED, ft.Icons.SWAP_HORIZ),
    ("reports", "nav.reports", ft.Icons.DESCRIPTION_OUTLINED, ft.Icons.DESCRIPTION),
    ("conflicts", "nav.conflicts", ft.Icons.CALL_SPLIT_OUTLINED, ft.Icons.CALL_SPLIT),
    ("devices", "nav.devices", ft.Icons.DEVICES_OUTLINED, ft.Icons.DEVICES),
]
TEAM_LEAD_ROUTES = {route for route, *_ in TEAM_LEAD_NAV}
RAIL_STEP = 72
"""Height of one rail destination with its label (Material 3)."""
EXTENDED_RAIL_WIDTH = 1200
"""From this window width the rail shows its labels beside the icons."""


def nav_for(role: str | None) -> list[tuple[str, str, ft.IconData, ft.IconData]]:
    """The destinations of a role: a team lead also gets overview, outcomes, what works,
    streets, handover, reports, conflicts and devices (the phone bar shows the first five)."""
    return [*NAV[:-1], *TEAM_LEAD_NAV, NAV[-1]] if role == "team_lead" else list(NAV)


SECTION = {"contact": "today", "contact_edit": "today", "resident": "residents",
           "ecogram": "residents", "scores": "residents", "person": "network"}
"""Which navigation destination stays selected on a screen that is not one itself."""


ScreenMaker = Callable[["App", str, str], Screen]
"""Builds the screen of a route name and its argument (``routes.make_screen``): handed to the
app by its maker, so that the shell imports no screen and no screen imports the shell."""


class App:
    """One browser session (or one device window) of the app."""

    def __init__(self, page: ft.Page, store: Store, sync: SyncRunner, make_screen: ScreenMaker):
        self.page, self.store, self.sync = page, store, sync
        self.make_screen = make_screen
        self.history: list[str] = []
        self.route = "today"
        self.screen: Screen | None = None
        self._wide: bool | None = None
        self.role: str | None = None
        self.nav = list(NAV)
        self.body = ft.Container(expand=True)
        self.badge = SyncBadge(on_click=lambda _e: self.go(
            "refused" if self.badge.refused else "settings"))
        self._unlisten: Callable[[], None] = lambda: None
        self.gate: LockGate | None = None  # set by the gate that unlocked this session
        self._dialogs_gone: dict[int, asyncio.Event] = {}

    def touch(self) -> None:
        """The worker used the app: the idle lock's time starts again."""
        if self.gate is not None:
            self.gate.touch()

    # ------------------------------------------------------------------ helpers for screens

    @property
    def ctx(self) -> context.Context:
        return context.current(self.store)

    @property
    def wide(self) -> bool:
        return (self.page.width or 0) >= WIDE

    @property
    def content_width(self) -> float:
        """Width available to a screen (the rail takes ~100 px on wide layouts)."""
        width = float(self.page.width or 412)
        return width - 100 if self.wide else width

    async def bg(self, fn: Callable[..., R], *args: Any) -> R:
        """Run a store call in a worker thread: the event loop (every session) stays free."""
        return await asyncio.to_thread(fn, *args)

    def toast(self, text: str, action: str | None = None,
              on_action: Callable[..., Any] | None = None, seconds: float = 4,
              announce: bool = False) -> None:
        """A message bar, read by a screen reader from its own live region; ``announce`` also
        hands it to the screen reader directly (the report's long message). A message about
        what a dialog did awaits ``dialog_gone`` first (see there why)."""
        bar = ft.SnackBar(ft.Text(text), action=action, on_action=on_action,
                          duration=ft.Duration(milliseconds=int(seconds * 1000)),
                          show_close_icon=action is None)
        self.page.show_dialog(bar)
        if announce:
            self.announce(text)

    def announce(self, text: str) -> None:
        """Say ``text`` to a screen reader (a polite announcement), without showing anything."""
        self.page.run_task(self.semantics.announce_message, text)

    def dialog(self, dialog: ft.AlertDialog) -> None:
        """Show ``dialog``; once closed, ``dialog_gone`` tells when it has left the screen."""
        gone = asyncio.Event()

        async def dismissed(_e: Any) -> None:
            self._dialogs_gone.pop(id(dialog), None)
            gone.set()

        dialog.on_dismiss = dismissed
        self._dialogs_gone[id(dialog)] = gone
        self.page.show_dialog(dialog)

    async def dialog_gone(self, dialog: ft.AlertDialog) -> None:
        """Return once ``dialog`` (closed) has left the screen, after its closing animation,
        or after ``DIALOG_GONE_S`` (a page that went away sends nothing).

        A message shown sooner is lost to a screen reader on the web: Flutter moves an
        announcement into the open dialog, which is then taken off the page with it; two in
        the closing dialog leave Flutter's announcement region off the page for good."""
        gone = self._dialogs_gone.pop(id(dialog), None)
        if gone is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gone.wait(), DIALOG_GONE_S)

    async def saved(self) -> None:
        """After every write: ask sync to push soon, refresh the badge."""
        self.sync.nudge()
        await self.refresh_badge()

    async def refresh_badge(self) -> None:
        if self.gate is not None and self.gate.locked:
            return  # the app is off the page; the unlock refreshes the badge
        state = await self.bg(self.sync.status)
        self.badge.show(state)
        refresh(self.badge)
        show_sync = getattr(self.screen, "show_sync", None)
        if show_sync is not None:  # the screen that shows sync reads this same state
            show_sync(state)

    # ------------------------------------------------------------------ start and layout

    async def start(self) -> None:
        page = self.page
        set_language(await self.bg(settings.language, self.store))
        self.role = (await self.bg(context.current, self.store)).role
        page.title = "Wijkweb"
        theme.apply(page)
        page.padding = 0
        page.on_resize = self._resized
        page.on_disconnect = lambda _e: self._unlisten()
        self._unlisten = self.sync.add_listener(self._sync_news)
        # kept on self: a service nobody references is unregistered from the page
        self.connectivity = ft.Connectivity(on_change=self._connectivity_changed)
        self.semantics = ft.SemanticsService()
        self.layout()
        await self.show("today")
        await self.refresh_badge()

    async def _connectivity_changed(self, e: ft.ConnectivityChangeEvent) -> None:
        """Back online (any network but none): sync what waited instead of the next timer."""
        if any(kind != ft.ConnectivityType.NONE for kind in e.connectivity):
            self.sync.sync_now()

    def _sync_news(self, status: SyncStatus) -> None:
        """From the sync thread: hop onto the event loop before touching controls."""
        try:
            self.page.run_task(self._after_sync, status)
        except Exception:  # the session may be gone
            log.debug("sync news for a closed session", exc_info=True)

    async def _after_sync(self, status: SyncStatus) -> None:
        """The badge always; the screen too when a pull changed rows of the kinds it shows.
        Only read-only screens name ``shows``: a form keeps what the worker is typing."""
        await self.refresh_badge()
        shows = getattr(self.screen, "shows", None)
        if (self.screen is None or shows is None or (self.gate is not None and self.gate.locked)
                or not sync_service.shows_changes(status.changed, shows)):
            return
        await self.screen.load()

    def layout(self) -> None:
        """Build the frame for the current width: rail + body, or body + bottom bar."""
        page = self.page
        self._wide = self.wide
        self.nav = nav_for(self.role)
        self.fab = ft.FloatingActionButton(icon=ft.Icons.ADD_COMMENT, tooltip=t("contact.new"),
                                           on_click=lambda _e: self.go("contact"))
        page.floating_action_button = self.fab
        self.back_button = ft.IconButton(ft.Icons.ARROW_BACK, tooltip=t("action.back"),
                                         on_click=self._back, visible=False)
        self.title = ft.Text("", size=20, weight=ft.FontWeight.W_600)
        page.appbar = ft.AppBar(
            leading=self.back_button, automatically_imply_leading=False, title=self.title,
            actions=[self.badge, ft.IconButton(ft.Icons.SETTINGS_OUTLINED,
                                               tooltip=t("nav.settings"),
                                               on_click=lambda _e: self.go("settings")),
                     ft.Container(width=4)])
        self.badge.tooltip = t("sync.badge.open")
        if self._wide:
            self.rail = ft.NavigationRail(
                destinations=[ft.NavigationRailDestination(icon=icon, selected_icon=sel,
                                                           label=t(key))
                              for _, key, icon, sel in self.nav],
                selected_index=0, on_change=self._nav, min_width=96, min_extended_width=200)
            self._set_rail_labels()
            page.navigation_bar = None
            page.controls = [ft.Row([self.rail, ft.VerticalDivider(width=1), self.body],
                                    expand=True, spacing=0,
                                    vertical_alignment=ft.CrossAxisAlignment.STRETCH)]
        else:
            self.bar = ft.NavigationBar(
                destinations=[ft.NavigationBarDestination(icon=icon, selected_icon=sel,
                                                          label=t(key))
                              for _, key, icon, sel in self.nav[:5]],
                selected_index=0, on_change=self._nav)
            page.navigation_bar = self.bar
            page.controls = [self.body]

    def _set_rail_labels(self) -> bool:
        """Every place named: on a laptop (≥ 1200 px wide) the rail is extended, labels beside
        the icons (fourteen places need ~830 px); narrower, labels under the icons when they fit
        the height, else only the selected one. True if the rail changed."""
        extended = (self.page.width or 0) >= EXTENDED_RAIL_WIDTH
        fits = (self.page.height or 0) >= RAIL_STEP * len(self.nav) + 80
        labels = (ft.NavigationRailLabelType.NONE if extended else
                  ft.NavigationRailLabelType.ALL if fits else
                  ft.NavigationRailLabelType.SELECTED)
        changed = (self.rail.extended, self.rail.label_type) != (extended, labels)
        self.rail.extended, self.rail.label_type = extended, labels
        return changed

    async def _resized(self, _e: Any) -> None:
        if self._wide and self.wide and getattr(self, "rail", None) is not None:
            if self._set_rail_labels():
                self.rail.update()
        if self.wide != self._wide:
            if self.screen is not None and hasattr(self.screen, "leave"):
                await self.screen.leave()
            self.layout()
            await self.show(self.route)

    async def relayout(self) -> None:
        """Rebuild everything (after a language switch, or an enrollment that changed the role)."""
        self.role = (await self.bg(context.current, self.store)).role
        theme.apply(self.page)  # Flutter's own labels in the new language too
        self.layout()
        await self.show(self.route)
        await self.refresh_badge()

    # ------------------------------------------------------------------ routing

    async def _nav(self, e: ft.Event[Any]) -> None:
        index = int(e.control.selected_index or 0)
        self.history.clear()
        await self.show(self.nav[index][0])

    def go(self, route: str) -> None:
        """Open a screen, remembering where we came from (usable as a plain event handler)."""
        self.page.run_task(self._go, route)

    async def _go(self, route: str) -> None:
        if route != self.route:
            self.history.append(self.route)
        await self.show(route)

    async def _back(self, _e: Any = None) -> None:
        await self.show(self.history.pop() if self.history else "today")

    def back(self) -> None:
        self.page.run_task(self._back)

    @guarded
    async def show(self, route: str) -> None:
        """Build the screen of ``route`` in the body and load its data in the background."""
        if self.screen is not None and hasattr(self.screen, "leave"):
            await self.screen.leave()
        name, _, arg = route.partition("/")
        self.route = route
        self.touch()
        screen = self.make_screen(self, name, arg)
        self.screen = screen
        self.body.content = ft.Container(screen.build(), expand=True,
                                         padding=ft.Padding.only(left=12, right=12, top=4))
        self.title.value = screen.title
        section = SECTION.get(name, name)
        index = next((i for i, n in enumerate(self.nav) if n[0] == section), 0)
        if self._wide:
            self.rail.selected_index = index
        elif index < 5:
            self.bar.selected_index = index
        self.back_button.visible = bool(self.history) and name not in (
            "today", "residents", "network", "agreements", "signals")
        self.fab.visible = name not in ("contact", "contact_edit")
        self.page.update()
        await screen.load()
