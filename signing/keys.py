"""Keys for Data Integrity proofs: Ed25519, P-256, P-384 as Multikey and did:key, offline.

Encodings (Multikey in the Controlled Identifiers spec; multicodec table):
  public  ed25519-pub 0xed, p256-pub 0x1200 (compressed point), p384-pub 0x1201
  secret  ed25519-priv 0x1300, p256-priv 0x1306, p384-priv 0x1307
each written as an unsigned varint header, then base58btc with multibase prefix 'z'.
A did:key is `did:key:` + publicKeyMultibase; its verification method is `did:key:z…#z…`.
"""

from __future__ import annotations

import functools
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol, get_args, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from schemas import strict_json
from signing.ed25519_points import is_weak_public_key
from signing.errors import (
    DidKeyError,
    KeyFileError,
    KeyFilePermissionError,
    MultibaseError,
    MultikeyError,
    UnsupportedKeyTypeError,
    WeakKeyError,
)
from signing.multibase import decode_multibase, encode_multibase, encode_varint, split_multicodec

KeyType = Literal["ed25519", "p256", "p384"]
KEY_TYPES: Final[tuple[KeyType, ...]] = get_args(KeyType)

DID_KEY_PREFIX: Final = "did:key:"
#: Key files are tiny JSON; anything bigger is not one of ours.
MAX_KEY_FILE_BYTES: Final = 4096


@dataclass(frozen=True)
class _KeySpec:
    public_codec: int
    secret_codec: int
    public_length: int  # bytes after the header
    secret_length: int
    curve: ec.EllipticCurve | None  # None for Ed25519
    hash_name: Literal["sha256", "sha384"]
    signature_length: int


_SPECS: Final[dict[KeyType, _KeySpec]] = {
    "ed25519": _KeySpec(0xED, 0x1300, 32, 32, None, "sha256", 64),
    "p256": _KeySpec(0x1200, 0x1306, 33, 32, ec.SECP256R1(), "sha256", 64),
    "p384": _KeySpec(0x1201, 0x1307, 49, 48, ec.SECP384R1(), "sha384", 96),
}
_BY_PUBLIC_CODEC: Final = {spec.public_codec: name for name, spec in _SPECS.items()}
_BY_SECRET_CODEC: Final = {spec.secret_codec: name for name, spec in _SPECS.items()}


def check_key_type(key_type: str) -> KeyType:
    """`key_type` as a KeyType; UnsupportedKeyTypeError for anything else."""
    if key_type not in KEY_TYPES:
        raise UnsupportedKeyTypeError(
            f"unsupported key type {key_type!r}; expected one of {', '.join(KEY_TYPES)}"
        )
    return key_type


def hash_name_for(key_type: KeyType) -> Literal["sha256", "sha384"]:
    """The hash a suite uses with this key (vc-di-ecdsa "Algorithms": P-384 -> SHA-384)."""
    return _SPECS[key_type].hash_name


def _hash(key_type: KeyType) -> hashes.HashAlgorithm:
    return hashes.SHA384() if _SPECS[key_type].hash_name == "sha384" else hashes.SHA256()


class PublicKey:
    """A verification key with its Multikey and did:key names."""

    __slots__ = ("_crypto", "key_type")

    def __init__(
        self, key_type: KeyType, crypto_key: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
    ) -> None:
        self.key_type: KeyType = key_type
        self._crypto = crypto_key

    @property
    def crypto_key(self) -> ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey:
        """The underlying `cryptography` key."""
        return self._crypto

    def raw_bytes(self) -> bytes:
        """The key bytes Multikey carries: raw Ed25519, or a compressed SEC1 point."""
        if isinstance(self._crypto, ed25519.Ed25519PublicKey):
            return self._crypto.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return self._crypto.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)

    @property
    def multibase(self) -> str:
        """publicKeyMultibase."""
        return encode_multibase(
            encode_varint(_SPECS[self.key_type].public_codec) + self.raw_bytes()
        )

    @property
    def did(self) -> str:
        """The did:key DID of this key (did:key method spec: the DID is the publicKeyMultibase)."""
        return DID_KEY_PREFIX + self.multibase

    @property
    def verification_method(self) -> str:
        """The did:key verification method id: `did:key:z…#z…`."""
        return f"{self.did}#{self.multibase}"

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True if `signature` (Ed25519, or ECDSA raw r||s) is valid; never raises on bad input."""
        spec = _SPECS[self.key_type]
        if len(signature) != spec.signature_length:
            return False
        try:
            if isinstance(self._crypto, ed25519.Ed25519PublicKey):
                self._crypto.verify(signature, data)
            else:
                half = spec.signature_length // 2
                der = encode_dss_signature(
                    int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
                )
                self._crypto.verify(der, data, ec.ECDSA(_hash(self.key_type)))
        except (InvalidSignature, ValueError):
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PublicKey)
            and other.key_type == self.key_type
            and other.raw_bytes() == self.raw_bytes()
        )

    def __hash__(self) -> int:
        return hash((self.key_type, self.raw_bytes()))

    def __repr__(self) -> str:
        return f"PublicKey({self.key_type}, {self.did})"


@runtime_checkable
class Signer(Protocol):
    """What a proof needs from a key: a local PrivateKey, or later an HSM/KMS client (K2).

    `sign` receives the Data Integrity hashData and returns the raw signature (Ed25519 64 bytes,
    ECDSA IEEE P1363 r||s); the suite wraps any exception it raises in SignerError.
    """

    @property
    def verification_method(self) -> str:
        """The id a proof names in its `verificationMethod`."""

    @property
    def key_type(self) -> KeyType:
        """The Multikey type, which decides the suite's hash (P-384: SHA-384)."""

    def sign(self, data: bytes) -> bytes:
        """The raw signature over the DI hashData (Ed25519 64 bytes; ECDSA r||s)."""


