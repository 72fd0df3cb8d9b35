"""`cfx pact clients|partners`: who may call the PACT host system and whom it calls back;
`cfx pact pull`: take a partner's footprints as registry attestations; and the
`cfx serve --pact-listen` flags that start it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.app import Node, open_node
from gateway.cli._args import listen_address, node_directory
from gateway.http.compose import Part
from gateway.http.listeners import Offer
from gateway.http.server import Tls
from gateway.pact.app import create_app
from gateway.pact.clients import ClientStore
from gateway.pact.host import PactHost
from gateway.pact.imports import Importer
from gateway.pact.partners import Partner, PartnerStore

DEFAULT_AUTO_REJECT = 72 * 3600


def add_pact_flags(p: argparse.ArgumentParser) -> None:
    """`cfx serve` options of the PACT facade."""
    p.add_argument(
        "--pact-listen", type=listen_address, help="HOST:PORT: also serve PACT v3 over HTTPS"
    )
    p.add_argument("--pact-cert", help="PEM certificate for PACT (default: NODE/tls/server.pem)")
    p.add_argument("--pact-key", help="PEM key for PACT (default: NODE/tls/server.key)")
    p.add_argument(
        "--pact-auto-reject-after",
        type=float,
        default=DEFAULT_AUTO_REJECT,
        metavar="SECONDS",
        help="reject an unanswered PACT request after this long (default 72 h; 0: at once)",
    )


def pact_offer(node: Node, args: argparse.Namespace) -> Offer | None:
    """The facade to serve at `--pact-listen`, over HTTPS only (pact-v3.md §2.1: a plain-HTTP
    request is never answered with content or a redirect); None without the flag."""
    if not args.pact_listen:
        return None
    host = PactHost.of_node(node, auto_reject_after=args.pact_auto_reject_after)
    tls = Tls(
        cert=Path(args.pact_cert or node.paths.server_cert),
        key=Path(args.pact_key or node.paths.server_key),
    )
    offer = Offer(Part("PACT v3", create_app(host)), args.pact_listen, tls, "--pact-listen")
    # Answers owed to partners go out from the store (a daemon thread; at-least-once, with a
    # stable event id the partner de-duplicates on).
    host.outbox.start()
    return offer


def register(sub: Any) -> None:
    """Add `cfx pact` to the CLI."""
    p: argparse.ArgumentParser = sub.add_parser("pact", help="PACT v3 clients and partners")
    groups = p.add_subparsers(dest="pact_group", required=True)
    clients = groups.add_parser("clients", help="OAuth2 clients of the PACT host system")
    c_sub = clients.add_subparsers(dest="pact_action", required=True)
    add = c_sub.add_parser("add", help="register a client acting for an organization")
    _dir(add)
    add.add_argument("--org", required=True, help="the organization the client acts for")
    add.add_argument("--client-id", required=True, help="the OAuth2 client id it sends")
    add.add_argument("--client-secret", required=True, help="its OAuth2 client secret")
    add.set_defaults(func=_clients_add)
    listing = c_sub.add_parser("list", help="list clients")
    _dir(listing)
    listing.set_defaults(func=_clients_list)
    remove = c_sub.add_parser("remove", help="remove a client")
    _dir(remove)
    remove.add_argument("--client-id", required=True, help="the client id to remove")
    remove.set_defaults(func=_clients_remove)
    partners = groups.add_parser("partners", help="partners this node calls back")
    p_sub = partners.add_subparsers(dest="pact_action", required=True)
    padd = p_sub.add_parser("add", help="configure a partner's events endpoint")
    _dir(padd)
    padd.add_argument("--org", required=True, help="the partner's organization")
    padd.add_argument("--events-url", required=True, help="its PACT /2/events URL")
    padd.add_argument("--auth-url", default="", help="its OAuth2 token URL, if it needs one")
    padd.add_argument("--client-id", default="", help="our client id at the partner")
    padd.add_argument("--client-secret", default="", help="our client secret at the partner")
    padd.set_defaults(func=_partners_add)
    plist = p_sub.add_parser("list", help="list partners")
    _dir(plist)
    plist.set_defaults(func=_partners_list)
    pull = groups.add_parser(
        "pull",
        help="store a partner's footprints as registry attestations signed by this node",
        description="GET the partner's /3/footprints page after page (from the origin of its "
        "events URL only) and store each footprint, not issuer-signed, in a credential this "
        "node signs as a registry attestation; one already stored is not stored again.",
    )
    _dir(pull)
    pull.add_argument("--partner", required=True, metavar="ORG", help="a configured partner")
    pull.add_argument(
        "--limit", type=int, default=0, metavar="N", help="page size to ask (default: theirs)"
    )
    pull.set_defaults(func=_pull)


def _dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", required=True, type=node_directory, help="node directory")


def _clients_add(args: argparse.Namespace) -> int:
    client = ClientStore(args.dir).add(args.client_id, args.org, args.client_secret)
    print(f"cfx: PACT client {client.client_id} acts for {client.org}")
    return 0


def _clients_list(args: argparse.Namespace) -> int:
    for client in ClientStore(args.dir).list():
        print(f"{client.client_id}\t{client.org}")
    return 0


def _clients_remove(args: argparse.Namespace) -> int:
    if not ClientStore(args.dir).remove(args.client_id):
        print(f"cfx: no PACT client {args.client_id}")
        return 1
    print(f"cfx: removed PACT client {args.client_id}")
    return 0


def _partners_add(args: argparse.Namespace) -> int:
    partner = PartnerStore(args.dir).add(
        Partner(args.org, args.events_url, args.auth_url, args.client_id, args.client_secret)
    )
    print(f"cfx: PACT partner {partner.org} at {partner.events_url}")
    return 0


def _partners_list(args: argparse.Namespace) -> int:
    for partner in PartnerStore(args.dir).list():
        print(f"{partner.org}\t{partner.events_url}\t{partner.auth_url}")
    return 0


def _pull(args: argparse.Namespace) -> int:
    partner = PartnerStore(args.dir).get(args.partner)
    if partner is None:
        print(f"cfx: no PACT partner {args.partner} (cfx pact partners add)")
        return 1
    node = open_node(args.dir)
    try:
        pulled = Importer(PactHost.of_node(node), partner).pull(max(args.limit, 0))
    finally:
        node.close()
    for item in pulled.kept:
        state = "stored" if item.created else "already stored"
        print(f"{item.record.name}\t{state}\tregistry attestation from {partner.org}")
    for refusal in pulled.refused:
        print(f"cfx: refused: {refusal}")
    new = sum(item.created for item in pulled.kept)
    print(f"cfx: {new} stored, {len(pulled.kept) - new} already stored, "
          f"{len(pulled.refused)} refused, from {partner.org}")  # fmt: skip
    return 1 if pulled.refused else 0
