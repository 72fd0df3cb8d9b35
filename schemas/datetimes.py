"""RFC 3339 date-times and dates: strict lexical check, calendar check, parse for comparisons."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

# RFC 3339 §5.6 date-time with a mandatory offset (PACT: ISO 8601 in UTC or with offset).
_DATE_TIME_RE = re.compile(
    r"(?P<head>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})"
)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date_time(value: Any) -> datetime | None:
    """An aware datetime for a valid RFC 3339 date-time string, else None."""
    if not isinstance(value, str):
        return None
    match = _DATE_TIME_RE.fullmatch(value)
    if match is None:
        return None
    fraction = match["fraction"]
    # datetime takes microseconds; extra digits only refine below what comparisons here need.
    text = match["head"] + ("." + fraction[:6].ljust(6, "0") if fraction else "")
    offset = "+00:00" if match["offset"] == "Z" else match["offset"]
    try:
        return datetime.fromisoformat(text + offset)
    except ValueError:
        return None


def is_date_time(value: object) -> bool:
    """Format check for jsonschema: non-strings pass here because `type` reports them."""
    return not isinstance(value, str) or parse_date_time(value) is not None


def is_date(value: object) -> bool:
    """Format check: an RFC 3339 §5.6 full-date that is a real calendar day; non-strings pass."""
    if not isinstance(value, str):
        return True
    if _DATE_RE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
