"""The three-node story of `cfx demo`, step by step (issue 12). Each step is a function of the
story so far that returns its facts; `run_story` times them, prints each one, and skips the rest
after a failure. A step fails by raising: `StepFailed` when what it shows did not happen, or any
error of the product on the way."""

from __future__ import annotations

import copy
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway.client import ClientError
from gateway.demo import documents
from gateway.demo.network import EXPORTER, RULES, Member, Network, serve
from gateway.demo.table import Printer, StepResult
from gateway.errors import GatewayError
from gateway.federation.rounds import sync_round
from gateway.federation.sync import PeerSummary
from gateway.log.checkpoint import NoteKey
from gateway.log.errors import LogError
from gateway.log.receipt import Receipt, verify_receipt
from gateway.node import NodePaths
from gateway.rpc.convert import receipt_from_pb
from schemas.electricity import certified_mwh
from signing.loader import default_loader
from signing.verification import verify

Facts = list[tuple[str, str]]


class StepFailed(GatewayError):  # noqa: N818 - a demo step's own outcome
    """What the step shows did not happen."""

    reason = "DEMO_STEP_FAILED"


def expect(condition: bool, message: str) -> None:
    """Fail the step with `message` unless `condition`."""
    if not condition:
        raise StepFailed(message)


@dataclass
class Submitted:
    """A credential the exporter submitted: the document, its bytes, its name and receipt."""

    document: dict[str, Any]
    raw: bytes
    name: str
    receipt: Receipt


@dataclass
class Story:
    """The network and what the steps so far produced."""

    net: Network
    submitted: dict[str, Submitted] = field(default_factory=dict)


Step = Callable[[Story], Facts]


def _sync(member: Member) -> PeerSummary:
    """One round of `member` with its one peer, from its signed peers file (as `cfx sync`)."""
    (summary,) = sync_round(member.node, member.peers())
    return summary


def _sync_facts(summary: PeerSummary) -> Facts:
    refused = ", ".join(r["reason"] for r in summary.refused) or "none"
    return [
        (f"sync from {summary.peer}", summary.outcome),
        ("entries", f"{summary.start} -> {summary.end} of {summary.origin}"),
        ("stored", str(summary.stored)),
        ("status changes", str(summary.status_changes)),
        ("refused", refused),
    ]


def _expect_synced(summary: PeerSummary, stored: int) -> None:
    expect(summary.outcome == "synced", f"{summary.peer}: {summary.outcome} {summary.message}")
    expect(not summary.refused, f"{summary.peer} refused {summary.refused}")
    expect(summary.stored == stored, f"stored {summary.stored}, expected {stored}")


def _holds(member: Member, credential_id: str) -> bool:
    return bool(member.node.store.datasets_with_id(credential_id))


def network_up(story: Story) -> Facts:
    """The three nodes serve mTLS on loopback, each pulling from its peer."""
    facts = []
    for member in (story.net.provincial, story.net.national, story.net.registry):
        peers = ", ".join(
            f"{p.name} ({', '.join(sorted(p.pull))}{', delegate' if p.delegate else ''})"
            for p in member.peers()
        )
        facts.append((member.log_key.name, f"{member.address}; pulls from {peers}"))
    return facts


def publish_national_rules(story: Story) -> Facts:
    """`national-rules` publishes the national battery rule and electricity factor."""
    net = story.net
    facts = []
    with net.national.client(net.identities[RULES]) as client:
        for document in (
            documents.national_rule(net.rules_key),
            documents.national_factor(net.rules_key),
        ):
            accepted = client.submit(documents.signed(document, net.rules_key))
            subject = document["credentialSubject"]
            where = f"{subject['id']} at log index {accepted.dataset.log_index}"
            facts.append((subject["type"], where))
    return facts


def rules_flow_down(story: Story) -> Facts:
    """The provincial node pulls the national rules and factors."""
    summary = _sync(story.net.provincial)
    _expect_synced(summary, 2)
    rule = documents.NATIONAL_RULE_ID
    expect(_holds(story.net.provincial, rule), f"the provincial node lacks {rule}")
    return [*_sync_facts(summary), ("provincial now holds", rule)]


