"""Refusals as HTTP answers: the one table from a code to its status, derived from the catalogue.

Storage and rules raise ``errors.Refusal`` without a status; the handler turns each into an
``ApiError`` here (``as_api_error``). Checks that belong to HTTP itself (framing, limits,
authentication, routes) raise ``ApiError`` with the catalogue's status written beside the code
(``tests/test_protocol_errors.py`` holds them to it).
"""

from __future__ import annotations

from typing import Any

from sync_server.errors import Refusal
from wijkweb_protocol import CODES

STATUS: dict[str, int] = {code: spec.status for code, spec in CODES.items()}
"""The HTTP status of each code."""
RETRY_AFTER_S = "5"
"""What a 503 asks the client to wait before it retries."""


class ApiError(Refusal):
    """A refusal with its HTTP ``status`` and any headers of the answer."""

    def __init__(self, status: int, code: str, message: str, **detail: Any):
        super().__init__(message, code=code, **detail)
        self.status = status
        self.headers: dict[str, str] = {}
        if status == 503:
            self.headers["Retry-After"] = RETRY_AFTER_S


def as_api_error(err: Refusal) -> ApiError:
    """``err`` as the HTTP answer: its status from ``STATUS``."""
    if isinstance(err, ApiError):
        return err
    return ApiError(STATUS[err.code], err.code, err.message, **err.detail)
