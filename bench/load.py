"""Load test: many concurrent mTLS clients mixing submit, get, list, verify and watch against one
real `cfx serve` process on loopback.

A fixed number of calls (`--calls`) is shared by `--clients` client processes, each running
`--threads` threads; the run must finish within `--time-limit` seconds. Reports throughput,
p50/p99 latency per method, the error count and the server's RSS before and after. Exits
non-zero on any error or when the time limit cut the run short. Loopback only: any other
`--listen` address is refused (this bench is not a tool to load someone else's server).

    .venv/bin/python -P bench/load.py                  # 1,200 calls, 4 x 2 clients
    .venv/bin/python -P bench/load.py --calls 20000 --clients 8 --time-limit 600
"""

from __future__ import annotations

import argparse
import ipaddress
import multiprocessing as mp
import random
import runpy
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import CfxClient
from gateway.node import NodeRole, add_client, edit_trust, init_node
from gateway.process import spawn_server
from gateway.trust import Role
from signing.keys import generate_key, save_key

HERE = Path(__file__).resolve().parent
# bench/submit.py's pre-signing and RSS reader, and bench/results.py's recorder, loaded by path
# (with -P, bench/ is not on sys.path: bench/signing.py would shadow the signing package).
_SUBMIT = runpy.run_path(str(HERE / "submit.py"))
record = runpy.run_path(str(HERE / "results.py"))["record"]
METHODS = ("submit", "get", "list", "verify", "watch")
WEIGHTS = (3, 3, 2, 1, 1)  # a node serves more reads than writes
WATCH_TIMEOUT_S = 10.0


@dataclass
class Tally:
    """What one client process measured: latencies per method, and each error as text."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    unfinished: int = 0


def loopback_listen(value: str) -> str:
    """`--listen`: HOST:PORT whose host is a loopback address or `localhost`; refused else."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback or not port.isdigit():
        msg = f"{value!r}: the load test runs on loopback only (127.0.0.1:PORT, [::1]:PORT)"
        raise argparse.ArgumentTypeError(msg)
    return value


class _Client:
    """One client thread: its own credentials to submit, and what it submitted so far."""

    def __init__(self, client: CfxClient, credentials: list[bytes], seed: int) -> None:
        self.client = client
        self.fresh = credentials
        self.submitted: list[tuple[str, int, bytes]] = []  # (name, log index, bytes)
        self.random = random.Random(seed)

    def pick(self) -> str:
        method = self.random.choices(METHODS, WEIGHTS)[0]
        if method == "submit" and not self.fresh:
            method = "get"
        return method if self.submitted or method == "submit" else "submit"

    def call(self, method: str) -> None:
        if method == "submit":
            credential = self.fresh.pop()
            answer = self.client.submit(credential)
            self.submitted.append((answer.dataset.name, answer.receipt.log_index, credential))
            return
        name, index, credential = self.random.choice(self.submitted)
        if method == "get":
            self.client.get(name)
        elif method == "list":
            self.client.list(ex.ListDatasetsRequest(page_size=20))
        elif method == "verify":
            self.client.verify(credential)
        else:  # watch: open a stream at a known entry, read its first change, close it
            stream = self.client.watch(index, timeout=WATCH_TIMEOUT_S)
            if next(iter(stream), None) is None:
                raise TimeoutError(f"watch from {index} saw nothing in {WATCH_TIMEOUT_S} s")


def _thread(job: tuple[str, Path, list[bytes], int, float, int], tally: Tally) -> None:
    address, identity, credentials, calls, deadline, seed = job
    with CfxClient(address, identity) as client:
        worker = _Client(client, credentials, seed)
        for done in range(calls):
            if time.monotonic() > deadline:
                tally.unfinished += calls - done
                return
            method = worker.pick()
            t0 = time.perf_counter()
            try:
                worker.call(method)
            except Exception as exc:
                tally.errors.append(f"{method}: {type(exc).__name__}: {exc}"[:300])
                continue
            tally.latencies[method].append(time.perf_counter() - t0)


def _process(job: tuple[str, Path, Path, int, int, float, int]) -> Tally:
    """One client process: `threads` threads sharing `calls`, each with its share of `batch`."""
    address, identity, batch, calls, threads, wall_deadline, seed = job
    lines = batch.read_bytes().splitlines()
    deadline = time.monotonic() + (wall_deadline - time.time())
    tally = Tally()
    pool = []
    for t in range(threads):
        share = calls // threads + (1 if t < calls % threads else 0)
        job_t = (address, identity, lines[t::threads], share, deadline, seed * 100 + t)
        pool.append(threading.Thread(target=_thread, args=(job_t, tally)))
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    tally.latencies = dict(tally.latencies)
    return tally


