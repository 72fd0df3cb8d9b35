"""Replicated entries: a copy from a peer names its origin, and has one canonical encoding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.log.entry import (
    DatasetAccepted,
    DatasetReplicated,
    StatusChange,
    StatusChangeKind,
    StatusReplicated,
    decode_entry,
)
from gateway.log.errors import MalformedEntryError

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORIGIN = "cfx.sichuan.provincial/log"


def _dataset(index: int = 7) -> DatasetReplicated:
    return DatasetReplicated(
        digest=b"\x01" * 32,
        kind="ProductFootprint",
        issuer="did:key:z6Mk",
        dataset="datasets/00000000-0000-4000-8000-000000000000",
        received_at=T,
        origin=ORIGIN,
        origin_index=index,
    )


def test_a_replicated_dataset_round_trips_and_is_a_dataset_entry() -> None:
    entry = _dataset()
    decoded = decode_entry(entry.to_bytes())
    assert decoded == entry
    assert isinstance(decoded, DatasetAccepted)
    assert b'"origin_index":7' in entry.to_bytes()


def test_a_replicated_status_change_round_trips_and_is_a_status_change() -> None:
    entry = StatusReplicated(
        change=StatusChangeKind.WITHDRAWAL,
        target="datasets/x",
        new_status="withdrawn",
        reason="",
        digest=b"\x02" * 32,
        changed_at=T,
        origin=ORIGIN,
        origin_index=3,
    )
    decoded = decode_entry(entry.to_bytes())
    assert decoded == entry
    assert isinstance(decoded, StatusChange)


@pytest.mark.parametrize("index", [-1, 2**53, True])
def test_an_origin_index_without_one_exact_encoding_is_refused(index: int) -> None:
    with pytest.raises(MalformedEntryError, match="origin_index"):
        _dataset(index).to_bytes()


def test_a_replica_stripped_of_its_origin_is_refused() -> None:
    data = _dataset().to_bytes().replace(b'"origin":"' + ORIGIN.encode() + b'",', b"")
    with pytest.raises(MalformedEntryError, match="missing"):
        decode_entry(data)
