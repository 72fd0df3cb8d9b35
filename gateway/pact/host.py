"""What the facade needs from a node, built once: clients, tokens, footprints, partners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gateway.app import Node
from gateway.node import load_node_key
from gateway.pact.auth import FailureLimiter, TokenIssuer, derived_secret
from gateway.pact.clients import ClientStore
from gateway.pact.delivery import Deliverer
from gateway.pact.footprints import Footprints
from gateway.pact.outbox import Outbox
from gateway.pact.partners import PartnerStore
from gateway.requests.desk import Desk
from gateway.requests.directory import Directory


@dataclass
class PactHost:
    """The node's PACT host system state (thread-safe: the files are re-read per request)."""

    node: Node
    clients: ClientStore
    tokens: TokenIssuer
    footprints: Footprints
    partners: PartnerStore
    deliverer: Deliverer
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    #: Seconds before an unanswered PACT request is rejected (0: at once when nothing matches).
    auto_reject_after: float = 72 * 3600
    #: Where PACT requests are kept (gateway.pact.requests) and their answers sent from.
    desk: Desk = field(init=False)
    outbox: Outbox = field(init=False)

    def __post_init__(self) -> None:
        node = self.node
        self.desk = Desk(
            node.store,
            node.clock,
            # A PACT request is answered here: only this node's own organizations route.
            lambda: Directory.build(node.trust.current(), node.log.identity.origin, []),
        )
        self.outbox = Outbox(self)

    @classmethod
    def of_node(cls, node: Node, *, auto_reject_after: float = 72 * 3600) -> PactHost:
        """The facade over `node`, its secrets derived from the node key."""
        key = load_node_key(node.paths)
        root: Path = node.paths.root
        clock: Callable[[], datetime] = node.clock
        return cls(
            node=node,
            clients=ClientStore(root),
            tokens=TokenIssuer(derived_secret(key, "tokens")),
            footprints=Footprints(node.store, clock, derived_secret(key, "cursors")),
            partners=PartnerStore(root),
            deliverer=Deliverer(node.paths.ca_cert),
            auto_reject_after=auto_reject_after,
        )
