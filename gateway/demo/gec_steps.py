"""The GEC ledger steps of `cfx demo` (issue 14): a certificate is claimed once.

In Sichuan, a second exporter claims the certificates the first one's footprint claims: the
provincial node refuses it, naming the range but not the footprint it may not read. Elsewhere,
an exporter registered at the national node claims them too, before national holds the Sichuan
footprint; when national syncs from Sichuan both footprints are kept and the conflict is
flagged, the Sichuan claim (logged first at its origin) winning.
"""

from __future__ import annotations

from typing import Any

from gateway.client import ClientError
from gateway.demo import documents
from gateway.demo.network import NATIONAL_EXPORTER, RIVAL
from gateway.demo.story import Facts, StepFailed, Story, expect


def _claiming_the_shared_gecs(story: Story, org: str) -> tuple[dict[str, Any], bytes]:
    """`org`'s battery footprint claiming the certificates of the exporter's shared one."""
    key = story.net.keys[org]
    document = documents.battery_footprint(key, shared_with_registry=False)
    shared = story.submitted["shared"].document
    document["credentialSubject"]["electricity"]["gecClaims"] = documents.gec_claims(shared)
    return document, documents.signed(document, key)


def _range(document: dict[str, Any]) -> str:
    claims = documents.gec_claims(document)
    return ", ".join(f"{c['firstCertificateId']}..{c['lastCertificateId'][-7:]}" for c in claims)


def rival_claim_refused(story: Story) -> Facts:
    """A second Sichuan exporter claims the first one's GECs: refused, the holder unnamed."""
    net = story.net
    document, raw = _claiming_the_shared_gecs(story, RIVAL)
    with net.provincial.client(net.identities[RIVAL]) as client:
        try:
            client.submit(raw)
        except ClientError as err:
            refused = err
        else:
            raise StepFailed("the provincial node accepted a double claim")
    holder = story.submitted["shared"].name
    expect(refused.reason == "GEC_DOUBLE_CLAIM", f"refused with {refused.reason}")
    expect(holder not in refused.message, "the refusal names a footprint the rival may not read")
    return [
        (f"{RIVAL} claims", _range(document)),
        ("provincial answers", f"{refused.code.name} {refused.reason}"),
        ("message", refused.message),
        ("names the other footprint", "no (chengdu-packs may not read it)"),
    ]


def national_exporter_claims(story: Story) -> Facts:
    """An exporter registered at national claims the same GECs there (national does not hold
    the Sichuan footprint yet, so nothing refuses it)."""
    net = story.net
    document, raw = _claiming_the_shared_gecs(story, NATIONAL_EXPORTER)
    with net.national.client(net.identities[NATIONAL_EXPORTER]) as client:
        accepted = client.submit(raw)
    return [
        (f"{NATIONAL_EXPORTER} claims at national", _range(document)),
        ("accepted", f"{accepted.dataset.name} at national log index {accepted.dataset.log_index}"),
    ]


def double_claim_flagged(story: Story) -> Facts:
    """After national synced from Sichuan: both footprints kept, the conflict flagged, the
    claim its origin logged first (Sichuan's) winning."""
    conflicts = story.net.national.node.store.gec_conflicts()
    expect(bool(conflicts), "national flagged no GEC conflict")
    shared = story.submitted["shared"].name
    for conflict in conflicts:
        expect(conflict.winner["dataset"] == shared, "the Sichuan claim did not win")
    first = conflicts[0]
    return [
        ("conflicts at national", f"{len(conflicts)} (one per claimed range)"),
        ("winner", f"{first.winner['dataset']} (logged {first.winner['time']} at sichuan)"),
        ("loser", f"{first.loser['dataset']} gecConflict: {first.loser['gecConflict']}"),
        ("evidence", "both digests, origins and the overlapping range: `cfx gec conflicts`"),
    ]
