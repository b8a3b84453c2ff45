"""A real local HTTP(S) server with good, bad, slow and flaky routes, for the smoke-test hook."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SLOW_MAX_SECONDS = 10.0  # /slow never holds a thread longer than this (released at shutdown)
TLS_HANDSHAKE_TIMEOUT = 5.0
CERT_NAME = "service.example.internal"  # deliberately not 127.0.0.1: like the ALB's test listener


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer._Httpd

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        owner = self.server.owner
        hits = owner.record(self.command, self.path, dict(self.headers.items()))
        parts = self.path.split("/")
        if self.path in ("/ok", "/health"):
            self._answer(200, b"ok")
        elif self.path == "/error":
            self._answer(500, b"boom")
        elif self.path == "/redirect":
            self._answer(302, b"", {"Location": "/ok"})
        elif self.path == "/slow":
            owner.release.wait(SLOW_MAX_SECONDS)
            self._answer(200, b"late")
        elif self.path == "/drop":
            self.close_connection = True  # say nothing and hang up
        elif len(parts) == 4 and parts[1] == "flaky" and parts[3].isdigit():
            # /flaky/<key>/<n>: 503 for the first n requests of that key, then 200.
            if hits <= int(parts[3]):
                self._answer(503, b"not yet")
            else:
                self._answer(200, b"ok now")
        elif len(parts) == 3 and parts[1] == "status" and parts[2].isdigit():
            self._answer(int(parts[2]))
        else:
            self._answer(404, b"not found")


class LocalServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port> in a thread; `tls_context` makes it HTTPS."""

    class _Httpd(ThreadingHTTPServer):
        daemon_threads = True
        owner: LocalServer
        tls_context: ssl.SSLContext | None = None

        def finish_request(self, request: Any, client_address: Any) -> None:
            if self.tls_context is None:
                super().finish_request(request, client_address)
                return
            request.settimeout(TLS_HANDSHAKE_TIMEOUT)
            try:  # handshake in the per-connection thread, so a failed one cannot stall accept()
                tls = self.tls_context.wrap_socket(request, server_side=True)
            except OSError:
                return  # e.g. the client rejected our certificate
            try:
                self.RequestHandlerClass(tls, client_address, self)  # type: ignore[arg-type]
            finally:
                tls.close()

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # clients that time out and hang up are part of the tests

    def __init__(self, tls_context: ssl.SSLContext | None = None, sock: socket.socket | None = None) -> None:
        """`sock`: a socket already bound (and refusing connections) to listen on - green coming up
        on the very port that refused a moment ago, with no window for anyone else to take it."""
        self.release = threading.Event()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        if sock is None:
            self._httpd = self._Httpd(("127.0.0.1", 0), _Handler)
        else:
            self._httpd = self._Httpd(sock.getsockname(), _Handler, bind_and_activate=False)
            self._httpd.socket.close()
            self._httpd.socket = sock
            self._httpd.server_address = sock.getsockname()
            self._httpd.server_activate()
        self._httpd.owner = self
        self._httpd.tls_context = tls_context
        self.port = self._httpd.server_address[1]
        scheme = "https" if tls_context else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def record(self, method: str, path: str, headers: dict[str, str]) -> int:
        """Log a request; return how many requests this path has had, this one included."""
        with self._lock:
            self.requests.append((method, path, headers))
            self._hits[path] += 1
            return self._hits[path]

    def hits(self, path: str) -> int:
        with self._lock:
            return self._hits[path]

    def paths(self) -> list[str]:
        with self._lock:
            return [path for _, path, _ in self.requests]

    def close(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def write_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed EC certificate for CERT_NAME (not for 127.0.0.1); returns (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERT_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(CERT_NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path
