"""Submit throughput of a real cfx node over mTLS on loopback, next to a no-op baseline.

Starts `cfx serve` as its own process, then runs the same client processes twice: first a no-op
RPC (grpc.health.v1 Check) to measure what the transport, TLS and the thread pool cost, then
SubmitDataset with distinct pre-signed footprint credentials (verify + validate + store +
log append + receipt). Prints rates, p50/p99 latencies, the ratio, and the server's RSS sampled
during the run (flat memory = RSS at the end close to RSS after warm-up).

    .venv/bin/python -P bench/submit.py                      # 3,000 submissions
    .venv/bin/python -P bench/submit.py --submissions 100000 # the flat-memory run
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import runpy
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from gateway.client import CfxClient, ClientError
from gateway.node import NodeRole, add_client, edit_trust, init_node
from gateway.process import spawn_server
from gateway.trust import Role
from schemas.paths import PACKAGE_DIR
from signing.keys import generate_key, load_key, save_key
from signing.proofs import sign

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

TEMPLATE = PACKAGE_DIR / "examples" / "valid" / "product-footprint-electronics-laptop.json"


def _sign_batch(args: tuple[str, int, Path]) -> Path:
    key_path, count, out = args
    key = load_key(key_path)
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    template.pop("proof", None)
    template["issuer"] = key.did
    with out.open("wb") as fh:
        for _ in range(count):
            template["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
            fh.write(json.dumps(sign(template, key)).encode() + b"\n")
    return out


def _noop_worker(args: tuple[str, Path, float]) -> list[float]:
    address, identity, seconds = args
    latencies = []
    with CfxClient(address, identity) as client:
        client.health()
        end = time.perf_counter() + seconds
        while (t0 := time.perf_counter()) < end:
            client.health()
            latencies.append(time.perf_counter() - t0)
    return latencies


def _submit_worker(args: tuple[str, Path, Path]) -> tuple[list[float], list[str]]:
    """Latencies of accepted submissions, and each refusal as text (a refusal is a finding to
    report, not a reason to lose the run)."""
    address, identity, batch = args
    latencies, errors = [], []
    with CfxClient(address, identity) as client, batch.open("rb") as fh:
        for line in fh:
            t0 = time.perf_counter()
            try:
                client.submit(line.rstrip(b"\n"))
            except ClientError as err:
                errors.append(str(err))
                continue
            latencies.append(time.perf_counter() - t0)
    return latencies, errors


def _rss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:  # the server has exited
        return 0
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) if match else 0


def _summary(name: str, latencies: list[float], elapsed: float) -> dict[str, float | str]:
    ordered = sorted(latencies)
    return {
        "phase": name,
        "calls": len(ordered),
        "rate": len(ordered) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


def prepare(tmp: Path, submissions: int, clients: int) -> tuple[Path, Path, list[Path]]:
    """A national node in `tmp`, an exporter client identity whose key the registry trusts, and
    `submissions` distinct credentials pre-signed by that key in one batch file per client."""
    now = datetime.now(UTC)
    paths = init_node(tmp / "node", role=NodeRole.NATIONAL, org="national", now=now)
    identity = tmp / "exporter"
    add_client(paths, org="sichuan-cells", role=Role.EXPORTER, out=identity, now=now)
    key = generate_key("ed25519")
    save_key(key, tmp / "exporter.key")
    edit_trust(paths, lambda r: r.with_key("sichuan-cells", Role.EXPORTER, key.did, now))

    t0 = time.perf_counter()
    shares = [submissions // clients] * clients
    shares[0] += submissions - sum(shares)
    jobs = [(str(tmp / "exporter.key"), n, tmp / f"batch{i}.jsonl") for i, n in enumerate(shares)]
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as pool:
        batches = list(pool.map(_sign_batch, jobs))
    print(f"pre-signed {submissions} credentials in {time.perf_counter() - t0:.1f} s")
    return paths.root, identity, batches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--noop-seconds", type=float, default=5.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cfx-bench-") as tmp_name:
        tmp = Path(tmp_name)
        node_dir, identity, batches = prepare(tmp, args.submissions, args.clients)

        server_log = (tmp / "server.log").open("w+", encoding="utf-8")
        server = spawn_server(node_dir, log=server_log)
        address = server.address
        try:
            rss: list[tuple[float, int]] = []
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    rss.append((time.perf_counter(), _rss_kib(server.pid)))
                    stop.wait(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            errors: list[str] = []
            ctx = mp.get_context("spawn")
            with ProcessPoolExecutor(max_workers=args.clients, mp_context=ctx) as pool:
                t0 = time.perf_counter()
                noop = [
                    x
                    for r in pool.map(
                        _noop_worker, [(address, identity, args.noop_seconds)] * args.clients
                    )
                    for x in r
                ]
                noop_row = _summary("no-op (health Check)", noop, time.perf_counter() - t0)
                rss_start = _rss_kib(server.pid)
                t0 = time.perf_counter()
                results = list(pool.map(_submit_worker, [(address, identity, b) for b in batches]))
                submits = [x for latencies, _ in results for x in latencies]
                errors = [e for _, worker_errors in results for e in worker_errors]
                submit_row = _summary("SubmitDataset", submits, time.perf_counter() - t0)
            stop.set()
            sampler.join()
        finally:
            died = server.process.poll()
            server.process.terminate()
            server.process.wait(timeout=30)
            server_log.seek(0)
            if died is not None:
                print(f"the server exited ({died}) during the run:\n{server_log.read()[-2000:]}")
            elif errors:
                print(f"server log:\n{server_log.read()[-3000:]}")
            server_log.close()

    print(f"\n{args.clients} client processes, server = one `cfx serve` process, SQLite store\n")
    print("| phase | calls | calls/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for row in (noop_row, submit_row):
        print(
            f"| {row['phase']} | {row['calls']} | {row['rate']:.0f} | {row['p50_ms']:.2f} | "
            f"{row['p99_ms']:.2f} |"
        )
    if errors:
        print(f"\n{len(errors)} submissions refused; first: {errors[0]}")
    ratio = float(submit_row["rate"]) / float(noop_row["rate"])
    print(f"\nsubmit rate / no-op rate = {ratio:.3f} (target >= 0.5)")
    record("submit", "submit rate / no-op rate", ratio, "", target=0.5)
    record(
        "submit",
        "SubmitDataset",
        float(submit_row["rate"]),
        "/s",
        note=f"p99 {submit_row['p99_ms']:.1f} ms",
    )
    submit_rss = [kib for _, kib in rss]
    print(
        f"server RSS: after no-op {rss_start / 1024:.0f} MiB, "
        f"peak {max(submit_rss) / 1024:.0f} MiB, "
        f"end {submit_rss[-1] / 1024:.0f} MiB over {len(submits)} submissions"
    )
    tenth = max(1, len(submit_rss) // 10)
    print(
        "RSS by tenth of the run (MiB): "
        + " ".join(
            f"{submit_rss[min(i * tenth, len(submit_rss) - 1)] / 1024:.0f}" for i in range(10)
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
