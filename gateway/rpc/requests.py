"""RequestService: footprint requests (issue 14) at the gRPC edge; every method behind the
guard. The requester's and owner's methods take client identities; RelayRequests only a peer
node's identity (role node), the way FederationService does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import grpc

from gateway._proto.cfx.v1 import request_service_pb2 as rq
from gateway._proto.cfx.v1 import request_service_pb2_grpc as rq_grpc
from gateway.errors import InvalidPageSizeError, NodeMayNotSubmitError, PermissionDeniedError
from gateway.requests.desk import Desk, request_name
from gateway.requests.errors import RequestNotFoundError
from gateway.requests.machine import Answer, Criteria, Request, RequestState
from gateway.requests.matching import check_fulfilment
from gateway.rpc.guard import Call, Guard, server_stream, unary
from gateway.store.base import Store
from gateway.store.errors import NotFoundError
from gateway.times import to_rfc3339
from gateway.trust import Role
from schemas import strict_json

_STATES = {
    RequestState.CREATED: rq.REQUEST_STATE_CREATED,
    RequestState.FORWARDED: rq.REQUEST_STATE_FORWARDED,
    RequestState.FULFILLED: rq.REQUEST_STATE_FULFILLED,
    RequestState.REJECTED: rq.REQUEST_STATE_REJECTED,
}
WATCH_POLL_SECONDS = 0.5
MAX_PAGE = 500


def criteria_from(message: rq.FootprintCriteria) -> Criteria:
    """The criteria of a request message (checked by `Criteria`)."""
    return Criteria(
        message.product_id,
        message.company_id,
        message.reference_period_start,
        message.reference_period_end,
        message.geography,
        message.comment,
    )


def criteria_message(criteria: Criteria) -> rq.FootprintCriteria:
    """The wire form of `criteria`."""
    return rq.FootprintCriteria(
        product_id=criteria.product_id,
        company_id=criteria.company_id,
        reference_period_start=criteria.period_start,
        reference_period_end=criteria.period_end,
        geography=criteria.geography,
        comment=criteria.comment,
    )


def answer_message(request: Request) -> rq.RelayedAnswer:
    """A stored answer as it travels back."""
    answer = request.answer
    assert answer is not None
    return rq.RelayedAnswer(
        name=request.name,
        state=_STATES[answer.state],
        footprints=[rq.AnsweredFootprint(name=n, digest=d) for n, d in answer.footprints],
        reject_code=answer.reject_code,
        reject_message=answer.reject_message,
    )


def answer_from(message: rq.RelayedAnswer) -> Answer:
    """The answer a relayed message carries (checked by `Answer`)."""
    return Answer(
        tuple((f.name, f.digest) for f in message.footprints),
        message.reject_code,
        message.reject_message,
    )


class RequestServicer(rq_grpc.RequestServiceServicer):
    """The RequestService of one node."""

    def __init__(
        self, *, guard: Guard, store: Store, desk: Desk, clock: Callable[[], datetime]
    ) -> None:
        self.guard = guard
        self._store = store
        self._desk = desk
        self._clock = clock

    def register(self, server: grpc.Server) -> str:
        """Add this servicer to `server`; its service name."""
        rq_grpc.add_RequestServiceServicer_to_server(self, server)
        return str(rq.DESCRIPTOR.services_by_name["RequestService"].full_name)

    def _message(self, request: Request) -> rq.FootprintRequest:
        answer = request.answer
        footprints = answer.footprints if answer else ()
        held = self._store.find_by_digests([d for _, d in footprints])
        return rq.FootprintRequest(
            name=request.name,
            criteria=criteria_message(request.criteria),
            requester=request.requester,
            owner=request.owner,
            state=_STATES[request.state],
            footprints=[rq.AnsweredFootprint(name=n, digest=d) for n, d in footprints],
            reject_code=answer.reject_code if answer else "",
            reject_message=answer.reject_message if answer else "",
            held_footprints=[held[d].name for _, d in footprints if d in held],
            sequence=request.sequence,
            create_time=to_rfc3339(request.created),
            update_time=to_rfc3339(request.updated),
        )

    @staticmethod
    def _client(call: Call) -> str:
        """The calling organization; a peer node's identity is for RelayRequests only."""
        if _is_node(call):
            raise NodeMayNotSubmitError(call.caller.name)
        return call.caller.name

    def _visible(self, name: str, org: str) -> Request:
        """The request if `org` is its requester here or its owner at home; else not found."""
        stored = self._desk.get(name)
        if stored is None or not (
            (stored.requester == org and not stored.came_from)
            or (stored.owner == org and not stored.via)
        ):
            raise RequestNotFoundError(name)
        return stored

    @unary
    def RequestFootprint(  # noqa: N802 - gRPC method name
        self, request: rq.RequestFootprintRequest, call: Call
    ) -> rq.RequestFootprintResponse:
        """Create a request; it is routed by the relay, answered later."""
        org = self._client(call)
        created = self._desk.create(
            request_name(request.request_id), criteria_from(request.criteria), org, request.owner
        )
        return rq.RequestFootprintResponse(request=self._message(self._visible(created.name, org)))

    @unary
    def GetRequest(  # noqa: N802
        self, request: rq.GetRequestRequest, call: Call
    ) -> rq.GetRequestResponse:
        """One request the caller made or was asked."""
        stored = self._visible(request.name, self._client(call))
        return rq.GetRequestResponse(request=self._message(stored))

    @unary
    def ListRequests(  # noqa: N802
        self, request: rq.ListRequestsRequest, call: Call
    ) -> rq.ListRequestsResponse:
        """One page of a view; the page token is the last sequence number seen."""
        if request.page_size < 0:
            raise InvalidPageSizeError("page_size must not be negative", field="page_size")
        size = min(request.page_size or MAX_PAGE, MAX_PAGE)
        after = int(request.page_token) if request.page_token.isdigit() else 0
        found = self._store.select_requests(_view(request.view), self._client(call), after, size)
        token = str(found[-1].sequence) if len(found) == size else ""
        return rq.ListRequestsResponse(
            requests=[self._message(r) for r in found], next_page_token=token
        )

    @server_stream
    def WatchRequests(  # noqa: N802
        self, request: rq.WatchRequestsRequest, call: Call
    ) -> Iterator[rq.WatchRequestsResponse]:
        """Each change of the caller's requests of one view, until the stream ends."""
        org, view, seen = self._client(call), _view(request.view), request.after_sequence
        while call.open:
            changed = self._store.select_requests(view, org, seen, MAX_PAGE)
            for item in changed:
                seen = item.sequence
                yield rq.WatchRequestsResponse(request=self._message(item))
            if not changed:
                call.wakeup.wait(min(WATCH_POLL_SECONDS, call.time_left()))

    @unary
    def FulfilRequest(  # noqa: N802
        self, request: rq.FulfilRequestRequest, call: Call
    ) -> rq.FulfilRequestResponse:
        """The owner's footprints, each checked against the criteria and the usage policy."""
        org = self._client(call)
        stored = self._desk.get(request.name)
        Desk.require_owner(stored, request.name, org)
        assert stored is not None
        footprints = tuple(self._footprint(name, stored) for name in request.footprints)
        done = self._desk.answer(request.name, org, Answer(footprints))
        return rq.FulfilRequestResponse(request=self._message(done))

    def _footprint(self, name: str, stored: Request) -> tuple[str, str]:
        try:
            record = self._store.get_dataset(name)
        except NotFoundError:
            raise PermissionDeniedError(
                f"{name:.80} is not a footprint of {stored.owner}"
            ) from None
        document = strict_json.loads_object(record.credential)
        check_fulfilment(
            record,
            document,
            stored.criteria,
            owner=stored.owner,
            requester=stored.requester,
            now=self._clock(),
        )
        return record.name, record.digest

    @unary
    def RejectRequest(  # noqa: N802
        self, request: rq.RejectRequestRequest, call: Call
    ) -> rq.RejectRequestResponse:
        """The owner's refusal: a PACT error code and a message."""
        org = self._client(call)
        answer = Answer(reject_code=request.code, reject_message=request.message)
        done = self._desk.answer(request.name, org, answer)
        return rq.RejectRequestResponse(request=self._message(done))

    @unary
    def RelayRequests(  # noqa: N802
        self, request: rq.RelayRequestsRequest, call: Call
    ) -> rq.RelayRequestsResponse:
        """From the peer node downstream: requests to route on, acknowledgements, and back the
        answers it is owed."""
        peer = _peer_node(call)
        self._desk.acknowledge(request.acknowledged, peer)
        accepted = []
        for item in request.requests:
            criteria = criteria_from(item.criteria)
            self._desk.create(item.name, criteria, item.requester, item.owner, came_from=peer)
            accepted.append(item.name)
        owed = self._store.select_requests("answers_for", peer, 0, MAX_PAGE)
        return rq.RelayRequestsResponse(
            accepted=accepted, answers=[answer_message(r) for r in owed]
        )


def _is_node(call: Call) -> bool:
    identity = call.registry.identity_for_peer(call.identities)
    return Role.NODE in call.caller.roles and identity is not None and bool(identity.node_role)


def _peer_node(call: Call) -> str:
    if not _is_node(call):
        raise PermissionDeniedError("only a peer node's identity (role node) may relay requests")
    return call.caller.name


def _view(view: int) -> str:
    return "owner" if view == rq.REQUEST_VIEW_OWNER else "requester"
