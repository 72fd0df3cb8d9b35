"""RequestService calls over a node connection (the CLI's, and a relaying node's)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import grpc

from gateway._proto.cfx.v1 import request_service_pb2 as rq
from gateway._proto.cfx.v1 import request_service_pb2_grpc as rq_grpc
from gateway.client import CfxClient


class RequestClient(CfxClient):
    """A `CfxClient` that also speaks RequestService."""

    @property
    def _requests(self) -> rq_grpc.RequestServiceStub:
        return rq_grpc.RequestServiceStub(self._channel)

    def create(
        self, owner: str, criteria: rq.FootprintCriteria, request_id: str = ""
    ) -> rq.FootprintRequest:
        """RequestFootprint."""
        message = rq.RequestFootprintRequest(owner=owner, criteria=criteria, request_id=request_id)
        response: rq.RequestFootprintResponse = self._call(self._requests.RequestFootprint, message)
        return response.request

    def get_request(self, name: str) -> rq.FootprintRequest:
        """GetRequest."""
        response: rq.GetRequestResponse = self._call(
            self._requests.GetRequest, rq.GetRequestRequest(name=name)
        )
        return response.request

    def list_requests(self, view: int, page_token: str = "") -> rq.ListRequestsResponse:
        """ListRequests, one page."""
        message = rq.ListRequestsRequest(view=view, page_token=page_token)  # type: ignore[arg-type]
        response: rq.ListRequestsResponse = self._call(self._requests.ListRequests, message)
        return response

    def fulfil(self, name: str, footprints: Sequence[str]) -> rq.FootprintRequest:
        """FulfilRequest."""
        message = rq.FulfilRequestRequest(name=name, footprints=list(footprints))
        response: rq.FulfilRequestResponse = self._call(self._requests.FulfilRequest, message)
        return response.request

    def reject(self, name: str, code: str, text: str = "") -> rq.FootprintRequest:
        """RejectRequest."""
        message = rq.RejectRequestRequest(name=name, code=code, message=text)
        response: rq.RejectRequestResponse = self._call(self._requests.RejectRequest, message)
        return response.request

    def relay(
        self, requests: Sequence[rq.RelayedRequest], acknowledged: Sequence[str]
    ) -> rq.RelayRequestsResponse:
        """RelayRequests (a node's identity only)."""
        message = rq.RelayRequestsRequest(requests=requests, acknowledged=acknowledged)
        response: rq.RelayRequestsResponse = self._call(self._requests.RelayRequests, message)
        return response

    def watch_requests(
        self, view: int, after: int = 0, *, timeout: float | None = None
    ) -> Iterator[rq.FootprintRequest]:
        """WatchRequests: each change, until the stream ends."""
        message = rq.WatchRequestsRequest(view=view, after_sequence=after)  # type: ignore[arg-type]
        try:
            for item in self._requests.WatchRequests(message, timeout=timeout):
                yield item.request
        except grpc.RpcError as err:
            if err.code() is not grpc.StatusCode.DEADLINE_EXCEEDED:
                raise self._failure(err) from None
