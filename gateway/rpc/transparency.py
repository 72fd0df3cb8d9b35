"""LogService: checkpoints, inclusion and consistency proofs, and raw entries of the node's log."""

from __future__ import annotations

import grpc

from gateway import errors as ge
from gateway._proto.cfx.v1 import dataset_pb2
from gateway._proto.cfx.v1 import log_service_pb2 as lg
from gateway._proto.cfx.v1 import log_service_pb2_grpc as lg_grpc
from gateway.intake import Intake
from gateway.rpc import convert
from gateway.rpc.guard import Call, Guard, unary
from gateway.store.base import Store
from gateway.transparency import NodeLog

MAX_ENTRIES_PER_CALL = 1000


class LogServicer(lg_grpc.LogServiceServicer):
    def __init__(self, intake: Intake, store: Store, log: NodeLog, guard: Guard) -> None:
        self._intake = intake
        self._store = store
        self._log = log
        self.guard = guard

    def register(self, server: grpc.Server) -> str:
        lg_grpc.add_LogServiceServicer_to_server(self, server)
        return str(lg.DESCRIPTOR.services_by_name["LogService"].full_name)

    @unary
    def GetCheckpoint(  # noqa: N802 - gRPC method name
        self, _request: lg.GetCheckpointRequest, _call: Call
    ) -> lg.GetCheckpointResponse:
        _, note = self._log.checkpoint()
        return lg.GetCheckpointResponse(checkpoint=convert.checkpoint(note))

    @unary
    def GetInclusionProof(  # noqa: N802
        self, request: lg.GetInclusionProofRequest, _call: Call
    ) -> lg.GetInclusionProofResponse:
        size, note = self._log.checkpoint(at_least=request.log_index + 1)
        tree = request.tree_size or size
        if not request.log_index < tree <= self._store.log_size():
            raise ge.out_of_range(
                "TREE_SIZE_EXCEEDED", f"need log_index < tree_size <= {self._store.log_size()}"
            )
        if tree == size:
            receipt = convert.receipt(self._log.receipt(request.log_index, (size, note)))
        else:
            # An older (or newer, not yet signed) size: the caller holds or fetches that note;
            # we attach it when this node kept it.
            kept = self._store.checkpoint_at(tree)
            receipt = dataset_pb2.Receipt(
                log_index=request.log_index,
                tree_size=tree,
                inclusion_proof=self._store.inclusion_proof(request.log_index, tree),
                entry=self._store.log_entries(request.log_index, request.log_index + 1)[0],
                checkpoint=convert.checkpoint(kept) if kept else None,
            )
        return lg.GetInclusionProofResponse(receipt=receipt)

    @unary
    def GetConsistencyProof(  # noqa: N802
        self, request: lg.GetConsistencyProofRequest, _call: Call
    ) -> lg.GetConsistencyProofResponse:
        size, note = self._log.checkpoint()
        second = request.second_size or size
        if not 0 < request.first_size <= second <= size:
            raise ge.out_of_range(
                "TREE_SIZE_EXCEEDED", f"need 0 < first_size <= second_size <= {size}"
            )
        proof = self._store.consistency_proof(request.first_size, second)
        return lg.GetConsistencyProofResponse(proof=proof, checkpoint=convert.checkpoint(note))

    @unary
    def ListLogEntries(  # noqa: N802
        self, request: lg.ListLogEntriesRequest, _call: Call
    ) -> lg.ListLogEntriesResponse:
        size = self._store.log_size()
        start = request.start_index
        end = min(request.end_index or size, size, start + MAX_ENTRIES_PER_CALL)
        if start > size:
            raise ge.out_of_range("TREE_SIZE_EXCEEDED", f"the log has {size} entries")
        entries = self._store.log_entries(start, end) if end > start else []
        return lg.ListLogEntriesResponse(
            entries=[lg.LogEntry(index=start + i, entry=e) for i, e in enumerate(entries)]
        )