def _submit(story: Story, label: str, document: dict[str, Any]) -> Submitted:
    net = story.net
    raw = documents.signed(document, net.exporter_key)
    with net.provincial.client(net.identities[EXPORTER]) as client:
        accepted = client.submit(raw)
    submitted = Submitted(document, raw, accepted.dataset.name, receipt_from_pb(accepted.receipt))
    story.submitted[label] = submitted
    return submitted


def submit_shared(story: Story) -> Facts:
    """The exporter signs the battery footprint shared with the registry and submits it."""
    document = documents.battery_footprint(story.net.exporter_key, shared_with_registry=True)
    done = _submit(story, "shared", document)
    subject = document["credentialSubject"]
    pcf, power = subject["pcf"], subject.get("electricity", {})
    gec = sum(certified_mwh(power).values())
    unit = f"{pcf['declaredUnitAmount']} {pcf['declaredUnitOfMeasurement']}"
    return [
        ("product", subject["productNameCompany"]),
        ("footprint", f"{pcf['pcfExcludingBiogenicUptake']} kgCO2e per {unit}"),
        ("standards", ", ".join(pcf.get("crossSectoralStandards", []))),
        ("accounting rule", subject.get("accountingRuleId", "-")),
        ("electricity factor", power.get("gridFactor", {}).get("sourceTitle", "-")),
        ("GECs claimed", f"{gec} MWh in {len(power.get('gecClaims', []))} serial ranges"),
        ("shareWith", ", ".join(subject["usagePolicy"]["shareWith"])),
        ("signed by", story.net.exporter_key.did),
        ("accepted", f"{done.name} at provincial log index {done.receipt.log_index}"),
    ]


def submit_unshared(story: Story) -> Facts:
    """A second footprint, with no usage policy: not shared with the registry."""
    document = documents.battery_footprint(story.net.exporter_key, shared_with_registry=False)
    # Another batch: its own GECs (a certificate is claimed once, issue 14).
    done = _submit(story, "unshared", documents.moved_serials(document, 1))
    return [
        ("usage policy", "none: the issuing node and national nodes only"),
        ("accepted", f"{done.name} at provincial log index {done.receipt.log_index}"),
    ]


def sync_national(story: Story) -> Facts:
    """The national node pulls both footprints from the provincial node."""
    summary = _sync(story.net.national)
    _expect_synced(summary, 2)
    return _sync_facts(summary)


def sync_registry(story: Story) -> Facts:
    """The registry pulls from national: only the shared footprint, trusted by delegation."""
    summary = _sync(story.net.registry)
    _expect_synced(summary, 1)
    own = story.net.registry.node.trust.current().key(story.net.exporter_key.did)
    expect(own is None, "the registry registered the exporter's key itself")
    return [*_sync_facts(summary), ("exporter key in registry's own trust.json", "no")]


def _credential_id(submitted: Submitted) -> str:
    return str(submitted.document["credentialSubject"]["id"])


def registry_holds_only_shared(story: Story) -> Facts:
    """The registry holds the shared footprint and not the unshared one."""
    shared, unshared = story.submitted["shared"], story.submitted["unshared"]
    registry = story.net.registry
    expect(_holds(registry, _credential_id(shared)), "the shared footprint did not arrive")
    expect(not _holds(registry, _credential_id(unshared)), "the unshared footprint arrived")
    expect(_holds(story.net.national, _credential_id(unshared)), "national lacks the unshared")
    return [
        ("shared footprint", f"{shared.name}: held by the registry"),
        ("unshared footprint", f"{unshared.name}: NOT held by the registry (national has it)"),
    ]


def _key_for(story: Story, origin: str) -> NoteKey:
    members = (story.net.provincial, story.net.national, story.net.registry)
    by_origin = {m.log_key.name: m.log_key for m in members}
    expect(origin in by_origin, f"a receipt from an unknown log {origin}")
    return by_origin[origin]


def _origin_of(receipt: Receipt) -> str:
    return receipt.checkpoint_note.split("\n", 1)[0]


def _partner_copy(story: Story) -> tuple[bytes, list[Receipt]]:
    """What the partner holds: the registry's bytes with its receipts (GetDataset), and the
    provincial receipt the exporter handed over with the credential."""
    shared = story.submitted["shared"]
    with story.net.registry.client() as client:
        got = client.get(shared.name)
    receipts = [receipt_from_pb(got.receipt)]
    receipts += [receipt_from_pb(r) for r in got.origin_receipts]
    if _origin_of(shared.receipt) not in {_origin_of(r) for r in receipts}:
        receipts.append(shared.receipt)
    return got.dataset.credential, receipts


