"""The endpoints: small functions from a parsed request to an answer, and the route table.

The HTTP plumbing (bodies, gzip, auth headers, overload) lives in ``handler``; the OpenAPI
document is checked against ``ROUTES`` so the two cannot drift apart.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sync_server import auth, feed, nesting, openapi, policy, refusals
from sync_server.audit import Actor
from sync_server.errors import Refusal, bad_request, not_found
from sync_server.http_errors import ApiError
from sync_server.ratelimit import RateLimits
from sync_server.store import Device, ServerStore
from sync_server.validate import parse_push
from wijkweb_protocol import EXPORTS, MAX_FUTURE_MS, PROTOCOL_VERSION

DEFAULT_LIMIT, MAX_LIMIT = 1000, 5000
MIN_CODE_HOURS, MAX_CODE_HOURS, DEFAULT_CODE_HOURS = 1, 168, 24
MAX_WAIT_S = 30.0
MAX_BODY = 8 * 1024 * 1024
ENROLL_BODY, ENROLL_VALUES = 256 * 1024, 64
"""An enrollment is three strings; anyone may send one, so its body may hold little (a gzip
bomb is refused while it is decompressed, a body of many values before it is parsed)."""
GZIP_MIN = 1024
"""Answers over this many bytes are gzipped for a client that accepts it."""


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    device: Device | None = None
    park: Callable[[], AbstractContextManager[Any]] = nullcontext
    """Context in which a long-poll waits without counting as a request in flight."""
    gzip: bool = False
    """The client accepts a gzipped answer."""
    client: str = ""
    """The client's IP address (rate limits)."""
    limits: RateLimits = field(default_factory=RateLimits)
    max_values: int | None = None
    """The route's cap on JSON values in the body (``nesting.scan``)."""


class Prepared(NamedTuple):
    """An answer body the endpoint encoded itself (in parts), already gzipped or not."""

    parts: list[bytes]
    gzipped: bool


Answer = dict[str, Any] | bytes | Prepared
Endpoint = Callable[[ServerStore, Request], Answer]


class Route(NamedTuple):
    method: str
    path: str
    """OpenAPI path template, e.g. ``/v1/history/{kind}/{id}``."""
    endpoint: Endpoint
    auth: bool
    protocol: bool
    pattern: re.Pattern[str]
    guard: str = ""
    """A ``RateLimits`` limiter to consult per address before the body is read."""
    max_values: int | None = None
    max_body: int = MAX_BODY
    """Bytes the body may have, sent and decompressed."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def read_json(req: Request) -> Any:
    """The body as JSON; 400 ``bad_json`` for anything that is not strict UTF-8 JSON, 400
    ``too_deep`` past ``nesting.MAX_DEPTH`` and ``too_many_values`` past the route's cap, both
    found on the bytes before anything is built.

    That includes a lone surrogate written as an escape (``"\\ud800"``): valid JSON syntax,
    but no Unicode text, and it would fail later when stored or sent on.
    """
    nesting.scan(req.body, req.max_values)
    try:
        data = json.loads(req.body.decode("utf-8"), parse_constant=_reject_constant,
                          parse_float=_finite_float)
        if _SURROGATE_ESCAPE.search(req.body):
            json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError:  # an unbalanced body passes the scan
        raise nesting.too_deep() from None
    except ValueError:  # UnicodeError is a ValueError
        raise bad_request("The body is not valid JSON (UTF-8).", code="bad_json") from None
    return data


def _require_lead(req: Request) -> Device:
    """A team lead: conflicts and history hold resident data, for the lead's own teams only."""
    assert req.device is not None
    if req.device.role != auth.TEAM_LEAD:
        raise ApiError(403, "forbidden", "Only a team lead may see this.")
    return req.device


def _require_manager(req: Request) -> Device:
    """A team lead (for its own teams) or an administrator (for all teams)."""
    assert req.device is not None
    if req.device.role not in (auth.TEAM_LEAD, auth.ADMINISTRATOR):
        raise ApiError(403, "forbidden", "Only a team lead or an administrator may do this.")
    return req.device


def _require_admin(req: Request) -> Device:
    assert req.device is not None
    if req.device.role != auth.ADMINISTRATOR:
        raise ApiError(403, "forbidden", "Only an administrator may do this.")
    return req.device


def _managed(manager: Device) -> tuple[str, ...] | None:
    """The teams a manager manages: None (every team) for an administrator."""
    return None if manager.role == auth.ADMINISTRATOR else manager.teams


