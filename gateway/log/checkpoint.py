r"""Checkpoints (signed tree heads) in the C2SP signed-note / tlog-checkpoint format. Pure: no I/O.

A checkpoint body is (c2sp.org/tlog-checkpoint):

    <origin>\n<decimal size>\n<base64 root hash>\n[extension lines]\n

and a signed note is the body, a blank line, then one line per signature (c2sp.org/signed-note):

    — <key name> <base64(4-byte key ID || Ed25519 signature)>\n

with key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]. Witnesses co-sign by
adding their own signature line over the byte-identical body. cfx puts one extension line,
`Timestamp: <unix seconds>`, fixed per tree size, so clients can refuse stale checkpoints (R5).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from gateway.log.errors import (
    CheckpointFreshnessError,
    CheckpointOriginError,
    CheckpointSignatureError,
    LogConfigError,
    MalformedCheckpointError,
    WitnessThresholdError,
)
from gateway.log.merkle import HASH_SIZE

#: Signature type byte for Ed25519 (c2sp.org/signed-note, "Signature types").
ED25519_SIGNATURE_TYPE = 0x01
#: Defensive caps. The spec asks verifiers to accept at least 16 signatures.
MAX_NOTE_BYTES = 64 * 1024
MAX_SIGNATURES = 100
#: Largest size a checkpoint may claim (fits a signed 64-bit database column).
MAX_TREE_SIZE = (1 << 63) - 1
#: Clock skew tolerated for checkpoint timestamps in the future.
MAX_CLOCK_SKEW = timedelta(minutes=5)

_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_TIMESTAMP_PREFIX = "Timestamp: "
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def _b64decode(text: str, what: str) -> bytes:
    """Strict RFC 4648 §4 base64: padding required, canonical encoding only."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedCheckpointError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise MalformedCheckpointError(f"{what} is not canonical base64")
    return raw


def _check_key_name(name: str) -> None:
    # c2sp.org/signed-note: non-empty, no Unicode spaces, no plus.
    if not name or "+" in name or any(ch.isspace() for ch in name) or _CONTROL.search(name):
        raise MalformedCheckpointError(f"invalid key name {name!r}")


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """SHA-256(key name || 0x0A || 0x01 || public key)[:4] (c2sp.org/signed-note)."""
    _check_key_name(key_name)
    material = key_name.encode() + b"\n" + bytes([ED25519_SIGNATURE_TYPE])
    return hashlib.sha256(material + _raw_public_key(public_key)).digest()[:4]


@dataclass(frozen=True, slots=True)
class NoteKey:
    """A trusted verifier key: name plus Ed25519 public key."""

    name: str
    public_key: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID signature lines name this key by (c2sp.org/signed-note)."""
        return key_id(self.name, self.public_key)

    def to_vkey(self) -> str:
        """The verifier-key text `<name>+<hex key ID>+<base64(0x01 || public key)>`."""
        material = bytes([ED25519_SIGNATURE_TYPE]) + _raw_public_key(self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(material).decode()}"

    @classmethod
    def from_vkey(cls, text: str) -> NoteKey:
        """Parse the verifier-key text of `to_vkey`; the key ID must match the name and key."""
        # Base64 may contain '+': split only at the first two (as Go's note.NewVerifier does).
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise MalformedCheckpointError("verifier key is not <name>+<hex id>+<base64 key>")
        name, hex_id, b64 = parts
        _check_key_name(name)
        material = _b64decode(b64, "verifier key")
        if len(material) != 33 or material[0] != ED25519_SIGNATURE_TYPE:
            raise MalformedCheckpointError("verifier key is not an Ed25519 key")
        key = cls(name, Ed25519PublicKey.from_public_bytes(material[1:]))
        if hex_id != key.key_id.hex():
            raise MalformedCheckpointError("verifier key ID does not match its name and key")
        return key

    @classmethod
    def from_text(cls, text: str, key_name: str | None = None) -> NoteKey:
        """A key from a verifier-key line, or from an Ed25519 PEM public key plus `key_name`.

        With a verifier key, `key_name` (if given) must match the name it carries.
        """
        if "-----BEGIN" not in text:
            key = cls.from_vkey(text)
            if key_name is not None and key_name != key.name:
                raise MalformedCheckpointError(
                    f"verifier key is for {key.name!r}, not {key_name!r}"
                )
            return key
        if key_name is None:
            raise MalformedCheckpointError("a PEM public key needs a key name")
        _check_key_name(key_name)
        try:
            public_key = load_pem_public_key(text.encode("utf-8"))
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise MalformedCheckpointError("public key is not a valid PEM key") from exc
        if not isinstance(public_key, Ed25519PublicKey):
            raise MalformedCheckpointError("public key is not an Ed25519 key")
        return cls(key_name, public_key)


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line of a signed note."""

    key_name: str
    key_id: bytes
    signature: bytes

    def to_line(self) -> str:
        """The signature line: `— <key name> <base64(key ID || signature)>` and a newline."""
        blob = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{_SIGNATURE_PREFIX}{self.key_name} {blob}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A note text (ending in a newline) with its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...] = field(default=())

    def to_text(self) -> str:
        """The note as sent: text, a blank line, then the signature lines (c2sp.org/signed-note)."""
        return self.text + "\n" + "".join(sig.to_line() for sig in self.signatures)

    def with_signature(self, signature: NoteSignature) -> SignedNote:
        """Add a signature line; the same identity (name, key ID) may sign only once."""
        for sig in self.signatures:
            if (sig.key_name, sig.key_id) == (signature.key_name, signature.key_id):
                if sig.signature == signature.signature:
                    return self
                raise MalformedCheckpointError(f"note already signed by {sig.key_name}")
        if len(self.signatures) >= MAX_SIGNATURES:
            raise MalformedCheckpointError("note has too many signatures")
        return replace(self, signatures=(*self.signatures, signature))


