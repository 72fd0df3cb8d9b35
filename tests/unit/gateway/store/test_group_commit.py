"""Group commit on SQLite and PostgreSQL: many puts, one transaction, per-item outcomes."""

from __future__ import annotations

import threading

import pytest

from gateway.store import Store
from gateway.store.errors import AlreadyExistsError
from gateway.store.group_commit import GroupCommitter
from gateway.store.model import PutResult
from tests.helpers.stores import entry, make


def test_batch_commits_every_item_with_consecutive_indices(store: Store):
    results = store.put_datasets([(make(n), entry(n)) for n in range(5)])
    assert all(isinstance(r, PutResult) and r.created for r in results)
    assert [r.dataset.log_index for r in results if isinstance(r, PutResult)] == list(range(5))
    assert store.log_size() == 5
    assert store.log_entries(0, 5) == [entry(n) for n in range(5)]


def test_refused_item_is_rolled_back_alone_and_the_rest_commit(store: Store):
    store.put_dataset(make(0), entry(0))
    clash = make(1, body=b'{"other": "bytes"}', credential_id="urn:uuid:0")
    results = store.put_datasets([(make(2), entry(2)), (clash, entry(1)), (make(3), entry(3))])
    assert isinstance(results[1], AlreadyExistsError)
    assert [type(r) for r in (results[0], results[2])] == [PutResult, PutResult]
    assert store.log_size() == 3  # entry(1) was never appended
    assert entry(1) not in store.log_entries(0, 3)
    with pytest.raises(Exception, match="does not exist"):
        store.get_dataset(clash.name)


def test_same_bytes_twice_in_one_batch_is_stored_once(store: Store):
    record = make(7)
    twin = make(7)  # same bytes, another generated name
    results = store.put_datasets([(record, entry(7)), (twin, entry(8))])
    assert isinstance(results[0], PutResult)
    assert isinstance(results[1], PutResult)
    assert results[0].created
    assert not results[1].created
    assert results[1].dataset.name == record.name
    assert store.log_size() == 1


def test_concurrent_puts_through_the_committer_all_land_exactly_once(store: Store):
    committer = GroupCommitter(store, max_batch=8)
    outcomes: dict[int, PutResult] = {}
    lock = threading.Lock()

    def put(n: int) -> None:
        result = committer.put(make(n), entry(n))
        with lock:
            outcomes[n] = result

    threads = [threading.Thread(target=put, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 40
    assert sorted(r.dataset.log_index for r in outcomes.values()) == list(range(40))
    for n, result in outcomes.items():
        assert store.log_entries(result.dataset.log_index, result.dataset.log_index + 1) == [
            entry(n)
        ]


def test_committer_raises_the_refusal_to_its_own_caller_only(store: Store):
    committer = GroupCommitter(store)
    committer.put(make(0), entry(0))
    clash = make(1, body=b'{"other": "bytes"}', credential_id="urn:uuid:0")
    with pytest.raises(AlreadyExistsError):
        committer.put(clash, entry(1))
    assert committer.put(make(2), entry(2)).created
