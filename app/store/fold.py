"""Search text folded to plain lower-case ASCII, so "ayse" finds "Ayşe" and "ozturk" "Öztürk".

One function for both sides of a search: the local index stores folded names and streets (SQL
function ``wijkweb_fold``, registered on every store connection), and the typed text is folded
the same way. Transliteration by ``anyascii`` (pure Python, ISC): ş→s, ı→i, İ→i, ß→ss, æ→ae, and
other scripts to Latin, identically on both sides, so typing in Arabic still finds Arabic.
"""

from __future__ import annotations

from typing import Any

from anyascii import anyascii

SQL_NAME = "wijkweb_fold"


def fold(text: str | None) -> str:
    """``text`` as lower-case ASCII; ``None`` as ``""`` (a resident without a street)."""
    return anyascii(text or "").lower()


def register(db: Any) -> None:
    """Make ``wijkweb_fold(text)`` callable in SQL on a sqlite3 or SQLCipher connection."""
    db.create_function(SQL_NAME, 1, fold, deterministic=True)
