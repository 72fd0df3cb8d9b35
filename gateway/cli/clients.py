"""`cfx clients add`: issue a client identity (mTLS certificate) and register it for an org."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.cli._args import node_directory
from gateway.node import NodePaths, add_client
from gateway.trust import Role


def register(sub: Any) -> None:
    """Add `cfx clients add` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser("clients", help="manage client identities")
    actions = parser.add_subparsers(dest="clients_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="issue a client certificate and register it in the trust registry",
        description="Writes cert.pem, key.pem (0600) and ca.pem to --out; the certificate's "
        "URI SAN spiffe://cfx/org/ORG/ROLE authenticates the client as ORG.",
    )
    add.add_argument("--dir", required=True, type=node_directory, help="node directory")
    add.add_argument("--org", required=True, help="organization (lowercase slug)")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--out", required=True, type=Path, help="directory for the identity files")
    add.set_defaults(func=run_add)


def run_add(args: argparse.Namespace) -> int:
    """`cfx clients add`: issue the identity into --out and register its SAN for --org."""
    san = add_client(NodePaths(args.dir), org=args.org, role=Role(args.role), out=args.out)
    print(f"issued {san} in {args.out}")
    return 0
