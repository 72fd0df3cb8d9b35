"""`cfx verify`: check every proof on a credential.

Exit codes: 0 verified; 1 not verified (the reason is printed); 2 unusable input (not JSON, not a
credential, a context that is not pinned, a poisoned graph). With --json the result is printed
as JSON in every case, unusable input included.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from gateway.cli._args import add_context_manifest
from gateway.cli._io import InputFileError, read_bytes, read_json_object, read_note_key
from gateway.cli._json import camel_keys
from gateway.cli.sign import loader_for
from gateway.cli.verify_chain import run_chain
from gateway.log.errors import LogError
from gateway.log.receipt import Receipt, verify_receipt
from schemas.strict_json import JSONInputError
from signing.errors import SigningError
from signing.verification import VerificationResult, verify

EXIT_VERIFIED, EXIT_NOT_VERIFIED, EXIT_UNUSABLE = 0, 1, 2


def register(sub: Any) -> None:
    """Add `cfx verify` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser("verify", help="verify a signed credential")
    parser.add_argument(
        "input", metavar="IN.json", nargs="?", help="signed credential ('-' for stdin)"
    )
    parser.add_argument(
        "--chain", nargs="+", type=Path, metavar="FILE",
        help="check a footprint's chain offline instead: the footprint, its attestations and the "
        "receipts of the nodes holding them (as `cfx get --with-receipts DIR` writes), with a "
        "--log-key per node",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--expected-domain", metavar="DOMAIN", help="refuse a proof not made for this domain"
    )
    parser.add_argument(
        "--expected-challenge", metavar="CHALLENGE",
        help="refuse a proof that does not answer this challenge",
    )  # fmt: skip
    add_context_manifest(parser)
    parser.add_argument(
        "--receipt", type=Path, metavar="RECEIPT.json",
        help="also check the node's receipt for these exact bytes (offline), with --log-key",
    )  # fmt: skip
    parser.add_argument(
        "--log-key", type=Path, metavar="VKEY", action="append",
        help="a node's log.vkey (checkpoint key); repeat it for --chain, one per node",
    )  # fmt: skip
    parser.add_argument("--origin", help="expected log origin (default: the key's)")
    parser.add_argument(
        "--max-age", type=float, metavar="SECONDS",
        help="refuse a receipt whose checkpoint is older than this",
    )  # fmt: skip
    parser.set_defaults(func=run)


def _print_human(result: VerificationResult) -> None:
    head = "verified" if result.verified else f"not verified: {result.reason}: {result.message}"
    print(head)
    print(f"issuer: {result.issuer}")
    for index, proof in enumerate(result.proofs, 1):
        status = "ok" if proof.verified else f"FAILED {proof.reason}"
        chain = f" (chained to {proof.previous_proof})" if proof.previous_proof else ""
        print(
            f"proof {index}: {status} {proof.suite} by {proof.controller}, "
            f"purpose {proof.purpose}, created {proof.created}{chain}"
        )


def run(args: argparse.Namespace) -> int:
    """`cfx verify`: verify every proof (and with --receipt, the node's receipt) offline."""
    if args.chain:
        return run_chain(args)
    if args.input is None:
        raise InputFileError("give a credential file (IN.json), or --chain FILE…")
    try:
        document = read_json_object(args.input)
        result = verify(
            document,
            loader=loader_for(args.context_manifest),
            expected_domain=args.expected_domain,
            expected_challenge=args.expected_challenge,
        )
    except (SigningError, JSONInputError, InputFileError) as exc:
        if not args.json:
            raise  # main() prints "cfx: error: ..." and exits 2
        error = {"reason": getattr(exc, "reason", "UNUSABLE_INPUT"), "message": str(exc)}
        json.dump({"verified": False, "error": error}, sys.stdout, indent=2)
        print()
        return EXIT_UNUSABLE
    receipt = _check_receipt(args) if args.receipt else None
    if args.json:
        body = camel_keys(result.to_json()) | ({"receipt": receipt} if receipt else {})
        json.dump(body, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        _print_human(result)
        if receipt:
            print(f"receipt: {receipt['message']}")
    receipt_ok = receipt is None or receipt["verified"]
    return EXIT_VERIFIED if result.verified and receipt_ok else EXIT_NOT_VERIFIED


def _check_receipt(args: argparse.Namespace) -> dict[str, Any]:
    """Offline: the receipt's entry commits to SHA-256 of the file's exact bytes, its inclusion
    proof leads to the checkpoint's root, and the node's key signed that checkpoint."""
    if args.log_key is None or len(args.log_key) != 1 or args.input == "-":
        raise InputFileError("--receipt needs one --log-key and a credential file (not stdin)")
    key = read_note_key(args.log_key[0], option="--log-key")
    receipt = Receipt.from_json(read_bytes(args.receipt, option="--receipt"))
    credential = read_bytes(Path(args.input))
    try:
        checkpoint = verify_receipt(
            receipt,
            credential,
            key.public_key,
            key.name,
            args.origin or key.name,
            max_age=timedelta(seconds=args.max_age) if args.max_age is not None else None,
        )
    except LogError as exc:
        return {"verified": False, "reason": exc.reason, "message": f"NOT verified: {exc}"}
    return {
        "verified": True,
        "reason": None,
        "message": f"entry {receipt.log_index} is in {checkpoint.origin} at tree size "
        f"{checkpoint.size}, checkpoint signed by {key.name}",
    }
