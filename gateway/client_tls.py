"""The client's side of mTLS: check an identity directory before connecting, and explain a
connection that failed.

gRPC reports every failed handshake as "UNAVAILABLE … Socket closed": the server hangs up without
saying why, by design (RFC 8446 §6.2 alerts carry no detail). The cause is almost always the
client's material, and that can be checked locally: the key must match the certificate, the
certificate must be valid now and issued by the CA in `ca.pem` (the node's CA, which also issued
the server's certificate). When the connection fails anyway, one TLS handshake made here with
Python's `ssl` module shows the node's certificate, which names the remaining causes.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from gateway import pki
from gateway.errors import GatewayError
from gateway.node import ClientFiles

MAX_PEM_BYTES = 64 * 1024  # a certificate or key is ~1 KB; a chain of a few is still far below
PROBE_TIMEOUT = 5.0


def _issue_hint(directory: Path) -> str:
    return f"issue one with `cfx clients add --dir NODE --org ORG --role ROLE --out {directory}`"


class ClientIdentityError(GatewayError):
    """A client identity directory that cannot work: the problem and the fix, for `directory`."""

    reason = "CLIENT_IDENTITY_UNUSABLE"

    def __init__(self, directory: Path, problem: str) -> None:
        super().__init__(f"client identity {directory}: {problem}")
        self.directory = directory
        self.problem = problem


@dataclass(frozen=True)
class ClientIdentity:
    """A checked identity directory: the PEM bytes gRPC needs and the parsed certificates."""

    files: ClientFiles
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    ca: x509.Certificate
    cert: x509.Certificate


def load_identity(directory: Path, *, now: datetime | None = None) -> ClientIdentity:
    """Read and check `directory`/{cert,key,ca}.pem; raise `ClientIdentityError` naming the
    file and the fix for anything the node would refuse during the handshake."""
    files = ClientFiles(directory)
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "no such directory"
        raise ClientIdentityError(
            directory, f"{problem}; give the directory with cert.pem, key.pem and ca.pem, or "
            f"{_issue_hint(directory)}",
        )  # fmt: skip
    ca_pem, cert_pem, key_pem = (_read(directory, p) for p in (files.ca, files.cert, files.key))
    ca = _certificate(directory, files.ca, ca_pem)
    cert = _certificate(directory, files.cert, cert_pem)
    key = _private_key(directory, files.key, key_pem)
    if not pki.key_matches(cert, key):
        raise ClientIdentityError(
            directory, f"{files.key} does not match the certificate {files.cert}; "
            "use the key.pem written together with that cert.pem",
        )  # fmt: skip
    moment = now or datetime.now(UTC)
    for path, certificate in ((files.cert, cert), (files.ca, ca)):
        if (invalid := pki.validity_problem(certificate, moment)) is not None:
            fix = "check this machine's clock" if "before" in invalid else _issue_hint(directory)
            raise ClientIdentityError(directory, f"{path} {invalid}; {fix}")
    if not pki.is_issued_by(cert, ca):
        raise ClientIdentityError(
            directory, f"{files.cert} is not issued by {files.ca} (the node's CA), so the node "
            f"will refuse it; use an identity this node issued, or {_issue_hint(directory)}",
        )  # fmt: skip
    return ClientIdentity(files, ca_pem, cert_pem, key_pem, ca, cert)


def _read(directory: Path, path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PEM_BYTES + 1)
    except FileNotFoundError:
        raise ClientIdentityError(
            directory, f"{path} is missing; {_issue_hint(directory)}"
        ) from None
    except OSError as exc:
        raise ClientIdentityError(directory, f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > MAX_PEM_BYTES:
        raise ClientIdentityError(directory, f"{path} is larger than {MAX_PEM_BYTES} bytes")
    return data


def _certificate(directory: Path, path: Path, pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise ClientIdentityError(directory, f"{path} is not a PEM certificate") from None


def _private_key(directory: Path, path: Path, pem: bytes) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ClientIdentityError(
            directory, f"{path} is not an unencrypted PEM private key"
        ) from None


# -- explaining a failed connection --------------------------------------------------------------


def explain_failure(
    address: str, identity: ClientIdentity, authority: str, timeout: float = PROBE_TIMEOUT
) -> str:
    """The likely cause of a failed connection to `address`, with the fix, in one sentence."""
    target = _host_port(address)
    if target is None:
        return "the node did not answer; check --server"
    try:
        sock = socket.create_connection(target, timeout=timeout)
    except ConnectionRefusedError:
        return "nothing is listening there; is `cfx serve` running, and is --server right?"
    except TimeoutError:
        return f"no answer within {timeout:g} s; is --server right?"
    except OSError as exc:
        return f"{exc.strerror or exc}; is --server right?"
    with sock:
        try:
            server_der, verdict = _handshake(sock, identity, authority)
        except (ssl.SSLError, OSError) as exc:
            return f"the TLS handshake failed ({_ssl_reason(exc)}); is {address} a cfx node?"
    return _judge(identity, x509.load_der_x509_certificate(server_der), authority, verdict)


def _handshake(
    sock: socket.socket, identity: ClientIdentity, authority: str
) -> tuple[bytes, str | None]:
    """One TLS handshake presenting our certificate. Returns the server's certificate (DER) and
    the server's verdict on ours: None when it went on to speak HTTP/2, else the alert."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Verification is done below, by hand, to say *why* the node's certificate is not trusted;
    # nothing but the handshake is sent over this connection.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    context.load_cert_chain(identity.files.cert, identity.files.key)
    with context.wrap_socket(sock, server_hostname=authority) as tls:
        server_der = tls.getpeercert(binary_form=True)
        if server_der is None:
            raise ssl.SSLError("the node presented no certificate")
        # In TLS 1.3 the server judges the client's certificate after the client has finished
        # its side of the handshake: a refusal arrives as an alert on the first read.
        try:
            first = tls.recv(1)
        except ssl.SSLError as exc:
            return server_der, _ssl_reason(exc)
        except OSError as exc:
            return server_der, exc.strerror or type(exc).__name__
    return server_der, None if first else "the node closed the connection"


def _judge(
    identity: ClientIdentity, server: x509.Certificate, authority: str, verdict: str | None
) -> str:
    ca_file = identity.files.ca
    if not pki.is_issued_by(server, identity.ca):
        return (
            f"the node's certificate is not issued by {ca_file}, so this identity is for another "
            "node (or the node's CA was replaced); use an identity this node issued"
        )
    if (problem := pki.validity_problem(server, datetime.now(UTC))) is not None:
        return f"the node's certificate {problem}; the node's operator must renew it"
    if not pki.names_host(server, authority):
        return f"the node's certificate does not name {authority!r}, the name the client expects"
    if verdict is not None:
        return (
            f"the node closed the connection on the certificate {identity.files.cert} "
            f"({verdict}): it does not accept this identity; ask the node's operator for one "
            "(`cfx clients add`)"
        )
    return "the TLS handshake succeeded on a second try; retry, or see the node's log"


def _host_port(address: str) -> tuple[str, int] | None:
    """HOST:PORT or [IPv6]:PORT; None for gRPC target forms we do not probe (dns:///, unix:)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "/" in host or host in {"", "unix"}:
        return None
    return host.removeprefix("[").removesuffix("]"), int(port)


def _ssl_reason(exc: OSError) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason).lower().replace("_", " ") if reason else str(exc)
