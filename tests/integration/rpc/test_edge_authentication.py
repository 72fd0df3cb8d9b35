"""Every method of every service authenticates its caller in the one gRPC edge (issue 10): a
certificate from the node's CA that the trust registry does not list, or no longer lists, is
refused by each of them with the same PERMISSION_DENIED, and health checks keep answering."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import cast

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

import gateway._proto.cfx.v1 as proto_package
from gateway.cli import main as cfx
from gateway.node import add_client
from gateway.trust import Role
from tests.helpers.nodes import Harness


def _every_method() -> list[MethodDescriptor]:
    """Every RPC of every service in the cfx.v1 proto package, from the descriptors."""
    methods = []
    for module_info in pkgutil.iter_modules(proto_package.__path__):
        if not module_info.name.endswith("_pb2"):
            continue
        module = importlib.import_module(f"{proto_package.__name__}.{module_info.name}")
        for service in module.DESCRIPTOR.services_by_name.values():
            methods.extend(service.methods)
    return methods


METHODS = _every_method()


def test_the_method_list_covers_every_service():
    services = {m.containing_service.name for m in METHODS}
    assert services == {
        "ExchangeService",
        "LogService",
        "TrustService",
        "FederationService",
        "SearchService",
        "RequestService",
    }
    assert len(METHODS) == 25  # FederationService.ReportGecConflicts joined (issue 14)


def _channel(address: str, identity: Path) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(
        (identity / "ca.pem").read_bytes(),
        (identity / "key.pem").read_bytes(),
        (identity / "cert.pem").read_bytes(),
    )
    return grpc.secure_channel(
        address, creds, options=[("grpc.ssl_target_name_override", "localhost")]
    )


def _call(channel: grpc.Channel, method: MethodDescriptor) -> None:
    """Call `method` with an empty request; for a stream, wait for its first answer."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    request = message_factory.GetMessageClass(method.input_type)()
    response = message_factory.GetMessageClass(method.output_type)
    kind = channel.unary_stream if method.server_streaming else channel.unary_unary
    stub = kind(path, request_serializer=type(request).SerializeToString,
                response_deserializer=response.FromString)  # fmt: skip
    answer = stub(request, timeout=10)
    if method.server_streaming:
        next(iter(answer))


def _refusal(channel: grpc.Channel, method: MethodDescriptor) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as err:
        _call(channel, method)
    status = rpc_status.from_call(cast("grpc.Call", err.value))
    assert status is not None, f"{method.name}: no rich status"
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(infos) == 1, method.name
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    assert info.domain == "cfx"
    return err.value.code(), info.reason


def _health(channel: grpc.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return int(stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status)


def _assert_every_method_refuses(channel: grpc.Channel) -> None:
    refusals = {m.full_name: _refusal(channel, m) for m in METHODS}
    expected = (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    assert refusals == dict.fromkeys(refusals, expected)
    assert _health(channel) == health_pb2.HealthCheckResponse.SERVING


def test_every_method_refuses_an_unregistered_identity(harness: Harness):
    with _channel(harness.address, harness.identities["stranger"]) as channel:
        _assert_every_method_refuses(channel)


@pytest.fixture
def revoked_identity(harness: Harness, tmp_path: Path) -> Path:
    """An identity registered (and served) first, then revoked with `cfx trust revoke --san`."""
    out = tmp_path / "revoked"
    san = add_client(harness.paths, org="departed-cells", role=Role.EXPORTER, out=out)
    with _channel(harness.address, out) as channel:
        get_checkpoint = next(m for m in METHODS if m.name == "GetCheckpoint")
        _call(channel, get_checkpoint)  # served while registered
    assert cfx(["trust", "revoke", "--dir", str(harness.paths.root), "--san", san]) == 0
    return out


def test_every_method_refuses_a_revoked_client_certificate(
    harness: Harness, revoked_identity: Path
):
    with _channel(harness.address, revoked_identity) as channel:
        _assert_every_method_refuses(channel)
