"""Refusals the server's storage and rules decide, named by a code of the catalogue.

``Refusal`` carries a code of ``wijkweb_protocol.CODES``, a plain-English message and details;
it knows nothing of HTTP, so the store raises it deep inside a transaction (a gap, a stale
push epoch) and the admin CLI prints its message. The HTTP layer gives it its status from the
catalogue (``sync_server.http_errors``).
"""

from __future__ import annotations

from typing import Any

from wijkweb_protocol import CODES


class Refusal(Exception):
    """A refusal: ``code`` is machine-readable (a key of ``CODES``), ``body()`` the answer."""

    def __init__(self, message: str, *, code: str, **detail: Any):
        if code not in CODES:
            raise ValueError(f"'{code}' is not in the error catalogue")
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}


def bad_request(message: str, code: str = "bad_request", **detail: Any) -> Refusal:
    return Refusal(message, code=code, **detail)


def not_found(message: str = "There is nothing at this address.") -> Refusal:
    return Refusal(message, code="not_found")


def unavailable(message: str, code: str = "unavailable") -> Refusal:
    """The server cannot serve now (stopping; ``storage_full``, ``storage_readonly``): the
    client retries later."""
    return Refusal(message, code=code)
