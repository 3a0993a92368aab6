"""Storage refuses with a catalogue code and no status; the HTTP layer answers with the status
the catalogue gives that code (``http_errors.STATUS``), and a 503 asks the client to retry."""

from __future__ import annotations

import pytest

from sync_server.errors import Refusal
from sync_server.http_errors import ApiError, as_api_error
from wijkweb_protocol import CODES


def test_every_refusal_is_answered_with_its_catalogue_status_and_body() -> None:
    for code, spec in CODES.items():
        err = as_api_error(Refusal("Nee.", code=code, seq=3))
        assert err.status == spec.status, code
        assert err.body() == {"code": code, "message": "Nee.", "seq": 3}
        assert (err.headers.get("Retry-After") == "5") == (spec.status == 503), code


def test_an_http_refusal_keeps_its_own_status_and_headers() -> None:
    busy = ApiError(429, "overloaded", "Druk.")
    busy.headers["Retry-After"] = "1"
    assert as_api_error(busy) is busy


def test_a_code_outside_the_catalogue_is_a_bug_not_an_answer() -> None:
    with pytest.raises(ValueError):
        Refusal("Nee.", code="no_such_code")
