"""The one error type of the server: an HTTP status plus the machine-readable answer body.

The store raises it too, so a refusal decided deep inside a transaction (a gap, a stale epoch)
reaches the client with its precise code, and the admin CLI prints its plain-English message.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal: ``status`` is the HTTP status, ``body()`` the JSON answer."""

    def __init__(self, status: int, code: str, message: str, **detail: Any):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}


def bad_request(message: str, code: str = "bad_request", **detail: Any) -> ApiError:
    return ApiError(400, code, message, **detail)


def not_found(message: str = "There is nothing at this address.") -> ApiError:
    return ApiError(404, "not_found", message)


def unavailable(message: str, code: str = "unavailable") -> ApiError:
    """The server cannot serve now (stopping; ``storage_full``, ``storage_readonly``): the
    client retries later."""
    err = ApiError(503, code, message)
    err.headers["Retry-After"] = "5"
    return err
