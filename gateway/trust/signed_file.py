"""Signed node files: `NODE/trust.json` (the trust registry) and `NODE/peers.json` (the peers),
each a versioned document signed by the node key. One format and one code path for both.

Layout: `{"signed": <document dict>, "signatures": [{"keyid": <did>, "sig": <base64url>}]}`.
The signature covers a domain-separation prefix naming the kind of file and the RFC 8785 (JCS)
bytes of `signed`, so the file may be re-indented freely but any change to its content breaks the
signature, and a signature over one kind of file never verifies as another. Loading verifies
before the document model is even built (verify first, then parse: J4's order). Each document
carries a `version` that every edit raises; the store keeps the highest adopted (rollback, R4).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import rfc8785

from gateway.errors import GatewayError
from gateway.trust.errors import TrustFileError, TrustSignatureError
from gateway.trust.model import TrustRegistry
from schemas import strict_json
from signing.keys import PrivateKey, PublicKey

MAX_TRUST_FILE_BYTES = 4 << 20
_MAX_SIGNATURE_CHARS = 256


class Signable(Protocol):
    """A document model a signed file holds: symmetric `to_dict` / `from_dict`."""

    def to_dict(self) -> dict[str, Any]: ...


D = TypeVar("D", bound=Signable)


@dataclass(frozen=True)
class SignedFile(Generic[D]):
    """One kind of signed node file: how its signature is bound, parsed and reported.

    `invalid` is raised for a file that is unreadable or malformed, `forged` for one not signed
    by the node key or changed after signing (a subclass of `invalid` by convention).
    """

    what: str  # in messages: "trust file"
    domain: bytes  # the signature's domain-separation prefix, e.g. b"cfx trust registry v1\n"
    parse: Callable[[Any], D]
    invalid: type[GatewayError]
    forged: type[GatewayError]
    max_bytes: int = MAX_TRUST_FILE_BYTES

    def signing_input(self, signed: Any) -> bytes:
        try:
            return self.domain + rfc8785.dumps(signed)
        except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
            raise self.invalid(f"{self.what} content cannot be canonicalized: {exc}") from exc

    def sign(self, document: D, key: PrivateKey) -> bytes:
        """The file bytes: the document and the node key's signature, pretty-printed JSON (the
        signature covers the JCS form, so layout does not matter)."""
        signed = document.to_dict()
        signature = key.sign(self.signing_input(signed))
        envelope = {
            "signed": signed,
            "signatures": [
                {"keyid": key.did, "sig": base64.urlsafe_b64encode(signature).decode().rstrip("=")}
            ],
        }
        return (json.dumps(envelope, indent=2, ensure_ascii=False) + "\n").encode()

    def verify(self, data: bytes, trusted: PublicKey) -> D:
        """The document in `data` if `trusted` signed exactly its content; typed errors else."""
        try:
            envelope = strict_json.loads(data, max_bytes=self.max_bytes)
        except strict_json.JSONInputError as exc:
            raise self.invalid(f"{self.what} is not valid JSON: {exc}") from exc
        if not isinstance(envelope, dict) or set(envelope) != {"signed", "signatures"}:
            raise self.invalid(f"{self.what} must hold exactly 'signed' and 'signatures'")
        signatures = envelope["signatures"]
        if not isinstance(signatures, list):
            raise self.invalid("'signatures' must be a list")
        message = self.signing_input(envelope["signed"])
        for entry in signatures:
            if not isinstance(entry, dict) or entry.get("keyid") != trusted.did:
                continue
            if _signature_valid(entry.get("sig"), message, trusted):
                return self.parse(envelope["signed"])
            raise self.forged(f"{self.what} signature does not verify: it was changed")
        raise self.forged(f"{self.what} is not signed by the node key {trusted.did}")

    def load(self, path: Path, trusted: PublicKey) -> D:
        try:
            with path.open("rb") as handle:
                data = handle.read(self.max_bytes + 1)
        except OSError as exc:
            raise self.invalid(f"cannot read {self.what} {path}: {exc.strerror}") from exc
        return self.verify(data, trusted)

    def save(self, path: Path, document: D, key: PrivateKey) -> None:
        """Sign and write atomically (temp file + fsync + rename): readers never see half a
        file."""
        data = self.sign(document, key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(path)
        except OSError as exc:
            raise self.invalid(f"cannot write {self.what} {path}: {exc.strerror}") from exc
        finally:
            tmp.unlink(missing_ok=True)


def _signature_valid(sig: Any, message: bytes, trusted: PublicKey) -> bool:
    if not isinstance(sig, str) or len(sig) > _MAX_SIGNATURE_CHARS:
        return False
    try:
        raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        return False
    return trusted.verify(raw, message)


# Binds the signature to this use: a node-key signature over anything else never verifies here.
TRUST_FILE: SignedFile[TrustRegistry] = SignedFile(
    what="trust file",
    domain=b"cfx trust registry v1\n",
    parse=TrustRegistry.from_dict,
    invalid=TrustFileError,
    forged=TrustSignatureError,
)


def signing_input(signed: Any) -> bytes:
    return TRUST_FILE.signing_input(signed)


def sign_registry(registry: TrustRegistry, key: PrivateKey) -> bytes:
    return TRUST_FILE.sign(registry, key)


def verify_registry(data: bytes, trusted: PublicKey) -> TrustRegistry:
    """The registry in `data` if `trusted` signed exactly its content; typed errors otherwise."""
    return TRUST_FILE.verify(data, trusted)


def load_trust_file(path: Path, trusted: PublicKey) -> TrustRegistry:
    return TRUST_FILE.load(path, trusted)


def save_trust_file(path: Path, registry: TrustRegistry, key: PrivateKey) -> None:
    TRUST_FILE.save(path, registry, key)
