"""Operations on a node directory: renew certificates, check a restored node (docs/deployment.md).

Client renewal keeps the identity and replaces the key: a client's identity is its URI SAN
`spiffe://cfx/org/ORG/ROLE` (gateway.pki), registered once in the trust registry, so a new
certificate for the same SAN needs no registry edit. The old certificate is not revoked: the
gateway authorizes SANs, not certificates, and revoking the SAN (`cfx trust revoke --san`)
refuses every certificate that names it, the new one too, for good (R3). So the old certificate
stays valid until its own expiry; renewal is for ageing keys. A key that leaked is a different
case: revoke the SAN and issue the organization a new identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

from gateway import pki
from gateway.errors import NodeError
from gateway.log.checkpoint import Checkpoint, verify_checkpoint
from gateway.log.errors import LogError
from gateway.node import (
    ClientFiles,
    NodePaths,
    load_config,
    load_node_key,
    load_trust,
    log_identity,
    open_node_store,
)


class RestoreCheckError(NodeError):
    """The restored store does not hold the tree the signed checkpoint names."""

    reason = "RESTORE_CHECK_FAILED"


def renew_client(paths: NodePaths, out: Path, now: datetime | None = None) -> str:
    """Re-issue the identity in `out` (same SAN, new key) from this node's CA; returns the SAN.

    Refused unless `out` holds a certificate this CA issued for a registered, unrevoked SAN.
    The new key, certificate and the CA's current certificate replace the files in `out`.
    """
    files = ClientFiles(out)
    ca = pki.load_certified_key(paths.ca_cert, paths.ca_key)
    try:
        old = x509.load_pem_x509_certificate(files.cert.read_bytes())
    except (OSError, ValueError) as exc:
        raise NodeError(f"cannot read the client certificate {files.cert}: {exc}") from exc
    if not pki.is_issued_by(old, ca.cert):
        raise NodeError(f"{files.cert} was not issued by this node's CA ({paths.ca_cert})")
    sans = [san for san in pki.uri_sans(old) if pki.is_client_san(san)]
    identity = load_trust(paths).identity_for_peer(sans)
    if identity is None:
        raise NodeError(
            f"{files.cert} names no registered, unrevoked identity ({', '.join(sans) or 'none'}); "
            "issue a new one with `cfx clients add`"
        )
    org, role = identity.san.removeprefix(pki.SPIFFE_PREFIX).split("/")
    renewed = pki.issue_client_cert(ca, org, role, now=now)
    pki.write_certified_key(renewed, files.cert, files.key)
    pki.write_public(files.ca, ca.cert_pem())
    return identity.san


def renew_server_cert(paths: NodePaths, now: datetime | None = None) -> tuple[str, ...]:
    """A new server key and certificate from the node CA, for the names the current one has.

    Returns the names. The server reads its certificate at start: restart `cfx serve` (each
    replica, after copying NODE/tls/server.pem and server.key to it) to serve the new one.
    """
    ca = pki.load_certified_key(paths.ca_cert, paths.ca_key)
    try:
        old = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
        sans = old.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound) as exc:
        raise NodeError(f"cannot read the server certificate's names: {exc}") from exc
    hosts = tuple(sans.get_values_for_type(x509.DNSName)) + tuple(
        str(ip) for ip in sans.get_values_for_type(x509.IPAddress)
    )
    names = old.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else "cfx node"
    renewed = pki.issue_server_cert(ca, common_name, hosts or pki.DEFAULT_SERVER_HOSTS, now=now)
    pki.write_certified_key(renewed, paths.server_cert, paths.server_key)
    return hosts


@dataclass(frozen=True)
class RestoreCheck:
    """What a restored node holds next to the checkpoint it was checked against."""

    checkpoint: Checkpoint
    log_size: int


def verify_restore(paths: NodePaths, note: str, *, store_url: str | None = None) -> RestoreCheck:
    """Check a restored node against a signed checkpoint kept from before the loss.

    The note must verify under the node key with the node's log origin; the store must hold at
    least its tree size, every stored leaf hash must match its entry, and both the root
    recomputed from the entries and the root from the stored tree nodes must equal the note's.
    Entries after the checkpoint are audited too (one scan) but no note vouches for them.
    """
    config = load_config(paths)
    identity = log_identity(config, load_node_key(paths))
    key = identity.note_key
    try:
        cp = verify_checkpoint(note, key.public_key, key.name, origin=identity.origin)
    except LogError as exc:
        raise RestoreCheckError(f"the checkpoint does not verify under this node: {exc}") from exc
    with open_node_store(paths, config, store_url) as store:
        size = store.log_size()
        if size < cp.size:
            raise RestoreCheckError(
                f"the restored log has {size} entries, the checkpoint {cp.size}: entries are lost"
            )
        try:
            audited = store.audit_log_roots([cp.size, size])[0]
            stored = store.log_root(cp.size)
        except LogError as exc:
            raise RestoreCheckError(f"the restored log is damaged: {exc}") from exc
    if audited != cp.root_hash:
        raise RestoreCheckError(f"the entries up to {cp.size} do not give the checkpoint's root")
    if stored != cp.root_hash:
        raise RestoreCheckError(f"the stored tree at {cp.size} does not give the checkpoint's root")
    return RestoreCheck(cp, size)
