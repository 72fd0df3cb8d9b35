"""Domain records to and from protobuf wire types. Wire types stay at this edge."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway.domain import DatasetKind, DatasetStatus
from gateway.errors import InvalidPageSizeError, NegativeIndexError
from gateway.log.checkpoint import Checkpoint as DomainCheckpoint
from gateway.log.checkpoint import parse_note
from gateway.log.receipt import Receipt
from gateway.store.model import StoredDataset
from gateway.times import parse_rfc3339

KIND_TO_PB: dict[DatasetKind, pb.DatasetKind] = {
    DatasetKind.PRODUCT_FOOTPRINT: pb.DATASET_KIND_PRODUCT_FOOTPRINT,
    DatasetKind.EMISSION_FACTOR: pb.DATASET_KIND_EMISSION_FACTOR,
    DatasetKind.ACCOUNTING_RULE: pb.DATASET_KIND_ACCOUNTING_RULE,
    DatasetKind.ATTESTATION: pb.DATASET_KIND_ATTESTATION,
    DatasetKind.STATUS_UPDATE: pb.DATASET_KIND_STATUS_UPDATE,
}
KIND_FROM_PB = {v: k for k, v in KIND_TO_PB.items()}
STATUS_TO_PB: dict[DatasetStatus, pb.DatasetStatus] = {
    DatasetStatus.ACTIVE: pb.DATASET_STATUS_ACTIVE,
    DatasetStatus.DEPRECATED: pb.DATASET_STATUS_DEPRECATED,
    DatasetStatus.WITHDRAWN: pb.DATASET_STATUS_WITHDRAWN,
}
STATUS_FROM_PB = {v: k for k, v in STATUS_TO_PB.items()}


def index(value: int, field: str) -> int:
    """An int64 log index or tree size from a request (AIP-141): a negative one is refused here
    and never reaches the store."""
    if value < 0:
        raise NegativeIndexError(f"{field} must be 0 or more, not {value}", field=field)
    return int(value)


def page_size(value: int) -> int:
    """AIP-158: a negative page_size is INVALID_ARGUMENT; 0 means the service's default."""
    if value < 0:
        raise InvalidPageSizeError(f"page_size must be 0 or more, not {value}", field="page_size")
    return int(value)


def timestamp(moment: datetime | None) -> Timestamp | None:
    """A protobuf Timestamp for an aware datetime (None stays None)."""
    if moment is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(moment.astimezone(UTC))
    return ts


def parse_timestamp(text: str | None) -> Timestamp | None:
    """An XML Schema dateTime from a proof, or None when absent or unparseable."""
    moment = parse_rfc3339(text, assume_utc=True)
    return None if moment is None else timestamp(moment)


def from_timestamp(ts: Timestamp) -> datetime:
    """An aware UTC datetime for a protobuf Timestamp."""
    return ts.ToDatetime(tzinfo=UTC)


def dataset(record: StoredDataset) -> pb.Dataset:
    """The wire form of a stored dataset (its exact bytes included)."""
    return pb.Dataset(
        name=record.name,
        credential=record.credential,
        kind=KIND_TO_PB[record.kind],
        status=STATUS_TO_PB[record.status],
        issuer=record.issuer,
        issuer_org=record.issuer_org,
        digest=record.digest,
        receive_time=timestamp(record.received_at),
        product_ids=list(record.product_ids),
        classification_ids=list(record.classification_ids),
        geography=record.geography,
        valid_from_time=timestamp(record.valid_from),
        valid_until_time=timestamp(record.valid_until),
        supersedes=list(record.supersedes),
        log_index=max(record.log_index, 0),
        warnings=[
            pb.DatasetWarning(field=w.field, reason=w.reason, description=w.description)
            for w in record.warnings
        ],
    )


def checkpoint(note: str) -> pb.Checkpoint:
    """The wire form of a signed checkpoint note."""
    cp = DomainCheckpoint.from_note_body(parse_note(note).text)
    return pb.Checkpoint(origin=cp.origin, size=cp.size, root_hash=cp.root_hash, note=note)


def receipt(r: Receipt) -> pb.Receipt:
    """The wire form of a receipt."""
    return pb.Receipt(
        log_index=r.log_index,
        tree_size=r.tree_size,
        inclusion_proof=list(r.inclusion_proof),
        checkpoint=checkpoint(r.checkpoint_note),
        entry=r.entry,
    )


def receipt_from_pb(msg: pb.Receipt) -> Receipt:
    """A receipt from its wire form (client side)."""
    return Receipt(
        log_index=msg.log_index,
        tree_size=msg.tree_size,
        inclusion_proof=tuple(msg.inclusion_proof),
        checkpoint_note=msg.checkpoint.note,
        entry=msg.entry,
    )
