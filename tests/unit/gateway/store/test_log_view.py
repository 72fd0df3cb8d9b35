"""What of the log one caller may see, on SQLite and PostgreSQL alike (fixture `store`): full
entries only where it may read every dataset an entry concerns, leaf hashes elsewhere, and pages
bounded in entries and bytes that still walk the whole log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.errors import GatewayError
from gateway.log.entry import StatusChange, StatusChangeKind
from gateway.log.merkle import leaf_hash
from gateway.log_view import LogRange, LogView
from gateway.store import DatasetKind, DatasetStatus, Store, StoredDataset
from gateway.trust import Organization, Role
from tests.helpers.stores import entry, make

T1 = datetime(2026, 2, 1, tzinfo=UTC)
EXPORTER = Organization("org0", roles=frozenset({Role.EXPORTER}))
OPERATOR = Organization("national", roles=frozenset({Role.REGISTRY_OPERATOR}))


def _status_update(n: int, issuer_org: str) -> StoredDataset:
    return StoredDataset.create(
        credential=b'{"id":"urn:uuid:update-%d"}' % n,
        kind=DatasetKind.STATUS_UPDATE,
        issuer=f"did:key:z6Mk{n}",
        issuer_org=issuer_org,
        credential_id=f"urn:uuid:update-{n}",
        received_at=T1,
    )


def _key_revocation() -> bytes:
    return StatusChange(
        change=StatusChangeKind.KEY_REVOCATION,
        target="did:key:z6MkRevoked",
        new_status="revoked",
        reason="trust-registry",
        digest=b"\x01" * 32,
        changed_at=T1,
    ).to_bytes()


@pytest.fixture
def log(store: Store) -> Store:
    """0: org0's footprint, 1: org1's footprint, 2: an emission factor of org2, 3: org1 withdraws
    its footprint (StatusUpdate of org1), 4: org0 deprecates its own, 5: a key revocation."""
    mine = store.put_dataset(make(0), entry(0)).dataset
    theirs = store.put_dataset(make(1), entry(1)).dataset
    store.put_dataset(make(2, kind=DatasetKind.EMISSION_FACTOR), entry(2))
    store.set_status(theirs.name, DatasetStatus.WITHDRAWN, entry(3), _status_update(3, "org1"))
    store.set_status(mine.name, DatasetStatus.DEPRECATED, entry(4), _status_update(4, "org0"))
    store.append_log_entry(_key_revocation())
    return store


def test_an_index_is_readable_only_when_every_dataset_it_concerns_is(log: Store):
    assert log.readable_log_indexes(0, 6, EXPORTER.read_scope) == {0, 2, 4}
    assert log.readable_log_indexes(0, 6, OPERATOR.read_scope) == {0, 1, 2, 3, 4}
    assert log.readable_log_indexes(1, 3, EXPORTER.read_scope) == {2}


def test_an_exporter_gets_hashes_for_a_competitors_leaves_and_its_own_in_full(log: Store):
    view = LogView(log, max_page_size=100, max_page_bytes=1 << 20)
    page = view.page(EXPORTER, LogRange(0, 0))
    stored = log.log_entries(0, 6)
    assert [leaf.entry is not None for leaf in page.leaves] == [1, 0, 1, 0, 1, 1]
    assert [leaf.leaf_hash for leaf in page.leaves] == [leaf_hash(e) for e in stored]
    assert page.next_page_token == ""


def test_the_operator_gets_every_entry(log: Store):
    page = LogView(log, max_page_size=100, max_page_bytes=1 << 20).page(OPERATOR, LogRange(0, 0))
    assert [leaf.entry for leaf in page.leaves] == list(log.log_entries(0, 6))


# 40 bytes: [0, 1] [2, 3] [4] [5] (test entries are 16 bytes, the key revocation is larger).
@pytest.mark.parametrize(("max_bytes", "pages"), [(1, 6), (40, 4), (1 << 20, 1)])
def test_a_byte_budget_shortens_pages_but_the_walk_still_reaches_the_end(
    log: Store, max_bytes: int, pages: int
):
    view = LogView(log, max_page_size=100, max_page_bytes=max_bytes)
    seen, token, count = [], "", 0
    while True:
        page = view.page(OPERATOR, LogRange(0, 0, page_token=token))
        seen += [leaf.index for leaf in page.leaves]
        count += 1
        token = page.next_page_token
        if not token:
            break
    assert seen == list(range(6))
    assert count == pages


def test_an_end_beyond_the_log_is_clamped_and_a_start_beyond_it_is_out_of_range(log: Store):
    view = LogView(log, max_page_size=100, max_page_bytes=1 << 20)
    assert len(view.page(OPERATOR, LogRange(4, 1000)).leaves) == 2
    assert view.page(OPERATOR, LogRange(6, 0)).leaves == ()
    with pytest.raises(GatewayError) as err:
        view.page(OPERATOR, LogRange(7, 0))
    assert err.value.reason == "TREE_SIZE_EXCEEDED"
