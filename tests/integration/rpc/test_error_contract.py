"""The error contract at the gRPC edge (E1, E3, G4): an unexpected exception is INTERNAL with a
generic message and one ErrorInfo, never UNKNOWN; the concurrency cap answers RESOURCE_EXHAUSTED."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import cast

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gateway.limits import Limits
from gateway.rpc.guard import Call, Guard, unary
from gateway.server import TlsMaterial, create_server
from tests.helpers.nodes import Harness

SERVICE = "cfx.test.Probe"


class _Probe:
    """A servicer whose methods fail the way real bugs do."""

    def __init__(self, release: threading.Event, guard: Guard) -> None:
        self.release = release
        self.entered = threading.Event()
        self.guard = guard

    @unary
    def Crash(self, _request: bytes, _call: Call) -> bytes:  # noqa: N802
        raise RuntimeError("password=hunter2 at /var/lib/cfx/secret")

    @unary
    def Hold(self, _request: bytes, _call: Call) -> bytes:  # noqa: N802
        self.entered.set()
        self.release.wait(10)
        return b"held"


def _register(probe: _Probe):
    def register(server: grpc.Server) -> str:
        handlers = {
            name: grpc.unary_unary_rpc_method_handler(getattr(probe, name))
            for name in ("Crash", "Hold")
        }
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
        return SERVICE

    return register


@pytest.fixture
def probe_server(harness: Harness):
    release = threading.Event()
    paths = harness.paths
    tls = TlsMaterial(
        paths.ca_cert.read_bytes(), paths.server_cert.read_bytes(), paths.server_key.read_bytes()
    )
    guard = Guard(harness.node.trust.current, Limits(max_concurrent_rpcs=1))
    probe = _Probe(release, guard)
    running = create_server([_register(probe)], tls=tls, guard=guard)
    yield running.port, harness.identities["admin"], probe
    release.set()
    running.stop(0)


def _channel(port: int, identity: Path) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(
        (identity / "ca.pem").read_bytes(),
        (identity / "key.pem").read_bytes(),
        (identity / "cert.pem").read_bytes(),
    )
    return grpc.secure_channel(
        f"127.0.0.1:{port}", creds, options=[("grpc.ssl_target_name_override", "localhost")]
    )


def test_unexpected_exception_is_internal_with_no_internals_leaked(probe_server):
    port, identity, _ = probe_server
    with _channel(port, identity) as channel:
        crash = channel.unary_unary(f"/{SERVICE}/Crash", None, None)
        with pytest.raises(grpc.RpcError) as err:
            crash(b"", timeout=5)
    assert err.value.code() is grpc.StatusCode.INTERNAL
    details = err.value.details()
    assert details is not None
    assert "hunter2" not in details
    assert "/var/lib" not in details
    status = rpc_status.from_call(cast("grpc.Call", err.value))
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(infos) == 1


def test_calls_over_the_concurrency_cap_are_resource_exhausted(probe_server):
    port, identity, probe = probe_server
    with _channel(port, identity) as channel:
        hold = channel.unary_unary(f"/{SERVICE}/Hold", None, None)
        first = hold.future(b"", timeout=10)
        assert probe.entered.wait(10)  # the first call occupies the only slot
        with pytest.raises(grpc.RpcError) as err:
            hold(b"", timeout=5)
        probe.release.set()
        assert first.result() == b"held"
    assert err.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
