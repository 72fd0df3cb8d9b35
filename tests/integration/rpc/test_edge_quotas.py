"""No caller identity can starve the node (issue 11, finding 2): idle watch streams hold no worker
thread and are capped per identity and per node, unary calls are capped per identity, and health
checks and good submissions keep being served meanwhile."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import cast

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import exchange_service_pb2_grpc as ex_grpc
from gateway.client import CfxClient
from gateway.node import Limits, NodePaths, load_config, save_config
from gateway.rpc.guard import Call, Guard, unary
from gateway.server import TlsMaterial, create_server
from tests.helpers.nodes import Harness, example, make_node

LAPTOP = "valid/product-footprint-electronics-laptop.json"
# Generous upper bounds from the "done when".
HEALTH_SECONDS = 1.0
SUBMIT_SECONDS = 2.0


def _footprint(harness: Harness) -> bytes:
    document = example(LAPTOP)
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    return harness.sign(document)


def _reason(err: grpc.RpcError) -> str:
    status = rpc_status.from_call(cast("grpc.Call", err))
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    next(d for d in status.details if d.Is(info.DESCRIPTOR)).Unpack(info)
    return str(info.reason)


class _Streams:
    """Watch streams opened from several identities; each idles after its first change."""

    def __init__(self) -> None:
        self.open: list[grpc.Call] = []
        self.refused: list[tuple[grpc.StatusCode, str]] = []

    def watch(self, client: CfxClient, count: int) -> None:
        stub = ex_grpc.ExchangeServiceStub(client._channel)
        for _ in range(count):
            stream = stub.WatchDatasets(ex.WatchDatasetsRequest(start_log_index=0), timeout=120)
            try:
                next(stream)  # admitted: the change already in the log arrives at once
            except grpc.RpcError as err:
                self.refused.append((err.code(), _reason(err)))
            else:
                self.open.append(stream)

    def cancel(self) -> None:
        for stream in self.open:
            stream.cancel()


@pytest.fixture
def streams() -> Iterator[_Streams]:
    opened = _Streams()
    yield opened
    opened.cancel()


def _assert_node_serves(harness: Harness) -> None:
    with harness.client("admin") as admin:
        started = time.monotonic()
        assert admin.health() == 1  # SERVING
        assert time.monotonic() - started < HEALTH_SECONDS
    credential = _footprint(harness)
    with harness.client("exporter") as exporter:
        started = time.monotonic()
        accepted = exporter.submit(credential)
        assert time.monotonic() - started < SUBMIT_SECONDS
    assert accepted.dataset.name.startswith("datasets/")


def test_idle_streams_of_one_identity_are_capped_and_starve_nothing(
    fresh_harness: Harness, streams: _Streams
):
    h = fresh_harness
    per_identity = h.node.config.limits.max_streams_per_identity
    with h.client("exporter") as exporter:
        exporter.submit(_footprint(h))
        streams.watch(exporter, 32)
        assert len(streams.open) == per_identity
        refused = (grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_STREAMS")
        assert streams.refused == [refused] * (32 - per_identity)
        # The other identities still get their own share, up to their cap.
        with h.client("certifier") as certifier, h.client("admin") as admin:
            streams.watch(certifier, per_identity)
            streams.watch(admin, per_identity)
            assert len(streams.open) == 3 * per_identity
            _assert_node_serves(h)


@pytest.fixture
def few_streams(tmp_path: Path) -> Iterator[Harness]:
    def configure(paths: NodePaths) -> None:
        config = load_config(paths)
        limits = replace(config.limits, max_streams_per_identity=2, max_open_streams=3)
        save_config(paths, replace(config, limits=limits))

    yield from make_node(tmp_path, configure=configure)


def test_streams_over_the_node_cap_are_refused_whoever_asks(
    few_streams: Harness, streams: _Streams
):
    h = few_streams
    with h.client("exporter") as exporter, h.client("certifier") as certifier:
        exporter.submit(_footprint(h))
        streams.watch(exporter, 3)
        streams.watch(certifier, 2)
    assert len(streams.open) == 3
    assert streams.refused == [
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "TOO_MANY_STREAMS"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "NODE_BUSY"),
    ]
    _assert_node_serves(h)


SERVICE = "cfx.test.Probe"


class _Probe:
    """Calls that stay in progress until the test releases them, through the real guard."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    @unary
    def Hold(self, _request: bytes, _call: Call) -> bytes:  # noqa: N802
        self.entered.release()
        self.release.wait(30)
        return b"held"

    @unary
    def Echo(self, request: bytes, call: Call) -> bytes:  # noqa: N802
        return call.caller.name.encode() + b":" + request


def _register(probe: _Probe):
    def register(server: grpc.Server) -> str:
        handlers = {
            name: grpc.unary_unary_rpc_method_handler(getattr(probe, name))
            for name in ("Hold", "Echo")
        }
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
        return SERVICE

    return register


@pytest.fixture
def probe_server(harness: Harness) -> Iterator[tuple[str, _Probe]]:
    paths = harness.paths
    tls = TlsMaterial(
        paths.ca_cert.read_bytes(), paths.server_cert.read_bytes(), paths.server_key.read_bytes()
    )
    probe = _Probe(Guard(harness.node.trust.current, Limits(max_calls_per_identity=2)))
    running = create_server([_register(probe)], tls=tls, guard=probe.guard)
    yield f"127.0.0.1:{running.port}", probe
    probe.release.set()
    running.stop(0)


def test_an_identity_over_its_call_quota_is_refused_while_another_is_served(
    harness: Harness, probe_server: tuple[str, _Probe]
):
    address, probe = probe_server
    with (
        CfxClient(address, harness.identities["exporter"]) as exporter,
        CfxClient(address, harness.identities["certifier"]) as certifier,
    ):
        hold = exporter._channel.unary_unary(f"/{SERVICE}/Hold", None, None)
        held = [hold.future(b"", timeout=30) for _ in range(2)]
        for _ in held:
            assert probe.entered.acquire(timeout=10)
        with pytest.raises(grpc.RpcError) as err:
            hold(b"", timeout=10)
        echo = certifier._channel.unary_unary(f"/{SERVICE}/Echo", None, None)
        assert echo(b"ping", timeout=10) == b"cert-body:ping"
        probe.release.set()
        assert [f.result() for f in held] == [b"held", b"held"]
    assert err.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert _reason(err.value) == "TOO_MANY_CONCURRENT_CALLS"
