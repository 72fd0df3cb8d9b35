"""A progress bar for commands that work through many files: on stderr, and only when stderr is
a terminal, so pipes, logs and `--json` output never receive a carriage return or an escape code.

rich draws the bar live below what the command prints on stdout (it redirects those writes above
the bar) and erases it when the work ends (transient), so no half-overwritten line is left behind.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Advance = Callable[[str], None]


def _nothing(_: str) -> None:
    """No bar: nothing to draw."""


@contextmanager
def progress(total: int, verb: str, *, enabled: bool = True) -> Iterator[Advance]:
    """Yield `advance(label)`, to call once per item before working on it; a bar on a terminal
    for more than one item, nothing otherwise."""
    if not (enabled and total > 1 and sys.stderr.isatty()):
        yield _nothing
        return
    bar = Progress(
        TextColumn(f"{verb} [progress.description]{{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    with bar:
        task = bar.add_task("", total=total)
        started = False

        def advance(label: str) -> None:
            nonlocal started
            bar.update(task, description=label[:40], advance=1 if started else 0)
            started = True

        yield advance
        bar.update(task, completed=total)
