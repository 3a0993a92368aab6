"""The OpenAPI document matches what the handler serves, and names every error code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync_server import api, openapi
from sync_server.protocol import PROTOCOL_HEADER

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]
SOURCE = Path(__file__).resolve().parent.parent / "sync_server"


def _operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def test_document_lists_exactly_the_served_routes(server: Harness) -> None:
    doc = server.anonymous.get("/v1/openapi.json").json()
    assert _operations(doc) == {(r.method, r.path) for r in api.ROUTES}


def test_every_documented_operation_is_served(server: Harness) -> None:
    lead = server.device(role="team_lead")
    doc = server.anonymous.get("/v1/openapi.json").json()
    for method, path in _operations(doc):
        concrete = (path.replace("{kind}", "contact").replace("{id}", "1")
                    if "conflicts" in path else
                    path.replace("{kind}", "contact").replace("{id}", lead.worker))
        route, _ = api.resolve(method, concrete)
        assert route.path == path
        resp = lead.http.request(method, concrete, headers={PROTOCOL_HEADER: "2"},
                                 json={} if method == "POST" else None)
        assert resp.status_code != 405, (method, path)
        assert resp.json().get("message") != "There is nothing at this address.", path


def test_refs_resolve_and_operations_are_complete() -> None:
    doc = openapi.document()
    text = repr(doc)
    for ref in re.findall(r"#/components/schemas/(\w+)", text):
        assert ref in doc["components"]["schemas"], ref
    for path, ops in doc["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        for op in ops.values():
            assert "200" in op["responses"]
            assert any(code.startswith("4") for code in op["responses"]), path
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == params, path


def test_every_error_code_in_the_source_is_documented() -> None:
    doc_text = repr(openapi.document())
    codes: set[str] = set()
    for file in SOURCE.glob("*.py"):
        text = file.read_text()
        codes |= set(re.findall(r'ApiError\(\s*\d{3},\s*"(\w+)"', text))
        codes |= set(re.findall(r'code="(\w+)"', text))
        codes |= set(re.findall(r'ProtocolError\(\s*"(\w+)"', text))
    codes |= {"not_found", "bad_request", "unavailable", "internal", "forbidden_team",
              "forbidden_kind", "team_mismatch", "tx_rejected"}
    assert len(codes) > 25
    missing = sorted(c for c in codes if f"`{c}`" not in doc_text and f"'{c}'" not in doc_text)
    assert missing == []
