"""Model-based test of the store (S4): random puts, replays, id clashes and status changes
against a plain-Python model. Invariants: the log only grows, by exactly one entry per accepted
write; every stored record reads back byte-identical; listing walks everything in log order.
Runs on SQLite (a fresh file per example) to stay fast; the PostgreSQL dialect shares the SQL.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from gateway.domain import DatasetKind, DatasetStatus
from gateway.store import (
    ALLOWED_TRANSITIONS,
    AlreadyExistsError,
    DatasetFilter,
    InvalidStatusTransitionError,
    StoredDataset,
    open_store,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
IDS = st.sampled_from([f"urn:uuid:{n}" for n in range(4)])
BODIES = st.binary(min_size=1, max_size=40)


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory()
        self.store = open_store("cfx.sqlite3", Path(self._dir.name))
        self.by_name: dict[str, StoredDataset] = {}
        self.by_digest: dict[str, str] = {}
        self.by_credential_id: dict[str, str] = {}
        self.log_size = 0

    def teardown(self) -> None:
        self.store.close()
        self._dir.cleanup()

    def _record(self, body: bytes, credential_id: str, kind: DatasetKind) -> StoredDataset:
        return StoredDataset.create(
            credential=body,
            kind=kind,
            issuer="did:key:z6MkModel",
            issuer_org="model",
            credential_id=credential_id,
            received_at=T0,
        )

    @rule(body=BODIES, credential_id=IDS)
    def put(self, body: bytes, credential_id: str) -> None:
        record = self._record(body, credential_id, DatasetKind.PRODUCT_FOOTPRINT)
        try:
            result = self.store.put_dataset(record, b"entry " + body)
        except AlreadyExistsError:
            assert record.digest not in self.by_digest
            assert credential_id in self.by_credential_id
            return
        if record.digest in self.by_digest:
            assert not result.created
            assert result.dataset == self.by_name[self.by_digest[record.digest]]
            return
        assert result.created
        assert credential_id not in self.by_credential_id
        assert result.dataset.log_index == self.log_size
        self.log_size += 1
        self.by_name[record.name] = result.dataset
        self.by_digest[record.digest] = record.name
        self.by_credential_id[credential_id] = record.name

    @precondition(lambda self: bool(self.by_name))
    @rule(data=st.data(), status=st.sampled_from(list(DatasetStatus)))
    def change_status(self, data: st.DataObject, status: DatasetStatus) -> None:
        name = data.draw(st.sampled_from(sorted(self.by_name)))
        current = self.by_name[name]
        try:
            moved = self.store.set_status(name, status, b"status " + name.encode(), None)
        except InvalidStatusTransitionError:
            assert status not in ALLOWED_TRANSITIONS[current.status]
            return
        assert status in ALLOWED_TRANSITIONS[current.status]
        self.by_name[name] = replace(current, status=status)
        assert moved == self.by_name[name]
        self.log_size += 1

    @invariant()
    def log_grows_by_exactly_the_accepted_writes(self) -> None:
        assert self.store.log_size() == self.log_size

    @invariant()
    def everything_reads_back_in_log_order(self) -> None:
        listed: list[StoredDataset] = []
        token = ""
        while True:
            page, token = self.store.list_datasets(DatasetFilter(), page_size=3, page_token=token)
            listed += page
            if not token:
                break
        expected = sorted(self.by_name.values(), key=lambda d: d.log_index)
        assert listed == expected


StoreMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
test_store_model = StoreMachine.TestCase