def _check_note_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedCheckpointError("note text does not end in a newline")
    if _CONTROL.search(text):
        raise MalformedCheckpointError("note contains an ASCII control character")


def parse_note(note: str | bytes) -> SignedNote:
    """Split a signed note into text and signature lines (c2sp.org/signed-note, "Format")."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise MalformedCheckpointError("note is too large")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedCheckpointError("note is not valid UTF-8") from exc
    if len(note.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise MalformedCheckpointError("note is too large")
    try:
        note.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedCheckpointError("note is not valid UTF-8") from exc
    _check_note_text(note)
    # The text is separated from the signatures by the LAST empty line.
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedCheckpointError("note has no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.split("\n")
    if lines[-1] != "" or len(lines) < 2:
        raise MalformedCheckpointError("note has no signature lines")
    lines = lines[:-1]
    if len(lines) > MAX_SIGNATURES:
        raise MalformedCheckpointError("note has too many signatures")
    signatures = [_parse_signature_line(line) for line in lines]
    identities = {(sig.key_name, sig.key_id) for sig in signatures}
    if len(identities) != len(signatures):
        # At most one signature per identity (T4; transparency-dev formats log/README.md).
        raise MalformedCheckpointError("note has two signatures from one key")
    return SignedNote(text, tuple(signatures))


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise MalformedCheckpointError("signature line does not start with an em dash and space")
    parts = line[len(_SIGNATURE_PREFIX) :].split(" ")
    if len(parts) != 2:
        raise MalformedCheckpointError("signature line is not '— <key name> <signature>'")
    name, blob = parts
    _check_key_name(name)
    raw = _b64decode(blob, "signature")
    if len(raw) < 5:
        raise MalformedCheckpointError("signature is shorter than a key ID and one byte")
    return NoteSignature(name, raw[:4], raw[4:])


def sign_note_text(text: str, private_key: Ed25519PrivateKey, key_name: str) -> NoteSignature:
    """Ed25519 signature over the note text, final newline included (c2sp.org/signed-note)."""
    _check_note_text(text)
    kid = key_id(key_name, private_key.public_key())
    return NoteSignature(key_name, kid, private_key.sign(text.encode("utf-8")))


def verify_note(note: SignedNote, key: NoteKey) -> None:
    """Accept only if `key` signed the note; a failing signature of that key rejects the note.

    Lines of other keys are ignored, even when they share the name or the ID (but not both).
    """
    kid = key.key_id
    matching = [s for s in note.signatures if (s.key_name, s.key_id) == (key.name, kid)]
    if not matching:
        raise CheckpointSignatureError(f"note is not signed by {key.name}")
    for sig in matching:
        try:
            key.public_key.verify(sig.signature, note.text.encode("utf-8"))
        except InvalidSignature as exc:
            raise CheckpointSignatureError(f"signature of {key.name} does not verify") from exc


def require_witnesses(
    note_text: str | bytes,
    witnesses: Sequence[NoteKey],
    threshold: int,
    *,
    log_key: NoteKey | None = None,
) -> tuple[str, ...]:
    """Require valid co-signatures from at least `threshold` distinct `witnesses` (T6).

    A client that needs more than the log's word (a customs office, a certifier) trusts a
    checkpoint only once independent witnesses vouched that it extends what they saw, so a log
    showing it a split view would also have to fool them. Call after the log's own signature is
    verified. A line claiming a listed witness that does not verify rejects the note, as in
    `verify_note`. `log_key` cannot count as a witness of its own log. Returns the names of the
    witnesses that co-signed.
    """
    keys = {(w.name, w.key_id): w for w in witnesses}
    if log_key is not None and (log_key.name, log_key.key_id) in keys:
        raise LogConfigError("the log's own key cannot be one of its witnesses")
    if not 0 <= threshold <= len(keys):
        raise LogConfigError(f"need 0 <= threshold <= {len(keys)} witnesses, got {threshold}")
    note = parse_note(note_text)
    present = {(sig.key_name, sig.key_id) for sig in note.signatures}
    cosigned: list[str] = []
    for identity, witness in keys.items():
        if identity in present:
            verify_note(note, witness)
            cosigned.append(witness.name)
    if len(cosigned) < threshold:
        raise WitnessThresholdError(
            f"checkpoint has {len(cosigned)} trusted witness co-signatures, {threshold} required"
        )
    return tuple(cosigned)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: which log (origin), how many entries, and their Merkle root."""

    origin: str
    size: int
    root_hash: bytes
    #: Unix seconds at which the log first signed this size (R5); None if not carried.
    timestamp: int | None = None

    def __post_init__(self) -> None:
        if not self.origin or _CONTROL.search(self.origin) or "\n" in self.origin:
            raise MalformedCheckpointError("checkpoint origin must be one non-empty line")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedCheckpointError(f"checkpoint size {self.size} is out of range")
        if len(self.root_hash) != HASH_SIZE:
            raise MalformedCheckpointError("checkpoint root hash is not 32 bytes")
        if self.timestamp is not None and not 0 <= self.timestamp <= MAX_TREE_SIZE:
            raise MalformedCheckpointError("checkpoint timestamp is out of range")

    def to_note_body(self) -> str:
        """The checkpoint body (c2sp.org/tlog-checkpoint): origin, size, root, extension lines."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode("ascii")]
        if self.timestamp is not None:
            lines.append(f"{_TIMESTAMP_PREFIX}{self.timestamp}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_note_body(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body (c2sp.org/tlog-checkpoint); unknown extension lines refused."""
        _check_note_text(text)
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpointError("checkpoint needs origin, size and root hash lines")
        origin, size_text, root_text, *extensions = lines
        if not _DECIMAL.fullmatch(size_text) or len(size_text) > 19:
            raise MalformedCheckpointError("checkpoint size is not a decimal without leading zeros")
        root = _b64decode(root_text, "checkpoint root hash")
        timestamp: int | None = None
        if extensions:
            stamp = extensions[0].removeprefix(_TIMESTAMP_PREFIX)
            if (
                len(extensions) != 1
                or stamp == extensions[0]
                or not _DECIMAL.fullmatch(stamp)
                or len(stamp) > 19
            ):
                raise MalformedCheckpointError("checkpoint has unknown extension lines")
            timestamp = int(stamp)
        return cls(origin, int(size_text), root, timestamp)


