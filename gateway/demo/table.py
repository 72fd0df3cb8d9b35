"""How the demo prints: one small table per step, and a summary of every step at the end.
Box lines on a terminal, ASCII rules in pipes and logs (like `cfx sync`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table

OK, FAILED, SKIPPED = "OK", "FAILED", "SKIPPED"


@dataclass
class StepResult:
    """What one step of the story did: its facts as (what, value) lines, and whether it held."""

    title: str
    ok: bool
    facts: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    skipped: bool = False

    @property
    def result(self) -> str:
        """OK, FAILED or SKIPPED (a step after a failure is not run)."""
        if self.skipped:
            return SKIPPED
        return OK if self.ok else FAILED


class Printer:
    """Prints the step tables and the summary on `out` (stdout by default)."""

    def __init__(self, out: TextIO | None = None) -> None:
        stream = out or sys.stdout
        self._plain = not stream.isatty()
        self._console = Console(file=stream, width=110, highlight=False, emoji=False)

    def _table(self) -> Table:
        return Table(box=box.ASCII if self._plain else box.ROUNDED, show_header=False)

    def text(self, line: str) -> None:
        """A line of prose."""
        self._console.print(line, markup=False)

    def step(self, number: int, step: StepResult) -> None:
        """One step's facts, titled with its number, result and time."""
        self.text(f"\n[{number}] {step.title}: {step.result} ({step.seconds:.2f} s)")
        table = self._table()
        table.add_column("what", style="bold")
        table.add_column("value", overflow="fold")
        for what, value in step.facts:
            table.add_row(what, value)
        self._console.print(table)

    def summary(self, steps: Sequence[StepResult]) -> None:
        """Every step: its result and seconds, and the total."""
        self.text("\nsummary")
        table = self._table()
        table.show_header = True
        table.add_column("#", justify="right")
        table.add_column("step")
        table.add_column("result")
        table.add_column("seconds", justify="right")
        for number, step in enumerate(steps, 1):
            table.add_row(str(number), step.title, step.result, f"{step.seconds:.2f}")
        total = sum(step.seconds for step in steps)
        passed = sum(step.ok for step in steps)
        table.add_row("", "total", f"{passed}/{len(steps)} {OK}", f"{total:.2f}")
        self._console.print(table)
