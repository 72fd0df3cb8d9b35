"""Log entries: one canonical byte encoding per entry, strict decoding."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.log.entry import (
    DatasetAccepted,
    StatusChange,
    StatusChangeKind,
    _canonical,
    decode_entry,
    entry_leaf_hash,
)
from gateway.log.errors import MalformedEntryError
from gateway.log.merkle import leaf_hash

DIGEST = hashlib.sha256(b"credential bytes").digest()
WHEN = datetime(2026, 11, 26, 6, 0, 1, tzinfo=UTC)


def _accepted(**kw):
    fields = {
        "digest": DIGEST,
        "kind": "ProductFootprint",
        "issuer": "did:web:battery.example",
        "dataset": "urn:uuid:3e4a6b1c-0000-4000-8000-000000000001",
        "received_at": WHEN,
    }
    return DatasetAccepted(**{**fields, **kw})


def _status(**kw):
    fields = {
        "change": StatusChangeKind.WITHDRAWAL,
        "target": "urn:uuid:3e4a6b1c-0000-4000-8000-000000000001",
        "new_status": "withdrawn",
        "reason": "superseded by v2",
        "digest": DIGEST,
        "changed_at": WHEN,
    }
    return StatusChange(**{**fields, **kw})


def test_dataset_entry_is_jcs_and_round_trips():
    entry = _accepted()
    data = entry.to_bytes()
    assert data.startswith(b'{"dataset":')  # JCS sorts keys
    assert decode_entry(data) == entry
    assert entry_leaf_hash(entry) == leaf_hash(data)


@pytest.mark.parametrize("change", list(StatusChangeKind))
def test_every_status_change_kind_round_trips(change):
    entry = _status(change=change)
    assert decode_entry(entry.to_bytes()) == entry


def test_times_are_normalised_to_utc():
    east = _accepted(received_at=WHEN.astimezone(timezone(timedelta(hours=8))))
    assert east.to_bytes() == _accepted().to_bytes()


def test_naive_time_is_refused():
    with pytest.raises(MalformedEntryError):
        _accepted(received_at=datetime(2026, 1, 1)).to_bytes()  # noqa: DTZ001 - the point of the test


def test_wrong_digest_length_is_refused():
    with pytest.raises(MalformedEntryError):
        _accepted(digest=b"short").to_bytes()


texts = st.text(min_size=1, max_size=40)


@given(kind=texts, issuer=texts, dataset=texts, micro=st.integers(0, 999_999))
@settings(max_examples=60, deadline=None)
def test_any_entry_decodes_to_itself(kind, issuer, dataset, micro):
    try:
        entry = _accepted(
            kind=kind, issuer=issuer, dataset=dataset, received_at=WHEN.replace(microsecond=micro)
        )
        data = entry.to_bytes()
    except MalformedEntryError:
        return  # e.g. a lone surrogate: refused with the domain error, which is the contract
    assert decode_entry(data) == entry
    assert decode_entry(data).to_bytes() == data


def _obj(entry):
    return json.loads(entry.to_bytes())


def _enc(obj):
    return rfc8785.dumps(obj)


MALFORMED = {
    "not-json": b"{not json",
    "array": b"[]",
    "duplicate-key": b'{"v":1,"v":1}',
    "unknown-type": _enc({**_obj(_accepted()), "type": "other"}),
    "wrong-version": _enc({**_obj(_accepted()), "v": 2}),
    "version-true": _enc({**_obj(_accepted()), "v": True}),
    "extra-field": _enc({**_obj(_accepted()), "extra": "x"}),
    "missing-field": _enc({k: v for k, v in _obj(_accepted()).items() if k != "issuer"}),
    "digest-uppercase": _enc({**_obj(_accepted()), "digest": "sha256:" + DIGEST.hex().upper()}),
    "digest-other-alg": _enc({**_obj(_accepted()), "digest": "sha512:" + DIGEST.hex()}),
    "digest-number": _enc({**_obj(_accepted()), "digest": 5}),
    "time-with-offset": _enc({**_obj(_accepted()), "time": "2026-11-26T14:00:01+08:00"}),
    "time-impossible": _enc({**_obj(_accepted()), "time": "2026-13-40T25:00:00Z"}),
    "empty-issuer": _enc({**_obj(_accepted()), "issuer": ""}),
    "issuer-not-string": _enc({**_obj(_accepted()), "issuer": ["a"]}),
    "unknown-change": _enc({**_obj(_status()), "change": "resurrection"}),
    "non-canonical-spacing": _accepted().to_bytes().replace(b",", b", "),
    "non-canonical-key-order": b'{"v":1,' + _accepted().to_bytes()[1:].replace(b',"v":1', b""),
    "huge": b'{"v":1,"pad":"' + b"x" * 20_000 + b'"}',
    "nested": _enc({**_obj(_accepted()), "kind": {"a": {"b": 1}}}),
    "invalid-utf8": b'{"v":1,"type":"\xff"}',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_entry_bytes_are_a_domain_error(name):
    with pytest.raises(MalformedEntryError):
        decode_entry(MALFORMED[name])


@settings(max_examples=300)
@given(
    texts=st.dictionaries(st.sampled_from(["digest", "kind", "issuer", "A", "_z"]), st.text()),
    number=st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
)
def test_flat_entries_are_written_exactly_as_rfc8785_writes_them(
    texts: dict[str, str], number: int
) -> None:
    """The stdlib fast path for flat entries must give the JCS bytes (or refuse alike)."""
    obj: dict[str, Any] = {"v": number, "type": "dataset", **texts}
    try:
        expected = rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError:
        with pytest.raises(MalformedEntryError):
            _canonical(obj)
        return
    assert _canonical(obj) == expected
