"""TrustService: read-only view of the node's trust registry (AIP-131/132 naming).

Page tokens are opaque (AIP-158): the store's `PageTokenCodec`, the same MAC'd tokens as
ListDatasets, naming the position of the last organization served and bound to the list of
organizations, so a token never resumes a different list.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from gateway import access
from gateway._proto.cfx.v1 import trust_service_pb2 as tr
from gateway._proto.cfx.v1 import trust_service_pb2_grpc as tr_grpc
from gateway.domain import sha256_hex
from gateway.errors import InvalidNameError
from gateway.rpc import convert
from gateway.rpc.guard import unary
from gateway.rpc.identity import caller_from
from gateway.store.errors import InvalidPageTokenError
from gateway.store.paging import PageTokenCodec
from gateway.trust import Organization, Role, TrustRegistry
from gateway.trust.errors import UnknownOrganizationError
from gateway.trust.model import ORG_NAME_RE

_ROLES = {
    Role.EXPORTER: tr.ROLE_EXPORTER,
    Role.REPOSITORY: tr.ROLE_REPOSITORY,
    Role.CERTIFIER: tr.ROLE_CERTIFIER,
    Role.REGISTRY_OPERATOR: tr.ROLE_REGISTRY_OPERATOR,
    Role.NODE: tr.ROLE_NODE,
}
PREFIX = "organizations/"
MAX_PAGE = 100
_PAGED_METHOD = "cfx.v1.TrustService/ListOrganizations"


def _organization(org: Organization) -> tr.Organization:
    return tr.Organization(
        name=PREFIX + org.name,
        display_name=org.display_name,
        roles=[_ROLES[r] for r in sorted(org.roles)],
        keys=[tr.TrustedKey(did=k.did, revoked=k.revoked) for k in org.keys],
        issuable_kinds=[convert.KIND_TO_PB[k] for k in sorted(org.issuable_kinds)],
    )


class TrustServicer(tr_grpc.TrustServiceServicer):
    def __init__(self, registry: Callable[[], TrustRegistry], page_tokens: PageTokenCodec) -> None:
        self._registry = registry
        self._tokens = page_tokens

    def register(self, server: grpc.Server) -> str:
        tr_grpc.add_TrustServiceServicer_to_server(self, server)
        return str(tr.DESCRIPTOR.services_by_name["TrustService"].full_name)

    def _authenticate(self, context: grpc.ServicerContext) -> TrustRegistry:
        registry = self._registry()
        access.caller_organization(registry, caller_from(context).sans)
        return registry

    @unary
    def ListOrganizations(  # noqa: N802 - gRPC method name
        self, request: tr.ListOrganizationsRequest, context: grpc.ServicerContext
    ) -> tr.ListOrganizationsResponse:
        registry = self._authenticate(context)
        size = min(convert.page_size(request.page_size) or MAX_PAGE, MAX_PAGE)
        orgs = sorted(registry.organizations, key=lambda o: o.name)
        fingerprint = _fingerprint(orgs)
        start = self._resume_after(request.page_token, fingerprint, len(orgs)) + 1
        page = orgs[start : start + size]
        more = start + size < len(orgs)
        return tr.ListOrganizationsResponse(
            organizations=[_organization(o) for o in page],
            next_page_token=self._tokens.encode(start + size - 1, fingerprint) if more else "",
        )

    def _resume_after(self, token: str, fingerprint: str, count: int) -> int:
        """Position of the last organization the previous page served; -1 for the first page."""
        if not token:
            return -1
        try:
            last = self._tokens.decode(token, fingerprint)
        except InvalidPageTokenError as exc:
            raise InvalidPageTokenError(
                f"{exc} (a token is bound to the registry's organizations: after one is added "
                "or removed, list again from the start)"
            ) from None
        if last >= count:
            raise InvalidPageTokenError("page token lies outside the list")
        return last

    @unary
    def GetOrganization(  # noqa: N802
        self, request: tr.GetOrganizationRequest, context: grpc.ServicerContext
    ) -> tr.GetOrganizationResponse:
        registry = self._authenticate(context)
        name = request.name.removeprefix(PREFIX)
        if not request.name.startswith(PREFIX) or ORG_NAME_RE.fullmatch(name) is None:
            raise InvalidNameError("name", "organizations/{org}")
        for org in registry.organizations:
            if org.name == name:
                return tr.GetOrganizationResponse(organization=_organization(org))
        raise UnknownOrganizationError(f"{request.name} does not exist")


def _fingerprint(orgs: list[Organization]) -> str:
    """AIP-158: a token resumes only the list it came from. Positions stay right as long as the
    set of organizations does; edits that add or remove one invalidate earlier tokens."""
    return sha256_hex("\x1f".join([_PAGED_METHOD, *(o.name for o in orgs)]).encode())
