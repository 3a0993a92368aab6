"""The documented front door: ``deploy/nginx/wijkweb.conf`` in front of a real sync server.

nginx is Debian's binary run as an ordinary process on free loopback ports, with its own pid,
logs and temporary paths in a throwaway directory; its site file is the committed one with only
the lines marked ``EDIT`` replaced (ports, certificate, webroot), so what ``docs/deploy.md``
tells an operator to install is what is tested. Attacks come from other loopback addresses
(127.0.0.2 …) than the legitimate device (127.0.0.1), as they would from other hosts, so that
the per-address limits tell them apart. Every request the sync server itself sees is in its
request log (``seen``), which is how a test knows what got past nginx.

Skipped when nginx is not installed, except in CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from app.store import Store
from app.sync.client import SyncClient, enroll
from sync_server.handler import MAX_BODY
from sync_server.protocol import PROTOCOL_HEADER

if TYPE_CHECKING:
    from server_fixtures import Harness

pytest_plugins = ["server_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "wijkweb.conf"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
ATTACKER = "127.0.0.2"
"""The source address of attack traffic; the legitimate device connects from 127.0.0.1."""
WAIT_S = 30.0
"""Upper bound for a state to be reached (a last resort on a busy machine, not a pace)."""
PROTO = f"{PROTOCOL_HEADER}: 1\r\n"


@dataclass
class Front:
    """nginx serving the committed site file, and the sync server behind it."""

    harness: Harness
    https_port: int
    http_port: int
    base: Path
    cafile: Path
    log_lines: list[str]

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    def connect(self, source: str = "127.0.0.1") -> ssl.SSLSocket:
        """A raw TLS connection to nginx from ``source`` (a loopback address)."""
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=WAIT_S,
                                       source_address=(source, 0))
        return self.tls().wrap_socket(raw, server_hostname="127.0.0.1")

    def seen(self) -> list[str]:
        """The request lines (``METHOD /path STATUS ...``) the sync server has logged."""
        return list(self.log_lines)

    def settle(self) -> list[str]:
        """What the server has seen once everything sent before now has been handled: a marker
        request goes through nginx after it, and the log is read when the marker is in."""
        marker = f"/v1/settle-{len(self.log_lines)}-{time.monotonic_ns()}"
        with httpx.Client(verify=self.tls(), timeout=WAIT_S) as http:
            assert http.get(self.url + marker).status_code == 404
        deadline = time.monotonic() + WAIT_S
        while not any(marker in line for line in self.log_lines):
            assert time.monotonic() < deadline, "the marker never reached the server"
            time.sleep(0.01)
        return [line for line in self.seen() if "/v1/settle-" not in line]


def nginx_missing() -> str | None:
    if NGINX is None:
        return "nginx is not installed (Debian: apt-get install nginx; `make test` does it)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_site(upstream: int, https: int, http: int, cert: Path, key: Path,
                webroot: Path) -> str:
    """The committed site file with its EDIT lines pointed at this test's ports and files."""
    text = SITE.read_text()
    edits = {
        "server 127.0.0.1:8765;": f"server 127.0.0.1:{upstream};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "/etc/letsencrypt/live/sync.example.nl/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/sync.example.nl/privkey.pem": str(key),
        "root /var/www/letsencrypt;": f"root {webroot};",
    }
    for old, new in edits.items():
        assert old in text, f"{SITE.name} no longer has {old!r}: update this test and the docs"
        text = text.replace(old, new)
    return text


MAIN_CONF = """\
{user}worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/error.log info;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    access_log {base}/access.log;
    client_body_temp_path {base}/body;
    proxy_temp_path {base}/proxy;
    fastcgi_temp_path {base}/fastcgi;
    uwsgi_temp_path {base}/uwsgi;
    scgi_temp_path {base}/scgi;
    include {base}/wijkweb.conf;
}}
"""
"""What Debian's /etc/nginx/nginx.conf provides around a site file, with every path moved into
the test's directory (as root, the workers run as nobody, as Debian's run as www-data)."""


