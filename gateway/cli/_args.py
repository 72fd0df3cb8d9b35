"""Argument types that refuse impossible values at parsing time, before anything is sent.

argparse turns the `ArgumentTypeError` into "cfx CMD: error: argument --OPT: MESSAGE", exit 2.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from gateway.client_targets import ServerAddressError, parse_addresses
from gateway.errors import GatewayError

INT32_MAX = 2**31 - 1  # page sizes are int32 in the proto
INT64_MAX = 2**63 - 1  # log indexes and tree sizes (AIP-141: int64)


class OptionError(GatewayError):
    """Options that are each well formed but do not go together (one needs another, or excludes
    it); `main()` prints the message as one line and exits 2."""

    reason = "INVALID_OPTIONS"


def _whole_number(text: str, maximum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not 0 <= value <= maximum:
        raise argparse.ArgumentTypeError(f"must be between 0 and {maximum}, not {value}")
    return value


def non_negative_int(text: str) -> int:
    """A log index or tree size."""
    return _whole_number(text, INT64_MAX)


def page_size(text: str) -> int:
    """A page size (0: the node's default; the node caps larger ones)."""
    return _whole_number(text, INT32_MAX)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def listen_address(text: str) -> str:
    """HOST:PORT with a port in 0..65535 (0: any free port); IPv6 hosts in brackets."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT (e.g. 127.0.0.1:7443), not {text!r}")
    return text


def server_addresses(text: str) -> str:
    """`--server` of every client command: HOST:PORT, several (the replicas of one node,
    comma-separated), or one gRPC `dns:` target (gateway/client_targets.py)."""
    try:
        parse_addresses(text)
    except ServerAddressError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


SERVER_HELP = (
    "node address HOST:PORT; for replicas HOST:PORT,HOST:PORT or dns:///NAME:PORT "
    "(balanced round-robin, with failover)"
)


def node_directory(text: str) -> Path:
    """A directory made by `cfx init` (it has config.json)."""
    path = Path(text)
    if not (path / "config.json").is_file():
        problem = "no such directory" if not path.exists() else "not a node directory"
        raise argparse.ArgumentTypeError(
            f"{text}: {problem} (no config.json); make one with `cfx init --dir {text} …`"
        )
    return path


def add_context_manifest(parser: argparse.ArgumentParser) -> None:
    """`--context-manifest`, for the commands that process JSON-LD (`loader_for` reads it)."""
    parser.add_argument(
        "--context-manifest", type=Path, action="append", default=[], metavar="MANIFEST",
        help="an additional pinned context manifest (repeatable)",
    )  # fmt: skip
