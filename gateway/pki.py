"""A development certificate authority for mTLS between nodes and clients (requirement G1).

Everything is EC P-256 with SHA-256. The CA signs one server certificate per node (SANs: DNS
`localhost` and IP `127.0.0.1` by default) and client certificates whose identity is a URI SAN:

    spiffe://cfx/org/<org>/<role>

(SPIFFE ID shape: trust domain `cfx`, path naming the organization and its role). The gateway maps
that URI to an organization through the trust registry; the role in the path is informational, the
registry decides what the organization may do. Private keys are written with mode 0600 (K1).
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.errors import GatewayError

SPIFFE_PREFIX = "spiffe://cfx/org/"
CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=825)  # CA/Browser Forum's historical maximum for leaves
# Backdate a little so a peer whose clock is slightly behind still accepts a new certificate.
_CLOCK_SKEW = timedelta(minutes=5)
_SEGMENT_RE = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?")
_CLIENT_SAN_RE = re.compile(
    re.escape(SPIFFE_PREFIX) + _SEGMENT_RE.pattern + "/" + _SEGMENT_RE.pattern
)
DEFAULT_SERVER_HOSTS = ("localhost", "127.0.0.1")


class PKIError(GatewayError):
    """Certificates or keys that cannot be made, read or written."""

    reason = "PKI_ERROR"


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def cert_pem(self) -> bytes:
        """The certificate, PEM-encoded."""
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        """The private key, unencrypted PKCS#8 PEM (written with mode 0600 only)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def client_san(org: str, role: str) -> str:
    """The URI SAN naming a client of `org` acting as `role`."""
    for label, value in (("organization", org), ("role", role)):
        if _SEGMENT_RE.fullmatch(value) is None:
            raise PKIError(f"{label} {value!r:.80} is not a lowercase slug usable in a URI SAN")
    return f"{SPIFFE_PREFIX}{org}/{role}"


def is_client_san(value: str) -> bool:
    """True only for the exact form `client_san` makes: the one shape of a client identity."""
    return _CLIENT_SAN_RE.fullmatch(value) is not None


def create_ca(common_name: str, *, now: datetime | None = None) -> CertifiedKey:
    """A self-signed P-256 CA that may sign leaf certificates only (path length 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = (now or datetime.now(UTC)) - _CLOCK_SKEW
    cert = (
        _builder(name, name, key.public_key(), start, start + CA_VALIDITY, ca=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertifiedKey(cert, key)


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    start: datetime,
    end: datetime,
    *,
    ca: bool,
) -> x509.CertificateBuilder:
    """What CA and leaf certificates share: a random serial, the validity, basic constraints
    and key usage (RFC 5280 §4.2.1.3: a CA signs certificates and CRLs; a leaf signs and, for
    ECDHE, agrees keys)."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=not ca,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )


def issue_server_cert(
    ca: CertifiedKey,
    common_name: str,
    hosts: tuple[str, ...] = DEFAULT_SERVER_HOSTS,
    *,
    now: datetime | None = None,
) -> CertifiedKey:
    """A TLS server certificate for `hosts` (DNS names or IP addresses)."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return _issue(ca, common_name, names, ExtendedKeyUsageOID.SERVER_AUTH, now)


def issue_client_cert(
    ca: CertifiedKey, org: str, role: str, *, now: datetime | None = None
) -> CertifiedKey:
    """A TLS client certificate whose URI SAN is `client_san(org, role)`."""
    san = client_san(org, role)
    return _issue(
        ca,
        f"{org} {role}",
        [x509.UniformResourceIdentifier(san)],
        ExtendedKeyUsageOID.CLIENT_AUTH,
        now,
    )


def _issue(
    ca: CertifiedKey,
    common_name: str,
    names: list[x509.GeneralName],
    usage: x509.ObjectIdentifier,
    now: datetime | None,
) -> CertifiedKey:
    key = ec.generate_private_key(ec.SECP256R1())
    start = (now or datetime.now(UTC)) - _CLOCK_SKEW
    end = min(start + LEAF_VALIDITY, ca.cert.not_valid_after_utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        _builder(subject, ca.cert.subject, key.public_key(), start, end, ca=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return CertifiedKey(cert, key)


# -- inspection (a client checks its own material before it connects) ----------------------------


def is_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer` signed `cert` (names match and the signature verifies)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def key_matches(cert: x509.Certificate, key: PrivateKeyTypes) -> bool:
    """True when `key` is the private half of the certificate's public key."""
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)


def validity_problem(cert: x509.Certificate, now: datetime) -> str | None:
    """Why the certificate is not valid at `now` ("expired on …"), or None when it is."""
    if now > cert.not_valid_after_utc:
        return f"expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
    if now < cert.not_valid_before_utc:
        return f"is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"
    return None


def names_host(cert: x509.Certificate, host: str) -> bool:
    """True when a DNS or IP SAN of the certificate is `host` (exact; no wildcards are issued)."""
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        return ipaddress.ip_address(host) in sans.get_values_for_type(x509.IPAddress)
    except ValueError:
        return host.lower() in (n.lower() for n in sans.get_values_for_type(x509.DNSName))


def uri_sans(cert: x509.Certificate) -> list[str]:
    """The URI SANs of `cert` (no extension: none)."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(v) for v in ext.value.get_values_for_type(x509.UniformResourceIdentifier)]


# -- files ---------------------------------------------------------------------------------------


def write_certified_key(ck: CertifiedKey, cert_path: Path, key_path: Path) -> None:
    """Write the certificate (0644) and the private key (0600, never briefly wider)."""
    write_private(key_path, ck.key_pem())
    write_public(cert_path, ck.cert_pem())


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` with mode 0600, refusing to follow a symbolic link (K1)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # an existing file keeps its old mode otherwise
            handle.write(data)
    except OSError as exc:
        raise PKIError(f"cannot write {path}: {exc.strerror}") from exc


def write_public(path: Path, data: bytes) -> None:
    """Write a certificate or other public file."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise PKIError(f"cannot write {path}: {exc.strerror}") from exc


def load_certified_key(cert_path: Path, key_path: Path) -> CertifiedKey:
    """A certificate and the EC private key that belongs to it; PKIError for any mismatch."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise PKIError(f"cannot load {cert_path} / {key_path}: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PKIError(f"{key_path} is not an EC private key")
    public = cert.public_key()
    if (
        not isinstance(public, ec.EllipticCurvePublicKey)
        or public.public_numbers() != key.public_key().public_numbers()
    ):
        raise PKIError(f"{key_path} does not belong to {cert_path}")
    return CertifiedKey(cert, key)