def _actor(req: Request) -> Actor:
    assert req.device is not None
    return Actor(req.device.id, req.device.worker)


def _needs_admin() -> ApiError:
    return ApiError(403, "needs_administrator", "This worker is an administrator or also "
                    "works in teams you do not lead; ask an administrator.")


def _require_reach(store: ServerStore, manager: Device, worker: str) -> None:
    """A lead acts (a code, a revoke) only on a worker who is no administrator and whose teams
    are all the lead's: a revoked device wipes its unsent work, also another team's."""
    if manager.role == auth.ADMINISTRATOR:
        return
    found = next(w for w in store.workers() if w["id"] == worker)
    if found["role"] == auth.ADMINISTRATOR or not set(found["teams"]) <= set(manager.teams):
        raise _needs_admin()


def _object(req: Request) -> dict[str, Any]:
    body = read_json(req)
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.")
    return body


# ---------------------------------------------------------------------- endpoints


def health(store: ServerStore, req: Request) -> Answer:
    return {"status": "ok", "protocol": PROTOCOL_VERSION}


def openapi_doc(store: ServerStore, req: Request) -> Answer:
    return openapi.document_bytes()


def enroll(store: ServerStore, req: Request) -> Answer:
    body = read_json(req)
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.")
    code, device, label = body.get("code"), body.get("device", ""), body.get("label") or ""
    if not isinstance(code, str) or not code or len(code) > 64:
        raise bad_request("'code' must be the enrollment code, a string.")
    storage = policy.storage_class(body.get("storage"))
    keys = [("ip", req.client), ("device", device if isinstance(device, str) else "")]
    req.limits.enroll.check(keys[1:])  # the address was checked before the body was read
    try:
        policy.check_enrollment(store, code, storage)
        enrolled = store.redeem_enrollment(code, device, label)
    except Refusal as err:
        if err.code == "enrollment_invalid":
            req.limits.enroll.fail(keys)
        raise
    policy.record(store, device, storage)
    return enrolled


def push(store: ServerStore, req: Request) -> Answer:
    assert req.device is not None
    batch = parse_push(read_json(req), req.device.id)
    if batch.newest_ms > time.time() * 1000 + MAX_FUTURE_MS:
        raise ApiError(409, "clock_skew", "This device's clock runs more than 10 minutes ahead "
                       "of the server's. Set the clock right, then sync again.",
                       server_time=store.server_time())
    return store.push(req.device, batch)


def pull(store: ServerStore, req: Request) -> Answer:
    assert req.device is not None
    limit = _int_param(req.query.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT, "bad_limit", "limit")
    wait = _wait_param(req.query.get("wait"))
    cursor = req.query.get("cursor") or None
    teams = req.device.teams
    store.touch(req.device.id)
    deadline = time.monotonic() + (wait if teams else 0)  # in no team: nothing will come
    out = feed.PageWriter(req.gzip, GZIP_MIN)
    page = store.pull_into(teams, cursor, limit, out.row)
    while not page.row_count and not store.closing and (left := deadline - time.monotonic()) > 0:
        with req.park():
            changed = store.wait_for_change(page.version, left)
        if store.closing:
            break
        if changed:
            page = store.pull_into(teams, page.cursor, limit, out.row)
    store.record_pull(_actor(req), page.per_team)
    head = {"cursor": page.cursor, "more": page.more, "teams": list(teams),
            "server_time": store.server_time()}
    return Prepared(*out.finish("]," + json.dumps(head, separators=(",", ":"))[1:]))


def _int_param(text: str | None, default: int, low: int, high: int, code: str,
               name: str) -> int:
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise bad_request(f"'{name}' must be a whole number from {low} to {high}.", code=code)
    return int(text)


def _wait_param(text: str | None) -> float:
    if text is None or text == "":
        return 0.0
    try:
        wait = float(text)
    except ValueError:
        wait = -1.0
    if not 0 <= wait <= MAX_WAIT_S:
        raise bad_request(f"'wait' must be a number of seconds from 0 to {MAX_WAIT_S:g}.")
    return wait


def history(store: ServerStore, req: Request) -> Answer:
    lead = _require_lead(req)
    return store.history(lead.teams, req.params["kind"], req.params["id"])


def conflicts(store: ServerStore, req: Request) -> Answer:
    lead = _require_lead(req)
    everything = req.query.get("all", "") in ("1", "true", "yes")
    return {"conflicts": store.conflicts(lead.teams, include_reviewed=everything)}


