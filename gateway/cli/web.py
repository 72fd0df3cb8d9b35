"""`cfx web`: the verification page on its own, for offline use (no node, no trust registry).

Plain HTTP, and only on a loopback address: the page runs on the user's own machine for the
browser on that machine, so there is no network to protect and no certificate to manage. A page
for others is served by a node (`cfx serve --web-listen`), over HTTPS with the node's certificate.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.cli._args import listen_address
from gateway.cli._io import InputFileError, read_note_key
from gateway.http.listen import ListenError, is_loopback
from gateway.http.server import HttpServer
from gateway.web.sites import offline_app


def register(sub: Any) -> None:
    """Add `cfx web` to the CLI."""
    p: argparse.ArgumentParser = sub.add_parser(
        "web",
        help="serve the credential verification page locally (offline)",
        description="Serve the verification page on this machine: choose or drop a credential "
        "(and receipts) in a browser and read the verdict. Nothing uploaded is stored.",
        epilog="example: cfx web --listen 127.0.0.1:8080 --log-key national/log.vkey",
    )
    p.add_argument(
        "--listen",
        type=listen_address,
        default="127.0.0.1:8080",
        help="loopback HOST:PORT to listen on (default: %(default)s)",
    )
    p.add_argument(
        "--log-key",
        type=Path,
        action="append",
        default=[],
        metavar="VKEY",
        help="a log's public key (NODE/log.vkey) to check receipts with; repeat for several logs",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM."""
    host = args.listen.rpartition(":")[0].removeprefix("[").removesuffix("]")
    if not is_loopback(host):
        raise InputFileError(
            f"--listen {args.listen}: cfx web serves plain HTTP, so only on a loopback address "
            "(127.0.0.1 or [::1]); serve others with cfx serve --web-listen (HTTPS)"
        )
    keys = [read_note_key(path, option="--log-key") for path in args.log_key]
    try:
        server = HttpServer(offline_app(keys), args.listen, name="cfx-web")
    except ListenError as exc:
        raise InputFileError(f"--listen {exc}") from exc
    print(f"cfx: web page on {server.url}", flush=True)
    server.run()
    return 0
