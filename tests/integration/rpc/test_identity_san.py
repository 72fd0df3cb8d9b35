"""Only a URI SAN of the documented spiffe form names a client (issue 11, finding 8).

Each certificate here is issued by the node's own CA, so the TLS handshake succeeds and only the
identity mapping decides: a SAN of another type spelling a registered spiffe URI is no identity.
"""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway import pki
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import CfxClient, ClientError
from tests.helpers.nodes import EXPORTER, Harness


def _issue_with_sans(ca: pki.CertifiedKey, names: list[x509.GeneralName]) -> pki.CertifiedKey:
    """A client certificate from `ca` carrying exactly `names` (test-only: pki never does this)."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = ca.cert.not_valid_before_utc
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "impostor")]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(ca.cert.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return pki.CertifiedKey(cert, key)


def _client_dir(harness: Harness, out: Path, names: list[x509.GeneralName]) -> Path:
    ca = pki.load_certified_key(harness.paths.ca_cert, harness.paths.ca_key)
    out.mkdir(mode=0o700)
    pki.write_certified_key(_issue_with_sans(ca, names), out / "cert.pem", out / "key.pem")
    (out / "ca.pem").write_bytes(harness.paths.ca_cert.read_bytes())
    return out


def _refused(harness: Harness, identity: Path) -> ClientError:
    with CfxClient(harness.address, identity) as client, pytest.raises(ClientError) as err:
        client.list(ex.ListDatasetsRequest())
    return err.value


def test_dns_san_spelling_a_registered_spiffe_uri_is_refused(harness: Harness, tmp_path: Path):
    spelled = pki.client_san(EXPORTER, "exporter")  # registered for sichuan-cells
    identity = _client_dir(harness, tmp_path / "dns", [x509.DNSName(spelled)])
    err = _refused(harness, identity)
    assert err.code in {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}


def test_uri_san_outside_the_spiffe_form_is_no_identity(harness: Harness, tmp_path: Path):
    # A registered SAN with a trailing segment, and another scheme spelling the same path.
    names: list[x509.GeneralName] = [
        x509.UniformResourceIdentifier(pki.client_san(EXPORTER, "exporter") + "/x"),
        x509.UniformResourceIdentifier("https://cfx/org/sichuan-cells/exporter"),
    ]
    identity = _client_dir(harness, tmp_path / "uri", names)
    err = _refused(harness, identity)
    assert err.code in {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}


def test_registered_spiffe_uri_san_next_to_a_dns_san_is_the_identity(
    harness: Harness, tmp_path: Path
):
    names: list[x509.GeneralName] = [
        x509.DNSName("client.example"),
        x509.UniformResourceIdentifier(pki.client_san(EXPORTER, "exporter")),
    ]
    identity = _client_dir(harness, tmp_path / "both", names)
    with CfxClient(harness.address, identity) as client:
        client.list(ex.ListDatasetsRequest())