def review(store: ServerStore, req: Request) -> Answer:
    lead = _require_lead(req)
    conflict = req.params["id"]
    if len(conflict) > 18:
        raise not_found("There is no such conflict.")
    return store.review_conflict(int(conflict), lead.teams, _actor(req))


# ---------------------------------------------------------------------- a lead's team


def _team_workers(store: ServerStore, manager: Device) -> list[dict[str, Any]]:
    """The workers sharing a team with a lead (``teams`` only the lead's teams among theirs);
    for an administrator every worker with all its teams."""
    if manager.role == auth.ADMINISTRATOR:
        return store.workers()
    mine = set(manager.teams)
    out = []
    for worker in store.workers():
        shared = [t for t in worker["teams"] if t in mine]
        if shared:
            out.append({**worker, "teams": shared})
    return out


def team_devices(store: ServerStore, req: Request) -> Answer:
    workers = _team_workers(store, _require_manager(req))
    by_worker: dict[str, list[dict[str, Any]]] = {w["id"]: [] for w in workers}
    refused = refusals.counts(store)
    storage = policy.device_storage(store)
    for device in store.devices():
        if device["worker"] in by_worker:
            by_worker[device["worker"]].append(
                {"id": device["id"], "label": device["label"],
                 "last_seen": device["last_seen"], "revoked": device["revoked"],
                 "refused": refused.get(device["id"], 0),
                 "storage": storage.get(device["id"], policy.DEFAULT_STORAGE)})
    return {"workers": [{**w, "devices": by_worker[w["id"]]} for w in workers]}


