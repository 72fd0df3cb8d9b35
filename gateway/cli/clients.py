"""`cfx clients add|renew`: issue a client identity (mTLS certificate) and register it for an
org; renew one (same identity, new key)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.cli._args import OptionError, node_directory
from gateway.node import NodePaths, NodeRole, add_client
from gateway.renewal import renew_client
from gateway.trust import Role


def register(sub: Any) -> None:
    """Add `cfx clients add` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser("clients", help="manage client identities")
    actions = parser.add_subparsers(dest="clients_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="issue a client certificate and register it in the trust registry",
        description="Writes cert.pem, key.pem (0600) and ca.pem to --out; the certificate's "
        "URI SAN spiffe://cfx/org/ORG/ROLE authenticates the client as ORG. A `node` identity is "
        "for a peer node that pulls from this one: it reads, and never submits.",
    )
    add.add_argument("--dir", required=True, type=node_directory, help="node directory")
    add.add_argument("--org", required=True, help="organization (lowercase slug)")
    add.add_argument(
        "--role", required=True, choices=[r.value for r in Role], help="what the client does"
    )
    add.add_argument(
        "--node-role",
        choices=[r.value for r in NodeRole],
        help="with --role node: the peer node's role (usage policies decide on it)",
    )
    add.add_argument("--out", required=True, type=Path, help="directory for the identity files")
    add.set_defaults(func=run_add)
    renew = actions.add_parser(
        "renew",
        help="re-issue a client certificate: same identity, new key",
        description="Replaces cert.pem, key.pem and ca.pem in --out with a new key and a "
        "certificate for the same spiffe://cfx/org/ORG/ROLE identity, issued by this node's CA. "
        "The old certificate is not revoked: it stays valid until it expires (revoking the "
        "identity, `cfx trust revoke --san`, would refuse the new certificate too).",
    )
    renew.add_argument("--dir", required=True, type=node_directory, help="node directory")
    renew.add_argument("--out", required=True, type=Path, help="the identity directory to renew")
    renew.set_defaults(func=run_renew)


def run_add(args: argparse.Namespace) -> int:
    """`cfx clients add`: issue the identity into --out and register its SAN for --org."""
    role = Role(args.role)
    if role is Role.NODE and args.node_role is None:
        choices = ", ".join(r.value for r in NodeRole)
        raise OptionError(f"--role node needs --node-role (one of {choices}): the peer's role")
    if role is not Role.NODE and args.node_role is not None:
        raise OptionError(f"--node-role is only for --role node, not --role {role}")
    node_role = None if args.node_role is None else NodeRole(args.node_role)
    san = add_client(
        NodePaths(args.dir), org=args.org, role=role, out=args.out, node_role=node_role
    )
    print(f"issued {san} in {args.out}")
    return 0


def run_renew(args: argparse.Namespace) -> int:
    """`cfx clients renew`: a new key and certificate for the identity in --out."""
    san = renew_client(NodePaths(args.dir), args.out)
    print(f"renewed {san} in {args.out}")
    return 0
