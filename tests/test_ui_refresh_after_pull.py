"""The shell after a sync round: the badge always; the visible screen loads again only when it
is a read-only view (it names ``shows``) of rows the pull changed. A form never does, so what
the worker typed stays; a locked session waits for its unlock."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from app.services.sync import SyncStatus
from app.ui.shell import App


class View:
    def __init__(self, shows: frozenset[str] | None = None):
        if shows is not None:
            self.shows = shows
        self.loads = 0

    async def load(self) -> None:
        self.loads += 1


def after_sync(screen: Any, changed: dict[str, frozenset[str]], locked: bool = False) -> int:
    """How often the shell refreshed the badge; the screen counts its own loads."""
    badges: list[int] = []

    async def refresh_badge() -> None:
        badges.append(1)

    shell = SimpleNamespace(screen=screen, refresh_badge=refresh_badge,
                            gate=SimpleNamespace(locked=locked))
    asyncio.run(App._after_sync(shell, SyncStatus(pending=0, changed=changed)))  # type: ignore[arg-type]
    return len(badges)


def test_a_view_of_the_changed_kinds_loads_again():
    overview = View(frozenset({"contact", "agreement"}))
    assert after_sync(overview, {"contact": frozenset({"c1"})}) == 1
    assert overview.loads == 1


def test_other_kinds_or_a_round_that_pulled_nothing_leave_the_view_alone():
    overview = View(frozenset({"contact"}))
    after_sync(overview, {"worker": frozenset({"w1"})})
    after_sync(overview, {})
    assert overview.loads == 0


def test_a_form_keeps_what_was_typed_and_a_locked_session_waits():
    form = View()  # names no ``shows``: never loaded again under the worker's hands
    assert after_sync(form, {"contact": frozenset({"c1"})}) == 1
    assert form.loads == 0
    overview = View(frozenset({"contact"}))
    after_sync(overview, {"contact": frozenset({"c1"})}, locked=True)
    assert overview.loads == 0


def test_a_residents_page_loaded_again_keeps_what_was_typed_in_its_list_fields(store):
    from app.services.residents import LISTS
    from app.ui.resident_page import ResidentPage

    app = SimpleNamespace(store=store, guard=lambda fn: fn, go=lambda route: None)
    page = ResidentPage(app, "r1")  # type: ignore[arg-type]
    page.build()
    resident = SimpleNamespace(**dict.fromkeys(LISTS, []))
    page.profile = SimpleNamespace(resident=resident)  # type: ignore[assignment]
    page._render_lists()
    which = LISTS[0]
    page.adders[which].value = "Tuinieren"  # typed, not yet added
    setattr(resident, which, ["Koken"])  # a pull brought a colleague's addition
    page._render_lists()
    assert page.adders[which].value == "Tuinieren"
    chips = page.lists.controls[0].controls[1].controls
    assert [chip.label for chip in chips] == ["Koken"]