def team_enrollment(store: ServerStore, req: Request) -> Answer:
    """A code for a worker's new device. A lead's code may not widen what the lead controls:
    the worker must be no administrator and in none but the lead's teams."""
    manager = _require_manager(req)
    body = _object(req)
    worker, hours = body.get("worker"), body.get("hours", DEFAULT_CODE_HOURS)
    if not isinstance(worker, str) or not worker or len(worker) > 64:
        raise bad_request("'worker' must be the id of a worker, a string.")
    if (isinstance(hours, bool) or not isinstance(hours, (int, float))
            or not MIN_CODE_HOURS <= hours <= MAX_CODE_HOURS):
        raise bad_request(f"'hours' must be a number from {MIN_CODE_HOURS} to "
                          f"{MAX_CODE_HOURS}.")
    if not any(w["id"] == worker for w in _team_workers(store, manager)):
        raise not_found("There is no such worker in your teams.")
    _require_reach(store, manager, worker)
    now = datetime.strptime(store.now_iso(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    code = store.create_enrollment(worker, float(hours), _actor(req))
    expires = (now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"code": code, "expires": expires}


def team_revoke(store: ServerStore, req: Request) -> Answer:
    manager = _require_manager(req)
    device = req.params["id"]
    if device == manager.id:
        raise bad_request("The device in use cannot revoke itself; use another one.")
    workers = {w["id"]: w for w in _team_workers(store, manager)}
    owner = next((d["worker"] for d in store.devices()
                  if d["id"] == device and d["worker"] in workers), None)
    if owner is None:
        raise not_found("There is no such device in your teams.")
    _require_reach(store, manager, owner)
    store.revoke(device, _actor(req))
    return {"id": device, "revoked": True}


def erase_household(store: ServerStore, req: Request) -> Answer:
    """Erasure on request (AVG art. 17), as ``admin erase-household``: a lead for its own
    teams, an administrator for any."""
    manager = _require_manager(req)
    household = req.params["id"]
    erased = store.erase_household(household, _actor(req), _managed(manager))
    return {"household": household, "erased": erased}


# ---------------------------------------------------------------------- administrators


def admin_teams(store: ServerStore, req: Request) -> Answer:
    _require_admin(req)
    return {"teams": store.teams()}


def admin_add_team(store: ServerStore, req: Request) -> Answer:
    _require_admin(req)
    name = _object(req).get("name", "")
    return {"id": store.add_team(name, _actor(req)), "name": name.strip()}


def admin_add_worker(store: ServerStore, req: Request) -> Answer:
    _require_admin(req)
    body = _object(req)
    teams = body.get("teams")
    if (not isinstance(teams, list) or len(teams) > 100
            or not all(isinstance(t, str) and len(t) <= 64 for t in teams)):
        raise bad_request("'teams' must be a list of team ids.")
    role, email = body.get("role"), body.get("email")
    if not isinstance(role, str) or (email is not None and not isinstance(email, str)):
        raise bad_request("'role' must be a role and 'email' text.")
    worker = store.add_worker(body.get("name", ""), role, teams, email=email or None,
                              actor=_actor(req))
    return {"id": worker}


# ---------------------------------------------------------------------- audit log


def audit_log(store: ServerStore, req: Request) -> Answer:
    """Team leads read their teams' entries, administrators all; pages by entry id."""
    manager = _require_manager(req)
    after = _int_param(req.query.get("after"), 0, 0, 2**53, "bad_request", "after")
    limit = _int_param(req.query.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT, "bad_limit", "limit")
    entries = store.audit_log(_managed(manager), after, limit)
    return {"entries": entries, "next": entries[-1]["id"] if len(entries) == limit else None}


def audit_export(store: ServerStore, req: Request) -> Answer:
    """The app says it exported records of one of the device's teams (a report, a CSV)."""
    assert req.device is not None
    body = _object(req)
    what, team, count = body.get("what"), body.get("team"), body.get("count")
    if what not in EXPORTS:
        raise bad_request(f"'what' must be one of: {', '.join(EXPORTS)}.")
    if type(count) is not int or not 0 <= count <= 10**9:
        raise bad_request("'count' must be a whole number of records.")
    if not isinstance(team, str) or team not in req.device.teams:
        raise ApiError(403, "forbidden_team", "This device is not in that team.")
    store.record_export(_actor(req), what, team, count)
    return {"recorded": True}


def device_refused(store: ServerStore, req: Request) -> Answer:
    """The device says how many refused changes it holds set aside (``refusals``)."""
    assert req.device is not None
    count = _object(req).get("count")
    if type(count) is not int or not 0 <= count <= refusals.MAX_COUNT:
        raise bad_request("'count' must be a whole number of changes.")
    refusals.record(store, req.device.id, count)
    return {"recorded": True}


def _route(method: str, path: str, endpoint: Endpoint, *, auth: bool = True,
           protocol: bool = False, guard: str = "", max_values: int | None = None,
           max_body: int = MAX_BODY) -> Route:
    regex = re.sub(r"\\{(\w+)\\}", lambda m: rf"(?P<{m.group(1)}>[A-Za-z0-9_-]+)",
                   re.escape(path))
    if "conflicts/{id}" in path:
        regex = regex.replace("(?P<id>[A-Za-z0-9_-]+)", "(?P<id>[0-9]+)")
    return Route(method, path, endpoint, auth, protocol, re.compile(regex), guard, max_values,
                 max_body)


ROUTES: tuple[Route, ...] = (
    _route("GET", "/v1/health", health, auth=False),
    _route("GET", "/v1/openapi.json", openapi_doc, auth=False),
    _route("POST", "/v1/enroll", enroll, auth=False, protocol=True, guard="enroll",
           max_values=ENROLL_VALUES, max_body=ENROLL_BODY),
    _route("POST", "/v1/push", push, protocol=True),
    _route("GET", "/v1/pull", pull, protocol=True),
    _route("GET", "/v1/history/{kind}/{id}", history),
    _route("GET", "/v1/conflicts", conflicts),
    _route("POST", "/v1/conflicts/{id}/review", review),
    _route("GET", "/v1/team/devices", team_devices),
    _route("POST", "/v1/team/enrollments", team_enrollment),
    _route("POST", "/v1/team/devices/{id}/revoke", team_revoke),
    _route("POST", "/v1/households/{id}/erase", erase_household),
    _route("GET", "/v1/admin/teams", admin_teams),
    _route("POST", "/v1/admin/teams", admin_add_team),
    _route("POST", "/v1/admin/workers", admin_add_worker),
    _route("GET", "/v1/audit", audit_log),
    _route("POST", "/v1/audit/export", audit_export),
    _route("POST", "/v1/device/refused", device_refused),
)


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for a request; 404 ``not_found`` or 405 ``method_not_allowed``."""
    allowed = []
    for route in ROUTES:
        match = route.pattern.fullmatch(path)
        if match:
            if route.method == method:
                return route, match.groupdict()
            allowed.append(route.method)
    if allowed:
        err = ApiError(405, "method_not_allowed",
                       f"Use {' or '.join(allowed)} for this address.", allowed=allowed)
        err.headers["Allow"] = ", ".join(allowed)
        raise err
    raise not_found()
