"""The development CA: certificates that really complete an mTLS handshake, keys written 0600."""

from __future__ import annotations

import socket
import ssl
import stat
import threading
from pathlib import Path
from typing import cast

import pytest
from cryptography import x509

from gateway.pki import (
    CertifiedKey,
    PKIError,
    client_san,
    create_ca,
    issue_client_cert,
    issue_server_cert,
    load_certified_key,
    uri_sans,
    write_certified_key,
)


@pytest.fixture(scope="module")
def ca() -> CertifiedKey:
    return create_ca("cfx test CA")


def _files(tmp_path: Path, name: str, ck: CertifiedKey) -> tuple[Path, Path]:
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    write_certified_key(ck, cert, key)
    return cert, key


def test_client_san_follows_the_documented_scheme():
    assert client_san("sichuan-pv", "exporter") == "spiffe://cfx/org/sichuan-pv/exporter"


@pytest.mark.parametrize(("org", "role"), [("Sichuan PV", "exporter"), ("a/b", "x"), ("ok", "")])
def test_client_san_refuses_names_that_would_change_the_uri(org, role):
    with pytest.raises(PKIError):
        client_san(org, role)


def test_leaf_certificates_chain_to_the_ca_and_carry_their_sans(ca: CertifiedKey):
    server = issue_server_cert(ca, "node")
    client = issue_client_cert(ca, "acme", "exporter")
    for leaf in (server, client):
        leaf.cert.verify_directly_issued_by(ca.cert)
    san = server.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert uri_sans(client.cert) == ["spiffe://cfx/org/acme/exporter"]
    assert uri_sans(ca.cert) == []


def test_private_keys_are_written_0600_and_reload(tmp_path: Path, ca: CertifiedKey):
    cert, key = _files(tmp_path, "client", issue_client_cert(ca, "acme", "exporter"))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # Rewriting over a pre-existing, too-open file tightens it.
    key.chmod(0o644)
    write_certified_key(load_certified_key(cert, key), cert, key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_mismatched_key_and_certificate_are_refused(tmp_path: Path, ca: CertifiedKey):
    cert, _ = _files(tmp_path, "a", issue_client_cert(ca, "acme", "exporter"))
    _, other_key = _files(tmp_path, "b", issue_client_cert(ca, "acme", "exporter"))
    with pytest.raises(PKIError):
        load_certified_key(cert, other_key)
    with pytest.raises(PKIError):
        load_certified_key(tmp_path / "missing.pem", other_key)


def _handshake(tmp_path: Path, ca: CertifiedKey, client: CertifiedKey | None) -> str:
    """Run a real TLS 1.3 mutual handshake over a socket pair; return the client SAN seen."""
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.cert_pem())
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(*_files(tmp_path, "server", issue_server_cert(ca, "node")))
    server_ctx.load_verify_locations(ca_file)
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(ca_file)
    if client is not None:
        client_ctx.load_cert_chain(*_files(tmp_path, "client", client))
    a, b = socket.socketpair()
    seen: list[str] = []
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(a, server_side=True) as tls:
                cert = tls.getpeercert()
                assert cert is not None
                sans = cast("tuple[tuple[str, str], ...]", cert.get("subjectAltName", ()))
                seen.extend(v for k, v in sans if k == "URI")
                tls.sendall(b"ok")
        except (ssl.SSLError, OSError) as exc:
            failure.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client_ctx.wrap_socket(b, server_hostname="localhost") as tls:
            tls.recv(2)
    finally:
        thread.join(timeout=10)
        a.close()
        b.close()
    if failure:
        raise failure[0]
    return seen[0]


def test_certificates_complete_a_mutual_tls_handshake(tmp_path: Path, ca: CertifiedKey):
    san = _handshake(tmp_path, ca, issue_client_cert(ca, "acme", "certifier"))
    assert san == "spiffe://cfx/org/acme/certifier"


def test_client_from_a_foreign_ca_cannot_connect(tmp_path: Path, ca: CertifiedKey):
    foreign = create_ca("someone else")
    with pytest.raises((ssl.SSLError, OSError)):
        _handshake(tmp_path, ca, issue_client_cert(foreign, "acme", "exporter"))
