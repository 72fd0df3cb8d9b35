"""Submissions/s with one and with two `cfx serve` replicas over one PostgreSQL database.

Each phase starts its replicas on a fresh schema, then runs the same client processes, given
every replica's address (round_robin). It reports the rate, p50/p99 latency and the CPU each
part used, read from /proc: every replica, all PostgreSQL backends together, all clients
together, and the machine's busy share. On a machine with few cores the CPU, not cfx, is the
limit: compare the busy share with the core count before reading the rates.

    .venv/bin/python -P bench/replicas.py                     # 2,000 submissions per phase
    .venv/bin/python -P bench/replicas.py --store-url postgresql://…/db
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import runpy
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import psycopg

from gateway.node import NodeRole, add_client, edit_trust, init_node
from gateway.process import ServerProcess, spawn_server
from gateway.trust import Role
from signing.keys import generate_key, save_key

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]


def _load_submit_bench() -> ModuleType:
    """bench/submit.py as a module, not via sys.path (bench/signing.py would shadow the
    `signing` package, here and in the spawned workers); registered under its name so that
    workers, which run this file first, find its functions."""
    spec = importlib.util.spec_from_file_location(
        "cfx_bench_submit", Path(__file__).with_name("submit.py")
    )
    if spec is None or spec.loader is None:
        raise ImportError("bench/submit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# The pre-signing and the client loop of the single-server benchmark, reused as they are.
_submit = _load_submit_bench()
_sign_batch, _submit_worker, _summary = (
    _submit._sign_batch,  # noqa: SLF001
    _submit._submit_worker,  # noqa: SLF001
    _submit._summary,  # noqa: SLF001
)

DEFAULT_STORE = "postgresql://postgres@127.0.0.1:5432/test"
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (proc(5))


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text(encoding="ascii").strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text(encoding="ascii").split()[1:9]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


@dataclass
class CpuMeter:
    """CPU used between `start` and `stop` by the replicas, PostgreSQL, and the machine."""

    replicas: list[int]
    _start: dict[int, float] | None = None
    _machine: tuple[float, float] = (0.0, 0.0)

    def start(self) -> None:
        pids = [*self.replicas, *_postgres_pids()]
        self._start = {pid: _cpu_seconds(pid) for pid in pids}
        self._machine = _machine_busy()

    def stop(self, elapsed: float) -> dict[str, float]:
        """Each replica's and PostgreSQL's share of one core; the machine's busy share."""
        begin = self._start or {}
        used = {pid: _cpu_seconds(pid) - before for pid, before in begin.items()}
        busy, total = _machine_busy()
        row = {f"replica {i + 1}": used[pid] / elapsed for i, pid in enumerate(self.replicas)}
        row["postgres"] = sum(v for p, v in used.items() if p not in self.replicas) / elapsed
        row["machine busy"] = (busy - self._machine[0]) / max(1.0, total - self._machine[1])
        return row


@contextmanager
def _schema(base: str) -> Iterator[str]:
    name = f"cfx_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{base}?options={quote(f'-csearch_path={name}', safe='')}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def _phase(
    tmp: Path, store: str, replicas: int, clients: int, batches: list[Path]
) -> tuple[dict[str, float | str], dict[str, float], list[str]]:
    now = datetime.now(UTC)
    root = tmp / f"node{replicas}"
    paths = init_node(root, role=NodeRole.NATIONAL, org="national", store=store, now=now)
    identity = tmp / f"exporter{replicas}"
    add_client(paths, org="sichuan-cells", role=Role.EXPORTER, out=identity, now=now)
    key_did = (tmp / "exporter.did").read_text(encoding="ascii")
    edit_trust(paths, lambda r: r.with_key("sichuan-cells", Role.EXPORTER, key_did, now))
    servers: list[ServerProcess] = []
    try:
        with (tmp / f"replicas{replicas}.log").open("w") as log:
            servers = [spawn_server(paths.root, log=log) for _ in range(replicas)]
        target = ",".join(s.address for s in servers)
        meter = CpuMeter([s.pid for s in servers])
        with ProcessPoolExecutor(clients, mp_context=mp.get_context("spawn")) as pool:
            list(pool.map(_submit_worker, [(target, identity, batches[-1])] * 1))  # warm-up
            meter.start()
            t0 = time.perf_counter()
            results = list(pool.map(_submit_worker, [(target, identity, b) for b in batches[:-1]]))
            elapsed = time.perf_counter() - t0
        cpu = meter.stop(elapsed)
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(30)
    latencies = [x for lat, _ in results for x in lat]
    errors = [e for _, errs in results for e in errs]
    return _summary(f"{replicas} replica(s)", latencies, elapsed), cpu, errors


def main() -> int:
    """Run the two phases and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=2000, help="per phase")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--store-url", default=DEFAULT_STORE, help="PostgreSQL database")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="cfx-bench-") as tmp_name:
        tmp = Path(tmp_name)
        key = generate_key("ed25519")
        save_key(key, tmp / "exporter.key")
        (tmp / "exporter.did").write_text(key.did, encoding="ascii")
        for replicas in (1, 2):
            share = args.submissions // args.clients
            jobs = [
                (str(tmp / "exporter.key"), share, tmp / f"b{replicas}-{i}.jsonl")
                for i in range(args.clients)
            ]
            jobs.append((str(tmp / "exporter.key"), 20, tmp / f"warm{replicas}.jsonl"))
            with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
                batches = list(pool.map(_sign_batch, jobs))
            with _schema(args.store_url) as store:
                rows.append(_phase(tmp, store, replicas, args.clients, batches))
    _report(rows, args.clients)
    return 0


def _report(
    rows: list[tuple[dict[str, float | str], dict[str, float], list[str]]], clients: int
) -> None:
    print(f"\n{clients} client processes, {os.cpu_count()} cores, PostgreSQL store\n")
    print(
        "| replicas | calls | submissions/s | p50 ms | p99 ms | CPU (cores) per process "
        "| machine busy |"
    )
    print("|---|---|---|---|---|---|---|")
    for summary, cpu, errors in rows:
        shares = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items() if k != "machine busy")
        print(
            f"| {summary['phase']} | {summary['calls']} | {float(summary['rate']):.0f} | "
            f"{float(summary['p50_ms']):.1f} | {float(summary['p99_ms']):.1f} | {shares} | "
            f"{100 * cpu['machine busy']:.0f} % |"
        )
        record(
            "replicas",
            f"{summary['phase']}: submissions/s",
            float(summary["rate"]),
            "/s",
            note=f"p99 {float(summary['p99_ms']):.0f} ms, "
            f"machine {100 * cpu['machine busy']:.0f} % busy",
        )
        if errors:
            print(f"\n{len(errors)} refused; first: {errors[0]}")


if __name__ == "__main__":
    sys.exit(main())
