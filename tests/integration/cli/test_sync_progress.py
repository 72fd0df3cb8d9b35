"""`cfx sync` shows a progress bar only on a terminal: under a pseudo-terminal its stderr carries
the bar; piped or captured, stderr carries no control characters at all."""

from __future__ import annotations

import errno
import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import main
from tests.helpers.federation import Pair, make_pair
from tests.integration.rpc.test_sync import fresh, submit

ESC = "\x1b"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    yield from make_pair(tmp_path)


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError as err:  # Linux: EIO once the child closed its end
            if err.errno == errno.EIO:
                break
            raise
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_off_a_terminal_cfx_sync_writes_no_progress_control_characters(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    submit(pair, [fresh(), fresh()])
    assert main(["sync", "--dir", str(pair.puller.paths.root)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert ESC not in out
    assert "\r" not in out
    assert "sichuan" in out


def test_json_output_is_unchanged_by_the_progress_bar(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    submit(pair, [fresh()])
    assert main(["sync", "--dir", str(pair.puller.paths.root), "--json"]) == 0
    out, err = capsys.readouterr()
    assert (err, json.loads(out)["peers"][0]["stored"]) == ("", 1)


def test_on_a_terminal_cfx_sync_shows_a_progress_bar_on_stderr(pair: Pair) -> None:
    submit(pair, [fresh() for _ in range(3)])
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "sync", "--dir", str(pair.puller.paths.root)],
            stdout=subprocess.PIPE,
            stderr=follower,
            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"},
        )
        os.close(follower)
        follower = -1
        screen = _read_all(leader).decode("utf-8", "replace")
        out, _ = process.communicate(timeout=60)
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert process.returncode == 0, screen
    assert "sichuan" in screen
    assert "3/3" in screen  # the bar's done/total column
    assert "━" in screen  # the bar itself
    assert ESC not in out.decode()  # stdout is a pipe: the table is plain
