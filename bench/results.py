"""Benchmark figures as data: each bench script appends its figures to bench/results.jsonl,
and `render` writes bench/RESULTS.md from that file, so no figure is ever copied by hand.

In a bench script (run with `python -P`, so bench/ is not on sys.path and bench/signing.py
cannot shadow the `signing` package), load this file by path:

    record = runpy.run_path(str(Path(__file__).with_name("results.py")))["record"]
    record("validate", "schemas.validate (full)", 6200.0, "/s", target=5000)

    .venv/bin/python -P bench/results.py reset    # start a new run (empties results.jsonl)
    .venv/bin/python -P bench/results.py failed sync 1  # a bench that exited 1
    .venv/bin/python -P bench/results.py render   # results.jsonl -> RESULTS.md

CFX_BENCH_RESULTS names another JSON lines file (tests, one-off runs).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"


def results_file() -> Path:
    """The JSON lines file figures go to (CFX_BENCH_RESULTS, else bench/results.jsonl)."""
    return Path(os.environ.get("CFX_BENCH_RESULTS", HERE / "results.jsonl"))


def record(
    bench: str,
    measure: str,
    value: float,
    unit: str,
    *,
    target: float | None = None,
    higher_is_better: bool = True,
    note: str = "",
) -> None:
    """Append one figure (and its target, if it has one) to the results file."""
    row = {
        "bench": bench,
        "measure": measure,
        "value": value,
        "unit": unit,
        "target": target,
        "higher_is_better": higher_is_better,
        "note": note,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with results_file().open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def verdict(row: dict[str, Any]) -> tuple[str, str]:
    """(ratio to the target, verdict): the ratio is > 1 when the figure is better than asked."""
    target, value = row.get("target"), float(row["value"])
    if target is None:
        return "", "reported"
    if not target:  # a count that must be zero (errors): no ratio to give
        return "", "meets" if value <= 0 else "**BELOW**"
    if row.get("higher_is_better", True):
        ratio = value / target if target else float("inf")
        met = value >= target
    else:
        ratio = target / value if value else float("inf")
        met = value <= target
    return f"{ratio:.2f}", "meets" if met else "**BELOW**"


def _figure(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    return f"{text} {unit}".strip()


def _target(row: dict[str, Any]) -> str:
    if row.get("target") is None:
        return ""
    sign = ">=" if row.get("higher_is_better", True) else "<="
    return f"{sign} {_figure(float(row['target']), row['unit'])}"


def machine() -> list[str]:
    """CPU model, cores, RAM, Python and OS of this machine, as Markdown list items."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text(encoding="utf-8").split()[1])
        ram = f"{mem_kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        ram = "unknown"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (shared with other work during the run)",
        f"- RAM: {ram}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- OS: {platform.platform()}",
    ]


def render(rows: list[dict[str, Any]], *, sizes: str) -> str:
    """RESULTS.md: machine, date, then every figure next to its target, ratio and verdict."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/results.py renders bench/results.jsonl); do not edit.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Sizes: {sizes}",
        *machine(),
        "",
        "| bench | measure | figure | target | ratio | verdict | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio, word = verdict(row)
        figure = _figure(float(row["value"]), row["unit"])
        lines.append(
            f"| {row['bench']} | {row['measure']} | {figure} | {_target(row)} | {ratio} | "
            f"{word} | {row.get('note', '')} |"
        )
    below = sum(1 for row in rows if verdict(row)[1] != "meets" and row.get("target") is not None)
    lines += ["", f"{len(rows)} figures, {below} below target.", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`reset` empties the results file; `failed BENCH STATUS` records a bench that failed;
    `render [SIZES]` writes RESULTS.md from the file."""
    command = argv[0] if argv else "render"
    path = results_file()
    if command == "reset":
        path.write_text("", encoding="utf-8")
        return 0
    if command == "failed" and len(argv) == 3:
        record(
            argv[1],
            "exit status (the bench failed: see its output)",
            int(argv[2]),
            "",
            target=0,
            higher_is_better=False,
        )
        return 0
    if command != "render":
        print(
            f"usage: results.py reset|failed BENCH STATUS|render [SIZES], not {command!r}",
            file=sys.stderr,
        )
        return 2
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    sizes = argv[1] if len(argv) > 1 else "quick (FULL=1 for the issues' sizes)"
    RESULTS_MD.write_text(render(rows, sizes=sizes), encoding="utf-8")
    print(f"wrote {RESULTS_MD} ({len(rows)} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
