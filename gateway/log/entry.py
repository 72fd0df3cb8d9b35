"""Log entries: what each leaf of the transparency log commits to. Pure: no I/O.

A leaf commits to the SHA-256 of the exact credential bytes a node accepted, not to the credential
itself, so the log stays small and served bytes can be checked against it (R8). Status changes
(deprecation, withdrawal, revocations) are entries of their own: the log is never edited (T5).

Encoding: RFC 8785 (JCS) canonical JSON of a flat object with a version field `v`. Decoding
accepts only the canonical form (`decode_entry(b).to_bytes() == b`), so each entry has exactly
one byte encoding and therefore exactly one leaf hash.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Self

import rfc8785

from gateway.log.errors import MalformedEntryError
from gateway.log.merkle import HASH_SIZE, leaf_hash
from gateway.times import parse_rfc3339, to_rfc3339
from schemas.strict_json import JSONInputError, loads

ENTRY_VERSION = 1
MAX_ENTRY_BYTES = 16 * 1024
MAX_FIELD_CHARS = 2048
_DIGEST_PREFIX = "sha256:"
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z")


class StatusChangeKind(enum.StrEnum):
    """The status changes the log records."""

    DEPRECATION = "deprecation"
    WITHDRAWAL = "withdrawal"
    ATTESTATION_REVOCATION = "attestation_revocation"
    KEY_REVOCATION = "key_revocation"


def _encode_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise MalformedEntryError("log entry times must be timezone-aware")
    return to_rfc3339(value)


def _decode_time(text: Any, what: str) -> datetime:
    # Canonical form only: one time has one spelling in a leaf, so equal entries hash equally.
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise MalformedEntryError(f"{what} is not an RFC 3339 UTC time")
    parsed = parse_rfc3339(text)
    if parsed is None:
        raise MalformedEntryError(f"{what} is not a valid time")
    return parsed


def _encode_digest(digest: bytes) -> str:
    if len(digest) != HASH_SIZE:
        raise MalformedEntryError("digest must be 32 bytes (SHA-256)")
    return _DIGEST_PREFIX + digest.hex()


def _decode_digest(text: Any) -> bytes:
    if not isinstance(text, str) or not text.startswith(_DIGEST_PREFIX):
        raise MalformedEntryError("digest is not 'sha256:<hex>'")
    hex_part = text.removeprefix(_DIGEST_PREFIX)
    if not re.fullmatch(r"[0-9a-f]{64}", hex_part):
        raise MalformedEntryError("digest is not 64 lowercase hex digits")
    return bytes.fromhex(hex_part)


def _text(value: Any, what: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not allow_empty):
        raise MalformedEntryError(f"{what} must be a non-empty string")
    if len(value) > MAX_FIELD_CHARS:
        raise MalformedEntryError(f"{what} is longer than {MAX_FIELD_CHARS} characters")
    return value


# Integers JCS writes as Python does: those a double holds exactly (RFC 8785 §3.2.2.3).
_EXACT_INT = 2**53


def _flat(obj: dict[str, Any]) -> bool:
    """Whether `obj` is one object of ASCII keys and string or exact-integer values."""
    return all(
        key.isascii()
        and (
            isinstance(value, str)
            or (type(value) is int and -_EXACT_INT < value < _EXACT_INT)  # not bool
        )
        for key, value in obj.items()
    )


def _canonical(obj: dict[str, Any]) -> bytes:
    try:
        if _flat(obj):
            # Every entry on the submit path is flat: there the stdlib's C encoder writes the
            # same bytes as RFC 8785 (ASCII keys sort alike in UTF-16 and code points; strings
            # escape only '"', '\\' and controls, as lower-case \u00xx or \b \t \n \f \r).
            data = json.dumps(
                obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
        else:
            data = rfc8785.dumps(obj)
    except UnicodeEncodeError as exc:  # a lone surrogate in a string
        raise MalformedEntryError(f"log entry cannot be canonicalized: {exc}") from exc
    except rfc8785.CanonicalizationError as exc:  # e.g. a lone surrogate in a string
        raise MalformedEntryError(f"log entry cannot be canonicalized: {exc}") from exc
    if len(data) > MAX_ENTRY_BYTES:
        raise MalformedEntryError(f"log entry is larger than {MAX_ENTRY_BYTES} bytes")
    return data


def _decode_change(value: Any, _what: str) -> StatusChangeKind:
    try:
        return StatusChangeKind(value)
    except ValueError as exc:
        raise MalformedEntryError("unknown status change kind") from exc


@dataclass(frozen=True, slots=True)
class _Codec:
    """How one member is written and read; both directions check the value (`what`, the member's
    key, names it in the error)."""

    encode: Callable[[Any, str], Any]
    decode: Callable[[Any, str], Any]


_AS_DIGEST = _Codec(lambda value, _: _encode_digest(value), lambda text, _: _decode_digest(text))
_AS_TEXT = _Codec(_text, _text)
_AS_TEXT_OR_EMPTY = _Codec(partial(_text, allow_empty=True), partial(_text, allow_empty=True))
_AS_TIME = _Codec(lambda value, _: _encode_time(value), _decode_time)
_AS_CHANGE = _Codec(lambda value, _: StatusChangeKind(value).value, _decode_change)


@dataclass(frozen=True, slots=True)
class _Field:
    """One member of an entry's JSON object: its key, the attribute it holds, its codec."""

    key: str
    attr: str
    codec: _Codec