class PrivateKey:
    """A local signing key. Its repr never shows secret material."""

    __slots__ = ("_crypto", "_key_type", "_public")

    def __init__(
        self, key_type: KeyType, crypto_key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
    ) -> None:
        self._key_type: KeyType = key_type
        self._crypto = crypto_key
        self._public = PublicKey(key_type, crypto_key.public_key())

    @property
    def key_type(self) -> KeyType:
        """The Multikey type of this key."""
        return self._key_type

    @property
    def crypto_key(self) -> ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
        """The underlying `cryptography` key."""
        return self._crypto

    @property
    def public_key(self) -> PublicKey:
        """The matching verification key."""
        return self._public

    @property
    def did(self) -> str:
        """The did:key DID of the public key."""
        return self._public.did

    @property
    def verification_method(self) -> str:
        """The did:key verification method id of the public key."""
        return self._public.verification_method

    def sign(self, data: bytes) -> bytes:
        """The raw signature over `data`: Ed25519, or deterministic ECDSA as IEEE P1363 r||s."""
        if isinstance(self._crypto, ed25519.Ed25519PrivateKey):
            return self._crypto.sign(data)
        # RFC 6979 deterministic ECDSA: the W3C vectors were made this way and reproduce byte
        # for byte (signing.md §2); raw r||s as vc-di-ecdsa requires.
        der = self._crypto.sign(data, ec.ECDSA(_hash(self._key_type), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        half = _SPECS[self._key_type].signature_length // 2
        return r.to_bytes(half, "big") + s.to_bytes(half, "big")

    def secret_multibase(self) -> str:
        """secretKeyMultibase. Handle with care: this is the private key."""
        spec = _SPECS[self._key_type]
        if isinstance(self._crypto, ed25519.Ed25519PrivateKey):
            raw = self._crypto.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        else:
            raw = self._crypto.private_numbers().private_value.to_bytes(spec.secret_length, "big")
        return encode_multibase(encode_varint(spec.secret_codec) + raw)

    def __repr__(self) -> str:
        return f"PrivateKey({self._key_type}, {self.did})"


def generate_key(key_type: str) -> PrivateKey:
    """A new random key of `key_type` (from the OS's CSPRNG via `cryptography`)."""
    kind = check_key_type(key_type)
    curve = _SPECS[kind].curve
    if curve is None:
        return PrivateKey(kind, ed25519.Ed25519PrivateKey.generate())
    return PrivateKey(kind, ec.generate_private_key(curve))


def _decode_multikey(value: str, *, secret: bool) -> tuple[KeyType, _KeySpec, bytes]:
    """The key type, its spec and the key bytes of a Multikey value, length checked."""
    what = "secretKeyMultibase" if secret else "publicKeyMultibase"
    try:
        code, body = split_multicodec(decode_multibase(value))
    except MultibaseError as exc:
        raise MultikeyError(f"{what} is not valid multibase: {exc}") from exc
    kind = (_BY_SECRET_CODEC if secret else _BY_PUBLIC_CODEC).get(code)
    if kind is None:
        raise MultikeyError(f"{what} has unsupported multicodec header 0x{code:x}")
    spec = _SPECS[kind]
    length = spec.secret_length if secret else spec.public_length
    if len(body) != length:
        raise MultikeyError(
            f"{kind} {'secret' if secret else 'public'} key must be {length} bytes, got {len(body)}"
        )
    return kind, spec, body


def public_key_from_multibase(value: str) -> PublicKey:
    """The public key a publicKeyMultibase encodes; weak Ed25519 keys are refused."""
    kind, spec, body = _decode_multikey(value, secret=False)
    if spec.curve is None and is_weak_public_key(body):
        raise WeakKeyError(
            "ed25519 public key is of small order or not canonically encoded: a signature could "
            "verify under it for any message"
        )
    try:
        if spec.curve is None:
            return PublicKey(kind, ed25519.Ed25519PublicKey.from_public_bytes(body))
        return PublicKey(kind, ec.EllipticCurvePublicKey.from_encoded_point(spec.curve, body))
    except ValueError as exc:
        raise MultikeyError(f"{kind} public key is not a valid point: {exc}") from exc


def private_key_from_multibase(value: str) -> PrivateKey:
    """The private key a secretKeyMultibase (or privateKeyMultibase) encodes."""
    # The eddsa test vector's keyPair.json writes its secret under "privateKeyMultibase";
    # both names carry the same encoding.
    kind, spec, body = _decode_multikey(value, secret=True)
    try:
        if spec.curve is None:
            return PrivateKey(kind, ed25519.Ed25519PrivateKey.from_private_bytes(body))
        return PrivateKey(kind, ec.derive_private_key(int.from_bytes(body, "big"), spec.curve))
    except ValueError as exc:
        raise MultikeyError(f"{kind} secret key is out of range: {exc}") from exc


def controller_of(verification_method: str) -> str:
    """The DID part of a verification method id (`did:key:z…#z…` -> `did:key:z…`)."""
    return verification_method.split("#", 1)[0]


def resolve_did_key(did_or_verification_method: str) -> PublicKey:
    """Resolve `did:key:z…` or `did:key:z…#z…` offline (did:key method spec: fragment == key).

    Results are memoized (a did:key is its own key, so the answer never changes); failures are
    not cached and raise DidKeyError every time, or WeakKeyError for a small-order Ed25519 key.
    """
    if not isinstance(did_or_verification_method, str):
        raise DidKeyError(f"not a did:key: {did_or_verification_method!r:.120}")
    return _resolve_did_key(did_or_verification_method)


@functools.lru_cache(maxsize=1024)
def _resolve_did_key(did_or_verification_method: str) -> PublicKey:
    if not did_or_verification_method.startswith(DID_KEY_PREFIX):
        raise DidKeyError(f"not a did:key: {did_or_verification_method!r:.120}")
    did, _, fragment = did_or_verification_method.partition("#")
    method_id = did[len(DID_KEY_PREFIX) :]
    if fragment and fragment != method_id:
        raise DidKeyError("did:key verification method fragment must equal the key itself")
    try:
        return public_key_from_multibase(method_id)
    except MultikeyError as exc:
        raise DidKeyError(f"did:key does not hold a supported Multikey: {exc}") from exc


# --- key files (K1: 0600, written atomically, refused if group/world readable) ---


def key_to_json(key: PrivateKey) -> dict[str, str]:
    """The key as a Multikey JSON object, secret included: only for the key file (K1)."""
    return {
        "type": "Multikey",
        "keyType": key.key_type,
        "id": key.verification_method,
        "controller": key.did,
        "publicKeyMultibase": key.public_key.multibase,
        "secretKeyMultibase": key.secret_multibase(),
    }


def key_from_json(data: Any) -> PrivateKey:
    """The private key in a key file's JSON; KeyFileError if malformed or inconsistent."""
    if not isinstance(data, dict):
        raise KeyFileError("key file must hold a JSON object")
    secret = data.get("secretKeyMultibase", data.get("privateKeyMultibase"))
    if not isinstance(secret, str):
        raise KeyFileError("key file has no secretKeyMultibase")
    try:
        key = private_key_from_multibase(secret)
    except MultikeyError as exc:
        raise KeyFileError(f"key file secret is invalid: {exc}") from exc
    public = data.get("publicKeyMultibase")
    if public is not None and public != key.public_key.multibase:
        raise KeyFileError("key file publicKeyMultibase does not match its secret key")
    return key


def save_key(key: PrivateKey, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Write `key` as JSON with mode 0600. The bytes go to a temporary file created 0600 (never
    briefly world-readable, whatever the umask) in the same directory, then are moved into place."""
    target = Path(path)
    payload = (json.dumps(key_to_json(key), indent=2) + "\n").encode()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise KeyFileError(f"cannot create key file in {target.parent}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            tmp.replace(target)
        else:
            # link() fails if the target exists: no silent overwrite of another key.
            os.link(tmp, target)
    except FileExistsError as exc:
        raise KeyFileError(f"key file {target} already exists") from exc
    except OSError as exc:
        raise KeyFileError(f"cannot write key file {target}: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def load_key(path: str | os.PathLike[str]) -> PrivateKey:
    """Read a key file; refuse one readable or writable by group or others."""
    target = Path(path)
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise KeyFileError(f"cannot open key file {target}: {exc.strerror}") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # checked before fdopen, which refuses a directory itself
        os.close(fd)
        raise KeyFileError(f"key file {target} is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        if info.st_mode & 0o077:
            raise KeyFilePermissionError(
                f"key file {target} has mode {stat.S_IMODE(info.st_mode):04o}; "
                "it must not be accessible by group or others (chmod 600)"
            )
        raw = handle.read(MAX_KEY_FILE_BYTES + 1)
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"key file {target} is larger than {MAX_KEY_FILE_BYTES} bytes")
    try:
        data = strict_json.loads(raw, max_bytes=MAX_KEY_FILE_BYTES)
    except strict_json.JSONInputError as exc:
        raise KeyFileError(f"key file {target} is not valid JSON: {exc}") from exc
    return key_from_json(data)
