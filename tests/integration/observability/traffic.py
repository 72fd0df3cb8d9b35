"""The traffic both tests make at the origin: accepted submissions, reads, one refusal of each
kind, and the wait until the follower has pulled everything."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

import grpc
import pytest

from gateway.client import CfxClient, ClientError
from tests.helpers.federation import ORIGIN_ORG, PULLER_ORG
from tests.helpers.nodes import signed_bytes
from tests.integration.observability.conftest import World
from tests.integration.rpc.test_sync import fresh

SYNCED_WITHIN_SECONDS = 30.0


@dataclass
class Traffic:
    """What was sent and how the refusals came back."""

    submitted: list[bytes] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    marker: str = field(default_factory=lambda: f"obs-marker-{uuid.uuid4().hex}")
    refused_submit: ClientError | None = None
    refused_get: ClientError | None = None


def make_traffic(world: World, submissions: int) -> Traffic:
    """`submissions` accepted datasets (each with a distinctive comment) read back once each,
    one tampered credential and one read of a dataset that does not exist."""
    traffic = Traffic()
    with CfxClient(world.origin.process.address, world.dirs.exporter(ORIGIN_ORG)) as client:
        for _ in range(submissions):
            raw = signed_bytes(fresh(comment=traffic.marker), world.dirs.exporter_key)
            traffic.submitted.append(raw)
            traffic.names.append(client.submit(raw).dataset.name)
        for name in traffic.names:
            client.get(name)
        tampered = json.loads(traffic.submitted[0])
        tampered["credentialSubject"]["comment"] = f"{traffic.marker}-tampered"
        with pytest.raises(ClientError) as refused:
            client.submit(json.dumps(tampered).encode())
        traffic.refused_submit = refused.value
        with pytest.raises(ClientError) as missing:
            client.get(f"datasets/{uuid.uuid4()}")
        traffic.refused_get = missing.value
    return traffic


def wait_until_pulled(world: World, names: list[str]) -> None:
    """Until the puller serves every one of `names` (its follower synced them)."""
    deadline = time.monotonic() + SYNCED_WITHIN_SECONDS
    with CfxClient(world.puller.process.address, world.dirs.exporter(PULLER_ORG)) as reader:
        for name in names:
            while True:
                try:
                    reader.get(name)
                    break
                except ClientError as err:
                    if err.code is not grpc.StatusCode.PERMISSION_DENIED:
                        raise
                    if time.monotonic() > deadline:
                        pytest.fail(f"{name} not pulled within {SYNCED_WITHIN_SECONDS} s")
                    time.sleep(0.05)
