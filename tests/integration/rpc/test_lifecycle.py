"""Server lifecycle and deadlines: graceful SIGTERM (G7), deadline budget (G5), and the whole
service on PostgreSQL as well as SQLite."""

from __future__ import annotations

import contextlib
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import CfxClient, ClientError
from gateway.node import NodeRole, init_node
from gateway.process import spawn_server
from tests.helpers.nodes import Harness, example, make_node

LAPTOP = "valid/product-footprint-electronics-laptop.json"


def _fresh() -> dict[str, Any]:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return document


@pytest.mark.slow
def test_sigterm_reports_not_serving_then_exits_cleanly(tmp_path: Path):
    paths = init_node(tmp_path / "node", role=NodeRole.REGISTRY, org="registry")
    server = spawn_server(paths.root)
    proc = server.process
    try:
        with CfxClient(server.address, paths.client_dir()) as client:
            stub = health_pb2_grpc.HealthStub(client._channel)
            watch = stub.Watch(health_pb2.HealthCheckRequest(), timeout=20)
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            proc.send_signal(signal.SIGTERM)
            statuses = []
            with contextlib.suppress(grpc.RpcError):  # the stream may end with the server
                for update in watch:
                    statuses.append(update.status)
                    if update.status == health_pb2.HealthCheckResponse.NOT_SERVING:
                        watch.cancel()  # let the server finish draining now
                        break
        assert statuses == [health_pb2.HealthCheckResponse.NOT_SERVING]
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def _on_intake_return(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """An event set when the node's intake returns from a submission, accepted or refused."""
    returned = threading.Event()
    submit = harness.node.intake.submit

    def observed(*args: Any, **kwargs: Any) -> Any:
        try:
            return submit(*args, **kwargs)
        finally:
            returned.set()

    monkeypatch.setattr(harness.node.intake, "submit", observed)
    return returned


def test_too_short_deadline_is_refused_before_verification_and_nothing_is_stored(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    credential = harness.sign(_fresh())
    before = harness.log_size()
    intake_returned = _on_intake_return(harness, monkeypatch)
    with harness.client(timeout=0.03) as client, pytest.raises(ClientError) as err:
        client.submit(credential)
    assert err.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
    # "Nothing stored" means something only once the node is done with the call. The node sends
    # its refusal (DEADLINE_TOO_SHORT) after its intake returned: then this wait is over at once.
    # If the client's own deadline fired first, the node may still be running the call: wait for
    # it. (gRPC never runs a call given up before a server thread picked it up; then the wait
    # ends at its bound, and nothing can have been stored either.)
    intake_returned.wait(timeout=5)
    assert harness.log_size() == before


@pytest.fixture
def pg_harness(tmp_path: Path, postgres_url: str) -> Iterator[Harness]:
    yield from make_node(tmp_path, store_url=postgres_url)


@pytest.mark.postgres
def test_whole_service_round_trip_on_postgresql(pg_harness: Harness):
    credential = pg_harness.sign(_fresh())
    with pg_harness.client() as client:
        submitted = client.submit(credential)
        again = client.submit(credential)
        got = client.get(submitted.dataset.name)
        listed = client.list(ex.ListDatasetsRequest())
    assert again.dataset.name == submitted.dataset.name
    assert got.dataset.credential == credential
    assert [d.name for d in listed.datasets] == [submitted.dataset.name]
    assert listed.checkpoint.size == pg_harness.log_size() == 1
