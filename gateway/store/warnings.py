"""The `warnings` column of cfx_datasets: a dataset's non-refusing findings as compact JSON.

NULL when there are none (most datasets, and every row written before schema version 3). The
text is written and read only by this module, so a row that does not decode is a damaged store.
"""

from __future__ import annotations

import json

from gateway.errors import FieldViolation
from gateway.store.errors import InvalidRecordError


def encode_warnings(warnings: tuple[FieldViolation, ...]) -> str | None:
    """The column value for `warnings`: [[pointer, reason, message], ...], or NULL for none."""
    if not warnings:
        return None
    rows = [[w.field, w.reason, w.description] for w in warnings]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def decode_warnings(text: object) -> tuple[FieldViolation, ...]:
    """The warnings stored as `text` (None: none)."""
    if text is None:
        return ()
    try:
        rows = json.loads(str(text))
        return tuple(FieldViolation(str(f), str(r), str(d)) for f, r, d in rows)
    except (ValueError, TypeError) as exc:
        raise InvalidRecordError("a dataset's stored warnings do not decode") from exc
