"""Every screen builds its controls at phone and tablet width without a browser.

Flet controls are plain dataclasses: building them catches a wrong argument or a missing
translation long before the (slower) browser tests run.
"""

from __future__ import annotations

from types import SimpleNamespace

import flet as ft
import pytest

from app.services import context
from app.ui.routes import make_screen

ROUTES = ["today", "contact", "contact_edit/x", "residents", "resident/x", "network", "person/x",
          "ecogram/x", "agreements", "agreements/x", "signals", "scores/x", "settings",
          "handed_over", "refused", "nonsense"]


class FakeApp:
    def __init__(self, store, width: int):
        self.store = store
        self.page = SimpleNamespace(width=width)
        self.sync = None

    @property
    def ctx(self) -> context.Context:
        return context.current(self.store)

    @property
    def wide(self) -> bool:
        return self.page.width >= 840

    @property
    def content_width(self) -> float:
        return self.page.width - (100 if self.wide else 0)

    def go(self, route: str) -> None: ...


@pytest.mark.parametrize("width", [412, 1024])
@pytest.mark.parametrize("route", ROUTES)
def test_screen_builds(store, route, width):
    name, _, arg = route.partition("/")
    screen = make_screen(FakeApp(store, width), name, arg)
    control = screen.build()
    assert isinstance(control, ft.Control) and screen.title


@pytest.mark.parametrize("kinds, syncs", [
    ([ft.ConnectivityType.WIFI], 1),
    ([ft.ConnectivityType.MOBILE, ft.ConnectivityType.VPN], 1),
    ([ft.ConnectivityType.NONE], 0),
])
def test_coming_back_online_syncs_at_once(kinds, syncs):
    from app.ui.shell import App

    asked = []
    app = SimpleNamespace(sync=SimpleNamespace(sync_now=lambda: asked.append(1)))
    event = SimpleNamespace(connectivity=kinds)
    handler = App._connectivity_changed(app, event)
    with pytest.raises(StopIteration):  # the handler awaits nothing: one step runs it whole
        handler.send(None)
    assert len(asked) == syncs


def test_agreement_buttons_are_awaited_handlers(store):
    """Flet awaits only coroutine functions: a lambda returning a coroutine does nothing."""
    import inspect
    from datetime import date

    from app.domain.models import Agreement
    from app.services.agreements import AgreementRow

    app = FakeApp(store, 412)
    screen = make_screen(app, "agreements", "")
    row = AgreementRow(Agreement(id="a", team="t", what="Bellen", due=date.today()), "Sanne",
                       "Ayşe", False, True)
    buttons = screen._tile(row).trailing.controls
    assert buttons and all(inspect.iscoroutinefunction(b.on_click) for b in buttons)


def test_every_text_style_falls_back_to_the_shipped_fonts():
    from app.ui import theme

    page = SimpleNamespace()
    theme.apply(page)
    assert list(page.fonts) == ["Noto Sans", "Noto Sans Arabic", "Noto Color Emoji"]
    for path in page.fonts.values():
        assert (theme.ASSETS_DIR / path).stat().st_size > 100_000
    for texts in (page.theme.text_theme, page.theme.primary_text_theme):
        for name in theme.TEXT_STYLES:
            assert getattr(texts, name).font_family_fallback == list(page.fonts), name


def test_name_fields_keep_what_was_typed(store):
    """Flet's capitalization formatter title-cases ("Henk De Groot"): name fields use none."""
    from app.ui.contact_form import ContactForm

    form = ContactForm(FakeApp(store, 412))
    form.build()
    assert form.new_name.capitalization in (None, ft.TextCapitalization.NONE)


def test_an_enrolled_device_does_not_offer_enrollment(store, team):
    from app.ui.settings import SettingsScreen

    context.set_current(store, "11111111-1111-4111-8111-111111111111", team, "street_coach")
    screen = SettingsScreen(FakeApp(store, 412))
    screen.build()
    screen._show_enrolled()
    assert screen.enroll_block.visible and not screen.linked.visible
    screen.enrollment.server_url = "https://sync.wijk.example"  # as typed
    screen._show_enrolled()
    assert not screen.enroll_block.visible and "sync.wijk.example" in screen.linked.value


def test_settings_shows_the_one_status_the_badge_shows(store):
    """``App.refresh_badge`` hands every status to the screen's ``show_sync``: settings never
    stays on "Bezig met synchroniseren…" after the round ended."""
    from datetime import UTC, datetime

    from app.i18n import DEFAULT, set_language
    from app.services.sync import SyncStatus, badge

    set_language(DEFAULT)
    screen = make_screen(FakeApp(store, 412), "settings", "")
    screen.build()
    screen.show_sync(SyncStatus(pending=1, enrolled=True, running=True))
    assert screen.result.value.endswith("Bezig met synchroniseren…") and screen.progress.visible
    done = SyncStatus(pending=0, enrolled=True, last_success=datetime.now(UTC), refused=2)
    screen.show_sync(done)
    assert "gelukt" in screen.result.value and not screen.progress.visible
    assert screen.refused.visible and screen.refused.value.endswith(": 2")
    assert badge(done).text == "2 geweigerd"
