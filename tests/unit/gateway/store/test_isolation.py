"""Store isolation between organizations, on SQLite and PostgreSQL (fixture `store`).

Ids and request ids are unique per issuing organization; a read scoped to a caller finds nothing
it may not read, exactly as it finds nothing for a missing name.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from gateway.domain import DatasetKind
from gateway.store import AlreadyExistsError, NotFoundError, ReadScope, Store
from tests.helpers.stores import entry, make

RID = "7d444840-9dc0-11d1-b245-5ffdce74fad2"


def test_another_organizations_id_is_no_collision(store: Store):
    mine = store.put_dataset(make(1, credential_id="urn:uuid:shared", request_id=RID), entry(1))
    theirs = store.put_dataset(make(2, credential_id="urn:uuid:shared", request_id=RID), entry(2))
    assert mine.created
    assert theirs.created
    assert mine.dataset.issuer_org != theirs.dataset.issuer_org
    assert store.log_size() == 2


@pytest.mark.parametrize("clash", ["credential_id", "request_id"])
def test_collision_names_the_same_organizations_dataset_only(store: Store, clash: str):
    ids: dict[str, Any] = (
        {"credential_id": "urn:uuid:shared"} if clash == "credential_id" else {"request_id": RID}
    )
    theirs = store.put_dataset(make(2, **ids), entry(2)).dataset
    mine = store.put_dataset(make(1, **ids), entry(1)).dataset
    with pytest.raises(AlreadyExistsError) as info:
        store.put_dataset(make(4, **ids), entry(4))  # make(4) is make(1)'s organization
    assert info.value.existing_name == mine.name
    assert theirs.name not in str(info.value)
    assert store.log_size() == 2


def test_same_bytes_for_another_organization_are_refused_without_a_name(store: Store):
    first = store.put_dataset(make(1), entry(1)).dataset
    moved = replace(make(1), issuer_org="org-after-a-hand-edited-registry")
    with pytest.raises(AlreadyExistsError) as info:
        store.put_dataset(moved, entry(9))
    assert info.value.existing_name == ""
    assert first.name not in str(info.value)
    assert store.log_size() == 1


def test_scoped_read_finds_nothing_it_may_not_read_like_a_missing_name(store: Store):
    footprint = store.put_dataset(make(1), entry(1)).dataset  # org1's ProductFootprint
    exporter = ReadScope(
        frozenset({DatasetKind.EMISSION_FACTOR}),
        org="org2",
        own_kinds=frozenset({DatasetKind.PRODUCT_FOOTPRINT}),
    )
    missing = "datasets/00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFoundError) as unreadable:
        store.get_dataset(footprint.name, exporter)
    with pytest.raises(NotFoundError) as absent:
        store.get_dataset(missing, exporter)
    assert (unreadable.value.reason, type(unreadable.value)) == (absent.value.reason, NotFoundError)
    owner = replace(exporter, org="org1")
    assert store.get_dataset(footprint.name, owner) == footprint
    assert store.get_dataset(footprint.name) == footprint


def test_datasets_with_id_lists_every_organization_in_log_order(store: Store):
    later = store.put_dataset(make(2, credential_id="urn:uuid:shared"), entry(2)).dataset
    earlier_org = store.put_dataset(make(1, credential_id="urn:uuid:shared"), entry(1)).dataset
    store.put_dataset(make(3), entry(3))
    assert store.datasets_with_id("urn:uuid:shared") == [later, earlier_org]
    assert store.datasets_with_id("urn:uuid:nobody") == []
