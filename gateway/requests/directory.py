"""The federation directory: which node is an organization's home, and which peer leads there.

Pure. Built from what sync already brings: each peer's signed trust registry (and, by delegation,
the registries of the nodes behind it, with the path they came through). An organization's home
node is the node whose registry registers it with a role other than `node` (a `node` identity is
another node's puller, not one of its organizations).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gateway.trust import Role, TrustRegistry


@dataclass(frozen=True)
class Route:
    """Where requests for an organization go: `peer` ("" when this node is its home), the home
    node's log origin, and the number of hops to it."""

    peer: str
    home: str
    hops: int


def home_orgs(registry: TrustRegistry) -> frozenset[str]:
    """The organizations `registry` registers as its own (any role but `node`)."""
    return frozenset(o.name for o in registry.organizations if set(o.roles) - {Role.NODE})


@dataclass(frozen=True)
class Directory:
    """Organization -> route, nearest home first."""

    routes: dict[str, Route]

    @classmethod
    def build(
        cls,
        own: TrustRegistry,
        own_origin: str,
        learned: Iterable[tuple[str, str, int, TrustRegistry]],
    ) -> Directory:
        """`learned`: (peer name, home origin, hops, registry) for each registry a peer
        brought; this node's own registry wins, then the fewest hops."""
        routes: dict[str, Route] = {org: Route("", own_origin, 0) for org in home_orgs(own)}
        for peer, home, hops, registry in sorted(learned, key=lambda item: (item[2], item[0])):
            for org in home_orgs(registry):
                routes.setdefault(org, Route(peer, home, hops))
        return cls(routes)

    def route(self, org: str) -> Route | None:
        """The route to `org`'s home node, if known."""
        return self.routes.get(org)
