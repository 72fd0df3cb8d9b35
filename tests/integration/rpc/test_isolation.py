"""One organization can neither squat nor probe another's datasets (issue 11, finding 4).

Two exporters on one node, over real mTLS gRPC, on SQLite and on PostgreSQL: `sichuan-cells` (the
harness exporter) and `rival-cells`. Ids and request ids are unique per issuing organization, a
refusal never names another organization's dataset, and reading a dataset one may not read is the
same query, the same work and the same answer as reading one that does not exist.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway import access, pki
from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import ClientError
from gateway.errors import GatewayError
from gateway.node import NodePaths, add_client, edit_trust
from gateway.rpc.status import status_code
from gateway.store.sqlite import SQLiteStore
from gateway.trust import Role
from signing.keys import PrivateKey, generate_key
from tests.helpers.nodes import Harness, example, make_node, signed_bytes

RIVAL = "rival-cells"
LAPTOP = "valid/product-footprint-electronics-laptop.json"
MISSING = "datasets/00000000-0000-4000-8000-000000000000"


@dataclass
class TwoOrgs:
    harness: Harness
    rival_key: PrivateKey

    def sign(self, who: str, document: dict[str, Any]) -> bytes:
        return signed_bytes(
            document, self.harness.exporter_key if who == "exporter" else self.rival_key
        )

    def submit(self, who: str, document: dict[str, Any] | bytes, request_id: str = "") -> Any:
        credential = document if isinstance(document, bytes) else self.sign(who, document)
        with self.harness.client(who) as client:
            return client.submit(credential, request_id or None)


def _with_rival(rival_key: PrivateKey, root: Path) -> Any:
    def configure(paths: NodePaths) -> None:
        now = datetime.now(UTC)
        add_client(paths, org=RIVAL, role=Role.EXPORTER, out=root / "rival", now=now)
        edit_trust(paths, lambda r: r.with_key(RIVAL, Role.EXPORTER, rival_key.did, now))

    return configure


def _two_orgs(root: Path, store_url: str | None) -> Iterator[TwoOrgs]:
    rival_key = generate_key("ed25519")
    for harness in make_node(root, store_url=store_url, configure=_with_rival(rival_key, root)):
        harness.identities["rival"] = root / "rival"
        yield TwoOrgs(harness, rival_key)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def orgs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TwoOrgs]:
    url = None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    yield from _two_orgs(tmp_path, url)


@pytest.fixture
def sqlite_orgs(tmp_path: Path) -> Iterator[TwoOrgs]:
    yield from _two_orgs(tmp_path, None)


def _footprint(dataset_id: str | None = None, comment: str = "") -> dict[str, Any]:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = dataset_id or f"urn:uuid:{uuid.uuid4()}"
    if comment:
        document["credentialSubject"]["comment"] = comment
    return document


def test_other_org_cannot_squat_a_credential_id(orgs: TwoOrgs):
    owners = _footprint()
    squatter = copy.deepcopy(owners)
    squatter["credentialSubject"]["comment"] = "taken first by another organization"
    squatted = orgs.submit("rival", squatter).dataset
    accepted = orgs.submit("exporter", owners).dataset
    assert accepted.name != squatted.name
    assert accepted.issuer_org == "sichuan-cells"
    with orgs.harness.client() as client:
        stored = json.loads(client.get(accepted.name).dataset.credential)
    assert stored["credentialSubject"] == owners["credentialSubject"]


def test_already_exists_never_names_another_orgs_dataset(orgs: TwoOrgs):
    dataset_id = f"urn:uuid:{uuid.uuid4()}"
    theirs = orgs.submit("rival", _footprint(dataset_id, "the rival's")).dataset
    mine = orgs.submit("exporter", _footprint(dataset_id, "mine")).dataset
    size = orgs.harness.log_size()
    with pytest.raises(ClientError) as err:
        orgs.submit("exporter", _footprint(dataset_id, "mine, edited"))
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "DATASET_ALREADY_EXISTS",
    )
    assert err.value.metadata["existing"] == mine.name
    assert theirs.name not in f"{err.value.message} {err.value.metadata}"
    assert orgs.harness.log_size() == size


def test_request_id_is_scoped_per_org(orgs: TwoOrgs):
    request_id = str(uuid.uuid4())
    orgs.submit("rival", _footprint(), request_id)
    document = orgs.sign("exporter", _footprint())
    first = orgs.submit("exporter", document, request_id)
    # AIP-155 idempotency is unchanged: same organization, same bytes, same request id.
    again = orgs.submit("exporter", document, request_id)
    assert (again.dataset.name, again.dataset.log_index) == (
        first.dataset.name,
        first.dataset.log_index,
    )
    with pytest.raises(ClientError) as err:
        orgs.submit("exporter", _footprint(), request_id)
    assert err.value.code is grpc.StatusCode.ALREADY_EXISTS
    assert err.value.metadata["existing"] == first.dataset.name


def _get_refusal(harness: Harness, who: str, name: str) -> tuple[Any, ...]:
    """Everything a caller sees of a refused GetDataset: code, message and status details."""
    with harness.client(who) as client, pytest.raises(grpc.RpcError) as err:
        client._exchange.GetDataset(ex.GetDatasetRequest(name=name), timeout=10)  # the raw answer
    call: grpc.Call = err.value  # type: ignore[assignment]
    trailers = dict(call.trailing_metadata() or ())
    return call.code(), call.details(), trailers.get("grpc-status-details-bin")


def test_unreadable_and_missing_datasets_get_the_identical_refusal(orgs: TwoOrgs):
    theirs = orgs.submit("rival", _footprint()).dataset
    unreadable = _get_refusal(orgs.harness, "exporter", theirs.name)
    missing = _get_refusal(orgs.harness, "exporter", MISSING)
    assert unreadable == missing
    assert unreadable[0] is grpc.StatusCode.PERMISSION_DENIED
    with orgs.harness.client("rival") as client:
        assert client.get(theirs.name).dataset.name == theirs.name


def test_unreadable_and_missing_datasets_take_the_same_store_path(sqlite_orgs: TwoOrgs):
    """The same SQL statements, with only the name differing, for a dataset the caller may not
    read and a free name: the scope is inside the one query, so no step differs (finding 4 timed
    the two reads 0.08 ms apart before)."""
    theirs = sqlite_orgs.submit("rival", _footprint()).dataset
    node = sqlite_orgs.harness.node
    catalog, store = node.catalog, node.store
    assert isinstance(store, SQLiteStore)
    caller = access.caller_organization(
        node.trust.current(), (pki.client_san("sichuan-cells", "exporter"),)
    )
    unreadable = _traced(store, lambda: catalog.get(theirs.name, caller), theirs.name)
    missing = _traced(store, lambda: catalog.get(MISSING, caller), MISSING)
    assert unreadable == missing
    statements, refusal = unreadable
    (scoped,) = [s for s in statements if "FROM cfx_datasets d WHERE d.name = 'NAME' AND (" in s]
    assert refusal[1] is grpc.StatusCode.PERMISSION_DENIED.name
    # Nor does SQLite do extra work inside the query once it finds the row: no lookup table
    # built on first use (an IN list's), which only a found-but-unreadable row would pay for.
    conn = store._connection()  # this thread's
    program = conn.execute("EXPLAIN " + scoped.replace("NAME", theirs.name)).fetchall()
    assert not {"OpenEphemeral", "Once"} & {str(step[1]) for step in program}


def _traced(
    store: SQLiteStore, call: Callable[[], object], name: str
) -> tuple[list[str], tuple[object, ...]]:
    """The SQL `call` runs on this thread's connection (the name masked) and how it fails."""
    statements: list[str] = []
    conn: sqlite3.Connection = store._connection()  # this thread's
    conn.set_trace_callback(lambda sql: statements.append(sql.replace(name, "NAME")))
    try:
        with pytest.raises(GatewayError) as err:
            call()
    finally:
        conn.set_trace_callback(None)
    failure = err.value
    code = status_code(failure).name
    return statements, (failure.reason, code, failure.message, dict(failure.metadata))


