"""TrustService: read-only view of the node's trust registry (AIP-131/132 naming)."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from gateway import errors as ge
from gateway._proto.cfx.v1 import trust_service_pb2 as tr
from gateway._proto.cfx.v1 import trust_service_pb2_grpc as tr_grpc
from gateway.rpc import convert
from gateway.rpc.guard import Call, Guard, unary
from gateway.trust import Organization, Role, TrustRegistry

_ROLES = {
    Role.EXPORTER: tr.ROLE_EXPORTER,
    Role.REPOSITORY: tr.ROLE_REPOSITORY,
    Role.CERTIFIER: tr.ROLE_CERTIFIER,
    Role.REGISTRY_OPERATOR: tr.ROLE_REGISTRY_OPERATOR,
}
PREFIX = "organizations/"
MAX_PAGE = 100


def _organization(org: Organization) -> tr.Organization:
    return tr.Organization(
        name=PREFIX + org.name,
        display_name=org.display_name,
        roles=[_ROLES[r] for r in sorted(org.roles)],
        keys=[tr.TrustedKey(did=k.did, revoked=k.revoked) for k in org.keys],
        issuable_kinds=[convert.KIND_TO_PB[k] for k in sorted(org.issuable_kinds)],
    )


class TrustServicer(tr_grpc.TrustServiceServicer):
    def __init__(self, registry: Callable[[], TrustRegistry], guard: Guard) -> None:
        self._registry = registry
        self.guard = guard

    def register(self, server: grpc.Server) -> str:
        tr_grpc.add_TrustServiceServicer_to_server(self, server)
        return str(tr.DESCRIPTOR.services_by_name["TrustService"].full_name)

    @unary
    def ListOrganizations(  # noqa: N802 - gRPC method name
        self, request: tr.ListOrganizationsRequest, _call: Call
    ) -> tr.ListOrganizationsResponse:
        registry = self._registry()
        orgs = sorted(registry.organizations, key=lambda o: o.name)
        start = _page_start(request.page_token, orgs)
        size = min(request.page_size or MAX_PAGE, MAX_PAGE)
        page = orgs[start : start + size]
        more = start + size < len(orgs)
        return tr.ListOrganizationsResponse(
            organizations=[_organization(o) for o in page],
            next_page_token=page[-1].name if more and page else "",
        )

    @unary
    def GetOrganization(  # noqa: N802
        self, request: tr.GetOrganizationRequest, _call: Call
    ) -> tr.GetOrganizationResponse:
        registry = self._registry()
        name = request.name.removeprefix(PREFIX)
        for org in registry.organizations:
            if org.name == name:
                return tr.GetOrganizationResponse(organization=_organization(org))
        raise ge.GatewayError(
            f"{request.name} does not exist",
            "ORGANIZATION_NOT_FOUND",
            grpc.StatusCode.NOT_FOUND,
        )


def _page_start(token: str, orgs: list[Organization]) -> int:
    """The token is the last name of the previous page; organization lists are public to members."""
    if not token:
        return 0
    for i, org in enumerate(orgs):
        if org.name > token:
            return i
    return len(orgs)
