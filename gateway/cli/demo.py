"""`cfx demo`: show what cfx does, end to end, with nothing set up beforehand."""

from __future__ import annotations

import argparse
from typing import Any

import gateway


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="run the end-to-end demonstration"
    )
    parser.set_defaults(func=run)


def run(_args: argparse.Namespace) -> int:
    print(f"cfx {gateway.__version__}: Carbon Footprint eXchange")
    print("The gRPC API (proto/cfx/v1) defines ExchangeService, TrustService and LogService.")
    return 0
