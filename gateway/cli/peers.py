"""`cfx peers add|list|remove`: edit and show the node's signed peers file (NODE/peers.json)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gateway import pki
from gateway.cli._args import OptionError, node_directory
from gateway.cli._io import read_note_key
from gateway.cli._json import camel_keys
from gateway.client_tls import load_identity
from gateway.domain import DatasetKind, NodeRole, PeerHead
from gateway.federation.peers import InvalidPeerError, Peer, PeerSet, origin_names, parse_kinds
from gateway.log.checkpoint import NoteKey
from gateway.node import (
    NodePaths,
    current_peers,
    edit_peers,
    load_config,
    load_node_key,
    log_identity,
    open_node_store,
)
from gateway.store.sync_state import Quarantine
from gateway.trust import Role


def register(sub: Any) -> None:
    """Add `cfx peers` and its actions to the command line."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "peers", help="manage the peer nodes this node pulls from"
    )
    actions = parser.add_subparsers(dest="peers_command", required=True, metavar="ACTION")

    add = actions.add_parser(
        "add",
        help="add a peer node to pull from",
        description="Adds a peer to NODE/peers.json (signed by the node key, new version). The "
        "peer's organization and node role are read from its log key's name "
        "(cfx.ORG.ROLE/log); give --org and --node-role when the peer uses another origin.",
    )
    add.add_argument("--dir", required=True, type=node_directory, help="node directory")
    add.add_argument("--name", required=True, help="a name for the peer (lowercase slug)")
    add.add_argument("--address", required=True, help="the peer's HOST:PORT")
    add.add_argument(
        "--identity",
        required=True,
        type=Path,
        help="the client identity the peer issued to this node (cfx clients add --role node)",
    )
    add.add_argument("--log-key", required=True, type=Path, help="the peer's log.vkey")
    add.add_argument(
        "--pull",
        metavar="KIND,…",
        help=f"dataset kinds to take from the peer (default: all of {', '.join(DatasetKind)})",
    )
    add.add_argument(
        "--delegate", action="store_true", help="accept the signing keys the peer vouches for"
    )
    add.add_argument("--org", help="the peer's organization, when its log origin is custom")
    add.add_argument(
        "--node-role",
        choices=[r.value for r in NodeRole],
        help="the peer's node role, when its log origin is custom",
    )
    _store_option(add)
    add.set_defaults(func=run_add)

    remove = actions.add_parser("remove", help="stop pulling from a peer")
    remove.add_argument("--dir", required=True, type=node_directory, help="node directory")
    remove.add_argument("--name", required=True, help="the peer's name")
    _store_option(remove)
    remove.set_defaults(func=run_remove)

    show = actions.add_parser("list", help="show the peers")
    show.add_argument("--dir", required=True, type=node_directory, help="node directory")
    show.add_argument("--json", action="store_true", help="print the peers as JSON")
    _store_option(show)
    show.set_defaults(func=run_list)

    release = actions.add_parser(
        "release", help="lift a peer's quarantine after reading its evidence (cfx peers list)"
    )
    release.add_argument("--dir", required=True, type=node_directory, help="node directory")
    release.add_argument("--name", required=True, help="the peer's name")
    _store_option(release)
    release.set_defaults(func=run_release)


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        help="store URL the node serves from, when not config.json's (it keeps the peers "
        "file's highest version)",
    )


def run_add(args: argparse.Namespace) -> int:
    """Check everything about the new peer that can be checked here, then sign the new set."""
    paths = NodePaths(args.dir)
    log_key = read_note_key(args.log_key, option="--log-key")
    own = log_identity(load_config(paths), load_node_key(paths)).note_key
    if log_key.to_vkey() == own.to_vkey():
        raise OptionError(f"--log-key {args.log_key} is this node's own log key, not a peer's")
    org, node_role = _org_and_role(log_key, args.org, args.node_role)
    _check_node_identity(args.identity)
    pull = frozenset(DatasetKind) if args.pull is None else _kinds(args.pull)
    peer = Peer(
        name=args.name,
        address=args.address,
        identity=_stored_path(args.identity, paths.root),
        log_key=log_key.to_vkey(),
        org=org,
        node_role=node_role,
        pull=pull,
        delegate=args.delegate,
    )
    peers = edit_peers(paths, lambda current: current.with_peer(peer), store_url=args.store)
    kinds = ", ".join(sorted(peer.pull))
    delegation = "; delegating trust" if peer.delegate else ""
    print(
        f"added peer {peer.name}: {peer.org} ({peer.node_role}) at {peer.address}, pulling "
        f"{kinds}{delegation} (peers version {peers.version})"
    )
    return 0


