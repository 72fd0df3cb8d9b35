"""TrustService pages with opaque, tamper-evident tokens (AIP-158): the store's MAC'd tokens, bound
to the list they came from; names are checked (AIP-122)."""

from __future__ import annotations

import base64
import uuid

import grpc
import pytest

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import trust_service_pb2 as tr
from gateway._proto.cfx.v1 import trust_service_pb2_grpc as tr_grpc
from gateway.client import ClientError
from gateway.node import edit_trust
from gateway.trust import Role
from tests.helpers.nodes import Harness, example


def _list(h: Harness, page_size: int = 0, token: str = "") -> tr.ListOrganizationsResponse:
    with h.client() as client:
        return client.organizations(page_size, token)


def _walk(h: Harness) -> tuple[list[str], list[str]]:
    names: list[str] = []
    tokens: list[str] = []
    token = ""
    while True:
        page = _list(h, 1, token)
        names += [o.name for o in page.organizations]
        token = page.next_page_token
        if not token:
            return names, tokens
        tokens.append(token)


def test_pages_walk_every_organization_once_with_opaque_tokens(harness: Harness):
    names, tokens = _walk(harness)
    assert names == sorted({o.name for o in _list(harness).organizations})
    assert len(names) >= 3
    for token, name in zip(tokens, names, strict=False):
        assert name.removeprefix("organizations/") not in token
        base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))  # base64url, no plain text


def _flip(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[8] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(_flip, id="flipped-bit"),
        pytest.param(lambda _t: "sichuan-cells", id="plain-name-as-before"),
        pytest.param(lambda t: t + "A", id="extended"),
    ],
)
def test_a_tampered_page_token_is_refused(harness: Harness, forge):
    token = _list(harness, 1).next_page_token
    with pytest.raises(ClientError) as err:
        _list(harness, 1, forge(token))
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    )


def test_a_list_datasets_token_does_not_resume_list_organizations(harness: Harness):
    with harness.client() as client:
        for _ in range(2):
            document = example("valid/product-footprint-electronics-laptop.json")
            document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
            client.submit(harness.sign(document))
        token = client.list(ex.ListDatasetsRequest(page_size=1)).next_page_token
    assert token
    with pytest.raises(ClientError) as err:
        _list(harness, 1, token)
    assert err.value.reason == "INVALID_PAGE_TOKEN"


def test_a_token_is_refused_once_an_organization_was_added(fresh_harness: Harness):
    token = _list(fresh_harness, 1).next_page_token
    assert _list(fresh_harness, 1, token).organizations  # valid while the list is unchanged
    edit_trust(
        fresh_harness.paths,
        lambda r: r.with_role("aaa-newcomer", Role.EXPORTER, display_name="Newcomer"),
    )
    with pytest.raises(ClientError) as err:
        _list(fresh_harness, 1, token)
    assert err.value.reason == "INVALID_PAGE_TOKEN"
    assert "list again from the start" in err.value.message


def test_a_negative_page_size_is_refused(harness: Harness):
    with pytest.raises(ClientError) as err:
        _list(harness, -1)
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_SIZE",
    )


@pytest.mark.parametrize("name", ["", "sichuan-cells", "organizations/", "organizations/A B"])
def test_get_organization_refuses_a_malformed_name(harness: Harness, name: str):
    with harness.client() as client:
        stub = tr_grpc.TrustServiceStub(client._channel)
        with pytest.raises(grpc.RpcError) as err:
            stub.GetOrganization(tr.GetOrganizationRequest(name=name), timeout=10)
    failure = ClientError.from_rpc_error(err.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_NAME")
