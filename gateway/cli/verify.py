"""`cfx verify`: check every proof on a credential.

Exit codes: 0 verified; 1 not verified (the reason is printed); 2 unusable input (not JSON, not a
credential, a context that is not pinned, a poisoned graph). With --json the result is printed
as JSON in every case, unusable input included.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gateway.cli._io import InputFileError, read_json_object
from gateway.cli.sign import loader_for
from schemas.strict_json import JSONInputError
from signing.errors import SigningError
from signing.verify import VerificationResult, verify

EXIT_VERIFIED, EXIT_NOT_VERIFIED, EXIT_UNUSABLE = 0, 1, 2


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("verify", help="verify a signed credential")
    parser.add_argument("input", metavar="IN.json", help="signed credential ('-' for stdin)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--expected-domain", metavar="DOMAIN")
    parser.add_argument("--expected-challenge", metavar="CHALLENGE")
    parser.add_argument(
        "--context-manifest", type=Path, action="append", default=[], metavar="MANIFEST",
        help="an additional pinned context manifest (repeatable)",
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
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        _print_human(result)
    return EXIT_VERIFIED if result.verified else EXIT_NOT_VERIFIED
