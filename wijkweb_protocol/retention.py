"""How long a household's records may be kept, per legal basis (AVG art. 5(1)(e)), and why.

Shared by the server (``admin retention``) and the app (which shows each household's term).
Standard library only. A term runs from the household's **last activity**: the last time the
server received anything about it or a row linked to it (a resident, a contact, a tie …), by the
server's clock, so a device's wrong clock cannot stretch it. The defaults below are the
project's; an organisation sets its own with ``admin retention --rule BASIS=YEARS`` after its
privacy officer has checked them against the selection list (Archiefwet) it works under.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple


class Rule(NamedTuple):
    basis: str
    years: float
    """Kept at most this long after the last activity."""
    reason: str


RULES: dict[str, Rule] = {r.basis: r for r in (
    Rule("consent", 2, "Consent (AVG art. 6(1)(a)) holds only while the support it was given "
         "for goes on. Withdrawn consent means erasure at once (admin erase-household); without "
         "any activity for 2 years the purpose has lapsed."),
    Rule("public_task_wmo", 15, "Public task under the Wmo 2015 (art. 6(1)(e)). The Wmo 2015 "
         "sets no term of its own; 15 years follows the term long used for care files "
         "(WGBO before 2020). Shorten it if your selection list says less."),
    Rule("public_task_youth", 20, "Public task under the Jeugdwet: art. 7.3.8 Jeugdwet keeps "
         "youth-care files 20 years from when they were made; the last record is the newest."),
    Rule("public_task_participation", 7, "Public task under the Participatiewet. It sets no "
         "term of its own; 7 years matches the fiscal term (art. 52 AWR) for the benefit and "
         "payment files this work sits beside."),
)}
DEFAULT_BASIS = "consent"
"""A household without a known basis gets the shortest, strictest rule."""


def rule_for(basis: object, rules: dict[str, float] | None = None) -> Rule:
    """The rule for ``basis`` (unknown: consent's), with ``rules`` overriding the years."""
    rule = RULES.get(basis) if isinstance(basis, str) else None
    rule = rule or RULES[DEFAULT_BASIS]
    if rules and rule.basis in rules:
        rule = rule._replace(years=rules[rule.basis])
    return rule


def expires(last_activity: str, years: float) -> str:
    """The UTC ISO 8601 moment a term of ``years`` from ``last_activity`` ends."""
    start = datetime.strptime(last_activity, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (start + timedelta(days=round(years * 365.25))).strftime("%Y-%m-%dT%H:%M:%SZ")
