"""Every shell block of the README and of the docs tutorials runs, as pasted, in a scratch dir.

A document's ```bash, ```sh and ```console blocks run one after another in ONE bash process
(`set -eo pipefail`), so later blocks see the files, variables and background jobs of earlier
ones, exactly as in a reader's terminal. The scratch directory looks like a clone after
`make demo`: `.venv` (this test's virtual environment) and a copy of `examples/`; HOME and TMPDIR
are fresh, and `.venv/bin` comes first on PATH. Illustrative blocks that are not meant to run are
fenced ```text. A document in docs/ is a tutorial when it carries TUTORIAL_MARK; every other
document may hold no runnable fence at all, so a shell block is either run here or marked text.
Whatever the blocks leave running (a `cfx serve &`) is killed with their process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
TUTORIAL_MARK = "<!-- docs-test: tutorial -->"
RUNNABLE = ("bash", "sh", "shell", "console")
_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_DONE = "docs-test: every block ran"
TIMEOUT_SECONDS = 300


def fenced_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced code block, in document order."""
    return [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(markdown)]


def shell_blocks(markdown: str) -> list[str]:
    """The runnable blocks; a ```console block keeps only its `$ ` command lines."""
    blocks = []
    for language, body in fenced_blocks(markdown):
        if language == "console":
            lines = body.splitlines()
            blocks.append("".join(line[2:] + "\n" for line in lines if line.startswith("$ ")))
        elif language in RUNNABLE:
            blocks.append(body)
    return blocks


def tutorials() -> list[Path]:
    """README.md and every docs/ page that declares itself a tutorial."""
    marked = [p for p in sorted((REPO / "docs").rglob("*.md")) if TUTORIAL_MARK in p.read_text()]
    return [REPO / "README.md", *marked]


def script(blocks: list[str]) -> str:
    """One bash script: each block announced on stderr, a last line only reached when all passed."""
    parts = ["set -eo pipefail"]
    for number, block in enumerate(blocks, start=1):
        parts += [f"echo '--- docs-test: block {number}' >&2", block]
    parts.append(f"echo '{_DONE}'")
    return "\n".join(parts) + "\n"


def scratch(tmp_path: Path) -> dict[str, str]:
    """A clone-like working directory and a fresh environment for it."""
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return {
        "HOME": str(tmp_path / "home"),
        "TMPDIR": str(tmp_path / "tmp"),
        "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PGHOST": os.environ.get("PGHOST", "127.0.0.1"),
    }


def run_blocks(blocks: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the blocks in one shell; kill whatever they left running."""
    process = subprocess.Popen(
        ["bash", "-c", script(blocks)],
        cwd=tmp_path,
        env=scratch(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT_SECONDS)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.slow
@pytest.mark.parametrize("doc", tutorials(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_shell_block_of_a_tutorial_runs(doc: Path, tmp_path: Path):
    blocks = shell_blocks(doc.read_text())
    assert blocks, f"{doc.name} is a tutorial without a runnable block"
    result = run_blocks(blocks, tmp_path)
    report = f"{doc.name}: exit {result.returncode}\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, report
    assert _DONE in result.stdout, report


def test_a_failing_block_fails_the_run(tmp_path: Path):
    # The check itself: a block that fails in its middle stops the document there.
    blocks = ["true", "cfx verify no-such-file.json\necho after", "echo never"]
    result = run_blocks(blocks, tmp_path)
    assert result.returncode != 0
    assert "after" not in result.stdout
    assert _DONE not in result.stdout


def test_documents_that_are_not_tutorials_hold_no_runnable_block():
    listed = set(tutorials())
    for doc in sorted((REPO / "docs").rglob("*.md")):
        if doc not in listed:
            languages = {language for language, _ in fenced_blocks(doc.read_text())}
            assert not languages & set(RUNNABLE), (
                f"{doc.relative_to(REPO)} has a shell block: fence it ```text, or mark the page "
                f"{TUTORIAL_MARK!r} so that tests run it"
            )


def test_console_blocks_keep_only_commands():
    markdown = "```console\n$ cfx --help\nusage: cfx\n```\n```text\n$ not run\n```\n"
    assert shell_blocks(markdown) == ["cfx --help\n"]


def test_the_example_footprint_is_the_schemas_example_dataset():
    shipped = json.loads((REPO / "examples" / "footprint.json").read_text())
    source = REPO / "schemas/examples/valid/product-footprint-power-battery-with-gec.json"
    assert shipped == json.loads(source.read_text())["credentialSubject"]
