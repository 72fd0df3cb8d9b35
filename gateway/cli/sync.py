"""`cfx sync`: one sync round of a node with its peers (issue 12).

Opens the node's store directly, so it works whether or not `cfx serve` runs for that node.
Exit codes: 0 every peer synced; 1 a peer quarantined, unreachable, or an entry refused;
2 unusable input (node directory, peers file, unknown peer name).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from gateway.app import open_node
from gateway.cli._args import node_directory
from gateway.federation.rounds import node_peers, sync_round
from gateway.federation.sync import PeerSummary

EXIT_SYNCED = 0
EXIT_NOT_SYNCED = 1


def register(sub: Any) -> None:
    """Add `cfx sync` to the command line."""
    p: argparse.ArgumentParser = sub.add_parser(
        "sync",
        help="pull once from the node's peers",
        description="One round: from each peer (or --peer), verify its signed checkpoint and "
        "pull its new log entries page by page; every dataset goes through the full checks. "
        "Exit codes: 0 every peer synced; 1 a peer quarantined or unreachable, or an entry "
        "refused; 2 unusable input.",
    )
    p.add_argument("--dir", required=True, type=node_directory, help="node directory")
    p.add_argument("--peer", help="only this peer (its name in peers.json)")
    p.add_argument("--json", action="store_true", help="print the per-peer summary as JSON")
    p.add_argument("--store", help="store URL, when not config.json's")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the round and print one summary line (or JSON object) per peer."""
    node = open_node(args.dir, store_url=args.store)
    try:
        peers = node_peers(node)
        chosen = [peers.peer(args.peer)] if args.peer else list(peers.peers)
        summaries = sync_round(node, chosen)
    finally:
        node.close()
    if args.json:
        print(json.dumps({"peers": [s.to_dict() for s in summaries]}, indent=2))
    else:
        if not summaries:
            print("no peers; add one with `cfx peers add`")
        for summary in summaries:
            print(_line(summary))
    failed = any(s.outcome != "synced" or s.refused for s in summaries)
    return EXIT_NOT_SYNCED if failed else EXIT_SYNCED


def _line(s: PeerSummary) -> str:
    counts = (
        f"entries {s.start}..{s.end}, {s.stored} stored, {s.status_changes} status changes, "
        f"{len(s.refused)} refused"
    )
    detail = f" ({s.message})" if s.message else ""
    return f"{s.peer}: {s.outcome}: {counts}{detail}"
