"""GEC conflicts reach the home node of the footprint in them (issue 14), on real servers.

The puller (national) meets the provincial origin's footprint and a footprint made at national
claiming the same certificates: the conflict is detected at national and, in the same sync round,
reported to the provincial node over FederationService.ReportGecConflicts, where `cfx gec
conflicts` lists it with the same winner. Of the other footprint only its digest, range and
origin travel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway.cli import main
from gateway.cli.gec import EXIT_CONFLICTS
from gateway.client import ClientError
from gateway.federation.rounds import sync_round
from gateway.gec.reports import REPORTED_PREFIX
from tests.helpers.federation import Pair, make_pair
from tests.integration.rpc.test_gec_ledger import footprint


@pytest.fixture
def pair(tmp_path: Path, store_url: str) -> Iterator[Pair]:
    yield from make_pair(tmp_path, store_url)


def _conflicts_at(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any]]:
    code = main(["gec", "conflicts", "--dir", str(root), "--json"])
    listed: list[Any] = json.loads(capsys.readouterr().out)["conflicts"]
    return code, listed


def _submit_both(pair: Pair, earlier: str) -> dict[str, bytes]:
    """The provincial exporter's footprint at the origin, one claiming its certificates at the
    puller (a claim made at another node), `earlier` first."""
    provincial = footprint()
    raws = {"origin": pair.sign(provincial), "puller": pair.sign(footprint(provincial))}
    for where in (earlier, "puller" if earlier == "origin" else "origin"):
        with getattr(pair, where).client() as client:
            client.submit(raws[where])
    return raws


@pytest.mark.parametrize("earlier", ["origin", "puller"])
def test_a_conflict_detected_at_national_is_listed_at_the_provincial_home_node(
    pair: Pair, earlier: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raws = _submit_both(pair, earlier)
    assert pair.origin.node.store.gec_conflicts() == []
    (summary,) = sync_round(pair.puller.node, [pair.peer])
    assert summary.outcome == "synced"
    detected = pair.puller.node.store.gec_conflicts()
    assert len(detected) == 2  # the example claims a wind and a PV range

    code, listed = _conflicts_at(pair.origin.paths.root, capsys)
    assert code == EXIT_CONFLICTS
    digests = {where: hashlib.sha256(raw).hexdigest() for where, raw in raws.items()}
    verdict = {"winner": earlier, "loser": "puller" if earlier == "origin" else "origin"}
    assert sorted(c["overlap"]["firstCertificateId"] for c in listed) == sorted(
        c.overlap.first_id for c in detected
    )
    for conflict in listed:
        for side, where in verdict.items():
            assert conflict[side]["digest"] == digests[where]  # the same winner as national
        other = conflict[(verdict["winner"] == "origin" and "loser") or "winner"]
        # The other organization's footprint: its digest and claim only, no name, no issuer.
        assert other["dataset"] == REPORTED_PREFIX + digests["puller"]
        assert other["issuerOrg"] == ""
        assert other["origin"] == pair.puller.node.log.identity.origin  # national's log

    # Reported every round, recorded once.
    sync_round(pair.puller.node, [pair.peer])
    assert len(pair.origin.node.store.gec_conflicts()) == 2


def _report(digest: str, first: str, last: str) -> fd.ReportedGecConflict:
    side = fd.GecClaimSide(
        digest=digest,
        first_certificate_id=first,
        last_certificate_id=last,
        origin="elsewhere",
        origin_index=0,
        origin_time="2026-01-01T00:00:00.000000Z",
    )
    return fd.ReportedGecConflict(yours=side, other=side)


def test_a_report_about_no_footprint_made_here_is_not_recorded_and_a_bad_one_refused(
    pair: Pair,
) -> None:
    document = footprint()
    claim = document["credentialSubject"]["electricity"]["gecClaims"][0]
    ids = claim["firstCertificateId"], claim["lastCertificateId"]
    with pair.origin.client() as client:
        client.submit(pair.sign(document))
    with pair.origin.client("node") as node:
        assert node.report_gec_conflicts([_report("ab" * 32, *ids)]).recorded == 0
        with pytest.raises(ClientError) as caught:
            node.report_gec_conflicts([_report("ab" * 32, ids[0], "1" * 31)])
        assert caught.value.reason == "INVALID_REQUEST"
    with pair.origin.client() as exporter, pytest.raises(ClientError) as denied:
        exporter.report_gec_conflicts([_report("ab" * 32, *ids)])
    assert denied.value.code is grpc.StatusCode.PERMISSION_DENIED
    assert pair.origin.node.store.gec_conflicts() == []
