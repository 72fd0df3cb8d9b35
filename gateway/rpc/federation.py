"""FederationService: what a node serves to the peer nodes that pull from it (issue 12).

Only callers with a `node` client identity are served (others: PERMISSION_DENIED); which entries
a node receives in full is the datasets' usage policy for that node's organization and node role
(the role recorded with its identity in the trust registry), decided by `PullView`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import grpc

from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway._proto.cfx.v1 import federation_service_pb2_grpc as fd_grpc
from gateway._proto.cfx.v1 import log_service_pb2 as lg
from gateway.domain import NodeRole
from gateway.errors import InvalidRequestError, PermissionDeniedError
from gateway.federation.policy import Reader
from gateway.federation.pull_view import PullView
from gateway.gec.reports import record_reports
from gateway.limits import Limits
from gateway.rpc import convert
from gateway.rpc.guard import Call, Guard, server_stream, unary
from gateway.rpc.ticker import LogTicker
from gateway.store.base import Store
from gateway.trust import Role


class FederationServicer(fd_grpc.FederationServiceServicer):
    """GetNodeInfo, PullEntries, WatchLog and ReportGecConflicts for peer nodes."""

    def __init__(
        self,
        *,
        guard: Guard,
        store: Store,
        info: fd.GetNodeInfoResponse,
        trust_file: Callable[[], bytes],
        clock: Callable[[], datetime],
        limits: Limits,
        ticker: LogTicker,
        delegations: Callable[[], bytes] = lambda: b"",
    ) -> None:
        self.guard = guard
        self._store = store
        self._clock = clock
        self._max_reports = limits.sync_page_size
        self._log_size = store.log_size
        self._ticker = ticker
        self._info = info
        self._trust_file = trust_file
        self._delegations = delegations
        self._view = PullView(
            store,
            clock,
            max_page_size=limits.sync_page_size,
            max_bytes=limits.max_message_bytes // 2,
        )

    def register(self, server: grpc.Server) -> str:
        """Add this servicer to `server`; its service name."""
        fd_grpc.add_FederationServiceServicer_to_server(self, server)
        return str(fd.DESCRIPTOR.services_by_name["FederationService"].full_name)

    @staticmethod
    def _reader(call: Call) -> Reader:
        """The calling peer node as a usage-policy reader; any other caller is refused."""
        org = call.caller
        identity = call.registry.identity_for_peer(call.identities)
        if Role.NODE not in org.roles or identity is None or identity.node_role is None:
            raise PermissionDeniedError("only a peer node's identity (role node) may pull")
        return Reader(org.name, NodeRole(identity.node_role), is_origin=False)

    @unary
    def GetNodeInfo(  # noqa: N802 - gRPC method name
        self, _request: fd.GetNodeInfoRequest, call: Call
    ) -> fd.GetNodeInfoResponse:
        """Who this node is, its signed trust registry and what it accepts by delegation (both
        verified with its log key)."""
        self._reader(call)
        info = fd.GetNodeInfoResponse()
        info.CopyFrom(self._info)
        info.trust_registry = self._trust_file()
        info.delegations = self._delegations()
        return info

    @unary
    def PullEntries(  # noqa: N802
        self, request: fd.PullEntriesRequest, call: Call
    ) -> fd.PullEntriesResponse:
        """One page of the log for the calling node, with a consistency proof to tree_size."""
        reader = self._reader(call)
        page = self._view.page(
            reader,
            convert.index(request.start_index, "start_index"),
            convert.index(request.tree_size, "tree_size"),
            convert.page_size(request.page_size),
        )
        return fd.PullEntriesResponse(
            leaves=[
                lg.LogEntry(index=leaf.index, entry=leaf.entry)
                if leaf.entry is not None
                else lg.LogEntry(index=leaf.index, leaf_hash=leaf.leaf_hash)
                for leaf in page.leaves
            ],
            datasets=[
                fd.PulledDataset(
                    log_index=d.log_index,
                    credential=d.credential,
                    inclusion_proof=d.inclusion_proof,
                )
                for d in page.datasets
            ],
            consistency_proof=page.consistency_proof,
        )

    @unary
    def ReportGecConflicts(  # noqa: N802
        self, request: fd.ReportGecConflictsRequest, call: Call
    ) -> fd.ReportGecConflictsResponse:
        """GEC double claims a downstream node detected that involve footprints made here
        (gateway.gec.reports): those about this node's own footprints are recorded."""
        self._reader(call)
        if len(request.conflicts) > self._max_reports:
            raise InvalidRequestError(
                f"at most {self._max_reports} conflicts per call", field="conflicts"
            )
        recorded = record_reports(
            self._store, self._info.log_origin, request.conflicts, self._clock()
        )
        return fd.ReportGecConflictsResponse(recorded=recorded)

    @server_stream
    def WatchLog(  # noqa: N802
        self, request: fd.WatchLogRequest, call: Call
    ) -> Iterator[fd.WatchLogResponse]:
        """The log's size each time it grows past what the peer knows, until the stream ends.

        Only the size travels: a peer node may read every leaf hash anyway (PullEntries)."""
        self._reader(call)
        known = convert.index(request.known_size, "known_size")
        while call.open:
            self._ticker.subscribe(call.wakeup)  # before the read, so no append is missed
            size = self._log_size()
            if size > known:
                known = size
                yield fd.WatchLogResponse(tree_size=size)
            else:
                call.wakeup.wait(call.time_left())
