"""`cfx witness`: co-sign a peer node's checkpoint after checking it extends what we saw."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gateway.cli._args import node_directory
from gateway.cli._connect import connect
from gateway.cli._help import DeprecatedAlias
from gateway.cli._io import InputFileError, read_note_key, write_bytes
from gateway.cli._json import camel_keys
from gateway.log.errors import SplitViewError
from gateway.node import NodePaths
from gateway.witnessing import witness_peer

EXIT_SPLIT_VIEW = 1


def register(sub: Any) -> None:
    """Add `cfx witness` to the command parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "witness", help="co-sign a peer's checkpoint after a consistency check"
    )
    p.add_argument("--dir", required=True, type=node_directory, help="our node directory")
    p.add_argument("--peer", required=True, help="peer node address HOST:PORT")
    p.add_argument("--client-cert", required=True, type=Path, help="identity the peer issued to us")
    p.add_argument("--log-key", type=Path, metavar="VKEY", help="the peer's log.vkey (required)")
    p.add_argument(
        "--peer-key", type=Path, dest="log_key", action=DeprecatedAlias, replacement="--log-key"
    )
    p.add_argument("-o", "--out", type=Path, help="write the co-signed checkpoint here")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """`cfx witness`: co-sign a peer's checkpoint if it extends the one seen before (T6); a split
    view prints both checkpoints as evidence and exits 1.
    """
    if args.log_key is None:
        raise InputFileError("give the peer's log key: --log-key PEER/log.vkey")
    key = read_note_key(args.log_key, option="--log-key")
    with connect(args.peer, args.client_cert) as peer:
        try:
            done = witness_peer(NodePaths(args.dir), peer, key)
        except SplitViewError as err:
            evidence = {
                "error": err.reason,
                "message": str(err),
                "previous": err.previous_note,
                "presented": err.presented_note,
            }
            print(json.dumps(evidence, indent=2), file=sys.stderr)
            return EXIT_SPLIT_VIEW
    if args.out:
        write_bytes(args.out, done.note.encode(), option="-o")
    if args.json:
        print(json.dumps(camel_keys(done.__dict__), indent=2))
    else:
        print(f"co-signed {done.origin} at size {done.size} (previous head {done.previous_size})")
    return 0
