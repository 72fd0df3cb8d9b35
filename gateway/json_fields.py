"""Reading members of a parsed JSON document whose shape a file format fixes (trust.json,
peers.json, vouched delegations): each wrong shape is a typed error of the caller's format."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from gateway.errors import GatewayError


def json_object(
    data: Any,
    what: str,
    required: AbstractSet[str],
    error: type[GatewayError],
    optional: AbstractSet[str] = frozenset(),
) -> dict[str, Any]:
    """`data` as an object with every `required` member and none but `required` | `optional`."""
    if not isinstance(data, dict):
        raise error(f"{what} must be a JSON object")
    missing = required - data.keys()
    unknown = data.keys() - required - optional
    if missing or unknown:
        raise error(f"{what}: missing {sorted(missing)}, unknown {sorted(unknown)[:5]}")
    return data


def json_list(data: Any, what: str, error: type[GatewayError]) -> list[Any]:
    """`data` as a JSON array."""
    if not isinstance(data, list):
        raise error(f"{what} must be a JSON array")
    return data


def json_string(data: Any, what: str, error: type[GatewayError]) -> str:
    """`data` as a JSON string."""
    if not isinstance(data, str):
        raise error(f"{what} must be a string")
    return data