def _sign(job: tuple[str, int, Path]) -> Path:
    """bench/submit.py's pre-signing, under a name a spawned worker can find (picklable)."""
    batch: Path = _SUBMIT["_sign_batch"](job)
    return batch


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(tallies: list[Tally], elapsed: float, rss: tuple[int, int]) -> int:
    """Print and record the figures; the exit status (1 on any error or unfinished call)."""
    merged: dict[str, list[float]] = defaultdict(list)
    for tally in tallies:
        for method, values in tally.latencies.items():
            merged[method] += values
    errors = [e for t in tallies for e in t.errors]
    unfinished = sum(t.unfinished for t in tallies)
    total = sum(len(v) for v in merged.values())
    print(f"\n{total} calls in {elapsed:.1f} s: {total / elapsed:,.0f} calls/s\n")
    print("| method | calls | calls/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for method in METHODS:
        ordered = sorted(merged.get(method, []))
        if not ordered:
            continue
        p50, p99 = 1000 * statistics.median(ordered), 1000 * _percentile(ordered, 0.99)
        print(
            f"| {method} | {len(ordered)} | {len(ordered) / elapsed:,.0f} | {p50:.1f} | {p99:.1f} |"
        )
        record("load", f"{method} p50", p50, "ms", note=f"{len(ordered)} calls")
        record("load", f"{method} p99", p99, "ms")
    print(f"\nserver RSS: {rss[0] / 1024:.0f} MiB before, {rss[1] / 1024:.0f} MiB after")
    print(f"errors: {len(errors)}; calls cut by the time limit: {unfinished}")
    for line in errors[:5]:
        print(f"  {line}")
    record("load", "calls/s, all methods", total / elapsed, "/s", note=f"{total} calls")
    record("load", "errors", len(errors) + unfinished, "", target=0, higher_is_better=False)
    record(
        "load",
        "server RSS before -> after",
        rss[1] / 1024,
        "MiB",
        note=f"{rss[0] / 1024:.0f} MiB before",
    )
    return 1 if errors or unfinished else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1200, help="calls in all")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--threads", type=int, default=2, help="client threads per process")
    parser.add_argument("--time-limit", type=float, default=45.0, help="seconds for the calls")
    parser.add_argument("--listen", type=loopback_listen, default="127.0.0.1:0")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cfx-load-") as tmp_name:
        tmp = Path(tmp_name)
        now = datetime.now(UTC)
        paths = init_node(tmp / "node", role=NodeRole.NATIONAL, org="national", now=now)
        identity = tmp / "exporter"
        add_client(paths, org="sichuan-cells", role=Role.EXPORTER, out=identity, now=now)
        key = generate_key("ed25519")
        save_key(key, tmp / "exporter.key")
        edit_trust(paths, lambda r: r.with_key("sichuan-cells", Role.EXPORTER, key.did, now))
        per_client = args.calls // args.clients + 1
        jobs = [
            (str(tmp / "exporter.key"), per_client, tmp / f"batch{i}.jsonl")
            for i in range(args.clients)
        ]
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
            batches = list(pool.map(_sign, jobs))

        server = spawn_server(paths.root, listen=args.listen)
        try:
            with CfxClient(server.address, identity) as client:
                client.health()
            rss_before = _SUBMIT["_rss_kib"](server.pid)
            shares = [
                args.calls // args.clients + (1 if i < args.calls % args.clients else 0)
                for i in range(args.clients)
            ]
            with ProcessPoolExecutor(max_workers=args.clients, mp_context=ctx) as pool:
                t0 = time.perf_counter()
                deadline = time.time() + args.time_limit
                work = [
                    (server.address, identity, batches[i], shares[i], args.threads, deadline, i)
                    for i in range(args.clients)
                ]
                tallies = list(pool.map(_process, work))
                elapsed = time.perf_counter() - t0
            rss_after = _SUBMIT["_rss_kib"](server.pid)
            died = server.process.poll()
        finally:
            server.process.terminate()
            server.process.wait(timeout=30)
    print(
        f"{args.clients} client processes x {args.threads} threads, one `cfx serve`, SQLite, mTLS"
    )
    status = _report(tallies, elapsed, (rss_before, rss_after))
    if died is not None:
        print(f"the server exited ({died}) during the run")
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