def partner_verifies_offline(story: Story) -> Facts:
    """The partner checks the proof and one receipt from each of the three logs, offline."""
    raw, receipts = _partner_copy(story)
    expect(raw == story.submitted["shared"].raw, "the registry's bytes differ from the signed")
    result = verify(json.loads(raw), loader=default_loader())
    expect(result.verified, f"credential not verified: {result.reason}")
    facts = [("credential", f"verified: {result.proofs[0].suite} by {result.issuer}")]
    origins = set()
    for receipt in receipts:
        origin = _origin_of(receipt)
        key = _key_for(story, origin)
        checkpoint = verify_receipt(receipt, raw, key.public_key, key.name, origin)
        origins.add(origin)
        proven = f"verified: index {receipt.log_index} in a tree of {checkpoint.size}"
        facts.append((f"receipt of {origin}", proven))
    expect(len(origins) == 3, f"receipts from {len(origins)} logs, not 3")
    return facts


def tampered_copy_refused(story: Story) -> Facts:
    """A copy with the footprint changed fails the proof, the receipts and the intake."""
    raw, receipts = _partner_copy(story)
    document = json.loads(raw)
    tampered = copy.deepcopy(document)
    pcf = tampered["credentialSubject"]["pcf"]
    before = pcf["pcfExcludingBiogenicUptake"]
    pcf["pcfExcludingBiogenicUptake"] = pcf["pcfIncludingBiogenicUptake"] = "6.24"
    altered = json.dumps(tampered, indent=2, ensure_ascii=False).encode()
    result = verify(tampered, loader=default_loader())
    expect(not result.verified, "the tampered copy verified")
    receipt = receipts[0]
    key = _key_for(story, _origin_of(receipt))
    try:
        verify_receipt(receipt, altered, key.public_key, key.name, key.name)
    except LogError as err:
        receipt_outcome = f"refused: {err.reason}"
    else:
        raise StepFailed("the registry receipt matched the tampered bytes")
    net = story.net
    try:
        with net.provincial.client(net.identities[EXPORTER]) as client:
            client.submit(altered)
    except ClientError as err:
        submit_outcome = f"refused: {err.code.name} {err.reason}"
    else:
        raise StepFailed("the provincial node accepted the tampered copy")
    return [
        ("change", f"pcfExcludingBiogenicUptake {before} -> 6.24"),
        ("proof, offline", f"refused: {result.reason}"),
        (f"receipt of {key.name}", receipt_outcome),
        ("submitted to the provincial node", submit_outcome),
    ]


def withdrawal_reaches_registry(story: Story) -> Facts:
    """The exporter withdraws the shared footprint at the provincial node; after sync the
    registry shows it withdrawn."""
    net, shared = story.net, story.submitted["shared"]
    update = documents.signed(
        documents.withdrawal(net.exporter_key, shared.document), net.exporter_key
    )
    with net.provincial.client(net.identities[EXPORTER]) as client:
        client.withdraw(shared.name, update)
    national, registry = _sync(net.national), _sync(net.registry)
    for summary in (national, registry):
        expect(summary.outcome == "synced", f"{summary.peer}: {summary.outcome}")
        expect(summary.status_changes == 1, f"{summary.peer}: no status change arrived")
    with net.registry.client() as client:
        status = client.get(shared.name).dataset.status
    expect(status == pb.DATASET_STATUS_WITHDRAWN, f"registry shows {pb.DatasetStatus.Name(status)}")
    return [
        ("withdrawn at", f"provincial node, signed StatusUpdate by {EXPORTER}"),
        ("national sync", f"{national.status_changes} status change"),
        ("registry sync", f"{registry.status_changes} status change"),
        ("registry shows", pb.DatasetStatus.Name(status)),
    ]


def _fork_of(provincial: Member, root: Path) -> Member:
    """A copy of the provincial directory (same key, same log origin) with a log of its own."""
    shutil.copytree(
        provincial.paths.root, root, ignore=shutil.ignore_patterns("cfx.sqlite3*", "*.sock")
    )
    return serve(NodePaths(root))


