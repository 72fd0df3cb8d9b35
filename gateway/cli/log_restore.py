"""`cfx log verify-restore`: check a restored node's store against a signed checkpoint.

Exit codes as in `cfx log`: 0 verified, 1 the restored log does not match, 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gateway.cli._args import node_directory
from gateway.cli._io import read_text
from gateway.node import NodePaths
from gateway.renewal import RestoreCheckError, verify_restore


def register(actions: Any) -> None:
    """Add `cfx log verify-restore` to `cfx log`'s actions."""
    parser: argparse.ArgumentParser = actions.add_parser(
        "verify-restore",
        help="check a restored node's log against a checkpoint kept from before",
        description="Verifies the checkpoint note under the node's key and origin, then checks "
        "that the node's store holds that tree: every leaf hash matches its entry, and the "
        "roots recomputed from the entries and read from the stored tree both equal the note's.",
    )
    parser.add_argument("--dir", required=True, type=node_directory, help="restored node directory")
    parser.add_argument(
        "--checkpoint", required=True, type=Path, help="signed checkpoint note kept off the node"
    )
    parser.add_argument("--store", help="store URL, when not the one in NODE/config.json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """`cfx log verify-restore`: 0 when the restored log holds the checkpoint's tree."""
    note = read_text(args.checkpoint, option="--checkpoint")
    try:
        check = verify_restore(NodePaths(args.dir), note, store_url=args.store)
    except RestoreCheckError as exc:
        print(f"cfx: restore check FAILED ({exc.reason}): {exc}", file=sys.stderr)
        return 1
    cp = check.checkpoint
    print(
        f"OK: {cp.origin} holds the checkpoint's {cp.size} entries and root "
        f"({check.log_size} entries in all)"
    )
    return 0
