"""Strict HTTP/1.1 message framing (RFC 9112): exactly one way to know where a body ends.

Anything a front proxy might read differently (two lengths, an unknown or doubled transfer
coding, both a length and chunked, chunk sizes Python's ``int`` forgives such as ``-1``,
``0x2``, ``+2`` or ``0_2``, bare LF, folded header lines, no ``Host``) is ``400 bad_framing``
and the connection is closed: a request smuggled past a proxy starts with such a disagreement.
"""

from __future__ import annotations

import re
from email.message import Message

from sync_server.http_errors import ApiError
from sync_server.timeouts import ClientGone, DeadlineReader

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_FIELD = re.compile(_TOKEN + rb":[^\r\n\0]*\r\n")
_REQUEST_LINE = re.compile(_TOKEN + rb" [\x21-\x7e\x80-\xff]+ HTTP/1\.[01]\r\n")
_LENGTH = re.compile(r"[0-9]{1,19}")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})(?:;[\t\x20-\x7e]*)?\r\n")
_CHUNK_LINE = 1024
_MAX_TRAILERS = 32


def bad_framing(message: str) -> ApiError:
    return ApiError(400, "bad_framing", message)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"A body may be at most {limit} bytes.", max=limit)


def check_head(head: list[bytes]) -> None:
    """The raw request line and header lines: CRLF endings, no folding, ``name:`` fields."""
    if not head or not _REQUEST_LINE.fullmatch(head[0]):
        raise bad_framing("The request line must be 'METHOD target HTTP/1.x' ending in CRLF.")
    if head[-1] != b"\r\n":
        raise bad_framing("The header block must end with an empty line (CRLF).")
    for line in head[1:-1]:
        if line[:1] in (b" ", b"\t"):
            raise bad_framing("Folded header lines are not accepted.")
        if not _FIELD.fullmatch(line):
            raise bad_framing("Each header line must be 'Name: value' ending in CRLF.")


def body_length(headers: Message, version: str, cap: int) -> int | None:
    """The body's length from the headers (None: chunked); 413 past ``cap``."""
    if version == "HTTP/1.1" and len(headers.get_all("Host") or []) != 1:
        raise bad_framing("An HTTP/1.1 request needs exactly one Host header.")
    lengths = headers.get_all("Content-Length") or []
    codings = headers.get_all("Transfer-Encoding") or []
    if codings:
        if lengths:
            raise bad_framing("Send Content-Length or Transfer-Encoding, not both.")
        if version != "HTTP/1.1":
            raise bad_framing("Transfer-Encoding needs HTTP/1.1.")
        if len(codings) != 1 or codings[0].strip().lower() != "chunked":
            raise bad_framing("The only transfer coding accepted is 'chunked'.")
        return None
    if not lengths:
        return 0
    if len(lengths) != 1 or not _LENGTH.fullmatch(lengths[0].strip()):
        raise bad_framing("Content-Length must be one number.")
    length = int(lengths[0])
    if length > cap:
        raise too_large(cap)
    return length


def read_chunked(rfile: DeadlineReader, cap: int) -> bytes:
    """A chunked body, refused (413) as soon as its sizes add up past ``cap``, before reading
    the chunk that would pass it."""
    parts, total = [], 0
    while size := _chunk_size(rfile):
        total += size
        if total > cap:
            raise too_large(cap)
        part = rfile.read(size)
        end = rfile.read(2)
        if len(part) < size or len(end) < 2:
            raise ClientGone("the body ended early")
        if end != b"\r\n":
            raise bad_framing("A chunk must end with CRLF.")
        parts.append(part)
    for _ in range(_MAX_TRAILERS):
        line = _read_line(rfile)
        if line == b"\r\n":
            return b"".join(parts)
        if not _FIELD.fullmatch(line):
            raise bad_framing("A trailer line must be 'Name: value' ending in CRLF.")
    raise bad_framing("Too many trailer lines.")


def _chunk_size(rfile: DeadlineReader) -> int:
    found = _CHUNK_SIZE.fullmatch(_read_line(rfile))
    if found is None:
        raise bad_framing("A chunk size must be plain hex (at most 8 digits) ending in CRLF.")
    return int(found.group(1), 16)


def _read_line(rfile: DeadlineReader) -> bytes:
    line = rfile.readline(_CHUNK_LINE)
    if not line.endswith(b"\n") and len(line) < _CHUNK_LINE:
        raise ClientGone("the body ended early")
    return line
