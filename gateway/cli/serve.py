"""`cfx serve`: run a node's gRPC server until SIGTERM.

Its log (stderr) is one record per line, JSON or text (gateway.observability.logging); its
stdout is the one "serving … on HOST:PORT" line that scripts wait for.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import threading
from typing import TYPE_CHECKING, Any

from gateway.app import Node, open_node, start
from gateway.cli._args import listen_address, node_directory
from gateway.cli._io import InputFileError, why
from gateway.cli.pact import add_pact_flags, pact_offer
from gateway.duties import Duties
from gateway.federation.peers import Peer
from gateway.federation.rounds import node_peers
from gateway.http.listen import ListenError
from gateway.http.listeners import Listener, Offer, Stopper, bind_all
from gateway.observability import logging as node_logging
from gateway.observability.calls import log_call
from gateway.server import DRAIN_SECONDS, RunningServer, serve_until_signal
from gateway.store.lease import LeaseKeeper, holder_name, open_lease

if TYPE_CHECKING:
    from gateway.http.server import HttpServer

_log = logging.getLogger("cfx.server")
# After the server stopped: time to save the newest checkpoint and close the store.
CLOSE_SECONDS = 0.3
# After the server stopped: time for the peer followers (stopped when shutdown began) to end.
# DRAIN_SECONDS + this + CLOSE_SECONDS stays within the 2 s past the grace (issue 11).
FOLLOWERS_SECONDS = 0.15


def register(sub: Any) -> None:
    """Add `cfx serve` to the CLI."""
    p: argparse.ArgumentParser = sub.add_parser("serve", help="run a node's gRPC server")
    p.add_argument(
        "--dir", required=True, type=node_directory, help="node directory (from cfx init)"
    )
    p.add_argument(
        "--listen", type=listen_address, help="HOST:PORT to listen on (default: from config.json)"
    )
    p.add_argument("--store", help="store URL: a SQLite path, sqlite:///…, or postgresql://…")
    p.add_argument(
        "--web-listen",
        type=listen_address,
        metavar="HOST:PORT",
        help="also serve the verification page over HTTPS (the node's TLS certificate)",
    )
    add_pact_flags(p)
    p.add_argument(
        "--log-format",
        choices=node_logging.FORMATS,
        default="text",
        help="one record per line on stderr: JSON objects, or the same fields as text",
    )
    p.add_argument(
        "--log-level", choices=node_logging.LEVELS, default="info", help="least severe logged"
    )
    p.add_argument(
        "--metrics-listen",
        metavar="HOST:PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (loopback only unless "
        "--metrics-allow-remote)",
    )
    p.add_argument(
        "--metrics-allow-remote",
        action="store_true",
        help="let --metrics-listen use a non-loopback address (the metrics are plain HTTP "
        "without authentication, and name caller organizations and peers)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """`cfx serve`: open the node, serve until SIGTERM/SIGINT, exit within the grace period."""
    node_logging.configure(args.log_format, args.log_level)
    if args.metrics_listen:  # a refused address is an error before anything starts
        from gateway.observability.http import loopback_listen  # noqa: PLC0415 - opt-in only

        loopback_listen(args.metrics_listen, allow_remote=args.metrics_allow_remote)
    node = open_node(args.dir, store_url=args.store)
    try:
        peers = node_peers(node).peers  # a rolled-back peers file is refused before serving
        listen = args.listen or node.config.listen
        http = _bind_http(node, args)  # a busy HTTP port is refused before anything starts
        try:
            running = start(node, listen=listen)
        except RuntimeError as exc:  # grpc: "Failed to bind to address …", without the cause
            cause = bind_problem(listen)
            if cause is None:
                raise
            option = "--listen" if args.listen else f"`listen` in {args.dir / 'config.json'}:"
            fix = (
                "stop the server using it or choose another port"
                if cause.errno == errno.EADDRINUSE
                else "choose a local address"
            )
            raise InputFileError(
                f"{option} {listen}: cannot listen: {why(cause)}; {fix} with --listen HOST:PORT"
            ) from exc
        running.guard.observers.append(log_call)
        # Pull from the peers and relay requests (issue 14) while serving, on one replica at a
        # time: the holder of the duties lease. Shutdown releases it and ends the streams.
        duties = Duties(node, peers)
        servers = [listener.server.start() for listener in http]
        if args.metrics_listen:
            metrics = _metrics(node, running, duties, peers, args)
            servers.append(metrics)
        # Every listener stops accepting when shutdown begins, and ends within the gRPC bound.
        stopper = Stopper(servers, node.config.limits.shutdown_grace_seconds + DRAIN_SECONDS)
        running.guard.on_shutdown(stopper.begin)
        host = listen.rpartition(":")[0]
        lease = open_lease(node.store, holder_name(f"{host}:{running.port}"))
        keeper = LeaseKeeper(lease, duties.start, duties.stop)
        running.guard.on_shutdown(keeper.stop)
        keeper.start()
        node_logging.event(
            _log,
            "serving",
            f"serving {node.config.org} ({node.config.role}) on {host}:{running.port}",
            org=node.config.org,
            role=str(node.config.role),
            address=f"{host}:{running.port}",
            metrics=f"http://{metrics.address}/metrics" if args.metrics_listen else "",
            http={listener.serves: listener.server.url for listener in http},
        )
        # One parseable line: tests and scripts read the port from it (listen may be port 0).
        print(
            f"cfx: serving {node.config.org} ({node.config.role}) on {host}:{running.port}",
            flush=True,
        )
        for listener in http:  # after the line above, which scripts read first
            print(f"cfx: {listener.serves} on {listener.server.url}", flush=True)
        # Returns within the grace + DRAIN_SECONDS (1.5 s); closing gets CLOSE_SECONDS more.
        drained = serve_until_signal(running, node.config.limits.shutdown_grace_seconds)
        drained = duties.join(FOLLOWERS_SECONDS) and drained  # the relay thread is a daemon
        drained = stopper.wait() and drained
    except BaseException:
        node.close()
        raise
    if not (drained and _closed_within(node, CLOSE_SECONDS)):
        _exit_leaving_work_behind()
    return 0


def _bind_http(node: Node, args: argparse.Namespace) -> list[Listener]:
    """The web page and the PACT facade, bound: one listener per address, so both flags naming
    one address give one app serving both (the page answers paths neither claims)."""
    offers = [offer for offer in (_web_offer(node, args), pact_offer(node, args)) if offer]
    try:
        return bind_all(offers, grace=node.config.limits.shutdown_grace_seconds)
    except ListenError as exc:
        raise InputFileError(str(exc)) from exc


def _web_offer(node: Node, args: argparse.Namespace) -> Offer | None:
    """The verification page at --web-listen, over HTTPS with the node's certificate."""
    if not args.web_listen:
        return None
    from starlette.applications import Starlette  # noqa: PLC0415 - only with --web-listen

    from gateway.http.compose import Part  # noqa: PLC0415
    from gateway.web.sites import node_routes, node_tls  # noqa: PLC0415

    page = Part("web page", Starlette(routes=node_routes(node)))
    return Offer(page, args.web_listen, node_tls(node), "--web-listen")


