"""SearchService (issue 14): this node's results and, with fan_out, its peers', merged by digest.

A client gets what its read scope and the usage policy admit; a peer node (a caller with a
`node` identity) gets at most what that identity may pull, narrowed to `on_behalf_of`
(gateway.search.audience), and never fans out further (one hop: no loops, no amplification).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import grpc

from gateway._proto.cfx.v1 import search_service_pb2 as sr
from gateway._proto.cfx.v1 import search_service_pb2_grpc as sr_grpc
from gateway.checker import CredentialChecker
from gateway.client import CfxClient
from gateway.domain import NodeRole
from gateway.federation.peers import Peer
from gateway.node import adopt_peers, load_peers
from gateway.rpc import convert
from gateway.rpc.guard import Call, Guard, unary
from gateway.search import query as q
from gateway.search.audience import Requester
from gateway.search.fanout import Screen, fan_out
from gateway.search.local import LocalSearch
from gateway.search.merge import Found, PeerAnswer, PeerOutcome, merge
from gateway.trust import Role
from signing.loader import default_loader

if TYPE_CHECKING:
    from gateway.app import Node


class SearchServicer(sr_grpc.SearchServiceServicer):
    """SearchDatasets."""

    def __init__(
        self,
        *,
        guard: Guard,
        local: LocalSearch,
        origin: str,
        peers: Callable[[], tuple[Peer, ...]],
        ask: Callable[[Peer, sr.SearchDatasetsRequest, float], sr.SearchDatasetsResponse],
        screen: Screen,
    ) -> None:
        self.guard = guard
        self._local = local
        self._origin = origin
        self._peers = peers
        self._ask = ask
        self._screen = screen

    @classmethod
    def of_node(cls, node: Node, guard: Guard) -> SearchServicer:
        """The servicer for `node`: its store, its peers file, its checker and trust."""
        # Peer results are checked under the trust sync would use for that peer; rounds
        # imports gateway.app, which imports this module, hence the import here.
        from gateway.federation.rounds import peer_registry  # noqa: PLC0415

        def peers() -> tuple[Peer, ...]:
            return adopt_peers(load_peers(node.paths), node.store).peers

        def ask(
            peer: Peer, request: sr.SearchDatasetsRequest, timeout: float
        ) -> sr.SearchDatasetsResponse:
            identity: Path = peer.identity_dir(node.paths.root)
            limit = node.config.limits.max_message_bytes
            with CfxClient(peer.address, identity, timeout=timeout, max_message_bytes=limit) as c:
                return c.search(request)

        screen = Screen(
            checker=CredentialChecker(loader=default_loader(), limits=node.config.limits),
            registry_for=lambda peer: peer_registry(node, peer),
            rules_for=node.catalog.rules_cited_by,
            clock=node.clock,
        )
        return cls(
            guard=guard,
            local=LocalSearch(node.store, node.clock),
            origin=node.log.identity.origin,
            peers=peers,
            ask=ask,
            screen=screen,
        )

    def register(self, server: grpc.Server) -> str:
        """Add this servicer to `server`; its service name."""
        return register_search(self, server)

    @unary
    def SearchDatasets(  # noqa: N802 - gRPC method name
        self, request: sr.SearchDatasetsRequest, call: Call
    ) -> sr.SearchDatasetsResponse:
        """This node's page of results; on the first page with fan_out, the peers' too."""
        query = _query(request)
        size = q.page_size(request.page_size)
        requester = self._requester(request, call)
        records, token = self._local.page(query, requester, size, request.page_token)
        peers: tuple[Peer, ...] = ()
        answers: list[PeerAnswer | PeerOutcome] = []
        if request.fan_out and requester.here and not request.page_token:
            peers = self._peers()
            ask = sr.SearchDatasetsRequest()
            ask.CopyFrom(request)
            ask.fan_out, ask.on_behalf_of, ask.page_size = False, call.caller.name, size
            answers = fan_out(
                peers,
                ask,
                self._ask,
                lambda peer, response: self._screen.answer(peer, response, query, requester, size),
                time_left=call.time_left(),
            )
        found = merge(
            [(self._origin, records)]
            + [(a.origin, a.kept) for a in answers if isinstance(a, PeerAnswer)]
        )
        outcomes = [
            a.outcome(peer.name) if isinstance(a, PeerAnswer) else a
            for peer, a in zip(peers, answers, strict=True)
        ]
        return sr.SearchDatasetsResponse(
            results=[_result(f) for f in found],
            next_page_token=token,
            peers=[_outcome(o) for o in outcomes],
        )

    @staticmethod
    def _requester(request: sr.SearchDatasetsRequest, call: Call) -> Requester:
        org = call.caller
        if Role.NODE not in org.roles:
            if request.on_behalf_of:
                raise q.InvalidSearchQueryError(
                    "only a peer node searches on behalf of another organization",
                    field="on_behalf_of",
                )
            return Requester.client(org)
        identity = call.registry.identity_for_peer(call.identities)
        if identity is None or identity.node_role is None:
            raise q.InvalidSearchQueryError("a node identity without a node role", field="caller")
        if request.on_behalf_of:
            q.check_org(request.on_behalf_of)
        return Requester.peer(org.name, NodeRole(identity.node_role), request.on_behalf_of)


def register_search(servicer: sr_grpc.SearchServiceServicer, server: grpc.Server) -> str:
    """Add a SearchService implementation to `server`; the service name."""
    sr_grpc.add_SearchServiceServicer_to_server(servicer, server)
    return str(sr.DESCRIPTOR.services_by_name["SearchService"].full_name)


def _query(request: sr.SearchDatasetsRequest) -> q.SearchQuery:
    kind = None
    if request.kind:
        kind = convert.KIND_FROM_PB.get(request.kind)
        if kind is None:
            raise q.InvalidSearchQueryError("kind is not a known dataset kind", field="kind")
    valid_at = (
        convert.from_timestamp(request.valid_at_time) if request.HasField("valid_at_time") else None
    )
    return q.parse_query(
        product_id=request.product_id,
        company_id=request.company_id,
        classification=request.classification,
        geography=request.geography,
        kind=kind,
        valid_at=valid_at,
        text=request.product_name,
    )


def _result(found: Found) -> sr.SearchResult:
    return sr.SearchResult(dataset=convert.dataset(found.dataset), origins=list(found.origins))


def _outcome(outcome: PeerOutcome) -> sr.PeerOutcome:
    return sr.PeerOutcome(
        peer=outcome.peer,
        reason=outcome.reason.value,
        message=outcome.message,
        results=outcome.results,
        dropped=len(outcome.dropped),
        more=outcome.more,
    )
