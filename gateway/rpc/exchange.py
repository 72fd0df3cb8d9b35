"""ExchangeService: protobuf in, intake pipeline, protobuf out. No business logic lives here."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import grpc

from gateway import errors as ge
from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import exchange_service_pb2_grpc as ex_grpc
from gateway.intake import Intake
from gateway.node import Limits
from gateway.rpc import convert
from gateway.rpc.guard import Call, Guard, server_stream, unary
from gateway.rpc.ticker import LogTicker
from gateway.store.model import ChangeType, DatasetFilter, DatasetStatus, is_dataset_name

MAX_REQUEST_ID_CHARS = 128
WATCH_POLL_SECONDS = 0.2


class ExchangeServicer(ex_grpc.ExchangeServiceServicer):
    def __init__(self, intake: Intake, guard: Guard, log_size: Callable[[], int]) -> None:
        self._intake = intake
        self.guard = guard
        self._limits: Limits = guard.limits
        self._ticker = LogTicker(log_size, WATCH_POLL_SECONDS)
        guard.on_shutdown(self._ticker.close)

    def register(self, server: grpc.Server) -> str:
        ex_grpc.add_ExchangeServiceServicer_to_server(self, server)
        return str(ex.DESCRIPTOR.services_by_name["ExchangeService"].full_name)

    @unary
    def SubmitDataset(  # noqa: N802 - gRPC method name
        self, request: ex.SubmitDatasetRequest, call: Call
    ) -> ex.SubmitDatasetResponse:
        _check_request_id(request.request_id)
        accepted = self._intake.submit(
            request.credential, request.request_id, call.caller, call.time_left
        )
        return ex.SubmitDatasetResponse(
            dataset=convert.dataset(accepted.dataset), receipt=convert.receipt(accepted.receipt)
        )

    @unary
    def GetDataset(  # noqa: N802
        self, request: ex.GetDatasetRequest, call: Call
    ) -> ex.GetDatasetResponse:
        if not is_dataset_name(request.name):
            raise ge.invalid_argument("INVALID_NAME", "name must be datasets/{uuid}", name="name")
        record = self._intake.get(request.name, call.caller)
        receipt = self._intake.receipt(record.log_index)
        return ex.GetDatasetResponse(
            dataset=convert.dataset(record), receipt=convert.receipt(receipt)
        )

    @unary
    def ListDatasets(  # noqa: N802
        self, request: ex.ListDatasetsRequest, call: Call
    ) -> ex.ListDatasetsResponse:
        filters = DatasetFilter(
            kind=convert.KIND_FROM_PB.get(request.kind),
            issuer=request.issuer or None,
            product_id=request.product_id or None,
            classification_id=request.classification_id or None,
            geography=request.geography or None,
            status=convert.STATUS_FROM_PB.get(request.status),
            valid_at=convert.from_timestamp(request.valid_at)
            if request.HasField("valid_at")
            else None,
        )
        records, token, note, receipts = self._intake.list_page(
            filters,
            min(request.page_size, self._limits.max_page_size),
            request.page_token,
            call.caller,
        )
        return ex.ListDatasetsResponse(
            datasets=[convert.dataset(r) for r in records],
            next_page_token=token,
            checkpoint=convert.checkpoint(note),
            proofs=[
                ex.ListedProof(
                    log_index=r.log_index, entry=r.entry, inclusion_proof=list(r.inclusion_proof)
                )
                for r in receipts
            ],
        )

    @unary
    def VerifyCredential(  # noqa: N802
        self, request: ex.VerifyCredentialRequest, _call: Call
    ) -> ex.VerifyCredentialResponse:
        report = self._intake.report(
            request.credential,
            expected_domain=request.expected_domain or None,
            expected_challenge=request.expected_challenge or None,
        )
        result = report.result
        proofs = [
            ex.ProofResult(
                cryptosuite=p.suite or "",
                verification_method=p.verification_method or "",
                controller=p.controller or "",
                proof_purpose=p.purpose or "",
                create_time=convert.parse_timestamp(p.created),
                verified=p.verified,
                reason=p.reason or "",
                message=p.message or "",
            )
            for p in result.proofs
        ]
        return ex.VerifyCredentialResponse(
            verified=report.verified,
            kind=convert.KIND_TO_PB[report.kind],
            issuer=report.issuer,
            proofs=proofs,
            violations=[
                ex.FieldViolation(field=v.field, reason=v.reason, description=v.description)
                for v in report.violations
            ],
            digest=report.digest,
        )

    @unary
    def DeprecateDataset(  # noqa: N802
        self, request: ex.DeprecateDatasetRequest, call: Call
    ) -> ex.DeprecateDatasetResponse:
        dataset, receipt = self._change(request, DatasetStatus.DEPRECATED, call)
        return ex.DeprecateDatasetResponse(dataset=dataset, receipt=receipt)

    @unary
    def WithdrawDataset(  # noqa: N802
        self, request: ex.WithdrawDatasetRequest, call: Call
    ) -> ex.WithdrawDatasetResponse:
        dataset, receipt = self._change(request, DatasetStatus.WITHDRAWN, call)
        return ex.WithdrawDatasetResponse(dataset=dataset, receipt=receipt)

    def _change(
        self,
        request: ex.DeprecateDatasetRequest | ex.WithdrawDatasetRequest,
        status: DatasetStatus,
        call: Call,
    ) -> tuple[pb.Dataset, pb.Receipt]:
        _check_request_id(request.request_id)
        if not is_dataset_name(request.name):
            raise ge.invalid_argument("INVALID_NAME", "name must be datasets/{uuid}", name="name")
        accepted = self._intake.change_status(
            name=request.name,
            raw_update=request.status_update,
            status=status,
            request_id=request.request_id,
            caller=call.caller,
            time_left=call.time_left,
        )
        return convert.dataset(accepted.dataset), convert.receipt(accepted.receipt)

    @server_stream
    def WatchDatasets(  # noqa: N802
        self, request: ex.WatchDatasetsRequest, call: Call
    ) -> Iterator[ex.WatchDatasetsResponse]:
        kind = convert.KIND_FROM_PB.get(request.kind)
        cursor = int(request.start_log_index) - 1
        batch = self._limits.max_watch_batch
        # Ends at the call's deadline (at most max_deadline_seconds) or at shutdown; the client
        # resumes from its last index. Between changes the stream waits for the log to grow.
        while call.open:
            self._ticker.subscribe(call.wakeup)  # before the read, so no append is missed
            changes = self._intake.changes_after(cursor, kind, batch, call.caller)
            for change in changes:
                cursor = change.log_index
                yield ex.WatchDatasetsResponse(
                    change_type=_CHANGE_TYPES[change.change, change.status],
                    dataset=convert.dataset(change.dataset),
                    log_index=change.log_index,
                )
            if not changes:
                call.wakeup.wait(call.time_left())


_W = ex.WatchDatasetsResponse
_CHANGE_TYPES = {
    (ChangeType.CREATED, DatasetStatus.ACTIVE): _W.CHANGE_TYPE_ACCEPTED,
    (ChangeType.STATUS_CHANGED, DatasetStatus.DEPRECATED): _W.CHANGE_TYPE_DEPRECATED,
    (ChangeType.STATUS_CHANGED, DatasetStatus.WITHDRAWN): _W.CHANGE_TYPE_WITHDRAWN,
}


def _check_request_id(request_id: str) -> None:
    if len(request_id) > MAX_REQUEST_ID_CHARS or not request_id.isprintable():
        raise ge.invalid_argument(
            "INVALID_REQUEST_ID",
            f"request_id must be at most {MAX_REQUEST_ID_CHARS} printable chars",
        )
