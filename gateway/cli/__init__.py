"""The `cfx` command line. Each sub-command lives in its own module with a `register()`.

Errors are caught once, here: a command raises a typed error and `main()` turns it into a message
on stderr and exit code 2 ("unusable input"), so no command prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `register(subparsers) -> None`, setting `func` on its parsers.
_COMMAND_MODULES: tuple[str, ...] = (
    "gateway.cli.demo",
    "gateway.cli.init",
    "gateway.cli.clients",
    "gateway.cli.trust",
    "gateway.cli.keys",
    "gateway.cli.sign",
    "gateway.cli.verify",
    "gateway.cli.serve",
    "gateway.cli.remote",
    "gateway.cli.witness",
    "gateway.cli.log",
    "gateway.cli.validate",
)

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cfx", description="Carbon Footprint eXchange: signed carbon datasets over gRPC."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if not _is_domain_error(exc):
            raise
        print(f"cfx: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


def _is_domain_error(exc: Exception) -> bool:
    """True for the typed error trees of our packages (each has one base class `Error`)."""
    return type(exc).__module__.split(".", 1)[0] in {"gateway", "signing", "schemas"}