@pytest.fixture
def front(server: Harness, self_signed: tuple[Path, Path],
          caplog: pytest.LogCaptureFixture) -> Iterator[Front]:
    reason = nginx_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"nginx is required in CI: {reason}")
        pytest.skip(reason)
    assert NGINX is not None
    base = Path(tempfile.mkdtemp(prefix="wijkweb-nginx-"))
    os.chmod(base, 0o755)  # the workers (nobody, when started as root) create temp files here
    cert, key = self_signed
    https, http = _free_port(), _free_port()
    upstream = int(server.url.rsplit(":", 1)[1])
    (base / "acme").mkdir()
    (base / "wijkweb.conf").write_text(render_site(upstream, https, http, cert, key,
                                                   base / "acme"))
    (base / "nginx.conf").write_text(MAIN_CONF.format(
        base=base, user="user nobody nogroup;\n" if os.geteuid() == 0 else ""))
    lines: list[str] = []

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    caplog.set_level(logging.INFO, logger="wijkweb.server")
    seen = Seen(logging.INFO)
    logging.getLogger("wijkweb.server").addHandler(seen)
    conf = ["-p", str(base), "-c", str(base / "nginx.conf"), "-e", str(base / "error.log")]
    check = subprocess.run([NGINX, *conf, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, *conf, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_listening(proc, https, base)
        yield Front(server, https, http, base, cert, lines)
    finally:
        logging.getLogger("wijkweb.server").removeHandler(seen)
        proc.terminate()
        try:
            proc.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(WAIT_S)
        if proc.stderr:
            proc.stderr.close()
        shutil.rmtree(base, ignore_errors=True)


def _wait_listening(proc: subprocess.Popen[str], port: int, base: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        if proc.poll() is not None:
            log = (base / "error.log").read_text() if (base / "error.log").exists() else ""
            raise AssertionError(f"nginx exited: {proc.stderr.read() if proc.stderr else ''}"
                                 f"\n{log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "nginx never listened"
            time.sleep(0.02)


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer from a raw socket: status, headers (lower-case names), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed without an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed mid-answer"
        body += chunk
    return int(lines[0].split()[1]), headers, body[:length]


def closed(sock: socket.socket) -> bool:
    """True when the peer has closed the connection (after any answer already read)."""
    try:
        return sock.recv(65536) == b""
    except (ConnectionResetError, ssl.SSLError):
        return True


def app_device(front: Front, tmp_path: Path, name: str,
               teams: list[str]) -> tuple[Store, Callable[[], SyncClient]]:
    """An app device (its own store) enrolled through nginx; returns it and a client maker."""
    store = front.harness.store
    worker = store.add_worker(name, "street_coach", teams)
    code = store.create_enrollment(worker)
    data_dir = tmp_path / name
    device = Store(data_dir / "wijkweb.sqlite")
    transport = httpx.HTTPTransport(verify=front.tls())
    config = enroll(device, front.url, code, data_dir, transport=transport)
    return device, lambda: SyncClient(device, config, transport=transport)


# ---------------------------------------------------------------------- it works through it


def test_devices_push_and_pull_through_nginx(front: Front, tmp_path: Path) -> None:
    team = front.harness.team()
    coach, coach_client = app_device(front, tmp_path, "coach", [team])
    lead, lead_client = app_device(front, tmp_path, "lead", [team])
    rid = coach.create("resident", team, {"name": "Mohamed El Amrani"})
    with coach_client() as client:
        client.sync()
    assert coach.pending_count() == 0
    with lead_client() as client:
        client.sync()
    assert lead.all_rows("resident")[rid]["name"] == "Mohamed El Amrani"
    seen = front.settle()
    assert any(line.startswith("POST /v1/push 200 ") for line in seen), seen
    assert any(line.startswith("GET /v1/pull 200 ") for line in seen), seen
    for device in (coach, lead):
        device.close()


# ---------------------------------------------------------------------- request smuggling

SMUGGLED = b"GET /v1/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
"""A second request hidden in the first one's body, if the two sides disagreed on its end."""
PUSH = b"POST /v1/push HTTP/1.1\r\nHost: x\r\n"
AMBIGUOUS = {
    "content_length_and_chunked": b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  b"0\r\n\r\n",
    "two_content_lengths": b"Content-Length: 0\r\nContent-Length: 40\r\n\r\n",
    "chunk_size_minus_one": b"Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n",
    "unknown_transfer_encoding": b"Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n\r\n",
    "gzip_then_chunked": b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "transfer_encoding_twice": b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
                               b"\r\n0\r\n\r\n",
    "space_before_colon": b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "chunk_size_0x2": b"Transfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n",
    "chunk_size_overflow": b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n\r\n",
    "folded_header": b"Content-Length: 0\r\n Transfer-Encoding: chunked\r\n\r\n",
}


@pytest.mark.parametrize("framing", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_ambiguous_framing_is_refused_by_nginx_and_reaches_nothing(front: Front,
                                                                  framing: bytes) -> None:
    with front.connect(ATTACKER) as sock:
        sock.sendall(PUSH + framing + SMUGGLED)
        status, headers, body = read_answer(sock)
        assert (status, json.loads(body)["code"]) == (400, "bad_request"), body
        assert headers["content-type"] == "application/json"
        assert closed(sock), "the connection must end: its remaining bytes are not a request"
    assert front.settle() == []  # neither the first request nor the smuggled one got through


# ---------------------------------------------------------------------- body size


def test_a_declared_body_over_8_mib_is_refused_by_nginx_before_it_is_sent(front: Front) -> None:
    with front.connect(ATTACKER) as sock:
        sock.sendall(PUSH + f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode())
        status, _, body = read_answer(sock)
    assert (status, json.loads(body)) == (413, {
        "code": "body_too_large", "message": f"A body may be at most {MAX_BODY} bytes.",
        "max": MAX_BODY})
    assert front.settle() == []


def test_a_chunked_body_over_8_mib_is_refused_by_nginx(front: Front) -> None:
    chunk = b"x" * 65536
    with front.connect(ATTACKER) as sock:
        sock.sendall(PUSH + b"Transfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(MAX_BODY // len(chunk) + 1):
                sock.sendall(b"10000\r\n" + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # nginx may stop reading once it has said no
        status, _, body = read_answer(sock)
    assert (status, json.loads(body)["code"]) == (413, "body_too_large")
    assert front.settle() == []


def test_a_body_of_exactly_8_mib_reaches_the_server(front: Front) -> None:
    """The two caps are the same: nginx lets through what the server itself would read."""
    device = front.harness.device()
    with httpx.Client(verify=front.tls(), timeout=WAIT_S) as http:
        answer = http.post(front.url + "/v1/push", content=b" " * MAX_BODY, headers={
            PROTOCOL_HEADER: "1", "Authorization": f"Bearer {device.token}",
            "Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["code"] != "body_too_large", answer.text
    pushes = [line.split()[:3] for line in front.settle() if "/v1/push" in line]
    assert pushes == [["POST", "/v1/push", "400"]]
