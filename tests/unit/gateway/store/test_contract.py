"""The dataset store contract, run on SQLite and PostgreSQL alike (fixture `store`)."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gateway.domain import DatasetKind, DatasetStatus, PeerHead, ReadScope
from gateway.store import (
    AlreadyExistsError,
    ChangeType,
    DatasetFilter,
    InvalidPageTokenError,
    InvalidRecordError,
    InvalidStatusTransitionError,
    InvalidStoreURLError,
    NotFoundError,
    Store,
    StoreUnavailableError,
    open_store,
)
from gateway.store.sqlite import SQLiteStore
from tests.helpers.stores import T0, entry, make


def test_round_trip_keeps_exact_bytes_and_every_field(store: Store):
    body = b'{ "id" : "urn:uuid:1",\t"unknownField": [1.50, "\\u00e9"] }\r\n'
    record = make(
        1,
        body=body,
        request_id="5f0c2a52-3c7e-4bde-9b43-0d3e1c5b2a11",
        product_ids=("urn:gtin:1", "urn:gtin:2"),
        classification_ids=("urn:cpc:46410",),
        geography="CN-SC",
        valid_from=T0,
        valid_until=T0 + timedelta(days=365),
        supersedes=("datasets/0b9e7e2e-8f0c-4d35-9a43-7c2d7c7b2f11",),
    )
    result = store.put_dataset(record, entry(1))
    assert result.created
    assert result.dataset == replace(record, log_index=0)
    got = store.get_dataset(record.name)
    assert got == result.dataset
    assert got.credential == body
    assert store.log_entries(0, 1) == [entry(1)]


def test_log_index_is_the_leaf_index_of_the_appended_entry(store: Store):
    names = [store.put_dataset(make(n), entry(n)).dataset for n in range(3)]
    assert [d.log_index for d in names] == [0, 1, 2]
    assert store.log_size() == 3
    assert store.log_entries(0, 3) == [entry(0), entry(1), entry(2)]


def test_same_bytes_twice_returns_the_first_record_and_appends_nothing(store: Store):
    first = store.put_dataset(make(1), entry(1)).dataset
    again = store.put_dataset(make(1), entry(99))  # fresh name, same bytes
    assert not again.created
    assert again.dataset == first
    assert store.log_size() == 1


@pytest.mark.parametrize("clash", ["credential_id", "request_id"])
def test_same_id_with_different_bytes_is_already_exists_and_nothing_is_stored(
    store: Store, clash: str
):
    rid = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
    first = store.put_dataset(make(1, request_id=rid), entry(1)).dataset
    if clash == "credential_id":
        rival = make(2, credential_id=first.credential_id)
    else:
        rival = make(2, request_id=rid)
    with pytest.raises(AlreadyExistsError) as info:
        store.put_dataset(rival, entry(2))
    assert info.value.existing_name == first.name
    assert info.value.reason == "DATASET_ALREADY_EXISTS"
    assert store.log_size() == 1
    with pytest.raises(NotFoundError):
        store.get_dataset(rival.name)


def test_failure_after_the_log_append_rolls_back_dataset_and_log(store: Store):
    first = store.put_dataset(make(1), entry(1)).dataset
    # Real constraint violation *after* the append: a new credential reusing a stored name.
    collision = replace(make(2, product_ids=("urn:gtin:9",)), name=first.name)
    with pytest.raises(AlreadyExistsError):
        store.put_dataset(collision, entry(2))
    assert store.log_size() == 1
    assert store.log_entries(0, 1) == [entry(1)]
    assert store.find_by_digest(collision.digest) is None
    assert store.list_datasets(DatasetFilter(product_id="urn:gtin:9")) == ([], "")
    # The store is still usable and the next append gets the next index.
    assert store.put_dataset(make(3), entry(3)).dataset.log_index == 1


def test_get_missing_dataset_is_not_found(store: Store):
    with pytest.raises(NotFoundError) as info:
        store.get_dataset("datasets/00000000-0000-4000-8000-000000000000")
    assert info.value.reason == "DATASET_NOT_FOUND"


def test_filters_select_by_every_facet(store: Store):
    store.put_dataset(
        make(
            0,
            product_ids=("urn:gtin:A",),
            classification_ids=("urn:cpc:1",),
            geography="CN-SC",
            valid_from=T0,
            valid_until=T0 + timedelta(days=10),
        ),
        entry(0),
    )
    store.put_dataset(
        make(1, kind=DatasetKind.EMISSION_FACTOR, geography="CN-SC", valid_from=T0), entry(1)
    )
    store.put_dataset(make(2, product_ids=("urn:gtin:B",), geography="DE"), entry(2))

    def ids(f: DatasetFilter) -> list[int]:
        return [d.log_index for d in store.list_datasets(f)[0]]

    assert ids(DatasetFilter()) == [0, 1, 2]
    assert ids(DatasetFilter(kind=DatasetKind.EMISSION_FACTOR)) == [1]
    assert ids(DatasetFilter(issuer="did:key:z6Mk2")) == [2]
    assert ids(DatasetFilter(issuer_org="org0")) == [0]
    assert ids(DatasetFilter(product_id="urn:gtin:A")) == [0]
    assert ids(DatasetFilter(classification_id="urn:cpc:1")) == [0]
    assert ids(DatasetFilter(geography="CN-SC")) == [0, 1]
    assert ids(DatasetFilter(geography="CN-SC", kind=DatasetKind.PRODUCT_FOOTPRINT)) == [0]
    assert ids(DatasetFilter(valid_at=T0 + timedelta(days=5))) == [0, 1, 2]
    assert ids(DatasetFilter(valid_at=T0 + timedelta(days=10))) == [1, 2]  # end is exclusive
    assert ids(DatasetFilter(valid_at=T0 - timedelta(seconds=1))) == [2]
    assert ids(DatasetFilter(status=DatasetStatus.WITHDRAWN)) == []


def test_paging_walks_every_dataset_once_in_log_order(store: Store):
    for n in range(7):
        store.put_dataset(make(n), entry(n))
    seen: list[int] = []
    token = ""
    pages = 0
    while True:
        page, token = store.list_datasets(DatasetFilter(), page_size=3, page_token=token)
        seen += [d.log_index for d in page]
        pages += 1
        if not token:
            break
    assert seen == list(range(7))
    assert pages == 3


def test_exact_final_page_has_no_next_token(store: Store):
    for n in range(2):
        store.put_dataset(make(n), entry(n))
    page, token = store.list_datasets(DatasetFilter(), page_size=2)
    assert len(page) == 2
    assert token == ""


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),  # forged MAC
        lambda t: "A" + t[1:] if t[0] != "A" else "B" + t[1:],  # altered position
        lambda _t: "not a token!",
        lambda _t: "",  # placeholder, replaced below by an oversize token
        lambda t: t[:10],
    ],
    ids=["forged-mac", "altered-body", "garbage", "oversize", "truncated"],
)
def test_tampered_page_token_is_refused(store: Store, mangle):
    for n in range(3):
        store.put_dataset(make(n), entry(n))
    _, token = store.list_datasets(DatasetFilter(), page_size=1)
    bad = mangle(token) or "A" * 500
    with pytest.raises(InvalidPageTokenError) as info:
        store.list_datasets(DatasetFilter(), page_size=1, page_token=bad)
    assert info.value.reason == "INVALID_PAGE_TOKEN"


def test_page_token_reused_with_other_filters_is_refused(store: Store):
    for n in range(3):
        store.put_dataset(make(n), entry(n))
    _, token = store.list_datasets(DatasetFilter(), page_size=1)
    with pytest.raises(InvalidPageTokenError):
        store.list_datasets(DatasetFilter(geography="CN-SC"), page_size=1, page_token=token)


def test_status_update_moves_status_appends_and_stores_the_update(store: Store):
    target = store.put_dataset(make(1), entry(1)).dataset
    update = make(2, kind=DatasetKind.STATUS_UPDATE)
    moved = store.set_status(target.name, DatasetStatus.DEPRECATED, entry(2), update)
    assert moved.status == DatasetStatus.DEPRECATED
    assert moved.log_index == target.log_index
    assert store.get_dataset(target.name).status == DatasetStatus.DEPRECATED
    stored_update = store.get_dataset(update.name)
    assert stored_update.credential == update.credential
    assert stored_update.log_index == 1
    assert store.log_size() == 2
    # Replaying the same StatusUpdate bytes changes nothing.
    again = store.set_status(target.name, DatasetStatus.DEPRECATED, entry(3), update)
    assert again == moved
    assert store.log_size() == 2


def test_withdrawn_is_final_and_backwards_moves_are_refused(store: Store):
    target = store.put_dataset(make(1), entry(1)).dataset
    store.set_status(target.name, DatasetStatus.WITHDRAWN, entry(2), None)
    for status in DatasetStatus:
        with pytest.raises(InvalidStatusTransitionError):
            store.set_status(target.name, status, entry(3), None)
    assert store.log_size() == 2


def test_status_change_of_missing_dataset_is_not_found_and_appends_nothing(store: Store):
    with pytest.raises(NotFoundError):
        store.set_status(
            "datasets/00000000-0000-4000-8000-000000000000",
            DatasetStatus.WITHDRAWN,
            entry(1),
            make(1, kind=DatasetKind.STATUS_UPDATE),
        )
    assert store.log_size() == 0


def test_changes_after_follow_log_order_and_filter_by_kind(store: Store):
    a = store.put_dataset(make(0), entry(0)).dataset
    store.put_dataset(make(1, kind=DatasetKind.EMISSION_FACTOR), entry(1))
    update = make(2, kind=DatasetKind.STATUS_UPDATE)
    store.set_status(a.name, DatasetStatus.WITHDRAWN, entry(2), update)

    changes = store.changes_after(-1)
    assert [(c.log_index, c.change, c.dataset.name) for c in changes] == [
        (0, ChangeType.CREATED, a.name),
        (1, ChangeType.CREATED, changes[1].dataset.name),
        (2, ChangeType.CREATED, update.name),
        (2, ChangeType.STATUS_CHANGED, a.name),
    ]
    assert changes[0].status == DatasetStatus.ACTIVE
    assert changes[0].dataset.status == DatasetStatus.WITHDRAWN  # current state
    assert [c.log_index for c in store.changes_after(1)] == [2, 2]
    footprints = store.changes_after(-1, kind=DatasetKind.PRODUCT_FOOTPRINT)
    assert [c.change for c in footprints] == [ChangeType.CREATED, ChangeType.STATUS_CHANGED]
    assert len(store.changes_after(-1, limit=1)) == 1


def test_log_passthroughs_serve_proofs_and_checkpoints(store: Store):
    for n in range(5):
        store.put_dataset(make(n), entry(n))
    assert len(store.log_root(5)) == 32
    assert len(store.inclusion_proof(2, 5)) == 3
    assert len(store.consistency_proof(3, 5)) >= 1
    assert store.latest_checkpoint() is None
    store.save_checkpoint(5, "note five")
    assert store.latest_checkpoint() == (5, "note five")
    assert store.checkpoint_at(5) == "note five"
    assert store.checkpoint_at(4) is None
    assert store.audit_log(5) == store.log_root(5)
    head = PeerHead("peer.example/log", 3, b"\x01" * 32, "peer note")
    store.save_witness_head(head)
    assert store.load_witness_heads() == {"peer.example/log": head}


def test_concurrent_writers_get_distinct_consecutive_indices(store: Store):
    errors: list[BaseException] = []

    def worker(base: int) -> None:
        try:
            for n in range(base, base + 5):
                store.put_dataset(make(n), entry(n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(b,)) for b in (0, 100, 200, 300)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    indices = sorted(c.log_index for c in store.changes_after(-1, limit=100))
    assert indices == list(range(20))
    assert store.log_size() == 20


def test_record_with_wrong_digest_is_refused_before_storage():
    record = make(1)
    with pytest.raises(InvalidRecordError):
        replace(record, credential=record.credential + b" ")
    with pytest.raises(InvalidRecordError):
        replace(record, received_at=datetime(2026, 1, 1))  # noqa: DTZ001 -- naive on purpose
    with pytest.raises(InvalidRecordError):
        replace(record, name="datasets/../etc")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("cfx.sqlite3", "NODE/cfx.sqlite3"),
        ("sqlite://sub/x.db", "NODE/sub/x.db"),
        ("sqlite:///ABS/y.db", "/ABS/y.db"),
    ],
)
def test_open_store_resolves_sqlite_paths_against_the_node_dir(tmp_path: Path, url, expected):
    node = tmp_path / "node"
    (node / "sub").mkdir(parents=True)
    (tmp_path / "abs").mkdir()
    url = url.replace("/ABS", str(tmp_path / "abs"))
    with open_store(url, node) as opened:
        assert isinstance(opened, SQLiteStore)
        want = expected.replace("NODE", str(node)).replace("/ABS", str(tmp_path / "abs"))
        assert opened.path == Path(want)
        assert opened.path.exists()


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", ":memory:"])
def test_open_store_refuses_unsupported_urls(tmp_path: Path, url):
    with pytest.raises(InvalidStoreURLError):
        open_store(url, tmp_path)


def test_sqlite_store_uses_wal(tmp_path: Path):
    with open_store("cfx.sqlite3", tmp_path) as opened:
        opened.put_dataset(make(1), entry(1))
    conn = sqlite3.connect(tmp_path / "cfx.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_store_reopens_with_data_and_page_tokens_intact(store_url: str, tmp_path: Path):
    with open_store(store_url, tmp_path) as first:
        for n in range(3):
            first.put_dataset(make(n), entry(n))
        _, token = first.list_datasets(DatasetFilter(), page_size=1)
    with open_store(store_url, tmp_path) as second:
        page, _ = second.list_datasets(DatasetFilter(), page_size=1, page_token=token)
        assert [d.log_index for d in page] == [1]
        assert second.log_size() == 3


def test_two_store_instances_on_one_database_share_one_log_order(store_url: str, tmp_path: Path):
    """Several gateway processes over one database (DESIGN.md §6): one gap-free log."""
    a, b = open_store(store_url, tmp_path), open_store(store_url, tmp_path)
    try:
        errors: list[BaseException] = []

        def worker(s: Store, base: int) -> None:
            try:
                for n in range(base, base + 6):
                    s.put_dataset(make(n), entry(n))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(s, i * 100)) for i, s in enumerate([a, b])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(c.log_index for c in b.changes_after(-1)) == list(range(12))
        assert a.audit_log(12) == b.log_root(12)
    finally:
        a.close()
        b.close()


def test_unreachable_postgresql_is_unavailable_and_never_echoes_the_password(tmp_path: Path):
    with pytest.raises(StoreUnavailableError) as info:
        open_store("postgresql://cfx:s3cret-pw@127.0.0.1:1/test?connect_timeout=1", tmp_path)
    assert info.value.reason == "BACKEND_UNAVAILABLE"
    assert "s3cret-pw" not in str(info.value)


def test_read_scope_limits_lists_and_changes_inside_the_query(store: Store):
    store.put_dataset(make(0, kind=DatasetKind.EMISSION_FACTOR), entry(0))  # org0
    store.put_dataset(make(1), entry(1))  # org1's footprint
    store.put_dataset(make(2), entry(2))  # org2's footprint
    exporter = ReadScope(
        frozenset({DatasetKind.EMISSION_FACTOR}), "org1", frozenset({DatasetKind.PRODUCT_FOOTPRINT})
    )
    page, _ = store.list_datasets(DatasetFilter(scope=exporter))
    assert [d.log_index for d in page] == [0, 1]
    assert [c.log_index for c in store.changes_after(-1, scope=exporter)] == [0, 1]
    nobody = ReadScope(frozenset())
    assert store.list_datasets(DatasetFilter(scope=nobody)) == ([], "")
    assert store.changes_after(-1, scope=nobody) == []
    # Paging stays full: the scope is applied before LIMIT, not after.
    first, token = store.list_datasets(DatasetFilter(scope=exporter), page_size=1)
    second, last = store.list_datasets(DatasetFilter(scope=exporter), page_size=1, page_token=token)
    assert [d.log_index for d in first + second] == [0, 1]
    assert last == ""


def test_page_token_of_one_caller_is_refused_for_another(store: Store):
    for n in range(3):
        store.put_dataset(make(n), entry(n))
    everything = frozenset(DatasetKind)
    mine = DatasetFilter(scope=ReadScope(everything, "org1", everything))
    theirs = DatasetFilter(scope=ReadScope(everything, "org2", everything))
    _, token = store.list_datasets(mine, page_size=1)
    with pytest.raises(InvalidPageTokenError):
        store.list_datasets(theirs, page_size=1, page_token=token)
