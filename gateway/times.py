"""The gateway's one time module: RFC 3339 text in, aware UTC datetimes out, and back.

Two text forms, each with one job:
- `to_rfc3339`: what the log entries and users see (`2026-01-01T00:00:00Z`, microseconds only
  when present); `parse_rfc3339` reads any RFC 3339 date-time with an offset (strictly, via
  `schemas.datetimes`, the same rule the schemas apply to datasets).
- `to_sortable`/`from_sortable`: fixed-width UTC text for the stores, which sorts in time order
  as a string in both SQL dialects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from schemas.datetimes import parse_date_time

Clock = Callable[[], datetime]
_SORTABLE = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> datetime:
    """The default `Clock`: now, aware, in UTC."""
    return datetime.now(UTC)


def to_rfc3339(moment: datetime) -> str:
    """`moment` in UTC with a `Z` suffix. A naive datetime is a programming error."""
    if moment.utcoffset() is None:
        raise ValueError("a naive datetime has no place in an RFC 3339 time")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_rfc3339(text: object, *, assume_utc: bool = False) -> datetime | None:
    """An aware datetime for an RFC 3339 date-time, else None.

    `assume_utc` also accepts a date-time without an offset, read as UTC (XML Schema dateTime,
    as a Data Integrity proof's `created` may be written).
    """
    parsed = parse_date_time(text)
    if parsed is None and assume_utc and isinstance(text, str):
        parsed = parse_date_time(text + "Z")
    return parsed


def to_sortable(moment: datetime) -> str:
    """Fixed-width UTC text: sorts lexicographically in time order in both SQL dialects."""
    return moment.astimezone(UTC).strftime(_SORTABLE)


def from_sortable(text: str) -> datetime:
    """The inverse of `to_sortable`."""
    return datetime.strptime(text, _SORTABLE).replace(tzinfo=UTC)
