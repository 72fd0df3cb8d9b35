"""Run every fuzz target for a fixed time; exit non-zero if any of them found something.

    python fuzz/run.py --seconds 60 [--target verify ...]      (what `make fuzz SECONDS=60` runs)

Each target runs in its own libFuzzer process over fuzz/corpus/<target>/ (built by
build_corpus.py when missing; new interesting inputs are added to it), with a per-input time
limit (a slower input is a finding: a hang) and a memory limit. A finding's input is written to
fuzz/findings/<target>/; turn it into a regression test in tests/attacks/test_fuzz_regressions.py.
fuzz/findings/history.tsv keeps one line per target run (time, seconds, inputs, outcome): the
figures the README's "Fuzzing" paragraph quotes.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
CORPUS = FUZZ / "corpus"
FINDINGS = FUZZ / "findings"


@dataclass(frozen=True)
class Target:
    name: str
    #: libFuzzer -timeout: seconds one input may take before it counts as a hang. Generous, as
    #: the machine is shared; the node's own refusals are timed by tests/attacks/.
    per_input_seconds: int
    max_len: int


TARGETS = (
    Target("parse_validate", per_input_seconds=10, max_len=32 * 1024),
    Target("verify", per_input_seconds=10, max_len=16 * 1024),
    Target("cli_readers", per_input_seconds=10, max_len=32 * 1024),
)


def _ensure_corpus() -> None:
    if not (CORPUS / "_fixtures" / "log.vkey").exists() or not all(
        (CORPUS / t.name).is_dir() for t in TARGETS
    ):
        subprocess.run([sys.executable, str(FUZZ / "build_corpus.py")], check=True)


def run_target(target: Target, seconds: int) -> tuple[int, str]:
    findings = FINDINGS / target.name
    findings.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        str(FUZZ / f"target_{target.name}.py"),
        str(CORPUS / target.name),
        f"-max_total_time={seconds}",
        f"-timeout={target.per_input_seconds}",
        f"-max_len={target.max_len}",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={findings}/",
        "-print_final_stats=1",
    ]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    log = done.stdout + done.stderr
    (findings.parent / f"{target.name}.log").write_text(log, encoding="utf-8")
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    known = sorted(set(re.findall(r"known finding \(not new\): (.*)", log)))
    summary = (
        f"{target.name}: {'OK' if done.returncode == 0 else 'FINDING'} after {elapsed:.0f} s, "
        f"{runs[-1] if runs else '?'} inputs"
        + (f"; known findings seen: {'; '.join(known)}" if known else "")
    )
    with (FINDINGS / "history.tsv").open("a", encoding="utf-8") as history:
        outcome = "ok" if done.returncode == 0 else f"exit {done.returncode}"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        inputs = runs[-1] if runs else "?"
        history.write(f"{stamp}\t{target.name}\t{elapsed:.0f}\t{inputs}\t{outcome}\n")
    if done.returncode != 0:
        tail = "\n".join(line for line in log.splitlines() if not line.startswith("INFO: Instr"))
        summary += f" (exit {done.returncode}; inputs in {findings})\n{tail[-4000:]}"
    return done.returncode, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--target", action="append", choices=[t.name for t in TARGETS])
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    _ensure_corpus()
    failed = False
    for target in TARGETS:
        if args.target and target.name not in args.target:
            continue
        code, summary = run_target(target, args.seconds)
        print(summary, flush=True)
        failed |= code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
