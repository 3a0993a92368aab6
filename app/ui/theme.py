"""The app's look, set on every page: the teal theme, the fonts every script needs, the locale.

The app works offline, so it cannot fetch fonts for scripts its default font lacks (Flutter's
web engine would ask a CDN): Noto Sans, Noto Sans Arabic and a subset of Noto Color Emoji ship
in ``assets/fonts`` (see its README) and every text style of the theme falls back to them, so
an Arabic name or an emoji shows as itself, not as empty boxes.
"""

from __future__ import annotations

from pathlib import Path

import flet as ft
from flet.controls.base_control import value

from app.i18n import language

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
"""Flet's assets directory (fonts, app icon, splash), for ``ft.run(assets_dir=...)``."""

FONTS = {
    "Noto Sans": "fonts/NotoSans-Regular.ttf",
    "Noto Sans Arabic": "fonts/NotoSansArabic-Regular.ttf",
    "Noto Color Emoji": "fonts/NotoColorEmoji-Common.ttf",
}
"""Family → file under ``ASSETS_DIR``, tried in this order after the default font."""

TEXT_STYLES = ("display_large", "display_medium", "display_small", "headline_large",
               "headline_medium", "headline_small", "title_large", "title_medium",
               "title_small", "body_large", "body_medium", "body_small", "label_large",
               "label_medium", "label_small")


@value
class FallbackTextStyle(ft.TextStyle):
    """``TextStyle`` with the fallback font list, which Flet 1.0.5's client reads
    (``font_family_fallback``) but its Python class does not declare yet."""

    font_family_fallback: list[str] | None = None


LOCALES = {"nl": ft.Locale("nl", "NL"), "en": ft.Locale("en", "GB")}
"""Flutter's own words (screen-reader labels such as "Sluiten", "Tabblad 1 van 12",
"Melding", the date picker) follow the app's language."""


def apply(page: ft.Page) -> None:
    """Light teal theme whose every text style falls back to the shipped fonts, in the app's
    language."""
    page.locale_configuration = ft.LocaleConfiguration(
        supported_locales=list(LOCALES.values()), current_locale=LOCALES[language()])
    page.fonts = dict(FONTS)
    texts = ft.TextTheme(**{name: FallbackTextStyle(font_family_fallback=list(FONTS))
                            for name in TEXT_STYLES})
    page.theme_mode = ft.ThemeMode.LIGHT
    page.theme = ft.Theme(color_scheme_seed=ft.Colors.TEAL, text_theme=texts,
                          primary_text_theme=texts)