def forked_log_detected(story: Story) -> Facts:
    """A diverging copy of the provincial node, served to national, is quarantined."""
    net = story.net
    (peer,) = net.national.peers()
    seen = net.national.node.store.peer_position(peer.origin).size
    fork = _fork_of(net.provincial, net.root / "provincial-fork")
    try:
        with fork.client(net.identities[EXPORTER]) as client:
            for batch in range(seen + 1):  # another history, longer than the one national saw
                document = documents.battery_footprint(net.exporter_key, shared_with_registry=True)
                moved = documents.moved_serials(document, 2 + batch)  # a GEC is claimed once
                client.submit(documents.signed(moved, net.exporter_key))
        kept = net.national.node.store.log_size()
        (summary,) = sync_round(net.national.node, [replace(peer, address=fork.address)])
    finally:
        fork.server.stop(0)
        fork.node.close()
    expect(summary.outcome == "quarantined", f"the fork was {summary.outcome}")
    expect(net.national.node.store.log_size() == kept, "national kept entries from the fork")
    quarantine = net.national.node.store.peer_quarantines()[peer.origin]
    evidence = ", ".join(sorted(quarantine.evidence))
    return [
        ("fork", f"same key and origin {peer.origin}, {seen + 1} other entries"),
        ("national sync", f"{summary.outcome}: {quarantine.reason}"),
        ("evidence kept", evidence),
        ("entries kept from the fork", "none"),
    ]


# Issue 14's steps build on this module's Story; imported here, once everything they use exists.
from gateway.demo import gec_steps, more_steps  # noqa: E402

STEPS: tuple[tuple[str, Step], ...] = (
    ("three nodes up, linked over mTLS", network_up),
    ("national publishes rules and a factor", publish_national_rules),
    ("rules flow down: provincial <- national", rules_flow_down),
    ("exporter submits a footprint shared with the registry", submit_shared),
    ("exporter submits a footprint not shared with it", submit_unshared),
    ("a second exporter's claim of the same GECs is refused", gec_steps.rival_claim_refused),
    ("an exporter at national claims the same GECs", gec_steps.national_exporter_claims),
    ("sync national <- provincial", sync_national),
    ("the double claim across provinces is flagged", gec_steps.double_claim_flagged),
    ("sync registry <- national (delegated trust)", sync_registry),
    ("registry holds the shared footprint only", registry_holds_only_shared),
    ("partner verifies offline: proof and 3 receipts", partner_verifies_offline),
    ("a tampered copy is refused", tampered_copy_refused),
    ("a certifier's attestation reaches the registry", more_steps.attestation_reaches_registry),
    ("the registry verifies the chain offline", more_steps.chain_verifies_at_registry),
    ("the registry's request is fulfilled via sichuan", more_steps.request_fulfilled),
    ("a request for an unknown product is rejected", more_steps.request_rejected),
    ("a withdrawal reaches the registry", withdrawal_reaches_registry),
    ("a forked provincial log is detected", forked_log_detected),
)


def run_step(story: Story, title: str, step: Step) -> StepResult:
    """Run one step and time it; any error is its failure, shown with its reason."""
    started = time.perf_counter()
    try:
        facts = step(story)
    except Exception as err:  # noqa: BLE001 - a failed step is reported, and the story stops
        reason = getattr(err, "reason", type(err).__name__)
        failed = [("failed", f"{reason}: {err}"[:300])]
        return StepResult(title, ok=False, facts=failed, seconds=time.perf_counter() - started)
    return StepResult(title, ok=True, facts=facts, seconds=time.perf_counter() - started)


def run_story(net: Network, printer: Printer) -> list[StepResult]:
    """Every step in order, each printed as it ends; after a failure the rest are skipped."""
    story = Story(net)
    results: list[StepResult] = []
    for number, (title, step) in enumerate(STEPS, 1):
        if results and not results[-1].ok:
            results.append(StepResult(title, ok=False, skipped=True))
            continue
        result = run_step(story, title, step)
        printer.step(number, result)
        results.append(result)
    return results


def exit_status(results: list[StepResult]) -> int:
    """0 when every step held, 1 otherwise (`cfx demo`'s exit status)."""
    return 0 if results and all(r.ok for r in results) else 1
