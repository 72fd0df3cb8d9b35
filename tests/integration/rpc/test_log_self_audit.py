"""The node re-checks its own log (issue 11, finding 8): at start and on every audit tick it
recomputes the root from the stored leaves and compares it with its newest signed checkpoint.
A leaf changed behind its back (here: straight in SQLite or PostgreSQL) stops every write with
FAILED_PRECONDITION / LOG_INTEGRITY_FAILURE, reads still answer, the evidence is logged at
ERROR and the exchange service reports NOT_SERVING."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2

from gateway.app import EXCHANGE_SERVICE
from gateway.client import ClientError
from gateway.log.merkle import leaf_hash
from tests.helpers.nodes import Harness, example
from tests.helpers.restartable import NodeDir, prepared, serving

LAPTOP = "valid/product-footprint-electronics-laptop.json"
FORGED = b'{"forged":"entry"}'


@pytest.fixture
def node_dir(tmp_path: Path, store_url: str) -> NodeDir:
    return prepared(tmp_path, store_url)


def _tamper_leaf(store_url: str, index: int, *, rehash: bool) -> None:
    """Overwrite leaf `index` in the database, as an attacker with write access would:
    with its leaf hash recomputed (`rehash`), or the entry bytes alone."""
    new_hash = leaf_hash(FORGED) if rehash else None
    sql = "UPDATE cfx_log_leaves SET entry = ?, leaf_hash = COALESCE(?, leaf_hash) WHERE idx = ?"
    params: tuple[Any, ...] = (FORGED, new_hash, index)
    if store_url.startswith("sqlite://"):
        with sqlite3.connect(store_url.removeprefix("sqlite://")) as conn:
            assert conn.execute(sql, params).rowcount == 1
        return
    with psycopg.connect(store_url, autocommit=True) as pg:
        assert pg.execute(sql.replace("?", "%s"), params).rowcount == 1


def _credential(h: Harness) -> bytes:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return h.sign(document)


def _assert_writes_refused(h: Harness, name: str) -> None:
    before = h.log_size()
    with h.client() as client:
        for write in (
            lambda: client.submit(_credential(h)),
            lambda: client.deprecate(name, b"{}"),
            lambda: client.withdraw(name, b"{}"),
        ):
            with pytest.raises(ClientError) as err:
                write()
            assert err.value.code is grpc.StatusCode.FAILED_PRECONDITION
            assert err.value.reason == "LOG_INTEGRITY_FAILURE"
        assert client.get(name).dataset.name == name  # reads still answer
        assert client.health(EXCHANGE_SERVICE) == health_pb2.HealthCheckResponse.NOT_SERVING
        assert client.health() == health_pb2.HealthCheckResponse.SERVING
    assert h.log_size() == before


def _evidence(caplog: pytest.LogCaptureFixture) -> str:
    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    return line


@pytest.mark.parametrize("rehash", [True, False], ids=["leaf-rehashed", "entry-only"])
def test_leaf_tampered_while_stopped_is_found_at_start_and_writes_are_refused(
    node_dir: NodeDir, rehash: bool, caplog: pytest.LogCaptureFixture
):
    with serving(node_dir) as h, h.client() as client:
        accepted = client.submit(_credential(h))
    signed = accepted.receipt.checkpoint  # the stopped node kept a checkpoint of this size
    _tamper_leaf(node_dir.store_url, accepted.receipt.log_index, rehash=rehash)

    with caplog.at_level(logging.ERROR, logger="cfx.log"), serving(node_dir) as h:
        failure = h.node.log.failure
        assert failure is not None
        assert failure.tree_size == signed.size
        assert failure.expected_root == signed.root_hash
        _assert_writes_refused(h, accepted.dataset.name)
    line = _evidence(caplog)
    assert "LOG INTEGRITY FAILURE" in line
    assert f"tree size {signed.size}" in line
    assert signed.root_hash.hex() in line
    if rehash:  # the leaves read back as a tree, with another root
        assert failure.recomputed_root is not None
        assert failure.recomputed_root.hex() in line
        assert failure.recomputed_root != signed.root_hash


def test_leaf_tampered_while_serving_is_found_by_the_audit_tick(
    node_dir: NodeDir, caplog: pytest.LogCaptureFixture
):
    with serving(node_dir) as h, caplog.at_level(logging.ERROR, logger="cfx.log"):
        with h.client() as client:
            accepted = client.submit(_credential(h))
            served = client.checkpoint().checkpoint
        assert h.node.audit() is None  # intact: the tick finds nothing, writes go on
        _tamper_leaf(node_dir.store_url, accepted.receipt.log_index, rehash=True)
        failure = h.node.audit()
        assert failure is not None
        assert (failure.tree_size, failure.expected_root) == (served.size, served.root_hash)
        _assert_writes_refused(h, accepted.dataset.name)
        with h.client() as client:  # no checkpoint is signed over the tampered log
            assert client.checkpoint().checkpoint.note == served.note
    assert failure.recomputed_root is not None
    assert failure.recomputed_root.hex() in _evidence(caplog)
