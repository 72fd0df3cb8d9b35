"""After a round with a peer, report to it the GEC conflicts about footprints made there.

The sending half of gateway.gec.reports (which explains why the report rides on this node's
calls): `cfx sync` and `cfx serve`'s follower call `report_conflicts` after each round that
synced. A peer that cannot take the report (an older node: UNIMPLEMENTED, or unreachable) is
logged and skipped; the open conflicts go again after the next round, and the peer records each
once.
"""

from __future__ import annotations

import logging
from typing import Protocol

from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway.app import Node
from gateway.errors import GatewayError
from gateway.federation.peers import Peer
from gateway.gec.reports import outgoing
from gateway.observability.logging import event

_log = logging.getLogger("cfx.sync")


class ConflictSink(Protocol):
    """A peer that takes conflict reports (gateway.federation.rounds.RemotePeer)."""

    def report_gec_conflicts(self, conflicts: list[fd.ReportedGecConflict]) -> int:
        """Send the reports; how many the peer newly recorded."""


def report_conflicts(node: Node, peer: Peer, sink: ConflictSink) -> int:
    """Report to `peer` the open conflicts with a side its log took first; how many it newly
    recorded (0 when there were none, or it could not take them)."""
    limit = node.config.limits.sync_page_size
    conflicts = outgoing(node.store.gec_conflicts(), peer.origin, node.log.identity.origin, limit)
    if not conflicts:
        return 0
    try:
        recorded = sink.report_gec_conflicts(conflicts)
    except (GatewayError, OSError) as err:
        event(
            _log,
            "sync",
            f"GEC conflicts not reported to {peer.name}: {err}",
            logging.WARNING,
            peer=peer.name,
            outcome="unreported",
            reason=getattr(err, "reason", type(err).__name__),
        )
        return 0
    if recorded:
        event(
            _log,
            "sync",
            f"reported {recorded} GEC conflict(s) to {peer.name}",
            logging.INFO,
            peer=peer.name,
            outcome="reported",
        )
    return recorded
