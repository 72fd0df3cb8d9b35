"""`CfxClient`: the Python client for a cfx node, over mTLS with the caller's identity directory.

Every call carries a deadline (G5). A failed call raises `ClientError` with the status code, the
stable ErrorInfo reason and any field violations decoded from the rich status trailer. The identity
directory is checked before connecting (`ClientIdentityError`), and a connection that fails
anyway raises `ConnectionFailedError`, which says the likely cause (see gateway/client_tls.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import grpc
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from gateway._proto.cfx.v1 import dataset_pb2 as pb
from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway._proto.cfx.v1 import exchange_service_pb2_grpc as ex_grpc
from gateway._proto.cfx.v1 import federation_service_pb2 as fd
from gateway._proto.cfx.v1 import federation_service_pb2_grpc as fd_grpc
from gateway._proto.cfx.v1 import log_service_pb2 as lg
from gateway._proto.cfx.v1 import log_service_pb2_grpc as lg_grpc
from gateway._proto.cfx.v1 import search_service_pb2 as sr
from gateway._proto.cfx.v1 import search_service_pb2_grpc as sr_grpc
from gateway._proto.cfx.v1 import trust_service_pb2 as tr
from gateway._proto.cfx.v1 import trust_service_pb2_grpc as tr_grpc
from gateway.client_targets import (
    REPLICAS_SERVICE_CONFIG,
    channel_target,
    load_balanced,
    parse_addresses,
    probe_addresses,
)
from gateway.client_tls import (
    PROBE_TIMEOUT,
    ClientIdentity,
    ClientIdentityError,
    explain_failure,
    load_identity,
)
from gateway.errors import FieldViolation, GatewayError
from gateway.log.checkpoint import NoteKey
from gateway.log.errors import ListAnswerError
from gateway.log.leaves import ServedLeaf, VerifiedLog, verify_served_log
from gateway.log.listing import ListedDataset, VerifiedList, verify_list_answer

DEFAULT_TIMEOUT = 30.0
# The server's certificate names localhost/127.0.0.1; override for other host names.
DEFAULT_AUTHORITY = "localhost"


class ClientError(GatewayError):
    """A failed RPC, decoded: gRPC code, cfx reason, message, metadata, field violations."""

    def __init__(
        self,
        code: grpc.StatusCode,
        reason: str,
        message: str,
        metadata: dict[str, str],
        violations: tuple[FieldViolation, ...],
    ) -> None:
        super().__init__(f"{code.name} {reason}: {message}")
        self.code = code
        # The server's reason: a decoded remote error has no class of its own per reason.
        self.reason = reason
        self.message = message
        self._metadata = metadata
        self._violations = violations

    @property
    def metadata(self) -> Mapping[str, str]:
        """The ErrorInfo metadata the node sent (AIP-193)."""
        return self._metadata

    @property
    def violations(self) -> tuple[FieldViolation, ...]:
        """One per BadRequest field violation the node sent (AIP-193), in its order."""
        return self._violations

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError) -> ClientError:
        """Decode a failed call's rich status: ErrorInfo reason and metadata, field violations."""
        call: grpc.Call = err  # type: ignore[assignment]
        reason, metadata, violations = "", {}, []
        status = rpc_status.from_call(call)
        if status is not None:
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    reason, metadata = info.reason, dict(info.metadata)
                elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    violations = [
                        FieldViolation(v.field, v.reason, v.description)
                        for v in bad.field_violations
                    ]
        return cls(call.code(), reason, call.details() or "", metadata, tuple(violations))


def served_leaf(message: lg.LogEntry) -> ServedLeaf:
    """A ListLogEntries leaf: the entry bytes (hashed here), or the leaf hash alone."""
    if message.WhichOneof("content") == "entry":
        return ServedLeaf.of_entry(message.index, message.entry)
    return ServedLeaf(message.index, message.leaf_hash)


class ConnectionFailedError(ClientError):
    """No connection to the node (a transport failure, not the node's answer): `cause` says the
    likely reason from the client's side; `message` keeps what gRPC said."""

    reason = "CONNECTION_FAILED"

    def __init__(self, address: str, cause: str, detail: str) -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, type(self).reason, detail, {}, ())
        self.address = address
        self.cause = cause

    def __str__(self) -> str:
        return f"cannot connect to {self.address}: {self.cause}"