def _status_update(target_id: str, action: str) -> dict[str, Any]:
    update = example("valid/status-update-deprecate-footprint.json")
    update["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    update["credentialSubject"]["targetDatasetId"] = target_id
    update["credentialSubject"]["action"] = action
    return update


def test_status_update_changes_only_the_named_organizations_dataset(orgs: TwoOrgs):
    """Both organizations hold a dataset under one id; each StatusUpdate names that id, but the
    dataset name decides which one changes, and another organization's is out of reach."""
    dataset_id = f"urn:uuid:{uuid.uuid4()}"
    theirs = orgs.submit("rival", _footprint(dataset_id, "the rival's")).dataset
    mine = orgs.submit("exporter", _footprint(dataset_id, "mine")).dataset
    update = _status_update(dataset_id, "deprecate")
    with orgs.harness.client("rival") as client, pytest.raises(ClientError) as err:
        client.deprecate(mine.name, orgs.sign("rival", update))
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED
    with orgs.harness.client() as client:
        deprecated = client.deprecate(mine.name, orgs.sign("exporter", update)).dataset
    assert (deprecated.name, deprecated.status) == (mine.name, pb.DATASET_STATUS_DEPRECATED)
    with orgs.harness.client("rival") as client:
        assert client.get(theirs.name).dataset.status == pb.DATASET_STATUS_ACTIVE
