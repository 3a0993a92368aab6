"""Every word the user reads, in Dutch (default) and English: ``t(key, **kw)`` and a switch.

The translation files are flat JSON maps ``key → text`` with ``str.format`` placeholders; a
vocabulary code reads as ``t("<vocab>.<code>")`` (see ``app.domain.vocab``); a count as
``tn(key, n)`` from ``key.one`` and ``key.other``. A missing key shows
the key itself, so a gap is visible instead of crashing a screen in the field.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
_DIR = Path(__file__).parent
_current = DEFAULT


@cache
def catalog(language: str) -> dict[str, str]:
    """The translations of one language (read once)."""
    return json.loads((_DIR / f"{language}.json").read_text(encoding="utf-8"))


def set_language(language: str | None) -> str:
    """Switch the language of every following ``t`` call; unknown codes fall back to Dutch."""
    global _current
    _current = language if language in LANGUAGES else DEFAULT
    return _current


def language() -> str:
    return _current


def t(key: str, **kw: object) -> str:
    """The text of ``key`` in the current language, with ``{placeholders}`` filled from ``kw``."""
    text = catalog(_current).get(key) or catalog(DEFAULT).get(key) or key
    return text.format(**kw) if kw else text


def tn(key: str, n: int, **kw: object) -> str:
    """A text about ``n`` things, singular or plural: ``key.one`` for 1, else ``key.other``
    ("1 huishouden", "3 huishoudens"); ``{n}`` is filled in."""
    return t(f"{key}.{'one' if n == 1 else 'other'}", n=n, **kw)


def decimal(value: float | None) -> str:
    """A number with one decimal as the reader writes it: "2,5" in Dutch, "2.5" in English."""
    if value is None:
        return "-"
    text = f"{value:.1f}"
    return text.replace(".", ",") if _current == "nl" else text


def change(first: float | None, latest: float | None) -> str:
    """Before and after: "2,5 → 3,0"."""
    return f"{decimal(first)} → {decimal(latest)}"


def vocab(name: str, code: object) -> str:
    """The word for a vocabulary code, e.g. ``vocab("theme", "housing")`` → "Wonen"."""
    return t(f"{name}.{code}")
