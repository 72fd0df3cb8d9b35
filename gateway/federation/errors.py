"""Errors of the federation package. Each carries a stable `reason` (AIP-193 ErrorInfo shape);
`gateway.rpc.status.STATUS_CODES` maps the sub-root, so a new class only picks its reason."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import GatewayError


class FederationError(GatewayError):
    """Base of every error raised by `gateway.federation`: peers, sync, usage policy."""

    reason = "FEDERATION_ERROR"


class OutsideUsagePolicyError(FederationError):
    """A dataset reached a node its issuer's usage policy does not admit (issue 12).

    Raised on the receiving side, where it is evidence against the peer that served it (the
    peer is quarantined). A node that refuses to *serve* a dataset raises
    `gateway.errors.PermissionDeniedError` instead, which never confirms that it exists.
    """

    reason = "OUTSIDE_USAGE_POLICY"

    def __init__(self, message: str, *, dataset_id: str, reader_org: str, reader_role: str) -> None:
        super().__init__(message)
        self.dataset_id = dataset_id
        self.reader_org = reader_org
        self.reader_role = reader_role

    @property
    def metadata(self) -> Mapping[str, str]:
        """The dataset and the reader the policy does not admit."""
        return {
            "dataset_id": self.dataset_id,
            "reader_org": self.reader_org,
            "reader_role": self.reader_role,
        }
