"""LogService: checkpoints, inclusion and consistency proofs, and the node's log entries.

Indexes and sizes are int64 on the wire (AIP-141): negative ones are refused here, before any store
call. ListLogEntries pages and hides entries per caller through `LogView`.
"""

from __future__ import annotations

import grpc

from gateway._proto.cfx.v1 import dataset_pb2
from gateway._proto.cfx.v1 import log_service_pb2 as lg
from gateway._proto.cfx.v1 import log_service_pb2_grpc as lg_grpc
from gateway.log.errors import TreeSizeError
from gateway.log_view import LogRange, LogView
from gateway.rpc import convert
from gateway.rpc.guard import Call, Guard, unary
from gateway.store.base import Store
from gateway.transparency import NodeLog


class LogServicer(lg_grpc.LogServiceServicer):
    """LogService: checkpoints, proofs and entries of this node's log."""

    def __init__(self, store: Store, log: NodeLog, guard: Guard) -> None:
        self.guard = guard
        limits = guard.limits
        self._store = store
        self._log = log
        # Half the message cap: a page of entries always fits, whatever else the answer carries.
        self._view = LogView(
            store,
            max_page_size=limits.max_page_size,
            max_page_bytes=limits.max_message_bytes // 2,
        )

    def register(self, server: grpc.Server) -> str:
        """Add this servicer to `server`; return the service's full name."""
        lg_grpc.add_LogServiceServicer_to_server(self, server)
        return str(lg.DESCRIPTOR.services_by_name["LogService"].full_name)

    @unary
    def GetCheckpoint(  # noqa: N802 - gRPC method name
        self, _request: lg.GetCheckpointRequest, _call: Call
    ) -> lg.GetCheckpointResponse:
        """The newest signed checkpoint (it covers every stored leaf)."""
        return lg.GetCheckpointResponse(checkpoint=convert.checkpoint(self._log.checkpoint().note))

    @unary
    def GetInclusionProof(  # noqa: N802
        self, request: lg.GetInclusionProofRequest, call: Call
    ) -> lg.GetInclusionProofResponse:
        """A receipt for one entry the caller may see, in a given or the newest tree."""
        caller = call.caller
        index = convert.index(request.log_index, "log_index")
        tree_size = convert.index(request.tree_size, "tree_size")
        signed = self._log.checkpoint(at_least=index + 1)
        size = signed.size
        tree = tree_size or size
        if not index < tree <= self._store.log_size():
            raise TreeSizeError(f"need log_index < tree_size <= {self._store.log_size()}")
        self._view.check_visible(caller, index)  # the receipt carries the entry bytes
        if tree == size:
            receipt = convert.receipt(self._log.receipt(index, signed))
        else:
            # An older (or newer, not yet signed) size: the caller holds or fetches that note;
            # we attach it when this node kept it.
            kept = self._store.checkpoint_at(tree)
            receipt = dataset_pb2.Receipt(
                log_index=index,
                tree_size=tree,
                inclusion_proof=self._store.inclusion_proof(index, tree),
                entry=self._store.log_entries(index, index + 1)[0],
                checkpoint=convert.checkpoint(kept) if kept else None,
            )
        return lg.GetInclusionProofResponse(receipt=receipt)

    @unary
    def GetConsistencyProof(  # noqa: N802
        self, request: lg.GetConsistencyProofRequest, _call: Call
    ) -> lg.GetConsistencyProofResponse:
        """An RFC 9162 consistency proof between two tree sizes."""
        first = convert.index(request.first_size, "first_size")
        second_size = convert.index(request.second_size, "second_size")
        signed = self._log.checkpoint()
        size = signed.size
        second = second_size or size
        if not 0 < first <= second <= size:
            raise TreeSizeError(f"need 0 < first_size <= second_size <= {size}")
        proof = self._store.consistency_proof(first, second)
        return lg.GetConsistencyProofResponse(
            proof=proof, checkpoint=convert.checkpoint(signed.note)
        )

    @unary
    def ListLogEntries(  # noqa: N802
        self, request: lg.ListLogEntriesRequest, call: Call
    ) -> lg.ListLogEntriesResponse:
        """One page of entries: in full where the caller may read them, else leaf hashes."""
        caller = call.caller
        page = self._view.page(
            caller,
            LogRange(
                start=convert.index(request.start_index, "start_index"),
                end=convert.index(request.end_index, "end_index"),
                page_size=convert.page_size(request.page_size),
                page_token=request.page_token,
            ),
        )
        return lg.ListLogEntriesResponse(
            entries=[
                lg.LogEntry(index=leaf.index, entry=leaf.entry)
                if leaf.entry is not None
                else lg.LogEntry(index=leaf.index, leaf_hash=leaf.leaf_hash)
                for leaf in page.leaves
            ],
            next_page_token=page.next_page_token,
        )
