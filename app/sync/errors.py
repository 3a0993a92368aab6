"""One error hierarchy for sync, mapped from the server's machine-readable codes.

Callers catch ``SyncError`` and show ``t("sync.error." + err.code)``; ``retryable`` errors are
tried again with backoff before they reach the caller.
"""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    code = "sync_error"
    retryable = False

    def __init__(self, message: str = "", detail: dict[str, Any] | None = None):
        super().__init__(message or self.code)
        self.detail = detail or {}


class Offline(SyncError):
    """The server could not be reached, or the connection broke mid-way."""

    code = "offline"
    retryable = True


class ServerBusy(SyncError):
    code = "server_busy"
    retryable = True

    @property
    def retry_after(self) -> float:
        return float(self.detail.get("retry_after", 1.0))


class ServerError(SyncError):
    code = "server_error"
    retryable = True


class Unavailable(SyncError):
    """The server is up but cannot write now (disk full, read-only, restarting)."""

    code = "unavailable"
    retryable = True


class StorageFull(Unavailable):
    """The server's disk is full: it wrote nothing, and syncing waits until there is room."""

    code = "storage_full"


class StorageReadonly(Unavailable):
    """The server's database cannot be written now; syncing waits."""

    code = "storage_readonly"


class NotEnrolled(SyncError):
    code = "not_enrolled"


class EnrollmentInvalid(SyncError):
    code = "enrollment_invalid"


class Unauthorized(SyncError):
    code = "unauthorized"


class DeviceRevoked(SyncError):
    code = "device_revoked"


class Forbidden(SyncError):
    code = "forbidden"


class AdministratorInTeam(SyncError):
    """An administrator holds no resident data, so the server keeps it out of every team."""

    code = "administrator_in_team"


REJECTIONS = ("forbidden_team", "forbidden_kind", "team_mismatch", "reference_out_of_scope",
              "tx_rejected")
"""Codes of single changes a push answer rejects (not errors: the rest of the push stands).
``Store.ack`` keeps such a change aside with its code for the user to see."""


class ClockSkew(SyncError):
    """This device's clock runs ahead of the server's by more than the protocol allows."""

    code = "clock_skew"


class Gap(SyncError):
    code = "gap"


class EpochStale(SyncError):
    code = "epoch_stale"


class ResetRequired(SyncError):
    code = "reset_required"


class ProtocolUnsupported(SyncError):
    code = "protocol_unsupported"


class UpgradeRequired(SyncError):
    """The server needs a newer app; unsent changes wait in the outbox until the update."""

    code = "upgrade_required"


class BadRequest(SyncError):
    """The server refused a request as malformed: a bug on this side, never retried as is."""

    code = "bad_request"


_BY_CODE: dict[str, type[SyncError]] = {
    cls.code: cls for cls in (
        NotEnrolled, EnrollmentInvalid, Unauthorized, DeviceRevoked, Forbidden, ClockSkew, Gap,
        AdministratorInTeam,
        EpochStale, ResetRequired, ProtocolUnsupported, ServerBusy, Unavailable, StorageFull,
        StorageReadonly, UpgradeRequired)
}
_BY_CODE["overloaded"] = ServerBusy
_BY_CODE["too_many_connections"] = ServerBusy  # too many devices behind one address: wait


def from_response(status: int, body: dict[str, Any], retry_after: str | None = None) -> SyncError:
    """The error for a non-2xx answer: by the server's ``code``, else by HTTP status."""
    code = str(body.get("code", ""))
    detail = dict(body)
    if retry_after is not None:
        try:
            detail["retry_after"] = float(retry_after)
        except ValueError:
            pass
    cls = _BY_CODE.get(code)
    if cls is None:
        if status == 429:
            cls = ServerBusy
        elif status == 503:
            cls = Unavailable
        elif status >= 500:
            cls = ServerError
        else:
            cls = BadRequest
    err = cls(str(body.get("message", "")) or code or f"HTTP {status}", detail)
    if cls is BadRequest and code:
        err.code = code
    return err
