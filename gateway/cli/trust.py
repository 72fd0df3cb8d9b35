"""`cfx trust add|revoke|list`: edit and show the node's signed trust registry."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.cli._args import node_directory
from gateway.cli._io import read_bytes, read_key
from gateway.cli._json import camel_keys
from gateway.node import NodePaths, edit_trust, load_trust, revoke_key
from gateway.times import to_sortable
from gateway.trust import Role, TrustRegistry


def register(sub: Any) -> None:
    """Add `cfx trust add|revoke|list` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser("trust", help="manage the trust registry")
    actions = parser.add_subparsers(dest="trust_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="trust a DID as a key of an organization with a role")
    add.add_argument("--dir", required=True, type=node_directory, help="node directory")
    add.add_argument("--org", required=True, help="organization (lowercase slug)")
    add.add_argument(
        "--role", required=True, choices=[r.value for r in Role], help="what the organization does"
    )
    which = add.add_mutually_exclusive_group()
    which.add_argument(
        "--key", type=Path, metavar="KEYFILE",
        help="trust the key in this file (a key file from `cfx keys generate`, or a file holding "
        "its did:key line); omit --key and --did to add only the role",
    )  # fmt: skip
    which.add_argument("--did", help="issuer DID (did:key:…) to trust, written out")
    add.add_argument("--display-name", default="", help="human-readable organization name")
    add.add_argument(
        "--threshold", type=int, help="distinct keys of the organization that must sign together"
    )
    add.set_defaults(func=run_add)

    revoke = actions.add_parser("revoke", help="revoke a DID or a client identity (SAN)")
    revoke.add_argument("--dir", required=True, type=node_directory, help="node directory")
    target = revoke.add_mutually_exclusive_group(required=True)
    target.add_argument("--did", help="issuer DID to revoke")
    target.add_argument("--san", help="client certificate SAN to revoke")
    revoke.add_argument(
        "--store", help="store URL the node serves from, when not config.json's (cfx serve --store)"
    )
    revoke.set_defaults(func=run_revoke)

    show = actions.add_parser("list", help="show organizations, roles, keys and identities")
    show.add_argument("--dir", required=True, type=node_directory, help="node directory")
    show.add_argument("--json", action="store_true", help="print the registry as JSON")
    show.set_defaults(func=run_list)


def did_in(path: Path) -> str:
    """The DID a key file stands for: a `did:` line as it is, else the private key file's
    did:key (read only to derive the public key; nothing secret is written anywhere)."""
    text = read_bytes(path, option="--key").decode("utf-8", "replace").strip()
    if text.startswith("did:") and len(text.split()) == 1:
        return text
    return read_key(path, "--key").did


def run_add(args: argparse.Namespace) -> int:
    """`cfx trust add`: give --org a role, and optionally a key and a signature threshold."""
    role, now = Role(args.role), datetime.now(UTC)
    if args.key is not None:
        args.did = did_in(args.key)

    def edit(registry: TrustRegistry) -> TrustRegistry:
        updated = registry.with_role(args.org, role, display_name=args.display_name)
        if args.did is not None:
            updated = updated.with_key(args.org, role, args.did, now)
        if args.threshold is not None:
            updated = updated.with_threshold(args.org, args.threshold)
        return updated

    registry = edit_trust(NodePaths(args.dir), edit)
    what = args.did or f"role {role}"
    print(f"trusted {what} for {args.org} (registry version {registry.version})")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """`cfx trust revoke`: revoke a key (logged: no trust file brings it back) or a client SAN."""
    now = datetime.now(UTC)
    if args.did is not None:
        registry, index = revoke_key(NodePaths(args.dir), args.did, now, store_url=args.store)
        print(f"logged the revocation of {args.did} at log index {index}")
    else:
        registry = edit_trust(NodePaths(args.dir), lambda r: r.revoke_identity(args.san, now))
    print(f"revoked {args.did or args.san} (registry version {registry.version})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """`cfx trust list`: the registry's organizations, roles, keys and client identities."""
    registry = load_trust(NodePaths(args.dir))
    if args.json:
        print(json.dumps(camel_keys(registry.to_dict()), indent=2))
        return 0
    print(f"trust registry version {registry.version}")
    for org in registry.organizations:
        print(f"{org.name} ({org.display_name}): roles {', '.join(sorted(org.roles))}")
        print(f"  may issue: {', '.join(sorted(org.issuable_kinds))}")
        print(f"  signatures required: {org.threshold}")
        for key in org.keys:
            print(f"  key  {key.did}  {_state(key.added_at, key.revoked_at)}")
        for identity in org.identities:
            print(f"  peer {identity.san}  {_state(identity.added_at, identity.revoked_at)}")
    return 0


def _state(added: datetime, revoked: datetime | None) -> str:
    if revoked is None:
        return f"added {to_sortable(added)}"
    return f"added {to_sortable(added)}, REVOKED {to_sortable(revoked)}"