def sign_checkpoint(cp: Checkpoint, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """The signed note for `cp`, signed by the log's key."""
    body = cp.to_note_body()
    return SignedNote(body, (sign_note_text(body, private_key, key_name),)).to_text()


def cosign_note(note_text: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """Add one more signature line over the same body (a witness's co-signature).

    The caller verifies the note first; this only signs what it is given.
    """
    note = parse_note(note_text)
    return note.with_signature(sign_note_text(note.text, private_key, key_name)).to_text()


def merge_signatures(note_a: str, note_b: str) -> str:
    """Union of the signature lines of two notes over the byte-identical body."""
    a, b = parse_note(note_a), parse_note(note_b)
    if a.text != b.text:
        raise MalformedCheckpointError("cannot merge signatures over different note bodies")
    for sig in b.signatures:
        a = a.with_signature(sig)
    return a.to_text()


def open_checkpoint(note_text: str | bytes, key: NoteKey) -> tuple[Checkpoint, SignedNote]:
    """Verify the note with `key` and parse its body; the parsed form is kept for co-signing."""
    note = parse_note(note_text)
    verify_note(note, key)
    return Checkpoint.from_note_body(note.text), note


def check_freshness(cp: Checkpoint, *, now: datetime, max_age: timedelta) -> None:
    """Refuse a checkpoint older than `max_age` at `now`, or dated in the future (R5)."""
    if cp.timestamp is None:
        raise CheckpointFreshnessError("checkpoint carries no timestamp; its age is unknown")
    issued = datetime.fromtimestamp(cp.timestamp, tz=UTC)
    if issued > now + MAX_CLOCK_SKEW:
        raise CheckpointFreshnessError(f"checkpoint is dated in the future ({issued.isoformat()})")
    if now - issued > max_age:
        raise CheckpointFreshnessError(f"checkpoint from {issued.isoformat()} is too old")


def verify_checkpoint(
    note_text: str | bytes,
    public_key: Ed25519PublicKey,
    key_name: str,
    *,
    origin: str | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint and return it.

    `origin`: the log identity the caller expects. `max_age`: refuse checkpoints older than this
    at `now` (the injected clock; defaults to the system clock).
    """
    cp, _ = open_checkpoint(note_text, NoteKey(key_name, public_key))
    if origin is not None and cp.origin != origin:
        raise CheckpointOriginError(f"checkpoint is for log {cp.origin!r}, want {origin!r}")
    if max_age is not None:
        check_freshness(cp, now=now or datetime.now(tz=UTC), max_age=max_age)
    return cp
