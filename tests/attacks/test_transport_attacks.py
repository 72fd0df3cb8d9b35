"""Attacks at the transport: a message over the cap, a client that never finishes sending, idle
connections held open, and a client certificate from another CA.

gRPC itself refuses these before any cfx handler runs, so the status has no ErrorInfo: the tests
ask for reason "" on purpose (see `assert_refused`).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import grpc
import pytest

from gateway import pki
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.node import NodePaths, load_config, save_config
from tests.helpers.attacks import (
    HEALTH_SECONDS,
    REFUSAL_SECONDS,
    Harness,
    Node,
    assert_healthy,
    assert_refused,
    fresh,
    make_node,
    node_of,
    rpc,
)

SUBMIT = "/cfx.v1.ExchangeService/SubmitDataset"
# Connection age: the server ends every connection after this (plus grace), whatever it is
# doing; short here so a slow client is cut off inside the issue's 2 s bound.
AGE_MS, GRACE_MS = 500, 500


def test_oversize_message_is_refused(harness: Harness, node: Node):
    cap = harness.node.config.limits.max_message_bytes

    def send() -> None:
        with node.client(max_message_bytes=cap * 2) as client:
            client.submit(b"{" + b" " * (cap + 10) + b"}")

    assert_refused(node, send, grpc.StatusCode.RESOURCE_EXHAUSTED, "")


def test_foreign_ca_client_certificate_is_refused(node: Node, tmp_path: Path):
    # Same organization name and role as a registered client, signed by another CA.
    foreign = pki.create_ca("foreign CA")
    client = pki.issue_client_cert(foreign, "sichuan-cells", "exporter")
    pki.write_certified_key(client, tmp_path / "cert.pem", tmp_path / "key.pem")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=(node.identities["exporter"] / "ca.pem").read_bytes(),
        private_key=(tmp_path / "key.pem").read_bytes(),
        certificate_chain=(tmp_path / "cert.pem").read_bytes(),
    )

    def connect() -> None:
        options = [("grpc.ssl_target_name_override", "localhost")]
        with grpc.secure_channel(node.address, credentials, options=options) as channel:
            request = ex.SubmitDatasetRequest(credential=b"{}", request_id=str(uuid.uuid4()))
            rpc(
                lambda: channel.unary_unary(SUBMIT, None, None)(
                    request.SerializeToString(), timeout=5
                )
            )

    assert_refused(node, connect, grpc.StatusCode.UNAVAILABLE, "")


@pytest.fixture
def short_lived(tmp_path: Path) -> Iterator[Harness]:
    def configure(paths: NodePaths) -> None:
        config = load_config(paths)
        limits = replace(
            config.limits, max_connection_age_ms=AGE_MS, max_connection_age_grace_ms=GRACE_MS
        )
        save_config(paths, replace(config, limits=limits))

    yield from make_node(tmp_path, configure=configure)


def test_slow_client_that_never_finishes_sending_is_cut_off(short_lived: Harness):
    # The request stream of a unary call is left open: no message, no half-close, no deadline.
    # No handler runs for it; the node's connection age ends it.
    node = node_of(short_lived)
    release = threading.Event()

    def never_finishes() -> Iterator[bytes]:
        release.wait(30)
        yield b""

    def slow() -> None:
        with node.client() as client:
            rpc(
                lambda: client._channel.stream_unary(SUBMIT, None, None)(
                    never_finishes(), timeout=30
                )
            )

    try:
        error = assert_refused(node, slow, grpc.StatusCode.UNAVAILABLE, "")
    finally:
        release.set()
    assert "max connection age" in error.message


def test_idle_connections_do_not_stall_the_node(harness: Harness, node: Node):
    # Slowloris: 64 TCP connections that never say a word, and 16 that finish TLS with a valid
    # client certificate and then say nothing; the node keeps serving everyone else.
    identity = node.identities["exporter"]
    tls = ssl.create_default_context(cafile=identity / "ca.pem")
    tls.load_cert_chain(identity / "cert.pem", identity / "key.pem")
    host, port = node.address.rsplit(":", 1)
    with ExitStack() as idle:
        for _ in range(64):
            idle.enter_context(socket.create_connection((host, int(port)), timeout=5))
        for _ in range(16):
            raw = socket.create_connection((host, int(port)), timeout=5)
            idle.enter_context(tls.wrap_socket(raw, server_hostname="localhost"))
        before = node.stored()
        assert assert_healthy(node) < HEALTH_SECONDS
        started = time.monotonic()
        with node.client() as client:
            accepted = client.submit(harness.sign(fresh()))
        assert time.monotonic() - started < REFUSAL_SECONDS
    assert node.stored().log_size == before.log_size + 1
    assert accepted.dataset.name.startswith("datasets/")
