"""mTLS, identity and limits at the transport edge (G1, G2, G4, G7, G8)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import cast

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from gateway import pki
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import exchange_service_pb2_grpc as ex_grpc
from gateway.client import ClientError
from tests.helpers.nodes import Harness


def _health(channel: grpc.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return int(stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status)


def test_client_without_certificate_cannot_connect(harness: Harness):
    creds = grpc.ssl_channel_credentials(root_certificates=harness.paths.ca_cert.read_bytes())
    options = [("grpc.ssl_target_name_override", "localhost")]
    with (
        grpc.secure_channel(harness.address, creds, options=options) as channel,
        pytest.raises(grpc.RpcError) as err,
    ):
        _health(channel)
    assert err.value.code() is grpc.StatusCode.UNAVAILABLE


def test_client_with_foreign_ca_certificate_cannot_connect(harness: Harness, tmp_path: Path):
    foreign = pki.create_ca("foreign CA")
    client = pki.issue_client_cert(foreign, "sichuan-cells", "exporter")
    pki.write_certified_key(client, tmp_path / "cert.pem", tmp_path / "key.pem")
    creds = grpc.ssl_channel_credentials(
        root_certificates=harness.paths.ca_cert.read_bytes(),
        private_key=(tmp_path / "key.pem").read_bytes(),
        certificate_chain=(tmp_path / "cert.pem").read_bytes(),
    )
    options = [("grpc.ssl_target_name_override", "localhost")]
    with (
        grpc.secure_channel(harness.address, creds, options=options) as channel,
        pytest.raises(grpc.RpcError) as err,
    ):
        _health(channel)
    assert err.value.code() is grpc.StatusCode.UNAVAILABLE


def test_plaintext_client_cannot_connect(harness: Harness):
    with grpc.insecure_channel(harness.address) as channel, pytest.raises(grpc.RpcError) as err:
        _health(channel)
    assert err.value.code() is grpc.StatusCode.UNAVAILABLE


def test_registered_client_sees_the_node_serving(harness: Harness):
    with harness.client("exporter") as client:
        assert client.health() == health_pb2.HealthCheckResponse.SERVING
        assert client.health("cfx.v1.ExchangeService") == health_pb2.HealthCheckResponse.SERVING


def test_unregistered_certificate_is_denied_for_existing_and_missing_alike(harness: Harness):
    missing = f"datasets/{uuid.uuid4()}"
    with harness.client("stranger") as client, pytest.raises(ClientError) as err:
        client.get(missing)
    assert err.value.code is grpc.StatusCode.PERMISSION_DENIED
    assert err.value.reason == "PERMISSION_DENIED"


def test_message_over_the_cap_is_resource_exhausted_and_server_stays_healthy(harness: Harness):
    cap = harness.node.config.limits.max_message_bytes
    before = harness.log_size()
    with harness.client("exporter", max_message_bytes=cap * 2) as client:
        with pytest.raises(ClientError) as err:
            client.submit(b"{" + b" " * (cap + 10) + b"}")
        assert err.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert client.health() == health_pb2.HealthCheckResponse.SERVING
    assert harness.log_size() == before


def test_reflection_is_off_by_default(harness: Harness):
    with harness.client("exporter") as client:
        stub = reflection_pb2_grpc.ServerReflectionStub(client._channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        with pytest.raises(grpc.RpcError) as err:
            list(stub.ServerReflectionInfo(iter([request]), timeout=5))
    assert err.value.code() is grpc.StatusCode.UNIMPLEMENTED


def test_raw_stub_error_carries_exactly_one_error_info(harness: Harness):
    with harness.client("exporter") as client:
        stub = ex_grpc.ExchangeServiceStub(client._channel)
        with pytest.raises(grpc.RpcError) as err:
            stub.SubmitDataset(ex.SubmitDatasetRequest(credential=b"not json"), timeout=5)
    status = rpc_status.from_call(cast("grpc.Call", err.value))
    assert status is not None
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    assert len(infos) == 1
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    assert info.domain == "cfx"
    assert info.reason == "MALFORMED_JSON"


def test_client_error_decodes_reason(harness: Harness):
    with harness.client("exporter") as client, pytest.raises(ClientError) as err:
        client.submit(b'{"a": 1, "a": 2}')
    assert err.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.reason == "DUPLICATE_KEY"
