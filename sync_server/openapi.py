"""The OpenAPI 3.0 description of the sync API, served at ``/v1/openapi.json``.

Written out by hand (no framework to derive it from) and held to the route table by
``tests/test_server_openapi.py``: every served path is here and every path here is served.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from sync_server.audit import ACTIONS
from sync_server.auth import ADMINISTRATOR, ROLES
from wijkweb_protocol import (
    EXPORTS,
    HLC_RE,
    KINDS,
    MAX_FUTURE_MS,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    STAMP_RE,
    STORAGE_HEADER,
)

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*pairs: tuple[int, str]) -> dict[str, Any]:
    """Error answers by status; the description names each machine code."""
    by_status: dict[int, list[str]] = {}
    for status, code in pairs:
        by_status.setdefault(status, []).append(code)
    common = {400: ["bad_framing"], 429: ["overloaded", "too_many_connections"],
              503: ["unavailable"], 500: ["internal"]}
    for status, codes in common.items():
        by_status.setdefault(status, []).extend(codes)
    return {str(status): _json(_ref("Error"), "Error; `code` is one of: "
                               + ", ".join(f"`{c}`" for c in codes))
            for status, codes in sorted(by_status.items())}


_PROTOCOL_PARAM = {"name": PROTOCOL_HEADER, "in": "header", "required": True,
                   "schema": {"type": "string", "enum": [str(PROTOCOL_VERSION)]},
                   "description": "Sync protocol version; anything else is answered 426."}
_STORAGE = {"type": "string", "enum": ["sqlcipher", "os"], "default": "sqlcipher",
            "description": "How the device keeps its database: under SQLCipher, or in its app "
                           "sandbox under the operating system's encryption only."}
_STORAGE_PARAM = {"name": STORAGE_HEADER, "in": "header", "required": False, "schema": _STORAGE,
                  "description": "The device's storage class, shown to its team lead; "
                                 "another value is answered `400 bad_storage`."}
_AUTH_ERRORS = ((401, "unauthorized"), (403, "device_revoked"), (429, "rate_limited"),
                (400, "bad_storage"))
_BODY_ERRORS = ((400, "bad_json"), (400, "bad_request"), (400, "too_deep"),
                (408, "request_timeout"), (413, "body_too_large"), (415, "unsupported_encoding"))
_ROUTING_ERRORS = ((404, "not_found"), (405, "method_not_allowed"))

_STAMP = {"type": "string", "pattern": f"^{STAMP_RE.pattern}$",
          "description": "`<16 hex digits of hybrid logical clock>@<device id>`"}
_HLC = {"type": "string", "pattern": f"^{HLC_RE.pattern}$",
        "description": "The server's hybrid logical clock; clients ratchet past it."}
_UUID = {"type": "string", "format": "uuid"}
_NAME = {"type": "string", "minLength": 1, "maxLength": 200,
         "pattern": r"^[^\x00]*[^\s\x1c-\x1f\x85\x00][^\x00]*$",
         "description": "Not only spaces; no NUL."}

def _new_worker(roles: list[str], min_teams: int, max_teams: int) -> dict[str, Any]:
    return {"type": "object", "required": ["name", "role", "teams"], "properties": {
        "name": _NAME,
        "role": {"type": "string", "enum": roles},
        "teams": {"type": "array", "items": _UUID, "minItems": min_teams,
                  "maxItems": max_teams},
        "email": {**_NAME, "nullable": True}}}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["code", "message"], "additionalProperties": True,
              "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                             "index": {"type": "integer", "description": "Offending change."},
                             "expected": {"type": "integer", "description": "For `gap`."},
                             "server_time": _HLC, "supported": {
                                 "type": "array", "items": {"type": "integer"}}}},
    "Register": {"type": "array", "minItems": 2, "maxItems": 2,
                 "description": "`[value, stamp]`: a last-writer-wins register; of a list "
                                "field the value is an items map `{item: {device: [added, "
                                "removed]}}` (HLCs, removed may be null), merged as an "
                                "add-wins set.",
                 "items": {"nullable": True}},
    "PushRegister": {"type": "array", "minItems": 2, "maxItems": 3,
                     "description": "`[value, stamp, base]`; base is the stamp the writer saw "
                                    "before its edit (null for a new field). Of a list field "
                                    "the value holds only what the write adds (entries of its "
                                    "own device) and removes (`[h, h]` for an add it saw); "
                                    "no HLC past the stamp's (else `bad_items`).",
                     "items": {"nullable": True}},
    "Health": {"type": "object", "required": ["status", "protocol"],
               "properties": {"status": {"type": "string", "enum": ["ok"]},
                              "protocol": {"type": "integer"}}},
    "EnrollRequest": {"type": "object", "required": ["code", "device"], "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 64},
        "device": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
                   "description": "Chosen by the device; not a name of the server's own "
                   "(`server`, `admin-cli`, … in any case: `409 device_exists`)."},
        "label": {"type": "string", "maxLength": 200, "pattern": r"^[^\x00]*$",
                  "description": "Stored without control or direction characters, at most "
                  "64 characters."},
        "storage": _STORAGE}},
    "EnrollResponse": {"type": "object",
                       "required": ["device", "token", "worker", "role", "teams"],
                       "properties": {"device": {"type": "string"}, "token": {"type": "string"},
                                      "worker": _UUID, "role": {"type": "string",
                                                                "enum": list(ROLES)},
                                      "teams": {"type": "array", "items": _UUID}}},
    "Change": {"type": "object", "required": ["seq", "tx", "kind", "id", "team", "fields"],
               "properties": {
                   "seq": {"type": "integer", "minimum": 0},
                   "tx": {"type": "integer", "minimum": 0},
                   "kind": {"type": "string", "enum": list(KINDS)}, "id": _UUID, "team": _UUID,
                   "fields": {"type": "object", "minProperties": 1,
                              "additionalProperties": _ref("PushRegister")}}},
    "PushRequest": {"type": "object", "required": ["device", "epoch", "changes"], "properties": {
        "device": {"type": "string"},
        "epoch": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "changes": {"type": "array", "maxItems": 1000, "items": _ref("Change")}}},
    "Rejection": {"type": "object", "required": ["seq", "code", "message"], "properties": {
        "seq": {"type": "integer"},
        "code": {"type": "string", "enum": ["forbidden_team", "forbidden_kind",
                                            "team_mismatch", "reference_out_of_scope",
                                            "tx_rejected"]},
        "message": {"type": "string"}}},
    "PushResponse": {"type": "object", "required": ["acked", "rejected", "server_time"],
                     "properties": {"acked": {"type": "integer"},
                                    "rejected": {"type": "array", "items": _ref("Rejection")},
                                    "server_time": _HLC,
                                    "purged": {"type": "array", "description": (
                                        "Erased rows among the pushed ones (changes ignored): "
                                        "delete the local copies."), "items": {
                                        "type": "object", "required": ["kind", "id"],
                                        "properties": {"kind": {"type": "string"},
                                                       "id": _UUID}}}}},
    "FeedRow": {"type": "object", "required": ["kind", "id", "team"], "properties": {
        "kind": {"type": "string"}, "id": _UUID, "team": _UUID,
        "fields": {"type": "object", "additionalProperties": _ref("Register")},
        "purged": {"type": "boolean", "enum": [True],
                   "description": "Erased: delete the local copy. Has no `fields`."}}},
    "PullResponse": {"type": "object",
                     "required": ["rows", "cursor", "more", "teams", "server_time"],
                     "properties": {"rows": {"type": "array", "items": _ref("FeedRow")},
                                    "cursor": {"type": "string"}, "more": {"type": "boolean"},
                                    "teams": {"type": "array", "items": _UUID},
                                    "server_time": _HLC}},
    "History": {"type": "object", "required": ["kind", "id", "team", "purged", "changes"],
                "properties": {"kind": {"type": "string"}, "id": _UUID, "team": _UUID,
                               "purged": {"type": "boolean"},
                               "changes": {"type": "array", "items": {
                                   "type": "object",
                                   "required": ["version", "device", "at", "fields"],
                                   "properties": {
                                       "version": {"type": "integer"},
                                       "device": {"type": "string"},
                                       "at": {"type": "string", "format": "date-time"},
                                       "fields": {"type": "object", "additionalProperties":
                                                  _ref("PushRegister")}}}}}},
    "Conflict": {"type": "object", "required": ["id", "kind", "row_id", "field", "winner",
                                                "loser", "team", "at", "reviewed"],
                 "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                                "row_id": _UUID, "field": {"type": "string"},
                                "winner": _ref("Register"), "loser": _ref("Register"),
                                "team": _UUID, "at": {"type": "string", "format": "date-time"},
                                "reviewed": {"type": "boolean"}}},
    "ConflictList": {"type": "object", "required": ["conflicts"], "properties": {
        "conflicts": {"type": "array", "items": _ref("Conflict")}}},
    "Reviewed": {"type": "object", "required": ["id", "reviewed"],
                 "properties": {"id": {"type": "integer"},
                                "reviewed": {"type": "boolean", "enum": [True]}}},
    "TeamDevices": {"type": "object", "required": ["workers"], "properties": {
        "workers": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "role", "teams", "devices"],
            "properties": {
                "id": _UUID, "name": {"type": "string"},
                "role": {"type": "string", "enum": list(ROLES)},
                "teams": {"type": "array", "items": _UUID,
                          "description": "The worker's teams that are also the lead's."},
                "devices": {"type": "array", "items": {
                    "type": "object",
                    "required": ["id", "label", "last_seen", "revoked", "refused"],
                    "properties": {"id": {"type": "string"}, "label": {"type": "string"},
                                   "last_seen": {"type": "string", "format": "date-time",
                                                 "nullable": True},
                                   "revoked": {"type": "boolean"},
                                   "refused": {"type": "integer", "minimum": 0,
                                               "description": "Refusal changes the device "
                                               "last said it holds set aside."},
                                   "storage": _STORAGE}}}}}}}},
    "EnrollmentRequest": {"type": "object", "required": ["worker"], "properties": {
        "worker": _UUID,
        "hours": {"type": "number", "minimum": 1, "maximum": 168, "default": 24}}},
    "Enrollment": {"type": "object", "required": ["code", "expires"], "properties": {
        "code": {"type": "string", "description": "One-time code for `/v1/enroll`."},
        "expires": {"type": "string", "format": "date-time"}}},
    "Revoked": {"type": "object", "required": ["id", "revoked"],
                "properties": {"id": {"type": "string"},
                               "revoked": {"type": "boolean", "enum": [True]}}},
    "TeamList": {"type": "object", "required": ["teams"], "properties": {"teams": {
        "type": "array", "items": {
            "type": "object", "required": ["id", "name", "created_at"],
            "properties": {"id": _UUID, "name": {"type": "string"},
                           "created_at": {"type": "string", "format": "date-time"}}}}}},
    "NewTeam": {"type": "object", "required": ["name"],
                "properties": {"name": _NAME}},
    "TeamCreated": {"type": "object", "required": ["id", "name"],
                    "properties": {"id": _UUID, "name": {"type": "string"}}},
    "NewWorker": {"description": "Every worker but an administrator is in a team; an "
                  "administrator is in none (`409 administrator_in_team`).", "oneOf": [
        _new_worker([r for r in ROLES if r != ADMINISTRATOR], 1, 100),
        _new_worker([ADMINISTRATOR], 0, 0)]},
    "WorkerCreated": {"type": "object", "required": ["id"], "properties": {"id": _UUID}},
    "AuditPage": {"type": "object", "required": ["entries", "next"], "properties": {
        "entries": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "at", "device", "worker", "action", "kind", "row_id", "team",
                         "count"],
            "properties": {
                "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
                "device": {"type": "string"}, "worker": {"type": "string"},
                "action": {"type": "string", "enum": list(ACTIONS)},
                "kind": {"type": "string"}, "row_id": {"type": "string"},
                "team": {"type": "string"}, "count": {"type": "integer"}}}},
        "next": {"type": "integer", "nullable": True,
                 "description": "Pass as `after` for the next page; null: no more now."}}},
    "ExportNotice": {"type": "object", "required": ["what", "team", "count"], "properties": {
        "what": {"type": "string", "enum": list(EXPORTS)}, "team": _UUID,
        "count": {"type": "integer", "minimum": 0, "maximum": 1000000000}}},
    "Erased": {"type": "object", "required": ["household", "erased"], "properties": {
        "household": _UUID, "erased": {"type": "object", "description": "Rows per kind.",
                                       "additionalProperties": {"type": "integer"}}}},
    "RefusedCount": {"type": "object", "required": ["count"], "properties": {
        "count": {"type": "integer", "minimum": 0, "maximum": 1000000000}}},
    "Recorded": {"type": "object", "required": ["recorded"],
                 "properties": {"recorded": {"type": "boolean", "enum": [True]}}},
}

_SECURE: list[dict[str, list[str]]] = [{"bearer": []}]


def _op(summary: str, description: str, response: str, errors: dict[str, Any],
        *, secure: bool = True, params: list[dict[str, Any]] | None = None,
        body: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "description": description,
                          "responses": {"200": _json(_ref(response)), **errors}}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(body)}},
            "description": "JSON, optionally `Content-Encoding: gzip`; at most 8 MiB "
                           "either way."}
    op["security"] = _SECURE if secure else []
    return op


def _path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


PATHS: dict[str, Any] = {
    "/v1/health": {"get": _op("Liveness", "Always answers while the server runs.", "Health",
                              _errors(*_ROUTING_ERRORS), secure=False)},
    "/v1/openapi.json": {"get": {
        "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.0 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      **_errors(*_ROUTING_ERRORS)}}},
    "/v1/enroll": {"post": _op(
        "Enroll a device", "Redeem a one-time enrollment code for a bearer token.",
        "EnrollResponse",
        _errors(*_BODY_ERRORS, *_ROUTING_ERRORS, (401, "enrollment_invalid"),
                (409, "device_exists"), (426, "protocol_unsupported"),
                (426, "upgrade_required"), (429, "rate_limited"), (400, "too_many_values"),
                (400, "bad_storage"), (403, "storage_policy")),
        secure=False, params=[_PROTOCOL_PARAM], body="EnrollRequest")},
    "/v1/push": {"post": _op(
        "Push changes",
        "Exactly once per (device, epoch): changes with seq <= the acked seq are skipped "
        "(409 `epoch_stale` if they differ); the first new one must be acked+1 (409 `gap`). "
        "All changes of one `tx` are accepted or rejected together. Stamps more than "
        f"{MAX_FUTURE_MS // 60000} minutes ahead of the server: 409 `clock_skew`. Invalid "
        "change: 422 with the protocol's code (e.g. `unknown_kind`, `bad_value`) and `index`.",
        "PushResponse",
        _errors(*_BODY_ERRORS, *_AUTH_ERRORS, *_ROUTING_ERRORS, (400, "bad_batch"),
                (403, "device_mismatch"), (409, "gap"), (409, "epoch_stale"),
                (409, "clock_skew"), (413, "batch_too_large"), (422, "bad_change"),
                (422, "unknown_kind"), (422, "bad_id"), (422, "bad_team"), (422, "bad_seq"),
                (422, "bad_fields"), (422, "unknown_field"), (422, "bad_register"),
                (422, "bad_value"), (422, "field_too_large"), (422, "bad_stamp"),
                (422, "bad_items"), (426, "protocol_unsupported"), (426, "upgrade_required")),
        params=[_PROTOCOL_PARAM, _STORAGE_PARAM], body="PushRequest")},
    "/v1/pull": {"get": _op(
        "Pull the feed",
        "Current state of every row of the device's teams changed since the cursor, ordered "
        "by commit version; a page never splits a commit (it may exceed `limit` for that).",
        "PullResponse",
        _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (400, "bad_cursor"), (400, "bad_limit"),
                (400, "bad_request"), (410, "reset_required"), (426, "protocol_unsupported"),
                (426, "upgrade_required")),
        params=[_PROTOCOL_PARAM, _STORAGE_PARAM,
                {"name": "cursor", "in": "query", "required": False,
                 "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.-]*$"},
                 "description": "Opaque and sealed (`400 bad_cursor` when changed); absent = "
                 "from start."},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 5000,
                            "default": 1000}},
                {"name": "wait", "in": "query", "required": False,
                 "schema": {"type": "number", "minimum": 0, "maximum": 30, "default": 0},
                 "description": "Long-poll: seconds to wait for a change when there is none."}])},
    "/v1/history/{kind}/{id}": {"get": _op(
        "A row's history (team lead)", "Every accepted change of the row, oldest first, "
        "including values that lost the merge.", "History",
        _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden")),
        params=[_path_param("kind", {"type": "string", "enum": list(KINDS)}),
                _path_param("id", _UUID)])},
    "/v1/conflicts": {"get": _op(
        "Conflicts to review (team lead)", "Concurrent edits of one field in the lead's teams.",
        "ConflictList", _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden")),
        params=[{"name": "all", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["1"]},
                 "description": "`1` includes reviewed conflicts."}])},
    "/v1/conflicts/{id}/review": {"post": _op(
        "Mark a conflict reviewed (team lead)", "Idempotent.", "Reviewed",
        _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden")),
        params=[_path_param("id", {"type": "integer"})])},
    "/v1/team/devices": {"get": _op(
        "Workers and devices of the lead's teams (team lead; administrator: all)",
        "Every worker sharing a team with the lead, with their devices and last sync.",
        "TeamDevices", _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden")))},
    "/v1/team/enrollments": {"post": _op(
        "Make an enrollment code (team lead)",
        "A one-time code for a new device of a worker in the lead's teams (`404` otherwise); "
        "a worker who is an administrator or also in other teams needs an administrator "
        "(`403 needs_administrator`). An administrator may enroll any worker.",
        "Enrollment",
        _errors(*_BODY_ERRORS, *_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden"),
                (403, "needs_administrator")),
        body="EnrollmentRequest")},
    "/v1/team/devices/{id}/revoke": {"post": _op(
        "Revoke a device (team lead)",
        "Its token stops working at once. Idempotent; `404` for a device outside the lead's "
        "teams, `400` for the device in use, `403 needs_administrator` for a device of an "
        "administrator or of a worker also in teams the lead does not lead (a revoked device "
        "drops its unsent work). An administrator may revoke any device.", "Revoked",
        _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (400, "bad_request"), (403, "forbidden"),
                (403, "needs_administrator")),
        params=[_path_param("id", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"})])},
    "/v1/households/{id}/erase": {"post": _op(
        "Erase a household (team lead: own teams; administrator: any)",
        "Erasure on request (AVG art. 17): the household and everything linked to it are "
        "purged in one transaction; every device deletes its copies. `404` for an unknown or "
        "already erased household, or one of another team.", "Erased",
        _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden")),
        params=[_path_param("id", _UUID)])},
    "/v1/admin/teams": {
        "get": _op("All teams (administrator)", "Every team with its id and name.", "TeamList",
                   _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden"))),
        "post": _op("Create a team (administrator)", "Devices learn of it from the feed.",
                    "TeamCreated", _errors(*_BODY_ERRORS, *_AUTH_ERRORS, *_ROUTING_ERRORS,
                                           (403, "forbidden")), body="NewTeam")},
    "/v1/admin/workers": {"post": _op(
        "Create a worker (administrator)", "A worker in the given teams; `404` for an unknown "
        "team; `409 administrator_in_team` for an administrator in any team.", "WorkerCreated",
        _errors(*_BODY_ERRORS, *_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden"),
                (409, "administrator_in_team")),
        body="NewWorker")},
    "/v1/audit": {"get": _op(
        "The audit log (team lead: own teams; administrator: all)",
        "Who created, changed, pulled, exported, purged, enrolled, revoked or reviewed what, "
        "and when; ids only. Read-only: no endpoint edits it.", "AuditPage",
        _errors(*_AUTH_ERRORS, *_ROUTING_ERRORS, (400, "bad_request"), (400, "bad_limit"),
                (403, "forbidden")),
        params=[{"name": "after", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 0, "maximum": 2**53},
                 "description": "Entry id."},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 5000,
                            "default": 1000}}])},
    "/v1/audit/export": {"post": _op(
        "Report an export (any device)", "The app tells the server it exported `count` "
        "records of one of the device's teams.", "Recorded",
        _errors(*_BODY_ERRORS, *_AUTH_ERRORS, *_ROUTING_ERRORS, (403, "forbidden_team")),
        body="ExportNotice")},
    "/v1/device/refused": {"post": _op(
        "Report refused changes (any device)", "The app says how many changes the server "
        "refused it holds set aside now (shown per device in `/v1/team/devices`).", "Recorded",
        _errors(*_BODY_ERRORS, *_AUTH_ERRORS, *_ROUTING_ERRORS), body="RefusedCount")},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Wijkweb sync server", "version": str(PROTOCOL_VERSION),
                 "description": "Record sync for the Wijkweb app. Every error is JSON "
                                "`{code, message, ...}`. Bodies may be gzipped both ways. "
                                "With TLS configured, a plain-HTTP request on the port is "
                                "answered `400` `tls_required` and the connection closed. "
                                "Framing is strict HTTP/1.1 (RFC 9112): two or malformed "
                                "`Content-Length`s, a transfer coding other than `chunked`, "
                                "both, chunk sizes that are not plain hex, bare LF, folded "
                                "headers or a missing `Host` are `400` `bad_framing`, and the "
                                "connection is closed. An address over its connection cap is "
                                "answered `429` `too_many_connections` and closed."},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "The device token from /v1/enroll."}}},
    }


@functools.cache
def document_bytes() -> bytes:
    return json.dumps(document(), separators=(",", ":")).encode()
