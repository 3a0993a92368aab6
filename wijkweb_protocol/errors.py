"""The one catalogue of the protocol's error codes, and ``ProtocolError`` for a broken change.

Every refusal the server sends carries a machine-readable ``code``. ``CODES`` says, per code,
the HTTP status it comes with, whether the same request may succeed later unchanged
(``retryable``), and what it means. The server, its OpenAPI document, the client's error classes
and the table in ``docs/api.md`` are tested against it (``tests/test_protocol_errors.py``).
``REJECTIONS`` are the codes that refuse a single change inside a 200 push answer, while the
rest of the push stands.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Code(NamedTuple):
    status: int
    retryable: bool
    meaning: str


def _codes(status: int, retryable: bool, **meanings: str) -> dict[str, Code]:
    return {code: Code(status, retryable, meaning) for code, meaning in meanings.items()}


CODES: dict[str, Code] = {
    **_codes(400, False,
             bad_json="The body is not JSON.",
             bad_request="The request is malformed.",
             bad_framing="The HTTP framing is ambiguous (RFC 9112); the connection is closed.",
             bad_batch="A push body must hold a device, an epoch and a list of changes.",
             bad_cursor="The cursor is not one this server made.",
             bad_limit="The page size is out of range.",
             too_deep="The JSON nests too deeply.",
             too_many_values="The body holds more values than the route accepts.",
             tls_required="Plain HTTP on a TLS port.",
             bad_storage="An unknown storage class."),
    **_codes(401, False,
             unauthorized="A valid device token is required.",
             enrollment_invalid="The enrollment code is unknown, used or expired."),
    **_codes(403, False,
             device_revoked="This device has been revoked; it wipes its data.",
             device_mismatch="The push names another device.",
             forbidden="The device's role may not do this.",
             needs_administrator="Only an administrator may do this.",
             forbidden_team="The device is not in that team.",
             storage_policy="The team requires encrypted storage (SQLCipher)."),
    **_codes(404, False, not_found="There is nothing at this address (or not for you)."),
    **_codes(405, False, method_not_allowed="The route does not take this method."),
    **_codes(408, True, request_timeout="The request did not arrive in time."),
    **_codes(409, False,
             gap="A push skipped sequence numbers the server has not seen.",
             epoch_stale="The device's database was restored: number the outbox afresh.",
             clock_skew="The device's clock runs too far ahead of the server's.",
             device_exists="The device id is taken or reserved.",
             administrator_in_team="An administrator is in no team."),
    **_codes(410, False, reset_required="Download everything again: the cursor is gone."),
    **_codes(413, False,
             body_too_large="The body is larger than the server accepts.",
             batch_too_large="The push holds more changes than a batch may."),
    **_codes(415, False, unsupported_encoding="An unknown Content-Encoding."),
    **_codes(422, False,
             bad_change="A change must be a JSON object.",
             unknown_kind="The change names a kind this server does not know.",
             bad_id="A row id must be a UUID in its canonical text form.",
             bad_team="A change must name its team by UUID.",
             bad_seq="'seq' and 'tx' must be non-negative integers.",
             bad_fields="A change must carry at least one field.",
             unknown_field="The kind has no such field.",
             bad_register="A field must be [value, stamp] or [value, stamp, base].",
             bad_value="A field's value does not fit its type.",
             field_too_large="A text or list is longer than allowed.",
             bad_stamp="A stamp is malformed or names another device.",
             bad_items="A list field's change adds in another's name or is stamped ahead."),
    **_codes(426, False,
             protocol_unsupported="The app speaks another protocol version.",
             upgrade_required="The app is older than the server accepts."),
    **_codes(429, True,
             overloaded="Too many requests at once; try again after Retry-After.",
             rate_limited="Too many failed attempts; try again after Retry-After.",
             too_many_connections="Too many connections from one address."),
    **_codes(503, True,
             unavailable="The server cannot serve now (stopping, restoring).",
             storage_full="The server's disk is full; nothing was written.",
             storage_readonly="The server's database cannot be written now."),
    **_codes(500, True, internal="A bug on the server; it is logged."),
    **_codes(200, False,
             forbidden_kind="Devices may not write this kind (teams and workers).",
             team_mismatch="The row exists in another team.",
             reference_out_of_scope="The row names a row of another team.",
             tx_rejected="Another change of the same local transaction was refused."),
}
"""Every error code: its HTTP status (200: a per-change rejection only), retryable, meaning."""

REJECTIONS = ("forbidden_team", "forbidden_kind", "team_mismatch", "reference_out_of_scope",
              "tx_rejected")
"""Codes of single changes a push answer rejects; ``forbidden_team`` is also a 403."""


class ProtocolError(ValueError):
    """A change or request that breaks the protocol; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str, **detail: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}