__all__ = [
    "DEFAULT_AUTHORITY",
    "DEFAULT_TIMEOUT",
    "CfxClient",
    "ClientError",
    "ClientIdentityError",
    "ConnectionFailedError",
]


class CfxClient:
    """A connection to one node (or its replicas). Use as a context manager, or `close()`."""

    def __init__(
        self,
        server: str | Sequence[str],
        identity: Path,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        authority: str = DEFAULT_AUTHORITY,
        max_message_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        """`server`: one node's HOST:PORT, or its replicas' (a list, or comma-separated), or
        a `dns:` target; several are balanced round-robin with health checks and failover
        (gateway/client_targets.py). Every replica is checked against the one `authority`."""
        addresses = parse_addresses(server)
        self._identity: ClientIdentity = load_identity(identity)
        self._address = ",".join(addresses)
        self._probes = probe_addresses(addresses)
        self._authority = authority
        creds = grpc.ssl_channel_credentials(
            root_certificates=self._identity.ca_pem,
            private_key=self._identity.key_pem,
            certificate_chain=self._identity.cert_pem,
        )
        options: list[tuple[str, str | int]] = [
            ("grpc.ssl_target_name_override", authority),
            ("grpc.default_authority", authority),
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes),
        ]
        if load_balanced(addresses):
            options.append(("grpc.service_config", REPLICAS_SERVICE_CONFIG))
        self._channel = grpc.secure_channel(channel_target(addresses), creds, options=options)
        self._timeout = timeout
        self._exchange = ex_grpc.ExchangeServiceStub(self._channel)
        self._log = lg_grpc.LogServiceStub(self._channel)
        self._trust = tr_grpc.TrustServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self._federation = fd_grpc.FederationServiceStub(self._channel)
        self._search = sr_grpc.SearchServiceStub(self._channel)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel; calls in flight fail."""
        self._channel.close()

    def _call(self, method: Callable[..., Any], request: object) -> Any:
        try:
            return method(request, timeout=self._timeout)
        except grpc.RpcError as err:
            raise self._failure(err) from None

    def _failure(self, err: grpc.RpcError) -> ClientError:
        """The decoded error; UNAVAILABLE without a cfx reason is the transport, not the node."""
        decoded = ClientError.from_rpc_error(err)
        if decoded.code is not grpc.StatusCode.UNAVAILABLE or decoded.reason:
            return decoded
        timeout = min(self._timeout, PROBE_TIMEOUT)
        causes = [
            explain_failure(address, self._identity, self._authority, timeout)
            for address in self._probes
        ]
        if len(causes) > 1:
            causes = [f"{a}: {c}" for a, c in zip(self._probes, causes, strict=True)]
        return ConnectionFailedError(self._address, "; ".join(causes), decoded.message)

    def submit(self, credential: bytes, request_id: str | None = None) -> ex.SubmitDatasetResponse:
        """SubmitDataset; a fresh UUID4 `request_id` unless a retry passes its own (AIP-155)."""
        request = ex.SubmitDatasetRequest(
            credential=credential, request_id=request_id or str(uuid.uuid4())
        )
        response: ex.SubmitDatasetResponse = self._call(self._exchange.SubmitDataset, request)
        return response

    def get(self, name: str) -> ex.GetDatasetResponse:
        """GetDataset: the exact stored bytes, with their receipt."""
        response: ex.GetDatasetResponse = self._call(
            self._exchange.GetDataset, ex.GetDatasetRequest(name=name)
        )
        return response

    def list(self, request: ex.ListDatasetsRequest) -> ex.ListDatasetsResponse:
        """One page of ListDatasets, not checked; see `list_verified`."""
        response: ex.ListDatasetsResponse = self._call(self._exchange.ListDatasets, request)
        return response

    def list_verified(
        self, request: ex.ListDatasetsRequest, log_key: NoteKey, *, origin: str | None = None
    ) -> tuple[ex.ListDatasetsResponse, VerifiedList]:
        """List, then check the answer offline as one unit (R6): every dataset's bytes match
        its log entry, and every entry is in the one signed checkpoint of the answer."""
        response = self.list(request)
        if len(response.proofs) != len(response.datasets):
            raise ListAnswerError("the answer does not carry one proof per dataset")
        items = [
            ListedDataset(
                name=d.name,
                credential=d.credential,
                log_index=p.log_index,
                entry=p.entry,
                inclusion_proof=tuple(p.inclusion_proof),
                kind="StatusUpdate" if d.kind == pb.DATASET_KIND_STATUS_UPDATE else "",
            )
            for d, p in zip(response.datasets, response.proofs, strict=True)
        ]
        checked = verify_list_answer(response.checkpoint.note, items, log_key, origin=origin)
        return response, checked

    def inclusion_proof(self, log_index: int, tree_size: int = 0) -> lg.GetInclusionProofResponse:
        """GetInclusionProof for a log index (tree size 0: the latest checkpoint)."""
        request = lg.GetInclusionProofRequest(log_index=log_index, tree_size=tree_size)
        response: lg.GetInclusionProofResponse = self._call(self._log.GetInclusionProof, request)
        return response

    def verify(
        self, credential: bytes, *, domain: str = "", challenge: str = ""
    ) -> ex.VerifyCredentialResponse:
        """VerifyCredential: the node's report on a credential; nothing is stored."""
        request = ex.VerifyCredentialRequest(
            credential=credential, expected_domain=domain, expected_challenge=challenge
        )
        response: ex.VerifyCredentialResponse = self._call(self._exchange.VerifyCredential, request)
        return response

    def deprecate(
        self, name: str, status_update: bytes, request_id: str | None = None
    ) -> ex.DeprecateDatasetResponse:
        """Publish `status_update` (a signed StatusUpdate credential) deprecating `name`."""
        response: ex.DeprecateDatasetResponse = self._change_status(
            self._exchange.DeprecateDataset,
            ex.DeprecateDatasetRequest,
            name,
            status_update,
            request_id,
        )
        return response

    def withdraw(
        self, name: str, status_update: bytes, request_id: str | None = None
    ) -> ex.WithdrawDatasetResponse:
        """Publish `status_update` (a signed StatusUpdate credential) withdrawing `name`."""
        response: ex.WithdrawDatasetResponse = self._change_status(
            self._exchange.WithdrawDataset,
            ex.WithdrawDatasetRequest,
            name,
            status_update,
            request_id,
        )
        return response

    def _change_status(
        self,
        method: Callable[..., Any],
        request_type: type[ex.DeprecateDatasetRequest | ex.WithdrawDatasetRequest],
        name: str,
        status_update: bytes,
        request_id: str | None,
    ) -> Any:
        request = request_type(
            name=name, status_update=status_update, request_id=request_id or str(uuid.uuid4())
        )
        return self._call(method, request)

    def watch(
        self,
        start_log_index: int = 0,
        kind: pb.DatasetKind = pb.DATASET_KIND_UNSPECIFIED,
        *,
        timeout: float | None = None,
    ) -> Iterator[ex.WatchDatasetsResponse]:
        """WatchDatasets from `start_log_index` on; with a `timeout` the stream simply ends then."""
        request = ex.WatchDatasetsRequest(start_log_index=start_log_index, kind=kind)
        try:
            yield from self._exchange.WatchDatasets(request, timeout=timeout)
        except grpc.RpcError as err:
            if err.code() is grpc.StatusCode.DEADLINE_EXCEEDED and timeout is not None:
                return
            raise self._failure(err) from None

    def checkpoint(self) -> lg.GetCheckpointResponse:
        """GetCheckpoint: the node's latest signed checkpoint."""
        response: lg.GetCheckpointResponse = self._call(
            self._log.GetCheckpoint, lg.GetCheckpointRequest()
        )
        return response

    def consistency_proof(self, first: int, second: int = 0) -> lg.GetConsistencyProofResponse:
        """GetConsistencyProof from tree size `first` to `second` (0: the latest checkpoint)."""
        request = lg.GetConsistencyProofRequest(first_size=first, second_size=second)
        response: lg.GetConsistencyProofResponse = self._call(
            self._log.GetConsistencyProof, request
        )
        return response

    def log_entries(
        self, start: int = 0, end: int = 0, *, page_size: int = 0, page_token: str = ""
    ) -> lg.ListLogEntriesResponse:
        """One page of [start, end) (end 0: up to the log's size); see `iter_log` for all."""
        request = lg.ListLogEntriesRequest(
            start_index=start, end_index=end, page_size=page_size, page_token=page_token
        )
        response: lg.ListLogEntriesResponse = self._call(self._log.ListLogEntries, request)
        return response

    def iter_log(self, start: int = 0, end: int = 0, *, page_size: int = 0) -> Iterator[ServedLeaf]:
        """Every leaf of [start, end), page after page; hidden leaves come as their hash only."""
        token = ""
        while True:
            page = self.log_entries(start, end, page_size=page_size, page_token=token)
            if not page.entries and page.next_page_token:
                raise ListAnswerError("the node sent an empty page with a next page token")
            yield from (served_leaf(e) for e in page.entries)
            token = page.next_page_token
            if not token:
                return

    def verified_log(self, log_key: NoteKey, *, origin: str | None = None) -> VerifiedLog:
        """Fetch the current checkpoint and every leaf under it, and check that they hash to its
        root: the entries this caller may read, proven complete and untampered."""
        checkpoint = self.checkpoint().checkpoint
        leaves = self.iter_log(0, checkpoint.size)
        return verify_served_log(checkpoint.note, leaves, log_key, origin=origin)

    def search(self, request: sr.SearchDatasetsRequest) -> sr.SearchDatasetsResponse:
        """SearchDatasets: one page of this node's matches (and its peers', with fan_out)."""
        response: sr.SearchDatasetsResponse = self._call(self._search.SearchDatasets, request)
        return response

    def node_info(self) -> fd.GetNodeInfoResponse:
        """FederationService.GetNodeInfo (for a peer node's identity)."""
        response: fd.GetNodeInfoResponse = self._call(
            self._federation.GetNodeInfo, fd.GetNodeInfoRequest()
        )
        return response

    def pull_entries(
        self, start: int, tree_size: int, page_size: int = 0
    ) -> fd.PullEntriesResponse:
        """FederationService.PullEntries: one page of [start, tree_size) for a peer node."""
        request = fd.PullEntriesRequest(start_index=start, tree_size=tree_size, page_size=page_size)
        response: fd.PullEntriesResponse = self._call(self._federation.PullEntries, request)
        return response

    def report_gec_conflicts(
        self, conflicts: Sequence[fd.ReportedGecConflict]
    ) -> fd.ReportGecConflictsResponse:
        """FederationService.ReportGecConflicts: conflicts about the peer's own footprints."""
        request = fd.ReportGecConflictsRequest(conflicts=conflicts)
        response: fd.ReportGecConflictsResponse = self._call(
            self._federation.ReportGecConflicts, request
        )
        return response

    def watch_log(self, known_size: int, *, timeout: float | None = None) -> Iterator[int]:
        """FederationService.WatchLog: the peer's log size at each growth past `known_size`.
        With a `timeout` the stream simply ends then; `close()` ends it at once."""
        request = fd.WatchLogRequest(known_size=known_size)
        try:
            for message in self._federation.WatchLog(request, timeout=timeout):
                yield int(message.tree_size)
        except grpc.RpcError as err:
            if err.code() is grpc.StatusCode.DEADLINE_EXCEEDED and timeout is not None:
                return
            raise self._failure(err) from None

    def organizations(
        self, page_size: int = 0, page_token: str = ""
    ) -> tr.ListOrganizationsResponse:
        """One page of the trust registry's organizations."""
        request = tr.ListOrganizationsRequest(page_size=page_size, page_token=page_token)
        response: tr.ListOrganizationsResponse = self._call(self._trust.ListOrganizations, request)
        return response

    def health(self, service: str = "") -> int:
        """The gRPC health status of `service` ("": the whole node), a ServingStatus number."""
        response: health_pb2.HealthCheckResponse = self._call(
            self._health.Check, health_pb2.HealthCheckRequest(service=service)
        )
        return int(response.status)