def _metrics(
    node: Node,
    running: RunningServer,
    duties: Duties,
    peers: tuple[Peer, ...],
    args: argparse.Namespace,
) -> HttpServer:
    """Count every call and stage from now on, and serve the figures at --metrics-listen."""
    # Opt-in: other commands do not pay for importing the HTTP stack.
    from gateway.observability.http import serve_metrics  # noqa: PLC0415
    from gateway.observability.metrics import NodeMetrics, NodeState  # noqa: PLC0415

    metrics = NodeMetrics()
    metrics.bind_stages()
    metrics.gec_ledger = node.store.gec_certificates
    running.guard.observers.append(metrics.observe_call)
    metrics.watch(
        NodeState(
            store=node.store,
            open_streams=running.guard.streams.holders,
            sync_lag=duties.lag,
            peers={peer.origin: peer.name for peer in peers},
        )
    )
    return serve_metrics(
        metrics.registry, args.metrics_listen, allow_remote=args.metrics_allow_remote
    )


def bind_problem(address: str) -> OSError | None:
    """Why `address` cannot be listened on (the OS error of a plain bind), or None if it can."""
    host, _, port = address.rpartition(":")
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(
            host.removeprefix("[").removesuffix("]"), int(port), type=socket.SOCK_STREAM
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.bind(sockaddr)
    except OSError as exc:  # socket.gaierror included: a host name that does not resolve
        return exc
    except ValueError:
        return OSError(errno.EINVAL, f"{address!r} is not HOST:PORT")
    return None


def _closed_within(node: Node, seconds: float) -> bool:
    """Save the newest checkpoint and close the store, unless that takes longer than `seconds`
    (another transaction may hold the database's write lock)."""
    closer = threading.Thread(target=_close, args=(node,), name="cfx-close", daemon=True)
    closer.start()
    closer.join(seconds)
    return not closer.is_alive()


def _close(node: Node) -> None:
    try:
        node.close()
    except Exception:  # noqa: BLE001 - reported; the store's state is what the commits left
        _log.exception("closing the store failed")


def _exit_leaving_work_behind() -> None:
    """Exit now although a handler's thread still runs (Python cannot stop a thread), so
    shutdown stays within shutdown_grace_seconds + 2 s (issue 11).

    Nothing half-written remains: every store write (a dataset and its log leaf, a status change
    and its leaf) is one SQLite or PostgreSQL transaction, which the database rolls back when
    the process dies before the commit. The store is not closed here: a write in progress would
    wait for it. The newest checkpoint may be unsaved; it is re-signed over the same root."""
    _log.warning("work still running after the grace period is abandoned; exiting now")
    logging.shutdown()
    os._exit(0)
