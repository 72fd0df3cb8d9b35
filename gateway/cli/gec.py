"""`cfx gec conflicts`: the GEC double claims that sync brought together at a node (issue 14).

Reads the node's store directly (like `cfx peers list`), so it works whether or not the node
serves. At a footprint's home node it also lists the conflicts a downstream node detected and
reported about it (gateway.gec.reports): the other side named `sha256:<digest>`, its issuer
not disclosed. Each conflict names both footprints with their digests and origins, the overlapping
certificate range and the winner: the claim its origin log took first; the other is `lost`.
Exit codes: 0 no open conflict; 1 open conflicts listed; 2 unusable input.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from gateway.cli._args import node_directory
from gateway.cli._json import camel_keys
from gateway.gec.claims import GecConflict
from gateway.node import NodePaths, load_config, open_node_store

EXIT_NONE = 0
EXIT_CONFLICTS = 1
_HEADER = ("CERTIFICATES", "COUNT", "WINNER", "ORIGIN", "LOSER", "ORIGIN ", "STATE")


def register(sub: Any) -> None:
    """Add `cfx gec conflicts` to the command line."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "gec", help="the green-electricity certificate ledger"
    )
    actions = parser.add_subparsers(dest="gec_command", required=True, metavar="ACTION")
    conflicts = actions.add_parser(
        "conflicts",
        help="list double claims of the same certificates made at different nodes",
        description="Lists the GEC double claims sync brought together at this node, and those "
        "a downstream node reported about this node's own footprints: both footprints are kept, "
        "the one its origin log took first wins, the other is flagged `gecConflict: lost`. "
        "Exit codes: 0 none open; 1 open conflicts; 2 unusable input.",
    )
    conflicts.add_argument("--dir", required=True, type=node_directory, help="node directory")
    conflicts.add_argument("--store", help="store URL, when not config.json's")
    conflicts.add_argument(
        "--all", action="store_true", help="also conflicts released since (a withdrawal)"
    )
    conflicts.add_argument("--json", action="store_true", help="print the conflicts as JSON")
    conflicts.set_defaults(func=run_conflicts)


def run_conflicts(args: argparse.Namespace) -> int:
    """Print the node's GEC conflicts as a table or as JSON."""
    paths = NodePaths(args.dir)
    with open_node_store(paths, load_config(paths), args.store) as store:
        found = store.gec_conflicts(released=args.all)
    if args.json:
        print(json.dumps(camel_keys({"conflicts": [c.to_dict() for c in found]}), indent=2))
    elif not found:
        print("no GEC conflicts")
    else:
        _print_table(found)
    return EXIT_CONFLICTS if any(not c.released for c in found) else EXIT_NONE


def _print_table(found: list[GecConflict]) -> None:
    rows = [
        (
            f"{c.overlap.first_id}..{c.overlap.last_id[-7:]}",
            str(c.overlap.certificates),
            str(c.winner["dataset"]),
            _origin(c.winner),
            str(c.loser["dataset"]),
            _origin(c.loser),
            "released" if c.released else "open",
        )
        for c in found
    ]
    widths = [max(len(row[i]) for row in (_HEADER, *rows)) for i in range(len(_HEADER))]
    for row in (_HEADER, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _origin(side: Mapping[str, Any]) -> str:
    origin = str(side["origin"]) or "this node"
    return f"{origin}#{side['logIndex']} {side['time']}"
