"""The two ways the page is served: by a node (`cfx serve --web-listen`) or offline (`cfx web`)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute

from gateway.app import Node
from gateway.checker import CredentialChecker
from gateway.federation.rounds import node_peers
from gateway.http.peers import peer_identities
from gateway.http.server import Tls
from gateway.limits import Limits
from gateway.log.checkpoint import NoteKey
from gateway.times import utc_now
from gateway.web.app import Site, create_app, render, web_routes
from gateway.web.datasets import dataset_routes
from signing.loader import default_loader


def node_routes(node: Node) -> list[BaseRoute]:
    """The page and the dataset pages of `node`: its checker settings, registry and logs."""
    limits = node.config.limits
    checker = CredentialChecker(
        loader=default_loader(), limits=limits, policy=node.config.profile_policy
    )

    def log_keys() -> list[NoteKey]:
        """This node's log key and each peer's: receipts of the logs a dataset came through."""
        return [node.log.identity.note_key, *(p.note_key for p in node_peers(node).peers)]

    site = Site(
        checker=checker,
        clock=node.clock,
        limits=limits,
        log_keys=log_keys,
        registry=node.trust.current,
        node_org=node.config.org,
        rules_for=node.catalog.rules_cited_by,
    )
    datasets = dataset_routes(
        catalog=node.catalog,
        registry=node.trust.current,
        limits=limits,
        identities=_identities,
        render=render,
    )
    return web_routes(site, datasets)


def node_tls(node: Node) -> Tls:
    """The node's server certificate (as its gRPC server) and the CA of its clients."""
    paths = node.paths
    return Tls(cert=paths.server_cert, key=paths.server_key, ca=paths.ca_cert)


def offline_app(log_keys: Sequence[NoteKey], limits: Limits | None = None) -> Starlette:
    """The page alone, with the default limits and the bundled rules; no trust registry."""
    caps = limits or Limits()
    keys = list(log_keys)
    site = Site(
        checker=CredentialChecker(loader=default_loader(), limits=caps),
        clock=utc_now,
        limits=caps,
        log_keys=lambda: keys,
    )
    return create_app(site)


def _identities(request: Request) -> tuple[str, ...]:
    return peer_identities(request.scope)