class _Entry:
    """The shared encoding of entry types: `v`, `type`, then each of FIELDS in its codec."""

    __slots__ = ()
    TYPE: ClassVar[str]
    FIELDS: ClassVar[tuple[_Field, ...]]

    def to_bytes(self) -> bytes:
        """The entry's leaf bytes: RFC 8785 JCS of its fields, so equal entries hash equal."""
        obj: dict[str, Any] = {"v": ENTRY_VERSION, "type": self.TYPE}
        for field in self.FIELDS:
            obj[field.key] = field.codec.encode(getattr(self, field.attr), field.key)
        return _canonical(obj)

    @classmethod
    def _from_fields(cls, obj: dict[str, Any]) -> Self:
        _expect_keys(obj, {"v", "type", *(field.key for field in cls.FIELDS)})
        values = {field.attr: field.codec.decode(obj[field.key], field.key) for field in cls.FIELDS}
        return cls(**values)


@dataclass(frozen=True, slots=True)
class DatasetAccepted(_Entry):
    """A node accepted a dataset: the digest of its exact bytes, and what it claimed to be."""

    TYPE: ClassVar[str] = "dataset"
    FIELDS: ClassVar[tuple[_Field, ...]] = (
        _Field("digest", "digest", _AS_DIGEST),
        _Field("kind", "kind", _AS_TEXT),
        _Field("issuer", "issuer", _AS_TEXT),
        _Field("dataset", "dataset", _AS_TEXT),
        _Field("time", "received_at", _AS_TIME),
    )

    digest: bytes
    kind: str
    issuer: str
    dataset: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange(_Entry):
    """A dataset, attestation or key changed status; `digest` is that of the StatusUpdate bytes."""

    TYPE: ClassVar[str] = "status"
    FIELDS: ClassVar[tuple[_Field, ...]] = (
        _Field("change", "change", _AS_CHANGE),
        _Field("target", "target", _AS_TEXT),
        _Field("status", "new_status", _AS_TEXT),
        _Field("reason", "reason", _AS_TEXT_OR_EMPTY),
        _Field("digest", "digest", _AS_DIGEST),
        _Field("time", "changed_at", _AS_TIME),
    )

    change: StatusChangeKind
    target: str
    new_status: str
    reason: str
    digest: bytes
    changed_at: datetime


def _origin_fields(origin: str, origin_index: int) -> dict[str, Any]:
    if isinstance(origin_index, bool) or not isinstance(origin_index, int) or origin_index < 0:
        raise MalformedEntryError("origin_index must be a non-negative integer")
    # JCS numbers are IEEE doubles (RFC 8785 §3.2.2.3): beyond 2**53 an index has no exact form.
    if origin_index >= 2**53:
        raise MalformedEntryError("origin_index is beyond 2**53")
    return {"origin": _text(origin, "origin"), "origin_index": origin_index}


@dataclass(frozen=True, slots=True)
class DatasetReplicated(DatasetAccepted):
    """A node stored a dataset that a peer's log holds: the same commitment as the peer's entry,
    plus where it came from (the peer's log origin and the index of its entry there).

    A subclass of `DatasetAccepted`: everything that checks a dataset against its entry (digest,
    listing, receipts) treats a replica like any accepted dataset.
    """

    TYPE: ClassVar[str] = "replicated-dataset"

    origin: str = ""
    origin_index: int = 0

    def to_bytes(self) -> bytes:
        """Leaf bytes: the `DatasetAccepted` fields plus `origin` and `origin_index`, JCS."""
        return _canonical(
            {
                "v": ENTRY_VERSION,
                "type": self.TYPE,
                "digest": _encode_digest(self.digest),
                "kind": _text(self.kind, "kind"),
                "issuer": _text(self.issuer, "issuer"),
                "dataset": _text(self.dataset, "dataset"),
                "time": _encode_time(self.received_at),
                **_origin_fields(self.origin, self.origin_index),
            }
        )

    @classmethod
    def _from_fields(cls, obj: dict[str, Any]) -> DatasetReplicated:
        _expect_keys(
            obj,
            {"v", "type", "digest", "kind", "issuer", "dataset", "time", "origin", "origin_index"},
        )
        return cls(
            digest=_decode_digest(obj["digest"]),
            kind=_text(obj["kind"], "kind"),
            issuer=_text(obj["issuer"], "issuer"),
            dataset=_text(obj["dataset"], "dataset"),
            received_at=_decode_time(obj["time"], "time"),
            **_origin_fields(obj["origin"], obj["origin_index"]),
        )


