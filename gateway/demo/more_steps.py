"""The story's issue 14 steps: a certifier's attestation follows its footprint to the registry
and verifies there as one chain, and the registry's footprint requests are answered by the
exporter through the provincial node (fulfilled, and rejected for a product not made)."""

from __future__ import annotations

from typing import Any

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import request_service_pb2 as rq
from gateway.chain_bundle import fetch_bundle
from gateway.chain_check import check_chain, origin_of
from gateway.demo import documents
from gateway.demo.network import CERTIFIER, EXPORTER, REGISTRY, Member
from gateway.demo.story import Facts, Story, Submitted, expect
from gateway.federation.rounds import sync_round
from gateway.federation.sync import PeerSummary
from gateway.requests.relay import Relay
from gateway.rpc.convert import receipt_from_pb
from gateway.rpc.request_client import RequestClient
from signing.keys import PrivateKey
from signing.loader import default_loader

#: The product the registry asks for: made by the exporter, not yet held by the registry.
REQUESTED = "urn:pact:battery.sc.cfx.example:product-id:LFP-100-2026"
#: A product the exporter does not make.
UNKNOWN = "urn:pact:battery.sc.cfx.example:product-id:NA-0"


def _submit_as(
    story: Story, label: str, document: dict[str, Any], who: str, key: PrivateKey
) -> Submitted:
    """`document` signed with `key`, submitted at the provincial node as `who`."""
    net = story.net
    raw = documents.signed(document, key)
    with net.provincial.client(net.identities[who]) as client:
        accepted = client.submit(raw)
    done = Submitted(document, raw, accepted.dataset.name, receipt_from_pb(accepted.receipt))
    story.submitted[label] = done
    return done


def _sync_down(story: Story) -> tuple[PeerSummary, PeerSummary]:
    """One round national <- provincial, then registry <- national."""
    national, registry = story.net.national, story.net.registry
    ((up,), (down,)) = (sync_round(m.node, m.peers()) for m in (national, registry))
    for summary in (up, down):
        expect(summary.outcome == "synced" and not summary.refused, f"{summary.peer}: {summary}")
    return up, down


def attestation_reaches_registry(story: Story) -> Facts:
    """The certifier registered at the provincial node attests the shared footprint's exact
    bytes; it follows the footprint to national and the registry."""
    net, shared = story.net, story.submitted["shared"]
    document = documents.attestation(net.certifier_key, shared.raw)
    done = _submit_as(story, "attestation", document, CERTIFIER, net.certifier_key)
    national, registry = _sync_down(story)
    expect(national.stored == 1 and registry.stored == 1, "the attestation did not travel")
    with net.registry.client() as client:
        held = client.get(done.name).dataset.credential
    expect(held == done.raw, "the registry's attestation differs from the one signed")
    subject = document["credentialSubject"]
    return [
        ("certifier", f"{CERTIFIER} ({net.certifier_key.did[:32]}…)"),
        ("attests", f"{subject['attestedDatasetDigest'][:24]}… = SHA-256 of the footprint"),
        ("opinion", subject["opinion"]),
        ("audience", "the footprint's: national, registry"),
        ("registry holds", f"{done.name}, byte-identical"),
    ]


def chain_verifies_at_registry(story: Story) -> Facts:
    """What the registry holds verifies offline as one chain, as `cfx verify --chain` checks it:
    exporter -> certifier -> provincial, national and registry logs."""
    net = story.net
    shared, attestation = story.submitted["shared"], story.submitted["attestation"]
    with net.registry.client() as client:
        bundle = fetch_bundle(client, shared.name)
    expect(bundle.attestations == [attestation.raw], "the registry's bundle lacks the attestation")
    receipts = [*bundle.receipts, shared.receipt, *bundle.attestation_receipts]
    receipts.append(attestation.receipt)
    keys = [member.log_key for member in (net.provincial, net.national, net.registry)]
    report = check_chain(
        bundle.footprint, bundle.attestations, receipts, keys, loader=default_loader()
    )
    failed = [link.detail for link in report.links if not link.ok]
    expect(report.verified, f"chain not verified: {failed}")
    origins = {origin_of(r) for r in receipts}
    expect(len(origins) == 3, f"receipts from {len(origins)} logs, not 3")
    return [
        (f"{link.role}: {link.who[:40]}", f"{link.what}: {link.detail}") for link in report.links
    ]


def _relay(*members: Member) -> None:
    for member in members:
        Relay(member.node, member.peers()).round()


def _ask(story: Story, product: str) -> str:
    registry = story.net.registry
    criteria = rq.FootprintCriteria(product_id=product, geography="CN", comment="for customs")
    with RequestClient(registry.address, registry.paths.client_dir()) as client:
        created = client.create(EXPORTER, criteria)
    _relay(story.net.registry, story.net.national)  # up: registry -> national -> provincial
    return created.name


def _exporter(story: Story) -> RequestClient:
    net = story.net
    return RequestClient(net.provincial.address, net.identities[EXPORTER])


def _request_at_registry(story: Story, name: str) -> rq.FootprintRequest:
    _relay(story.net.national, story.net.registry)  # answers back down the chain
    registry = story.net.registry
    with RequestClient(registry.address, registry.paths.client_dir()) as client:
        return client.get_request(name)


def request_fulfilled(story: Story) -> Facts:
    """The registry asks the exporter for a product it does not hold; the request is relayed to
    the provincial node, the exporter fulfils it, and the footprint arrives by sync."""
    net = story.net
    document = documents.footprint_for_request(net.exporter_key, REQUESTED, REGISTRY)
    made = _submit_as(story, "requested", document, EXPORTER, net.exporter_key)
    expect(not _holds_product(story, REQUESTED), "the registry already holds the product")
    name = _ask(story, REQUESTED)
    with _exporter(story) as client:
        owned = client.list_requests(rq.REQUEST_VIEW_OWNER).requests
        (seen,) = [r for r in owned if r.name == name]
        client.fulfil(name, [made.name])
    _relay(net.national, net.registry)  # the answer travels back down
    _sync_down(story)  # the footprint follows, usage-policy-checked
    got = _request_at_registry(story, name)
    expect(got.state == rq.REQUEST_STATE_FULFILLED, f"request is {rq.RequestState.Name(got.state)}")
    expect(list(got.held_footprints) == [made.name], "the footprint did not arrive")
    copy = net.registry.node.store.get_dataset(made.name)
    expect(copy.credential == made.raw, "the registry's copy differs from the signed bytes")
    return [
        ("asked", f"{REGISTRY} -> {EXPORTER}: {seen.criteria.product_id}"),
        ("routed", "eu-registry -> national -> sichuan (RelayRequests)"),
        ("answered", f"fulfilled by {EXPORTER} with {made.name}"),
        ("registry shows", f"{rq.RequestState.Name(got.state)}; footprint held, byte-identical"),
    ]


def _holds_product(story: Story, product: str) -> bool:
    with story.net.registry.client() as client:
        return bool(client.list(ex.ListDatasetsRequest(product_id=product)).datasets)


def request_rejected(story: Story) -> Facts:
    """A request for a product the exporter does not make is rejected (PACT NotFound)."""
    name = _ask(story, UNKNOWN)
    with _exporter(story) as client:
        client.reject(name, "NotFound", "no such product")
    got = _request_at_registry(story, name)
    expect(got.state == rq.REQUEST_STATE_REJECTED, f"request is {rq.RequestState.Name(got.state)}")
    return [
        ("asked", f"{REGISTRY} -> {EXPORTER}: {UNKNOWN}"),
        ("answered", f"rejected: {got.reject_code} ({got.reject_message})"),
    ]
