"""One catalogue of error codes (``wijkweb_protocol.CODES``) holds the server, its OpenAPI
document, the client's error classes and the table in docs/api.md together."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app.sync import errors as client_errors
from sync_server import openapi
from wijkweb_protocol import CODES, REJECTIONS

ROOT = Path(__file__).resolve().parent.parent


def _codes_in_source() -> dict[str, set[int | None]]:
    """Every code the server and the protocol write as a literal, with the status beside it."""
    found: dict[str, set[int | None]] = {}
    for path in [*ROOT.glob("sync_server/*.py"), *ROOT.glob("wijkweb_protocol/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            args = node.args
            if name == "ApiError" and len(args) >= 2 and isinstance(args[1], ast.Constant):
                status = args[0].value if isinstance(args[0], ast.Constant) else None
                found.setdefault(args[1].value, set()).add(status)
            elif name == "ProtocolError" and args and isinstance(args[0], ast.Constant):
                found.setdefault(args[0].value, set()).add(None)
            for kw in node.keywords:
                if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                    found.setdefault(kw.value.value, set()).add(None)
    return found


def test_every_code_the_server_writes_is_in_the_catalogue_with_its_status():
    found = _codes_in_source()
    assert len(found) > 40
    assert set(found) <= set(CODES), set(found) - set(CODES)
    for code, statuses in found.items():
        assert statuses - {None} <= {CODES[code].status}, (code, statuses)


def test_the_catalogue_is_the_table_in_the_api_document():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d{3}) \| (.*) \|$", text, re.M))
    for code, spec in CODES.items():
        if spec.status == 422:  # "the protocol's change codes": listed with the push
            assert f"`{code}`" in text, code
        elif spec.status == 200:
            assert code in REJECTIONS
        else:
            assert f"`{code}`" in table[str(spec.status)], (code, spec.status)
    documented = set(re.findall(r"`([a-z_]+)`", " ".join(
        row for status, row in table.items() if status != "422")))  # 422 names `index`
    assert documented <= set(CODES), documented - set(CODES)


def test_every_openapi_error_is_catalogued_with_its_status():
    doc = openapi.document()
    seen = 0
    for path in doc["paths"].values():
        for op in path.values():
            for status, answer in op["responses"].items():
                for code in re.findall(r"`([a-z_]+)`", answer.get("description", "")):
                    if code in CODES:
                        seen += 1
                        assert CODES[code].status == int(status), (code, status)
    assert seen
    assert list(REJECTIONS) == openapi.SCHEMAS["Rejection"]["properties"]["code"]["enum"]


def test_the_client_knows_the_codes_it_maps_and_retries_what_the_catalogue_calls_retryable():
    for code, cls in client_errors._BY_CODE.items():
        assert code in CODES, code
        assert cls.retryable == CODES[code].retryable, code
