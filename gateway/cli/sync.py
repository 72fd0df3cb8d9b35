"""`cfx sync`: one sync round of a node with its peers (issue 12).

Opens the node's store directly, so it works whether or not `cfx serve` runs for that node.
Exit codes: 0 every peer synced; 1 a peer quarantined, unreachable, or an entry refused;
2 unusable input (node directory, peers file, unknown peer name).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from gateway.app import open_node
from gateway.cli._args import node_directory
from gateway.cli._json import camel_keys
from gateway.federation.peers import Peer
from gateway.federation.rounds import node_peers, sync_round
from gateway.federation.sync import PeerSummary
from gateway.federation.sync import Progress as OnProgress

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
        with _progress_bar() as progress:
            summaries = sync_round(node, chosen, progress=progress)
    finally:
        node.close()
    if args.json:
        print(json.dumps(camel_keys({"peers": [s.to_dict() for s in summaries]}), indent=2))
    elif not summaries:
        print("no peers; add one with `cfx peers add`")
    else:
        _print_table(summaries)
    failed = any(s.outcome != "synced" or s.refused for s in summaries)
    return EXIT_NOT_SYNCED if failed else EXIT_SYNCED


@contextmanager
def _progress_bar() -> Iterator[OnProgress | None]:
    """A bar per peer on stderr, only when stderr is a terminal (no control characters in
    logs or pipes); None otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("entries"),
        console=Console(file=sys.stderr),
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def advance(peer: Peer, done: int, total: int) -> None:
        if peer.name not in tasks:
            tasks[peer.name] = bars.add_task(peer.name, total=None)
        bars.update(tasks[peer.name], completed=done, total=max(total, done))

    with bars:
        yield advance


def _print_table(summaries: list[PeerSummary]) -> None:
    """The per-peer summary as a table on stdout (plain text when stdout is not a terminal)."""
    plain = not sys.stdout.isatty()  # pipes and logs get ASCII rules, terminals box lines
    table = Table(title="sync round", title_justify="left", box=box.ASCII if plain else box.ROUNDED)
    columns = ("peer", "outcome", "entries", "stored", "already held", "status changes", "refused")
    for column in (*columns, "detail"):
        table.add_column(column, overflow="fold")
    for s in summaries:
        table.add_row(
            s.peer,
            s.outcome,
            f"{s.start}..{s.end}",
            str(s.stored),
            str(s.already_held),
            str(s.status_changes),
            str(len(s.refused)),
            s.message,
        )
    Console(file=sys.stdout, width=max(100, Console(file=sys.stdout).width)).print(table)