@dataclass(frozen=True, slots=True)
class StatusReplicated(StatusChange):
    """A node applied a status change that a peer's log holds, naming that entry's origin."""

    TYPE: ClassVar[str] = "replicated-status"

    origin: str = ""
    origin_index: int = 0

    def to_bytes(self) -> bytes:
        """Leaf bytes: the `StatusChange` fields plus `origin` and `origin_index`, JCS."""
        return _canonical(
            {
                "v": ENTRY_VERSION,
                "type": self.TYPE,
                "change": StatusChangeKind(self.change).value,
                "target": _text(self.target, "target"),
                "status": _text(self.new_status, "status"),
                "reason": _text(self.reason, "reason", allow_empty=True),
                "digest": _encode_digest(self.digest),
                "time": _encode_time(self.changed_at),
                **_origin_fields(self.origin, self.origin_index),
            }
        )

    @classmethod
    def _from_fields(cls, obj: dict[str, Any]) -> StatusReplicated:
        keys = {"v", "type", "change", "target", "status", "reason", "digest", "time"}
        _expect_keys(obj, keys | {"origin", "origin_index"})
        base = StatusChange._from_fields({k: v for k, v in obj.items() if k in keys})  # noqa: SLF001
        return cls(
            change=base.change,
            target=base.target,
            new_status=base.new_status,
            reason=base.reason,
            digest=base.digest,
            changed_at=base.changed_at,
            **_origin_fields(obj["origin"], obj["origin_index"]),
        )


@dataclass(frozen=True, slots=True)
class RequestEvent(_Entry):
    """A footprint request changed at this node (issue 14): `event` is created, forwarded,
    fulfilled, rejected or acknowledged; `digest` is that of the criteria (created, forwarded)
    or of the answer, salted with the request name: the log never holds the criteria in clear."""

    TYPE: ClassVar[str] = "request"
    FIELDS: ClassVar[tuple[_Field, ...]] = (
        _Field("event", "event", _AS_TEXT),
        _Field("request", "request", _AS_TEXT),
        _Field("digest", "digest", _AS_DIGEST),
        _Field("time", "at", _AS_TIME),
    )

    event: str
    request: str
    digest: bytes
    at: datetime


LogEntry = DatasetAccepted | StatusChange | RequestEvent

_TYPES: dict[str, type[DatasetAccepted | StatusChange | RequestEvent]] = {
    DatasetAccepted.TYPE: DatasetAccepted,
    StatusChange.TYPE: StatusChange,
    DatasetReplicated.TYPE: DatasetReplicated,
    StatusReplicated.TYPE: StatusReplicated,
    RequestEvent.TYPE: RequestEvent,
}


def _expect_keys(obj: dict[str, Any], keys: set[str]) -> None:
    if set(obj) != keys:
        missing, extra = sorted(keys - set(obj)), sorted(set(obj) - keys)
        raise MalformedEntryError(f"log entry fields: missing {missing}, unexpected {extra}")


def decode_entry(data: bytes) -> LogEntry:
    """Parse entry bytes; anything but the canonical encoding of a known entry is refused."""
    if len(data) > MAX_ENTRY_BYTES:
        raise MalformedEntryError(f"log entry is larger than {MAX_ENTRY_BYTES} bytes")
    try:
        obj = loads(data, max_bytes=MAX_ENTRY_BYTES, max_depth=2)
    except JSONInputError as exc:
        raise MalformedEntryError(f"log entry is not strict JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise MalformedEntryError("log entry is not a JSON object")
    if obj.get("v") != ENTRY_VERSION or isinstance(obj.get("v"), bool):
        raise MalformedEntryError(f"unsupported log entry version {obj.get('v')!r}")
    entry_type = _TYPES.get(obj.get("type"))  # type: ignore[arg-type]
    if entry_type is None:
        raise MalformedEntryError(f"unknown log entry type {obj.get('type')!r}")
    entry = entry_type._from_fields(obj)  # noqa: SLF001 - the decoder is this module's own
    if entry.to_bytes() != data:
        raise MalformedEntryError("log entry is not in canonical (RFC 8785) form")
    return entry


def entry_leaf_hash(entry: LogEntry) -> bytes:
    """The RFC 9162 leaf hash of an entry's canonical bytes."""
    return leaf_hash(entry.to_bytes())
