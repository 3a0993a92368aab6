"""The documented front door: ``deploy/nginx/wijkweb.conf`` in front of a real sync server.

nginx is Debian's binary run as an ordinary process on free loopback ports, with its own pid,
logs and temporary paths in a throwaway directory; its site file is the committed one with only
the lines marked ``EDIT`` replaced (ports, certificate, webroot), so what ``docs/deploy.md``
tells an operator to install is what is tested. Attacks come from other loopback addresses
(127.0.0.2 …) than the legitimate device (127.0.0.1), as they would from other hosts, so that
the per-address limits tell them apart. Every request the sync server itself sees is in its
request log (``Front.settle``), which is how a test knows what got past nginx.

Skipped when nginx is not installed, except in CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import json
import logging
import os
import random
import selectors
import shlex
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from app.store import Store
from app.sync.client import SyncClient, enroll
from sync_server.handler import MAX_BODY
from sync_server.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

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
class Nginx:
    """nginx serving the committed site file on loopback ports of its own."""

    https_port: int
    http_port: int
    base: Path
    cafile: Path

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


@dataclass
class Front(Nginx):
    """nginx with the sync server behind it, and the request lines the server has logged."""

    harness: Harness
    log_lines: list[str]

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
        return [line for line in self.log_lines if "/v1/settle-" not in line]


def require_nginx() -> str:
    """The nginx binary; skips the test without one, except in CI (``CI=true``): fails."""
    if NGINX is None:
        reason = "nginx is not installed (Debian: apt-get install nginx; `make test` does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"nginx is required in CI: {reason}")
        pytest.skip(reason)
    return NGINX


def _unused_port() -> int:
    """A free port below the kernel's ephemeral range. nginx binds it only after this returns,
    and a port from that range may meanwhile become the local end of any outgoing connection
    on the (shared) machine, which would make nginx's bind fail."""
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ephemeral.read_text().split()[0]) if ephemeral.exists() else 32768
    for _ in range(100):
        port = random.randrange(10_000, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")


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


@contextmanager
def running_nginx(upstream: int, cert: Path, key: Path) -> Iterator[Nginx]:
    """nginx in front of ``upstream`` (a port on 127.0.0.1) until the block ends."""
    nginx = require_nginx()
    base = Path(tempfile.mkdtemp(prefix="wijkweb-nginx-"))
    os.chmod(base, 0o755)  # the workers (nobody, when started as root) create temp files here
    https, http = _unused_port(), _unused_port()
    (base / "acme").mkdir()
    (base / "wijkweb.conf").write_text(render_site(upstream, https, http, cert, key,
                                                   base / "acme"))
    (base / "nginx.conf").write_text(MAIN_CONF.format(
        base=base, user="user nobody nogroup;\n" if os.geteuid() == 0 else ""))
    conf = ["-p", str(base), "-c", str(base / "nginx.conf"), "-e", str(base / "error.log")]
    check = subprocess.run([nginx, *conf, "-t"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([nginx, *conf, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_listening(proc, https, base)
        yield Nginx(https, http, base, cert)
    finally:
        proc.terminate()
        try:
            proc.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(WAIT_S)
        if proc.stderr:
            proc.stderr.close()
        shutil.rmtree(base, ignore_errors=True)


TRUSTED_PROXY = "127.0.0.1"
"""The server's ``--trusted-proxy``, as docs/deploy.md starts it: nginx's own address towards
the server, whose ``X-Real-IP`` then names the client for the server's per-address limits."""


@pytest.fixture
def front(make_server: Callable[..., Harness], self_signed: tuple[Path, Path],
          caplog: pytest.LogCaptureFixture) -> Iterator[Front]:
    server = make_server(trusted_proxies=(TRUSTED_PROXY,))
    lines: list[str] = []

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    caplog.set_level(logging.INFO, logger="wijkweb.server")
    seen = Seen(logging.INFO)
    logging.getLogger("wijkweb.server").addHandler(seen)
    try:
        with running_nginx(int(server.url.rsplit(":", 1)[1]), *self_signed) as nginx:
            yield Front(nginx.https_port, nginx.http_port, nginx.base, nginx.cafile, server,
                        lines)
    finally:
        logging.getLogger("wijkweb.server").removeHandler(seen)


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


def read_answer(sock: socket.socket, data: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer from a raw socket (``data``: its start, already read): status, headers
    (lower-case names), body."""
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


def test_plain_http_is_refused_not_redirected_and_other_paths_are_not_proxied(
        front: Front) -> None:
    with httpx.Client(timeout=WAIT_S, follow_redirects=False) as http:
        plain = http.get(f"http://127.0.0.1:{front.http_port}/v1/pull",
                         headers={"Authorization": "Bearer abc"})
    assert (plain.status_code, plain.json()["code"]) == (400, "tls_required")
    with httpx.Client(verify=front.tls(), timeout=WAIT_S) as http:
        other = http.get(front.url + "/server-status")
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    assert front.settle() == []



def test_the_documented_unit_starts_the_server_behind_nginx(tmp_path: Path, spawn: Any) -> None:
    """docs/deploy.md's systemd ``ExecStart`` (only the database and port moved here) is one
    the server accepts, on loopback only and trusting nginx's address."""
    unit = (ROOT / "docs" / "deploy.md").read_text()
    words = shlex.split(next(line for line in unit.splitlines()
                             if line.startswith("ExecStart=")))
    assert words[1:4] == ["-m", "sync_server", "serve"], words
    options = list(zip(words[4::2], words[5::2], strict=True))  # every option has a value
    assert ("--host", "127.0.0.1") in options and ("--trusted-proxy", TRUSTED_PROXY) in options
    moved = [word for name, value in options if name not in ("--db", "--port")
             for word in (name, value)]
    _, url = spawn(tmp_path / "server.db", *moved)
    assert httpx.get(url + "/v1/health", timeout=WAIT_S).status_code == 200


def test_the_site_file_fits_debians_own_nginx_conf(tmp_path: Path,
                                                   self_signed: tuple[Path, Path]) -> None:
    """As the docs install it: in sites-enabled/, inside Debian's nginx.conf (whose http block
    sets other TLS defaults), with the default site removed. ``nginx -t`` must accept it."""
    nginx, debian = require_nginx(), Path("/etc/nginx")
    if not (debian / "nginx.conf").is_file():
        pytest.skip("no /etc/nginx/nginx.conf: this nginx is not Debian's package")
    etc = tmp_path / "etc"
    shutil.copytree(debian, etc, symlinks=False, ignore=shutil.ignore_patterns("default"))
    (etc / "sites-enabled").mkdir(exist_ok=True)
    (etc / "sites-enabled" / "wijkweb.conf").write_text(
        render_site(8765, 443, 80, *self_signed, tmp_path))
    conf = (etc / "nginx.conf").read_text().replace("/etc/nginx", str(etc)).replace(
        "/var/log/nginx", str(tmp_path)).replace("/run/nginx.pid", str(tmp_path / "pid"))
    (etc / "nginx.conf").write_text(conf)
    check = subprocess.run([nginx, "-t", "-p", str(etc), "-c", str(etc / "nginx.conf"),
                            "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr

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


# ---------------------------------------------------------------------- request size


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
            PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {device.token}",
            "Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["code"] != "body_too_large", answer.text
    pushes = [line.split()[:3] for line in front.settle() if "/v1/push" in line]
    assert pushes == [["POST", "/v1/push", "400"]]



OVERSIZED_HEADS = {
    "header_line_over_8k": (PUSH + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n", 400),
    "request_line_over_8k": (b"GET /v1/pull?cursor=" + b"a" * 9000 + b" HTTP/1.1\r\n"
                             b"Host: x\r\n\r\n", 414),
    "heads_over_32k": (PUSH + b"".join(b"X-H%d: %s\r\n" % (n, b"a" * 4000)
                                       for n in range(9)) + b"\r\n", 400),
}


@pytest.mark.parametrize("head, status", OVERSIZED_HEADS.values(), ids=OVERSIZED_HEADS.keys())
def test_oversized_heads_are_refused_by_nginx(front: Front, head: bytes, status: int) -> None:
    """``large_client_header_buffers 4 8k``; a 7 KB header still passes (the server answers)."""
    with front.connect(ATTACKER) as sock:
        sock.sendall(head)
        got, _, body = read_answer(sock)
        assert (got, json.loads(body)["code"]) == (status, "bad_request")
        assert closed(sock)
    with front.connect(ATTACKER) as sock:
        sock.sendall(PUSH + b"X-Long: " + b"a" * 7000 + b"\r\n\r\n")
        assert json.loads(read_answer(sock)[2])["code"] == "protocol_unsupported"
    assert [line.split()[:3] for line in front.settle()] == [["POST", "/v1/push", "426"]]


# ---------------------------------------------------------------------- slow clients

SLOW_HEAD = PUSH + b"X-Slow: "
"""A request head that never ends (slowloris)."""
SLOW_BODY = PUSH + f"{PROTO}Content-Length: {MAX_BODY}\r\n\r\n".encode() + b"[" * 1024
"""A request that declares 8 MiB and sends 1 KB of it (the issue's slot exhaustion)."""
LIMIT_CONN = 32
"""``limit_conn wijkweb_conn`` in the site file: requests in progress per address."""


def arrived(sock: ssl.SSLSocket) -> bytes | None:
    """What the peer has sent so far (b"": closed), or None while nothing has come. TLS 1.3
    makes a socket readable for session tickets too, so readiness alone is no answer."""
    sock.setblocking(False)
    try:
        return sock.recv(65536)
    except (ssl.SSLWantReadError, BlockingIOError):
        return None
    except (ConnectionResetError, ssl.SSLError):
        return b""
    finally:
        sock.settimeout(WAIT_S)


def wait_answers(socks: list[ssl.SSLSocket], count: int) -> dict[ssl.SSLSocket, bytes]:
    """Wait until ``count`` of ``socks`` have begun to answer; returns those, with what came."""
    ready: dict[ssl.SSLSocket, bytes] = {}
    with selectors.DefaultSelector() as sel:
        for sock in socks:
            sel.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + WAIT_S
        while len(ready) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"only {len(ready)} of {count} answers came"
            for key, _ in sel.select(left):
                sock: ssl.SSLSocket = key.fileobj  # type: ignore[assignment]
                data = arrived(sock)
                if data is not None:
                    sel.unregister(sock)
                    ready[sock] = data
    return ready


def test_slow_clients_hold_no_server_slot_and_a_device_keeps_syncing(
        front: Front, tmp_path: Path) -> None:
    """200 slowloris heads and 40 stalled 8 MiB bodies: at the server directly, 32 stalled
    bodies take every request slot (issue 12, item 3); through nginx the server sees none of
    them, one address holds at most ``LIMIT_CONN``, and a device enrolls, pushes and pulls."""
    heads = [front.connect("127.0.0.3") for _ in range(200)]
    bodies = [front.connect(ATTACKER) for _ in range(LIMIT_CONN + 8)]
    try:
        for sock in heads:
            sock.sendall(SLOW_HEAD)
        for sock in bodies:
            sock.sendall(SLOW_BODY)
        refused = wait_answers(bodies, 8)
        for sock, start in refused.items():
            status, headers, body = read_answer(sock, start)
            assert (status, json.loads(body)["code"]) == (429, "rate_limited")
            assert headers["retry-after"] == "1"
        team = front.harness.team()
        coach, coach_client = app_device(front, tmp_path, "coach", [team])
        rid = coach.create("resident", team, {"name": "Mohamed El Amrani"})
        with coach_client() as client:
            client.sync()
        lead, lead_client = app_device(front, tmp_path, "lead", [team])
        with lead_client() as client:
            client.sync()
        assert lead.all_rows("resident")[rid]["name"] == "Mohamed El Amrani"
        seen = front.settle()
        # only the devices' own requests reached the server (a sync also reports its refusals)
        paths = {line.split()[1] for line in seen}
        assert {"/v1/enroll", "/v1/push", "/v1/pull"} <= paths
        assert paths <= {"/v1/enroll", "/v1/push", "/v1/pull", "/v1/device/refused"}
        assert all(line.split()[2] == "200" for line in seen), seen
        held = [s for s in bodies if s not in refused]
        assert len(held) == LIMIT_CONN
        for sock in held:  # nothing for them yet, unless the body timeout has struck
            assert arrived(sock) in (None, b"")
        for device in (coach, lead):
            device.close()
    finally:
        for sock in heads + bodies:
            sock.close()
    assert all(line.split()[2] == "200" for line in front.settle())



def test_nginx_ends_a_stalled_head_and_a_stalled_body_and_the_server_never_sees_them(
        front: Front) -> None:
    """``client_header_timeout`` (10 s) and ``client_body_timeout`` (15 s) free what a
    stalled client holds; both connections are closed without the server hearing of them."""
    with front.connect(ATTACKER) as head, front.connect(ATTACKER) as body:
        head.sendall(SLOW_HEAD)
        body.sendall(SLOW_BODY)
        for sock in (head, body):
            data = wait_answers([sock], 1)[sock]
            assert data == b"" or data.startswith(b"HTTP/1.1 408 "), data
            assert data == b"" or closed(sock)
    assert front.settle() == []


# ---------------------------------------------------------------------- what the server is told


class Recorder(BaseHTTPRequestHandler):
    """An upstream that notes what nginx sends it: the connection, the headers, the body."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[int, dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        self.seen.append((self.client_address[1], {k.lower(): v for k, v in
                                                   self.headers.items()},
                          self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_the_upstream_gets_whole_requests_the_real_address_and_kept_connections(
        self_signed: tuple[Path, Path]) -> None:
    """What the server's ``--trusted-proxy`` relies on: nginx replaces the client's own
    forwarding headers with the address it saw, sends a chunked body on as one
    with a length, and reuses its connection to the server."""
    Recorder.seen = []
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=upstream.serve_forever, args=(0.02,), daemon=True).start()
    try:
        with running_nginx(upstream.server_address[1], *self_signed) as nginx:
            for _ in range(2):
                with nginx.connect(ATTACKER) as sock:
                    sock.sendall(PUSH + b"X-Forwarded-For: 10.1.2.3\r\nX-Real-IP: 10.1.2.3\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n")
                    assert read_answer(sock)[0] == 200
    finally:
        upstream.shutdown()
        upstream.server_close()
    (port_1, first, body_1), (port_2, _, _) = Recorder.seen
    assert port_1 == port_2, "the second request must reuse the kept-alive upstream connection"
    assert (first["x-real-ip"], first["x-forwarded-for"]) == (ATTACKER, ATTACKER)
    assert first["x-forwarded-proto"] == "https"
    assert (first["content-length"], body_1) == ("2", b"[]")
    assert "transfer-encoding" not in first


def test_enrollment_attempts_per_address_are_limited_by_nginx(front: Front) -> None:
    """``limit_req`` on /v1/enroll: 1 + a burst of 10 at once from one address, then 10 a
    minute; what is beyond it never reaches the server."""
    answers = []
    with httpx.Client(verify=front.tls(), timeout=WAIT_S, transport=httpx.HTTPTransport(
            verify=front.tls(), local_address=ATTACKER)) as http:
        for n in range(15):
            answers.append(http.post(front.url + "/v1/enroll",
                                     headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
                                     json={"code": f"guess-{n}", "device": f"dev-{n}",
                                           "label": "x"}))
    by_nginx = [a for a in answers if a.json().get("message", "").startswith("Too many requests")]
    assert len(by_nginx) == 4 and all(a.status_code == 429 for a in by_nginx)
    assert all(a.headers["retry-after"] == "1" for a in by_nginx)
    assert sum("/v1/enroll" in line for line in front.settle()) == 11


def test_attackers_behind_nginx_do_not_spend_the_attempts_of_a_new_device(
        front: Front, tmp_path: Path) -> None:
    """The server trusts nginx (``--trusted-proxy 127.0.0.1``), so its per-address limits see
    each client's own address: 10 failed enrollment codes from one attacker and 60 bad tokens
    from another (both claiming the device's address in forwarding headers, which nginx
    replaces) spend only their own attempts. A new device from 127.0.0.1 then enrolls with its
    code, syncs, and a wrong token of its own is still merely wrong. Without the trust all of
    them were 127.0.0.1 to the server, and the enrollment got ``429 rate_limited``."""
    spoof = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "X-Real-IP": TRUSTED_PROXY,
             "X-Forwarded-For": TRUSTED_PROXY}

    def attacker(address: str) -> httpx.Client:
        return httpx.Client(base_url=front.url, headers=spoof, timeout=WAIT_S,
                            transport=httpx.HTTPTransport(verify=front.tls(),
                                                          local_address=address))

    with attacker(ATTACKER) as http:
        guesses = [http.post("/v1/enroll", json={"code": f"WRONG-{n}", "device": f"dev-{n}"})
                   for n in range(11)]
    assert [g.json()["code"] for g in guesses] == ["enrollment_invalid"] * 10 + ["rate_limited"]
    assert guesses[-1].json()["message"].startswith("Too many failed")  # the server's 429
    with attacker("127.0.0.3") as http:
        tokens = [http.get("/v1/pull", headers={"Authorization": f"Bearer {n:08d}-guess"})
                  for n in range(61)]
    assert [t.json()["code"] for t in tokens] == ["unauthorized"] * 60 + ["rate_limited"]
    team = front.harness.team()
    coach, coach_client = app_device(front, tmp_path, "coach", [team])
    coach.create("resident", team, {"name": "Mohamed El Amrani"})
    with coach_client() as client:
        client.sync()
    assert coach.pending_count() == 0
    with httpx.Client(verify=front.tls(), timeout=WAIT_S) as http:
        wrong = http.get(front.url + "/v1/pull", headers={
            PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": "Bearer mistyped-token"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "unauthorized")
    coach.close()


def test_a_stopped_server_is_503_unavailable_for_the_app_to_retry(
        self_signed: tuple[Path, Path]) -> None:
    with running_nginx(_unused_port(), *self_signed) as nginx, httpx.Client(
            verify=nginx.tls(), timeout=WAIT_S) as http:
        answer = http.post(nginx.url + "/v1/push", json={})
    assert (answer.status_code, answer.json()["code"]) == (503, "unavailable")
    assert answer.headers["retry-after"] == "5"
