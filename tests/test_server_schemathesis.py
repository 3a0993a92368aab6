"""Schemathesis against the real server's ``/v1/openapi.json``: no 5xx, and every answer
(status, headers, body) conforms to the document.

One server per role, with a valid device token of that role (a team lead, an administrator
and a street coach reach different branches), seeded with a team's rows and a conflict so that
the scoped endpoints have something to find. Each operation gets a bounded number of
generated requests (``MAX_EXAMPLES``), so that the whole run stays well under a minute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from sync_server.protocol import PROTOCOL_HEADER, new_id
from sync_server.ratelimit import RateLimits

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
MAX_EXAMPLES = 15


def _seeded(make_server: Any, role: str) -> tuple[Harness, str]:
    """A server with a team, a household with a conflict, and a device of ``role``."""
    server: Harness = make_server()
    server.server.limits = RateLimits(auth_burst=10_000, enroll_burst=10_000)
    team = server.team("Noord")
    device = server.device(role, [team])
    a, b = server.device("caretaker", [team]), server.device("caretaker", [team])
    rid = new_id()
    a.push([a.change("household", {"street": "Lindelaan"}, id=rid)])
    b.push([b.change("household", {"street": "Pleinweg"}, id=rid)])
    return server, device.token


@pytest.mark.parametrize("role", ["team_lead", "administrator", "street_coach"])
def test_api_conforms_and_never_fails(make_server: Any, role: str) -> None:
    server, token = _seeded(make_server, role)
    schema = schemathesis.openapi.from_url(f"{server.url}/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token}", PROTOCOL_HEADER: "2"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            opaque = case.path == "/v1/pull" and (case.query or {}).get("cursor")
            # A cursor is opaque: any text fits its schema, but only one the server made is
            # accepted (anything else is 400 bad_cursor, as the document says).
            case.call_and_validate(headers=headers, excluded_checks=(
                [checks.positive_data_acceptance] if opaque else None))

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - every operation's finding is reported
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
