"""The retention term the app shows beside a household's legal basis.

The table itself is ``wijkweb_protocol.retention.RULES``, the one the server's purge applies: one
source for both sides. An organisation's own terms (``admin retention --rule``) live on the
server; the app shows the project's defaults.
"""

from __future__ import annotations

from wijkweb_protocol.retention import rule_for


def term_years(basis: str | None) -> str:
    """Years a household with ``basis`` is kept after its last activity, as text ("2", "7.5")."""
    return f"{rule_for(basis).years:g}"
