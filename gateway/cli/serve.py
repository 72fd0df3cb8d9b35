"""`cfx serve`: run a node's gRPC server until SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from gateway.app import open_node, start
from gateway.server import serve_until_signal

_log = logging.getLogger("cfx.server")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("serve", help="run a node's gRPC server")
    p.add_argument("--dir", required=True, type=Path, help="node directory (from cfx init)")
    p.add_argument("--listen", help="HOST:PORT to listen on (default: from config.json)")
    p.add_argument("--store", help="store URL: a SQLite path, sqlite:///…, or postgresql://…")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    node = open_node(args.dir, store_url=args.store)
    try:
        running = start(node, listen=args.listen)
        host = (args.listen or node.config.listen).rpartition(":")[0]
        # One parseable line: tests and scripts read the port from it (listen may be port 0).
        print(
            f"cfx: serving {node.config.org} ({node.config.role}) on {host}:{running.port}",
            flush=True,
        )
        drained = serve_until_signal(running, node.config.limits.shutdown_grace_seconds)
    except BaseException:
        node.close()
        raise
    if not drained:
        _exit_leaving_work_behind()
    node.close()
    return 0


def _exit_leaving_work_behind() -> None:
    """Exit now although a worker thread still runs (Python cannot stop a thread), so shutdown
    stays within shutdown_grace_seconds + 2 s (issue 11).

    Nothing half-written remains: every store write (a dataset and its log leaf, a status change
    and its leaf) is one SQLite or PostgreSQL transaction, which the database rolls back when
    the process dies before the commit. The store is not closed here: a write in progress would
    wait for it. The newest checkpoint may be unsaved; it is re-signed over the same root."""
    _log.warning("work still running after the grace period is abandoned; exiting now")
    logging.shutdown()
    os._exit(0)
