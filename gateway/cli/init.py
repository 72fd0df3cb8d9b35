"""`cfx init`: make a ready node directory (config, node key, CA, server and admin identities)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.cli._args import OptionError
from gateway.node import (
    DEFAULT_LISTEN,
    DEFAULT_STORE,
    NodePaths,
    NodeRole,
    init_node,
    load_node_key,
)
from gateway.renewal import renew_server_cert


def register(sub: Any) -> None:
    """Add `cfx init` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "init",
        help="create a node directory",
        description="Create a node: config, signing key, development CA, server certificate, "
        "the operator's client identity (clients/admin) and a signed trust registry.",
    )
    parser.add_argument("--dir", required=True, type=Path, help="node directory to create")
    parser.add_argument(
        "--role",
        choices=[r.value for r in NodeRole],
        help="the node's place (required unless --renew-server-cert)",
    )
    parser.add_argument(
        "--org",
        help="operator organization (lowercase slug; required unless --renew-server-cert)",
    )
    parser.add_argument("--listen", default=DEFAULT_LISTEN, help="HOST:PORT to serve on")
    parser.add_argument("--store", default=DEFAULT_STORE, help="SQLite path or postgresql:// URL")
    parser.add_argument("--force", action="store_true", help="initialise a non-empty directory")
    parser.add_argument(
        "--renew-server-cert",
        action="store_true",
        help="in an existing node: a new server key and certificate from the node CA for the "
        "same names (restart `cfx serve` to serve it); nothing else changes",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """`cfx init`: create the node directory and print where its key, CA and admin identity are."""
    if args.renew_server_cert:
        return _renew_server_cert(args)
    if args.role is None or args.org is None:
        raise OptionError("cfx init needs --role and --org (unless --renew-server-cert)")
    paths = init_node(
        args.dir,
        role=NodeRole(args.role),
        org=args.org,
        force=args.force,
        listen=args.listen,
        store=args.store,
    )
    did = load_node_key(paths).did
    print(f"initialised {args.role} node for {args.org} in {paths.root}")
    print(f"  node key:        {did}")
    print(f"  CA certificate:  {paths.ca_cert}")
    print(f"  admin identity:  {paths.client_dir()}")
    print(f"next: cfx serve --dir {paths.root}")
    return 0


def _renew_server_cert(args: argparse.Namespace) -> int:
    if args.role is not None or args.org is not None or args.force:
        raise OptionError("--renew-server-cert takes only --dir (the node keeps its role and org)")
    paths = NodePaths(args.dir)
    hosts = renew_server_cert(paths)
    print(f"renewed the server certificate {paths.server_cert} for {', '.join(hosts)}")
    print("restart `cfx serve` (every replica, with the new tls/server.pem and server.key)")
    return 0
