"""`cfx keys`: make and inspect signing keys (Multikey JSON files, mode 0600, did:key)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.cli._io import read_key
from signing.keys import KEY_TYPES, generate_key, save_key


def register(sub: Any) -> None:
    """Add `cfx keys generate|show` to the command parser."""
    parser: argparse.ArgumentParser = sub.add_parser("keys", help="generate and inspect keys")
    keys_sub = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")

    generate = keys_sub.add_parser(
        "generate", help="write a new private key file (mode 0600) and print its did:key"
    )
    generate.add_argument(
        "--type", dest="key_type", choices=KEY_TYPES, default="ed25519", help="key algorithm"
    )
    generate.add_argument(
        "--out", type=Path, required=True, metavar="KEYFILE", help="the key file to write"
    )
    generate.add_argument("--force", action="store_true", help="overwrite an existing key file")
    generate.set_defaults(func=run_generate)

    show = keys_sub.add_parser("show", help="print a key file's did:key and verification method")
    show.add_argument("keyfile", type=Path, metavar="KEYFILE", help="a private key file")
    show.set_defaults(func=run_show)


def run_generate(args: argparse.Namespace) -> int:
    """`cfx keys generate`: write a new private key file (mode 0600) and print its did:key."""
    key = generate_key(args.key_type)
    save_key(key, args.out, overwrite=args.force)
    print(key.did)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """`cfx keys show`: print a key file's type, did:key and verification method."""
    key = read_key(args.keyfile)
    print(f"type: {key.key_type}")
    print(f"did: {key.did}")
    print(f"verificationMethod: {key.verification_method}")
    return 0
