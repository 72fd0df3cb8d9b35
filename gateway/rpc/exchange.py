"""ExchangeService: protobuf in, intake pipeline, protobuf out. No business logic lives here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import exchange_service_pb2_grpc as ex_grpc
from gateway.catalog import Catalog
from gateway.checker import KeyStatus
from gateway.domain import ChangeType, DatasetStatus, is_dataset_name
from gateway.errors import FieldViolation, InvalidNameError, InvalidRequestIdError
from gateway.intake import Intake
from gateway.limits import Limits
from gateway.rpc import convert
from gateway.rpc.guard import Call, Guard, server_stream, unary
from gateway.rpc.ticker import LogTicker
from gateway.store.model import DatasetFilter

UUID_CHARS = 36


class ExchangeServicer(ex_grpc.ExchangeServiceServicer):
    """ExchangeService: protobuf to domain and back; the work is the intake's and catalog's."""

    def __init__(self, intake: Intake, catalog: Catalog, guard: Guard, ticker: LogTicker) -> None:
        self._intake = intake
        self._catalog = catalog
        self.guard = guard
        self._limits: Limits = guard.limits
        self._ticker = ticker

    def register(self, server: grpc.Server) -> str:
        """Add this servicer to `server`; return the service's full name."""
        ex_grpc.add_ExchangeServiceServicer_to_server(self, server)
        return str(ex.DESCRIPTOR.services_by_name["ExchangeService"].full_name)

    @unary
    def SubmitDataset(  # noqa: N802 - gRPC method name
        self, request: ex.SubmitDatasetRequest, call: Call
    ) -> ex.SubmitDatasetResponse:
        """Check, store and log a signed dataset; answer with its receipt."""
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
        """The exact bytes of a dataset the caller may read, with its receipt."""
        if not is_dataset_name(request.name):
            raise InvalidNameError
        record = self._catalog.get(request.name, call.caller)
        receipt = self._catalog.receipt(record.log_index)
        origins = self._catalog.origin_receipts(record.digest)
        return ex.GetDatasetResponse(
            dataset=convert.dataset(record),
            receipt=convert.receipt(receipt),
            origin_receipts=[convert.receipt(r) for r in origins],
        )

    @unary
    def ListDatasets(  # noqa: N802
        self, request: ex.ListDatasetsRequest, call: Call
    ) -> ex.ListDatasetsResponse:
        """One page of datasets, bound to one checkpoint with each item's proof (R6)."""
        filters = DatasetFilter(
            kind=convert.KIND_FROM_PB.get(request.kind),
            issuer=request.issuer or None,
            product_id=request.product_id or None,
            classification_id=request.classification_id or None,
            geography=request.geography or None,
            status=convert.STATUS_FROM_PB.get(request.status),
            valid_at=convert.from_timestamp(request.valid_at_time)
            if request.HasField("valid_at_time")
            else None,
        )
        page = self._catalog.list_page(filters, request.page_size, request.page_token, call.caller)
        return ex.ListDatasetsResponse(
            datasets=[convert.dataset(r) for r in page.datasets],
            next_page_token=page.next_page_token,
            checkpoint=convert.checkpoint(page.checkpoint.note),
            proofs=[
                ex.ListedProof(
                    log_index=r.log_index, entry=r.entry, inclusion_proof=list(r.inclusion_proof)
                )
                for r in page.receipts
            ],
        )

    @unary
    def VerifyCredential(  # noqa: N802
        self, request: ex.VerifyCredentialRequest, call: Call
    ) -> ex.VerifyCredentialResponse:
        """Verify and validate a credential without storing it; report every finding."""
        report = self._catalog.report(
            request.credential,
            expected_domain=request.expected_domain or None,
            expected_challenge=request.expected_challenge or None,
            time_left=call.time_left,
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
                key_status=_KEY_STATUS[status],
            )
            for p, status in zip(result.proofs, report.key_status, strict=True)
        ]
        return ex.VerifyCredentialResponse(
            verified=report.verified,
            kind=convert.KIND_TO_PB[report.kind],
            issuer=report.issuer,
            proofs=proofs,
            violations=[
                *_findings(report.violations, ex.FINDING_SEVERITY_ERROR),
                *_findings(report.warnings, ex.FINDING_SEVERITY_WARNING),
            ],
            digest=report.digest,
            trust_reason=report.trust_reason,
        )

    @unary
    def DeprecateDataset(  # noqa: N802
        self, request: ex.DeprecateDatasetRequest, call: Call
    ) -> ex.DeprecateDatasetResponse:
        """Deprecate a dataset with its issuer's signed StatusUpdate."""
        dataset, receipt = self._change(request, DatasetStatus.DEPRECATED, call)
        return ex.DeprecateDatasetResponse(dataset=dataset, receipt=receipt)

    @unary
    def WithdrawDataset(  # noqa: N802
        self, request: ex.WithdrawDatasetRequest, call: Call
    ) -> ex.WithdrawDatasetResponse:
        """Withdraw a dataset (or revoke an attestation) with a signed StatusUpdate."""
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
            raise InvalidNameError
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
        """Stream the changes the caller may see, in log order, from a log index."""
        kind = convert.KIND_FROM_PB.get(request.kind)
        cursor = convert.index(request.start_log_index, "start_log_index") - 1
        # Ends at the call's deadline (at most max_deadline_seconds) or at shutdown; the client
        # resumes from its last index. Between changes the stream waits for the log to grow.
        while call.open:
            self._ticker.subscribe(call.wakeup)  # before the read, so no append is missed
            changes = self._catalog.changes_after(cursor, kind, call.caller)
            for change in changes:
                cursor = change.log_index
                yield ex.WatchDatasetsResponse(
                    change_type=_CHANGE_TYPES[change.change, change.status],
                    dataset=convert.dataset(change.dataset),
                    log_index=change.log_index,
                )
            if not changes:
                call.wakeup.wait(call.time_left())


_KEY_STATUS = {
    KeyStatus.TRUSTED: ex.KEY_STATUS_TRUSTED,
    KeyStatus.UNKNOWN: ex.KEY_STATUS_UNKNOWN,
    KeyStatus.REVOKED: ex.KEY_STATUS_REVOKED,
}
_W = ex.WatchDatasetsResponse
_CHANGE_TYPES = {
    (ChangeType.CREATED, DatasetStatus.ACTIVE): _W.CHANGE_TYPE_ACCEPTED,
    (ChangeType.STATUS_CHANGED, DatasetStatus.DEPRECATED): _W.CHANGE_TYPE_DEPRECATED,
    (ChangeType.STATUS_CHANGED, DatasetStatus.WITHDRAWN): _W.CHANGE_TYPE_WITHDRAWN,
}


def _check_request_id(request_id: str) -> None:
    """AIP-155: a request_id, when given, is a UUID in canonical form (RFC 9562 §4: lowercase
    8-4-4-4-12 hex), so that one request has one spelling of its idempotency key."""
    if request_id and not _is_canonical_uuid(request_id):
        raise InvalidRequestIdError(
            "request_id must be a UUID in canonical form "
            "(36 lowercase characters, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e)",
            field="request_id",
        )


def _is_canonical_uuid(text: str) -> bool:
    if len(text) != UUID_CHARS:
        return False
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _findings(
    found: tuple[FieldViolation, ...], severity: ex.FindingSeverity
) -> list[ex.FieldViolation]:
    return [
        ex.FieldViolation(
            field=v.field, reason=v.reason, description=v.description, severity=severity
        )
        for v in found
    ]
