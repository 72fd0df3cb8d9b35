"""Data Integrity sign/verify throughput per cryptosuite: reference path vs fast path, one
process vs a 2-process pool, for realistic product-footprint credentials.

Run: .venv/bin/python bench/signing.py [--seconds S] [--processes N]

Credentials: cfx's own examples (schemas/examples/valid), each re-issued by a fresh did:key with
the cfx v1 context from the production manifest:
  * pv-module:  crystalline-silicon PV module footprint (PACT v3 + GB/T 24067 fields)
  * battery:    power-battery footprint with a GEC electricity block, ~90 quads (close to the
                ~86-quad PACT credential of the JavaScript reference figure below)
Paths: "reference" = pyld expansion with the lossless checks (signing.rdf.reference_to_nquads);
"fast" = compiled cfx/W3C contexts (signing.fast_rdf), falling back to pyld where it cannot
decide (within the default JsonLdLimits budget); "fast-only" = the same with FAST_PATH_ONLY (what
a server uses: no pyld fall-back). All then use signing.canon's default RDFC-1.0 canonicalizer.
JCS suites do no JSON-LD work, so their paths are the same code.

Baseline: Digital Bazaar's vc 7.3 stack (JavaScript, single process) verifies ~600
eddsa-rdfc-2022 PACT credentials/s on this machine class (issue 7). Targets: >= 2x per process,
>= 3.5x on the whole machine. All other figures are measured in this run; the machine is shared,
so each figure is the best of three rounds (see `rate`).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# E402 below: these imports must follow the path insert so the bench runs from a plain checkout.

from schemas.paths import CONTEXTS_MANIFEST  # noqa: E402
from signing.batch import VerifierPool  # noqa: E402
from signing.budget import DEFAULT_JSONLD_LIMITS, FAST_PATH_ONLY, JsonLdLimits  # noqa: E402
from signing.keys import PrivateKey, generate_key, private_key_from_multibase  # noqa: E402
from signing.loader import default_loader  # noqa: E402
from signing.proofs import sign  # noqa: E402
from signing.rdf import reference_to_nquads  # noqa: E402
from signing.verification import verify  # noqa: E402

record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]

EXAMPLES = ROOT / "schemas" / "examples" / "valid"
DOCUMENTS = {
    "pv-module": EXAMPLES / "product-footprint-crystalline-silicon-pv-module.json",
    "battery": EXAMPLES / "product-footprint-power-battery-with-gec.json",
}
SUITES = [
    ("eddsa-rdfc-2022", "ed25519"),
    ("ecdsa-rdfc-2019", "p256"),
    ("ecdsa-rdfc-2019", "p384"),
    ("eddsa-jcs-2022", "ed25519"),
    ("ecdsa-jcs-2019", "p256"),
]
JS_BASELINE = 600.0
INTEROP = ROOT / "tests" / "data" / "interop"
BATCH = 128


def js_verify_rate(signed: dict[str, Any], seconds: float) -> float | None:
    """Digital Bazaar's vc 7.3 verifying the same credential here, if installed (see
    tests/data/interop: npm ci --prefix tests/data/interop); None otherwise."""
    node = shutil.which("node")
    if node is None or not (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(signed, handle)
    try:
        out = subprocess.run(
            [node, str(INTEROP / "bench.mjs"), str(CONTEXTS_MANIFEST), handle.name, str(seconds)],
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
    finally:
        Path(handle.name).unlink()
    return float(out.stdout.strip())


def leaf_count(value: Any) -> int:
    if isinstance(value, dict):
        return sum(leaf_count(v) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(leaf_count(v) for v in value)
    return 1


def credential(name: str, key: PrivateKey) -> dict[str, Any]:
    document = json.loads(DOCUMENTS[name].read_text())
    document.pop("proof", None)
    document["issuer"] = key.did
    return document


def rate(function: Callable[[], object], seconds: float, rounds: int = 3) -> float:
    """Best of `rounds` runs of seconds/rounds each: on a shared machine the best run is the
    closest to what the code can do; the median would mostly measure the neighbours."""
    return rates(function, seconds, rounds)[0]


def rates(function: Callable[[], object], seconds: float, rounds: int = 3) -> tuple[float, float]:
    """(best wall-clock rate, best rate per CPU-second of this process). The second does not
    drop when other jobs share the cores, so it is the per-process capacity."""
    for _ in range(20):
        function()
    best_wall = best_cpu = 0.0
    for _ in range(rounds):
        count, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while (elapsed := time.perf_counter() - start) < seconds / rounds:
            function()
            count += 1
        cpu = max(time.process_time() - cpu_start, 1e-9)
        best_wall, best_cpu = max(best_wall, count / elapsed), max(best_cpu, count / cpu)
    return best_wall, best_cpu


# --- pool workers (sign needs the key in the worker; verify uses the product's VerifierPool) ---
_WORKER: dict[str, Any] = {}


def _init_sign_worker(secret: str) -> None:
    _WORKER["key"] = private_key_from_multibase(secret)
    _WORKER["loader"] = default_loader()


#: path -> (fast, jsonld_limits)
PATHS: dict[str, tuple[bool, JsonLdLimits]] = {
    "reference": (False, DEFAULT_JSONLD_LIMITS),
    "fast": (True, DEFAULT_JSONLD_LIMITS),
    "fast-only": (True, FAST_PATH_ONLY),
    "jcs": (True, DEFAULT_JSONLD_LIMITS),
}


def _sign_batch(job: tuple[dict[str, Any], str, str, int]) -> int:
    document, suite, path, count = job
    fast, limits = PATHS[path]
    for _ in range(count):
        sign(
            document, _WORKER["key"], suite=suite, loader=_WORKER["loader"], fast=fast,
            jsonld_limits=limits,
        )  # fmt: skip
    return count


def pool_sign_rate(
    key: PrivateKey, job: tuple[dict[str, Any], str, str], processes: int, seconds: float
) -> float:
    document, suite, path = job
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        processes,
        mp_context=context,
        initializer=_init_sign_worker,
        initargs=(key.secret_multibase(),),
    ) as pool:
        list(pool.map(_sign_batch, [(document, suite, path, 20)] * processes))  # warm-up
        chunk = max(8, BATCH // processes)
        best = 0.0
        for _ in range(3):
            done, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / 3:
                jobs = [(document, suite, path, chunk)] * processes
                done += sum(pool.map(_sign_batch, jobs))
            best = max(best, done / (time.perf_counter() - start))
        return best


def pool_verify_rate(
    pool: VerifierPool, signed: dict[str, Any], path: str, seconds: float
) -> float:
    batch = [signed] * BATCH
    fast, limits = PATHS[path]
    for _ in range(3):  # warm-up: every worker compiles its contexts before the clock starts
        pool.verify_many(batch, chunksize=16, fast=fast, jsonld_limits=limits)
    best = 0.0
    for _ in range(3):
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            results = pool.verify_many(batch, chunksize=16, fast=fast, jsonld_limits=limits)
            assert all(r.verified for r in results), results[0]
            done += len(results)
        best = max(best, done / (time.perf_counter() - start))
    return best


def measure(
    key: PrivateKey, document: dict[str, Any], suite: str, path: str, *, pool: VerifierPool,
    args: argparse.Namespace,
) -> tuple[float, float, float, float, float]:  # fmt: skip
    """(sign/s, verify/s, verify per CPU-second: one process; sign/s, verify/s: pool)."""
    loader = default_loader()
    fast, limits = PATHS[path]
    signed = sign(document, key, suite=suite, loader=loader)
    assert verify(signed, loader=loader, fast=fast, jsonld_limits=limits).verified

    def sign_once() -> object:
        return sign(document, key, suite=suite, loader=loader, fast=fast, jsonld_limits=limits)

    def verify_once() -> object:
        return verify(signed, loader=loader, fast=fast, jsonld_limits=limits)

    return (
        rate(sign_once, args.seconds),
        *rates(verify_once, args.seconds),
        pool_sign_rate(key, (document, suite, path), args.processes, args.seconds),
        pool_verify_rate(pool, signed, path, args.seconds),
    )


def print_table(rows: list[tuple[str, ...]], processes: int) -> None:
    header = (
        "credential", "fields", "quads", "suite / key", "path", "sign/s 1p", "verify/s 1p",
        "verify/cpu-s 1p",
        f"sign/s {processes}p", f"verify/s {processes}p",
    )  # fmt: skip
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        cells = zip(row, widths, strict=True)
        print("  ".join(c.rjust(w) if i >= 5 else c.ljust(w) for i, (c, w) in enumerate(cells)))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", maxsplit=1)[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="per figure (3 rounds)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--documents", nargs="*", default=list(DOCUMENTS), choices=list(DOCUMENTS))
    parser.add_argument(
        "--suites", nargs="*", default=sorted({s for s, _ in SUITES}), help="cryptosuites to run"
    )
    args = parser.parse_args()
    loader = default_loader()
    keys = {key_type: generate_key(key_type) for key_type in ("ed25519", "p256", "p384")}
    print(
        f"cfx bench/signing.py: {os.cpu_count()} CPUs, pool of {args.processes} processes, "
        f"{args.seconds:.1f} s per figure; load average {os.getloadavg()[0]:.2f} at start"
    )
    rows: list[tuple[str, ...]] = []
    verify_rates: dict[tuple[str, str, str], float] = {}
    with VerifierPool(args.processes) as pool:
        for doc_name in args.documents:
            for suite, key_type in SUITES:
                if suite not in args.suites:
                    continue
                key = keys[key_type]
                document = credential(doc_name, key)
                jcs = suite.endswith(("jcs-2022", "jcs-2019"))
                quads = "-" if jcs else str(len(reference_to_nquads(document, loader).splitlines()))
                for path in ("jcs",) if jcs else ("reference", "fast", "fast-only"):
                    s1, v1, vc, sp, vp = measure(key, document, suite, path, pool=pool, args=args)
                    label = f"{suite} {key_type}"
                    verify_rates[doc_name, label, path] = v1
                    verify_rates[doc_name, label, path + "-cpu"] = vc
                    verify_rates[doc_name, label, path + "-pool"] = vp
                    figures = tuple(f"{x:,.0f}" for x in (s1, v1, vc, sp, vp))
                    row = (doc_name, str(leaf_count(document)), quads, label, path, *figures)
                    rows.append(row)
                    print("  measured:", *row, file=sys.stderr)
    print_table(rows, args.processes)
    if "eddsa-rdfc-2022" not in args.suites:
        return
    print("\neddsa-rdfc-2022 verification against the JavaScript baseline (600/s, one process):")
    for doc_name in args.documents:
        label = "eddsa-rdfc-2022 ed25519"
        reference = verify_rates[doc_name, label, "reference"]
        fast = verify_rates[doc_name, label, "fast"]
        fast_pool = verify_rates[doc_name, label, "fast-pool"]
        fast_cpu = verify_rates[doc_name, label, "fast-cpu"]
        fast_only_cpu = verify_rates[doc_name, label, "fast-only-cpu"]
        print(
            f"  {doc_name}: fast/reference {fast / reference:.1f}x; "
            f"fast-only/fast per CPU-second {fast_only_cpu / fast_cpu:.2f}; "
            f"per process {fast / JS_BASELINE:.2f}x wall-clock, "
            f"{fast_cpu / JS_BASELINE:.2f}x per CPU-second (target 2x); "
            f"whole machine, {args.processes} processes: {fast_pool / JS_BASELINE:.2f}x "
            "(target 3.5x)"
        )
        record(
            "signing",
            f"verify {doc_name}, fast, per CPU-second vs JS 600/s",
            fast_cpu / JS_BASELINE,
            "x",
            target=2.0,
        )
        record(
            "signing",
            f"verify {doc_name}, {args.processes} processes vs JS 600/s",
            fast_pool / JS_BASELINE,
            "x",
            target=3.5,
        )
        key = keys["ed25519"]
        js = js_verify_rate(sign(credential(doc_name, key), key), args.seconds)
        if js is None:
            print("    JS stack not installed here (npm ci --prefix tests/data/interop)")
        else:
            print(
                f"    Digital Bazaar vc 7.3 measured now on this machine: {js:,.0f}/s; "
                f"cfx fast is {fast / js:.1f}x per process, {fast_pool / js:.1f}x on the pool"
            )


if __name__ == "__main__":
    main()
