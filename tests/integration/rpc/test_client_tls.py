"""The client's side of mTLS against a real node: bad material is refused before connecting, and
a connection that fails anyway says why (gRPC alone says only "UNAVAILABLE … Socket closed")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from cryptography import x509

from gateway import pki
from gateway.client import CfxClient, ClientError, ClientIdentityError, ConnectionFailedError
from gateway.client_tls import ClientIdentity, explain_failure, load_identity
from gateway.node import ClientFiles
from tests.helpers.nodes import Harness


def _identity(
    out: Path, cert: pki.CertifiedKey, ca_pem: bytes, key: pki.CertifiedKey | None = None
):
    out.mkdir(mode=0o700)
    pki.write_certified_key(cert, out / "cert.pem", out / "key.pem")
    if key is not None:
        pki.write_private(out / "key.pem", key.key_pem())
    (out / "ca.pem").write_bytes(ca_pem)
    return out


def _node_ca(harness: Harness) -> pki.CertifiedKey:
    return pki.load_certified_key(harness.paths.ca_cert, harness.paths.ca_key)


def _issue(ca: pki.CertifiedKey, *, now: datetime | None = None) -> pki.CertifiedKey:
    return pki.issue_client_cert(ca, "sichuan-cells", "exporter", now=now)


def test_expired_client_certificate_is_refused_before_connecting(harness: Harness, tmp_path):
    ca = _node_ca(harness)
    old = _issue(ca, now=datetime.now(UTC) - pki.LEAF_VALIDITY - timedelta(days=30))
    out = _identity(tmp_path / "id", old, ca.cert_pem())
    with pytest.raises(ClientIdentityError) as err:
        CfxClient(harness.address, out)
    assert err.value.directory == out
    assert err.value.problem.startswith(f"{out / 'cert.pem'} expired on ")
    assert "cfx clients add" in err.value.problem


def test_not_yet_valid_client_certificate_says_check_the_clock(harness: Harness, tmp_path):
    ca = _node_ca(harness)
    early = _issue(ca, now=datetime.now(UTC) + timedelta(days=2))
    out = _identity(tmp_path / "id", early, ca.cert_pem())
    with pytest.raises(
        ClientIdentityError, match=r"is not valid before .*check this machine.s clock"
    ):
        CfxClient(harness.address, out)


def test_client_certificate_from_another_ca_is_refused_before_connecting(
    harness: Harness, tmp_path
):
    foreign = pki.create_ca("another CA")
    out = _identity(tmp_path / "id", _issue(foreign), _node_ca(harness).cert_pem())
    with pytest.raises(ClientIdentityError, match=r"cert\.pem is not issued by .*ca\.pem"):
        CfxClient(harness.address, out)


def test_key_that_does_not_match_the_certificate_is_refused_before_connecting(
    harness: Harness, tmp_path
):
    ca = _node_ca(harness)
    out = _identity(tmp_path / "id", _issue(ca), ca.cert_pem(), key=_issue(ca))
    with pytest.raises(ClientIdentityError, match=r"key\.pem does not match the certificate"):
        CfxClient(harness.address, out)


def test_server_certificate_from_another_ca_is_explained_as_another_nodes_identity(
    harness: Harness, tmp_path
):
    """Locally consistent material from another CA: only the handshake can show it is wrong."""
    foreign = pki.create_ca("another node's CA")
    out = _identity(tmp_path / "id", _issue(foreign), foreign.cert_pem())
    with CfxClient(harness.address, out, timeout=10) as client, pytest.raises(ClientError) as err:
        client.health()
    assert isinstance(err.value, ConnectionFailedError)
    assert err.value.code is grpc.StatusCode.UNAVAILABLE
    assert err.value.reason == "CONNECTION_FAILED"
    assert str(err.value) == (
        f"cannot connect to {harness.address}: the node's certificate is not issued by "
        f"{out / 'ca.pem'}, so this identity is for another node (or the node's CA was "
        "replaced); use an identity this node issued"
    )


def test_server_certificate_for_another_name_is_explained(harness: Harness):
    identity = harness.identities["exporter"]
    client = CfxClient(harness.address, identity, authority="cfx.example", timeout=10)
    with client, pytest.raises(ConnectionFailedError) as err:
        client.health()
    assert "the node's certificate does not name 'cfx.example'" in str(err.value)


def test_nothing_listening_is_explained(harness: Harness):
    client = CfxClient("127.0.0.1:9", harness.identities["exporter"], timeout=5)
    with client, pytest.raises(ConnectionFailedError, match="nothing is listening there"):
        client.health()


def test_a_node_closing_on_a_certificate_it_does_not_accept_is_explained(
    harness: Harness, tmp_path
):
    """What the probe sees when the node drops our certificate (TLS 1.3: after our Finished).
    The identity skips the local checks here, as one made by hand would."""
    foreign = pki.create_ca("another CA")
    out = _identity(tmp_path / "id", _issue(foreign), _node_ca(harness).cert_pem())
    files = ClientFiles(out)
    unchecked = ClientIdentity(
        files,
        files.ca.read_bytes(),
        files.cert.read_bytes(),
        files.key.read_bytes(),
        x509.load_pem_x509_certificate(files.ca.read_bytes()),
        x509.load_pem_x509_certificate(files.cert.read_bytes()),
    )
    cause = explain_failure(harness.address, unchecked, "localhost")
    assert cause.startswith(f"the node closed the connection on the certificate {files.cert}")


def test_a_refusal_by_the_node_is_not_a_connection_failure(harness: Harness):
    with harness.client("stranger") as client, pytest.raises(ClientError) as err:
        client.get("datasets/00000000-0000-4000-8000-000000000000")
    assert not isinstance(err.value, ConnectionFailedError)
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED


def test_an_identity_made_by_cfx_passes_the_local_checks(harness: Harness):
    identity = load_identity(harness.identities["exporter"])
    assert pki.is_issued_by(identity.cert, identity.ca)
    # Nothing wrong to report: the probe's handshake goes through and HTTP/2 follows.
    cause = explain_failure(harness.address, identity, "localhost")
    assert cause.startswith("the TLS handshake succeeded on a second try")
