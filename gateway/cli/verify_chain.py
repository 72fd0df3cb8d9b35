"""`cfx verify --chain FILE… --log-key VKEY …`: a footprint's chain, issuer -> certifier(s) ->
nodes, checked offline (gateway.chain_check) from the files `cfx get --with-receipts DIR`
writes, or any gathered by hand: one footprint credential, its attestations, and receipts.

Each file is told by its content: a credential whose credentialSubject type is Attestation is an
attestation, any other credential the footprint (exactly one), a receipt JSON a receipt.
Exit codes: 0 every link verified; 1 some link did not (or no node logged the footprint);
2 unusable input (a file that is not one of those, no footprint or two, an unreadable key).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from gateway.chain_check import ChainReport, check_chain
from gateway.cli._io import InputFileError, read_bytes, read_note_key
from gateway.cli._json import camel_keys
from gateway.cli.sign import loader_for
from gateway.log.errors import LogError
from gateway.log.receipt import Receipt
from schemas import strict_json

EXIT_VERIFIED, EXIT_NOT_VERIFIED, EXIT_UNUSABLE = 0, 1, 2


def _sort(paths: list[Path]) -> tuple[bytes, list[bytes], list[Receipt]]:
    """(footprint, attestations, receipts) from the files, or InputFileError."""
    footprints: list[bytes] = []
    attestations: list[bytes] = []
    receipts: list[Receipt] = []
    for path in paths:
        raw = read_bytes(path, option="--chain")
        try:
            document = strict_json.loads_object(raw)
        except strict_json.JSONInputError as exc:
            raise InputFileError(f"--chain {path}: not a JSON object ({exc})") from exc
        subject = document.get("credentialSubject")
        if isinstance(subject, dict):
            kind = subject.get("type")
            (attestations if kind == "Attestation" else footprints).append(raw)
            continue
        try:
            receipts.append(Receipt.from_json(raw))
        except LogError as exc:
            raise InputFileError(f"--chain {path}: neither a credential nor a receipt") from exc
    if len(footprints) != 1:
        raise InputFileError(
            f"--chain needs exactly one footprint credential, got {len(footprints)}"
        )
    return footprints[0], attestations, receipts


def _print_table(report: ChainReport) -> None:
    plain = not sys.stdout.isatty()
    console = Console(highlight=False, emoji=False, width=200 if plain else None)
    table = Table(title="chain", title_justify="left", box=box.ASCII if plain else box.ROUNDED)
    for column in ("link", "who", "what", "result"):
        table.add_column(column, overflow="fold")
    for link in report.links:
        result = ("ok: " if link.ok else "FAILED: ") + link.detail
        table.add_row(link.role, link.who, link.what, result)
    console.print(table)
    print("chain verified" if report.verified else "chain NOT verified")


def run_chain(args: argparse.Namespace) -> int:
    """Check the chain of the footprint among `args.chain` offline and print it."""
    try:
        footprint, attestations, receipts = _sort(args.chain)
        keys = [read_note_key(path, option="--log-key") for path in args.log_key or []]
    except InputFileError as exc:
        print(f"cfx: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    loader = loader_for(args.context_manifest)
    report = check_chain(footprint, attestations, receipts, keys, loader=loader)
    if args.json:
        links = [
            {
                "link": link.role,
                "who": link.who,
                "what": link.what,
                "ok": link.ok,
                "detail": link.detail,
            }
            for link in report.links
        ]
        json.dump(camel_keys({"verified": report.verified, "links": links}), sys.stdout, indent=2)
        print()
    else:
        _print_table(report)
    return EXIT_VERIFIED if report.verified else EXIT_NOT_VERIFIED
