"""The signed trust file `NODE/trust.json`: the registry, signed by the node key.

Layout: `{"signed": <registry dict>, "signatures": [{"keyid": <did>, "sig": <base64url>}]}`.
The signature covers a domain-separation prefix and the RFC 8785 (JCS) bytes of `signed`, so the
file may be re-indented freely but any change to its content breaks the signature. Loading
verifies before the registry model is even built (verify first, then parse: J4's order).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Any

import rfc8785

from gateway.trust.errors import TrustFileError, TrustSignatureError
from gateway.trust.model import TrustRegistry
from schemas import strict_json
from signing.keys import PrivateKey, PublicKey

MAX_TRUST_FILE_BYTES = 4 << 20
# Binds the signature to this use: a node-key signature over anything else never verifies here.
_DOMAIN = b"cfx trust registry v1\n"


def signing_input(signed: Any) -> bytes:
    """The bytes the node key signs: a domain-separation line, then RFC 8785 JCS of `signed`."""
    try:
        return _DOMAIN + rfc8785.dumps(signed)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise TrustFileError(f"trust registry cannot be canonicalized: {exc}") from exc


def sign_registry(registry: TrustRegistry, key: PrivateKey) -> bytes:
    """The file bytes: the registry and the node key's signature, pretty-printed JSON (the
    signature covers the JCS form, so layout does not matter)."""
    signed = registry.to_dict()
    signature = key.sign(signing_input(signed))
    document = {
        "signed": signed,
        "signatures": [
            {"keyid": key.did, "sig": base64.urlsafe_b64encode(signature).decode().rstrip("=")}
        ],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def verify_registry(data: bytes, trusted: PublicKey) -> TrustRegistry:
    """The registry in `data` if `trusted` signed exactly its content; typed errors otherwise."""
    try:
        document = strict_json.loads(data, max_bytes=MAX_TRUST_FILE_BYTES)
    except strict_json.JSONInputError as exc:
        raise TrustFileError(f"trust file is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or set(document) != {"signed", "signatures"}:
        raise TrustFileError("trust file must hold exactly 'signed' and 'signatures'")
    signatures = document["signatures"]
    if not isinstance(signatures, list):
        raise TrustFileError("'signatures' must be a list")
    message = signing_input(document["signed"])
    for entry in signatures:
        if not isinstance(entry, dict) or entry.get("keyid") != trusted.did:
            continue
        if _signature_valid(entry.get("sig"), message, trusted):
            return TrustRegistry.from_dict(document["signed"])
        raise TrustSignatureError("trust file signature does not verify: it was changed")
    raise TrustSignatureError(f"trust file is not signed by the node key {trusted.did}")


def _signature_valid(sig: Any, message: bytes, trusted: PublicKey) -> bool:
    if not isinstance(sig, str) or len(sig) > 256:
        return False
    try:
        raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        return False
    return trusted.verify(raw, message)


def load_trust_file(path: Path, trusted: PublicKey) -> TrustRegistry:
    """Read (size-capped) and verify a signed trust file; the registry it holds."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_TRUST_FILE_BYTES + 1)
    except OSError as exc:
        raise TrustFileError(f"cannot read trust file {path}: {exc.strerror}") from exc
    return verify_registry(data, trusted)


def save_trust_file(path: Path, registry: TrustRegistry, key: PrivateKey) -> None:
    """Sign and write atomically (temp file + rename): readers never see half a file."""
    data = sign_registry(registry, key)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except OSError as exc:
        raise TrustFileError(f"cannot write trust file {path}: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)
