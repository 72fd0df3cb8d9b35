"""Strict, bounded JSON parsing: the first gate every received document passes.

Python's `json` accepts duplicate keys (last one wins), NaN/Infinity and numbers of any length, and
recurses without a depth limit of ours. Each of those lets two parties read different data out of
the same signed bytes, or lets a small input cost a lot, so each is refused with its own error.
RFC 8259 §4 leaves duplicate names undefined; RFC 7493 (I-JSON) §2.3 forbids them.
"""

from __future__ import annotations

import json
from typing import Any

from schemas.errors import SchemasError

DEFAULT_MAX_BYTES = 1 << 20  # 1 MiB: a large product footprint credential is ~10-30 kB
DEFAULT_MAX_DEPTH = 32  # the deepest cfx credential nests ~8 levels
MAX_NUMBER_CHARS = 40  # a decimal with more digits than this is not a measurement


class JSONInputError(SchemasError):
    """Base of every strict-JSON error. `reason` is a stable code, `message` says what and where."""

    reason = "MALFORMED_JSON"


class InputTooLargeError(JSONInputError):
    reason = "INPUT_TOO_LARGE"


class InvalidEncodingError(JSONInputError):
    reason = "INVALID_ENCODING"


class MalformedJSONError(JSONInputError):
    reason = "MALFORMED_JSON"


class DuplicateKeyError(JSONInputError):
    reason = "DUPLICATE_KEY"


class NestingTooDeepError(JSONInputError):
    reason = "NESTING_TOO_DEEP"


class NumberOutOfRangeError(JSONInputError):
    reason = "NUMBER_OUT_OF_RANGE"


class NotAnObjectError(JSONInputError):
    reason = "NOT_AN_OBJECT"


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise DuplicateKeyError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise NumberOutOfRangeError(f"{name} is not a JSON number")


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberOutOfRangeError(f"integer with {len(text)} digits exceeds {MAX_NUMBER_CHARS}")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberOutOfRangeError(
            f"number with {len(text)} characters exceeds {MAX_NUMBER_CHARS}"
        )
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise NumberOutOfRangeError(f"number {text} overflows a double")
    return value


def _check_depth(value: Any, max_depth: int) -> None:
    # Iterative, so the check itself cannot exhaust the stack.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise NestingTooDeepError(f"nesting deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)


def loads(
    data: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Parse `data` as strict UTF-8 JSON (RFC 8259) or raise a `JSONInputError` subclass."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > max_bytes:
        raise InputTooLargeError(f"document of {size} bytes exceeds the limit of {max_bytes}")
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            raise InvalidEncodingError("byte order mark before JSON text (RFC 8259 §8.1)")
        try:
            text = data.decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            raise InvalidEncodingError(f"not UTF-8 at byte {exc.start}") from None
    else:
        text = data
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs_without_duplicates,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except RecursionError:
        raise NestingTooDeepError(f"nesting deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise MalformedJSONError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    _check_depth(value, max_depth)
    return value


def loads_object(
    data: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[str, Any]:
    """Like `loads`, but the top level must be a JSON object (every cfx document is one)."""
    value = loads(data, max_bytes=max_bytes, max_depth=max_depth)
    if not isinstance(value, dict):
        raise NotAnObjectError(f"top-level JSON value is a {type(value).__name__}, not an object")
    return value
