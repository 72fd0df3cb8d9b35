"""`cfx demo`: the three-node federation story on loopback, with nothing set up beforehand.

A Sichuan provincial node, the national repository and an EU trade partner's registry, each with
generated keys, its own CA and real mTLS; a battery footprint travels provincial -> national ->
registry under delegated trust and its usage policy, national rules flow down, the partner
verifies everything offline, and tampering, withdrawal and a forked log are shown (gateway.demo).
Exits 0 when every step holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import gateway
from gateway.demo.network import build_network
from gateway.demo.story import exit_status, run_story
from gateway.demo.table import Printer, StepResult


def register(sub: Any) -> None:
    """Add `cfx demo` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the three-node federation demonstration"
    )
    parser.add_argument(
        "--keep", "--dir", dest="keep", type=Path, metavar="DIR",
        help="create the nodes in DIR (new or empty) and keep them to explore after "
        "(default: a temporary directory, removed at the end)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """`cfx demo`: build the network, tell the story, print the summary."""
    printer = Printer()
    printer.text(f"cfx {gateway.__version__}: three-node federation demonstration\n")
    if args.keep is not None:
        results = demo(args.keep.resolve(), printer)
        _explore(printer, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="cfx-demo-") as tmp:
            results = demo(Path(tmp), printer)
    return exit_status(results)


def demo(root: Path, printer: Printer, *, registry_delegates: bool = True) -> list[StepResult]:
    """Build the network under `root`, run the story on it, print the summary; the results."""
    started = time.perf_counter()
    with build_network(root, registry_delegates=registry_delegates) as net:
        printer.text(f"network built in {time.perf_counter() - started:.2f} s")
        results = run_story(net, printer)
    printer.summary(results)
    return results


def _explore(printer: Printer, root: Path) -> None:
    """Where the kept nodes are and what to run on them (they are stopped now)."""
    provincial, national, registry = (
        root / name for name in ("provincial", "national", "registry")
    )
    printer.text(
        f"\nThe nodes are kept in {root} (stopped). To explore:\n"
        f"  cfx peers list --dir {national}      # the forked sichuan log, quarantined\n"
        f"  cfx peers list --dir {registry}      # the registry pulls from national, delegating\n"
        f"  cfx trust list --dir {provincial}    # who the provincial node registered\n"
        f"  cfx log checkpoint --db {registry / 'cfx.sqlite3'} --log-key {registry / 'log.vkey'}\n"
        f"  cfx serve --dir {provincial}         # serve a node again (Ctrl-C stops it)"
    )