def run_remove(args: argparse.Namespace) -> int:
    """Drop the peer and sign the new set."""
    peers = edit_peers(
        NodePaths(args.dir), lambda current: current.without_peer(args.name), store_url=args.store
    )
    print(f"removed peer {args.name} (peers version {peers.version})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """The verified, rollback-checked peers file as a table or as JSON."""
    peers = current_peers(NodePaths(args.dir), store_url=args.store)
    quarantines, cosigned = _peer_state(args)
    if args.json:
        print(json.dumps(camel_keys(_as_json(peers, quarantines, cosigned)), indent=2))
        return 0
    print(f"peers version {peers.version}")
    if not peers.peers:
        print("no peers; add one with `cfx peers add`")
        return 0
    header = (
        "NAME",
        "ADDRESS",
        "ORG",
        "ROLE",
        "DELEGATE",
        "PULL",
        "LOG ORIGIN",
        "COSIGNED",
        "STATE",
    )
    rows = [
        (
            p.name,
            p.address,
            p.org,
            p.node_role.value,
            "yes" if p.delegate else "no",
            "all" if p.pull == frozenset(DatasetKind) else ",".join(sorted(p.pull)),
            p.origin,
            str(cosigned[p.origin].size) if p.origin in cosigned else "-",
            _state(quarantines.get(p.origin)),
        )
        for p in peers.peers
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def run_release(args: argparse.Namespace) -> int:
    """Lift a peer's quarantine (after reading its evidence): the next sync pulls again."""
    paths = NodePaths(args.dir)
    peer = current_peers(paths, store_url=args.store).peer(args.name)
    with open_node_store(paths, load_config(paths), args.store) as store:
        released = store.release_peer(peer.origin)
    print(f"peer {peer.name}: " + ("quarantine lifted" if released else "was not quarantined"))
    return 0


def _peer_state(args: argparse.Namespace) -> tuple[dict[str, Quarantine], dict[str, PeerHead]]:
    """Quarantined peer logs (gateway.federation.sync) and the peer checkpoints this node
    co-signed last (sync or `cfx witness`), by log origin."""
    paths = NodePaths(args.dir)
    with open_node_store(paths, load_config(paths), args.store) as store:
        return store.peer_quarantines(), store.load_witness_heads()


def _state(quarantine: Quarantine | None) -> str:
    return "ok" if quarantine is None else f"quarantined ({quarantine.reason})"


def _as_json(
    peers: PeerSet, quarantines: dict[str, Quarantine], cosigned: dict[str, PeerHead]
) -> dict[str, Any]:
    listed = [
        peer.to_dict()
        | {
            "log_origin": peer.origin,
            "quarantine": _quarantine_json(quarantines.get(peer.origin)),
            "cosigned": _cosigned_json(cosigned.get(peer.origin)),
        }
        for peer in peers.peers
    ]
    return {"version": peers.version, "peers": listed}


def _quarantine_json(quarantine: Quarantine | None) -> dict[str, Any] | None:
    if quarantine is None:
        return None
    return {
        "reason": quarantine.reason,
        "message": quarantine.message,
        "evidence": dict(quarantine.evidence),
        "at": quarantine.at.isoformat(),
    }


def _org_and_role(log_key: NoteKey, org: str | None, node_role: str | None) -> tuple[str, NodeRole]:
    """The peer's organization and node role: from its log origin, or given for a custom one;
    an option that contradicts the origin is refused (it would mislabel every entry pulled)."""
    named = origin_names(log_key.name)
    if named is None:
        if org is None or node_role is None:
            raise OptionError(
                f"the peer's log origin {log_key.name!r:.80} does not name its organization and "
                "role (cfx.ORG.ROLE/log); give --org and --node-role"
            )
        return org, NodeRole(node_role)
    for option, given, found in (("--org", org, named[0]), ("--node-role", node_role, named[1])):
        if given is not None and given != found:
            raise OptionError(
                f"{option} {given} contradicts the peer's log origin {log_key.name} ({found})"
            )
    return named


def _kinds(text: str) -> frozenset[DatasetKind]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InvalidPeerError(
            f"--pull names no dataset kind; give some of {', '.join(DatasetKind)}"
        )
    return parse_kinds(names)


def _check_node_identity(directory: Path) -> None:
    """The identity works for mTLS (key, certificate, CA, validity) and is a node identity."""
    identity = load_identity(directory)
    sans = [san for san in pki.uri_sans(identity.cert) if pki.is_client_san(san)]
    if not any(san.endswith(f"/{Role.NODE}") for san in sans):
        found = ", ".join(sans) or "none"
        raise InvalidPeerError(
            f"--identity {directory} is not a node identity (its SAN: {found}); the peer must "
            "issue one with `cfx clients add --role node --node-role ROLE`"
        )


def _stored_path(identity: Path, node_root: Path) -> Path:
    """Absolute, or relative to the node directory when inside it (so the node can move)."""
    absolute, root = identity.resolve(), node_root.resolve()
    return absolute.relative_to(root) if absolute.is_relative_to(root) else absolute


def _cosigned_json(head: PeerHead | None) -> dict[str, Any] | None:
    """The peer's checkpoint as this node co-signed it: the origin can collect the note."""
    if head is None:
        return None
    return {"size": head.size, "note": head.note}
