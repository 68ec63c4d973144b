"""Loopback servers for the client tests: one that stalls (then recovers), a counting CONNECT
proxy, and a private CA for TLS servers. Each runs in daemon threads of this process and
serves only 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from pathlib import Path
from typing import Callable, Optional

ROW = {"auth_id": "fa-1", "auth_status": "approved", "create_time": "2025-10-02T02:15:17.554Z"}


def read_head(conn: socket.socket) -> Optional[bytes]:
    """The request head (up to the blank line), or None when the peer closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(4096)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def record_answer(head: bytes) -> bytes:
    """A 200 with the record the GET asked for (any auth id), keep-alive."""
    target = head.split(b" ", 2)[1].decode()
    query = dict(p.split("=", 1) for p in target.partition("?")[2].split("&") if "=" in p)
    row = dict(ROW, auth_id=query.get("authId", "fa-1"))
    body = json.dumps([{"faceAuth_projectId": "p", "data": [row]}]).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def serve_each(listener: socket.socket, serve: Callable[[socket.socket], None]) -> None:
    """Accepts connections on a background thread until the listener is closed, each served by
    `serve` on a thread of its own."""

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


class StallingServer:
    """Reads each request and never answers it, until `healthy` is set; then answers GETs with a
    record. Counts the requests it read, and sets `closed` when a stalled connection is closed
    by the client."""

    def __init__(self, tls: Optional[ssl.SSLContext] = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests = 0
        self.healthy = False
        self.stalled = threading.Event()
        self.closed = threading.Event()
        self.tls = tls
        serve_each(self.listener, self._serve)

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    return  # the client refused the certificate
            while True:
                head = read_head(conn)
                if head is None:
                    return
                self.requests += 1
                if self.healthy:
                    conn.sendall(record_answer(head))
                    continue
                self.stalled.set()
                # Stall: wait for the client to give up on this connection.
                try:
                    while conn.recv(4096):
                        pass
                except OSError:
                    pass
                self.closed.set()
                return

    def close(self) -> None:
        self.listener.close()


class CountingProxy:
    """An HTTP proxy that only tunnels (CONNECT), as the client uses it, counting the tunnels and
    keeping each CONNECT request's head (what the proxy itself sees)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.heads: list[bytes] = []
        serve_each(self.listener, self._serve)

    @property
    def tunnels(self) -> int:
        return len(self.heads)

    def _serve(self, conn: socket.socket) -> None:
        head = read_head(conn)
        if head is None or not head.startswith(b"CONNECT "):
            conn.close()
            return
        self.heads.append(head)
        host, _, port = head.split(b" ", 2)[1].decode().rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)))
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
            conn.close()
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=self._pipe, args=(upstream, conn), daemon=True).start()
        self._pipe(conn, upstream)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def private_ca(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA made for the test and a server context whose certificate (for 127.0.0.1) it signed:
    returns the CA's PEM file and the context."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "faceauth test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = directory / "server.pem"
    chain.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return ca_file, context
