"""The `cfx` command line. Each sub-command lives in its own module with a `register()`.

Errors are caught once, here. A command raises a typed error for anything the user can fix (a
missing file, a bad option, an unusable identity, a node that cannot be reached) and `main()`
prints it as one line, "cfx: error: …", naming the file or option and the fix, and exits 2.
Anything else is a bug: one line with a hint to rerun with `--debug` for the traceback, exit 70.
A closed pipe (`cfx trust list | head`) ends the command quietly, as it would a C tool.
"""

from __future__ import annotations

from gateway.cli import _grpc_env  # noqa: F401 - first: quiets gRPC's C core before it loads

# isort: split
import argparse
import importlib
import os
import signal
import sys
import traceback
from collections.abc import Sequence

import gateway
from gateway.cli._help import finish
from gateway.errors import GatewayError
from schemas.errors import SchemasError
from signing.errors import SigningError

# Each module defines `register(subparsers) -> None`, setting `func` on its parsers.
_COMMAND_MODULES: tuple[str, ...] = (
    "gateway.cli.demo",
    "gateway.cli.init",
    "gateway.cli.clients",
    "gateway.cli.trust",
    "gateway.cli.peers",
    "gateway.cli.keys",
    "gateway.cli.sign",
    "gateway.cli.verify",
    "gateway.cli.serve",
    "gateway.cli.sync",
    "gateway.cli.remote",
    "gateway.cli.status",
    "gateway.cli.search",
    "gateway.cli.witness",
    "gateway.cli.log",
    "gateway.cli.validate",
    "gateway.cli.convert",
    "gateway.cli.request",
    "gateway.cli.web",
    "gateway.cli.pact",
    "gateway.cli.gec",
)

# The roots of the three packages' error trees: every error a user can cause and fix
# derives from one of them (a user's path: gateway.cli._io.InputFileError, a GatewayError).
USER_ERRORS: tuple[type[Exception], ...] = (GatewayError, SigningError, SchemasError)

EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): not 1, which means "refused" / "not verified"
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a tool killed by SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    """The `cfx` parser: global options, then one sub-command per module in _COMMAND_MODULES."""
    parser = argparse.ArgumentParser(
        prog="cfx",
        description="Carbon Footprint eXchange: signed carbon datasets over gRPC.",
        epilog="Exit codes: 0 done; 1 refused by the node or not verified; 2 unusable input "
        "(a file, an option, an identity, an unreachable node); 70 an internal error.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="print the traceback of an error (for bug reports)"
    )
    parser.add_argument(
        "--version", action="version", version=f"cfx {gateway.__version__}",
        help="print the version and exit",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    finish(parser)  # defaults and an example in every command's help (gateway/cli/_help.py)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `cfx` command; returns the process exit code (see the module docstring)."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler, not at exit
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _broken_pipe()
    except USER_ERRORS as exc:
        if args.debug:
            traceback.print_exc()
        _error(str(exc))
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (rerun with `cfx --debug …`)")
        return EXIT_INTERNAL
    return code


def _error(message: str) -> None:
    """One line on stderr, whatever the message holds (a newline would split a log record)."""
    print(f"cfx: error: {' '.join(message.split())}", file=sys.stderr)


def _broken_pipe() -> int:
    """The reader went away (`| head`): stop quietly. Point stdout at /dev/null so that the
    interpreter's final flush does not fail a second time (Python docs, signal, "SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE
