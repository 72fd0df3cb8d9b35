"""Fuzz target 3: every `cfx` command that reads a file a user hands it, run in-process.

The first input byte picks a scenario (a command line); the rest of the input becomes the one
file that scenario reads. The other files are real ones that belong together, made by
fuzz/build_corpus.py in fuzz/corpus/_fixtures/. A finding is any exception that leaves
`gateway.cli.main` (main turns the packages' typed errors into one line and exit 2): that is a
traceback a user would see. No scenario opens a network connection.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

from common import count_values, expect

with atheris.instrument_imports(include=["gateway", "signing", "schemas"]):
    from gateway.cli import main as cfx
    from gateway.witnessing import read_peer_key
    from schemas import strict_json

FIXTURES = Path(__file__).resolve().parent / "corpus" / "_fixtures"
if not (FIXTURES / "log.vkey").exists():
    sys.exit("fuzz/corpus/_fixtures is missing: run python fuzz/build_corpus.py first")
_WORK = Path(tempfile.mkdtemp(prefix="cfx-fuzz-cli-"))
_NODE = _WORK / "node"
shutil.copytree(FIXTURES / "node", _NODE)
_INPUT = _WORK / "input"
#: Verify-heavy scenarios stay within the verify target's budget (fuzz/target_verify.py).
MAX_VERIFY_BYTES = 16 * 1024
MAX_VERIFY_VALUES = 600


def _fx(name: str) -> str:
    return str(FIXTURES / name)


def _in_node(name: str) -> Callable[[str], list[str]]:
    """The fuzzed bytes replace NODE/`name` (restored after each input)."""

    def argv(path: str) -> list[str]:
        shutil.copyfile(path, _NODE / name)
        return ["trust", "list", "--dir", str(_NODE)]

    return argv


SCENARIOS: list[Callable[[str], list[str]]] = [
    lambda f: ["verify", f],
    lambda f: ["sign", "--key", f, "-o", os.devnull, _fx("unsigned.json")],
    lambda f: ["keys", "show", f],
    lambda f: ["verify", "--receipt", f, "--log-key", _fx("log.vkey"), _fx("credential.json")],
    lambda f: ["verify", "--receipt", _fx("receipt.json"), "--log-key", f, _fx("credential.json")],
    lambda f: ["log", "verify", "--pubkey", f, "--receipt", _fx("receipt.json"),
               "--credential", _fx("credential.json")],
    lambda f: ["log", "checkpoint", "--note", f, "--pubkey", _fx("log.vkey")],
    lambda f: ["log", "verify", "--pubkey", _fx("log.vkey"), "--checkpoint",
               _fx("checkpoint.note"), "--old-checkpoint", _fx("old-checkpoint.note"),
               "--proof", f],
    _in_node("trust.json"),
    _in_node("config.json"),
    lambda f: ["validate", f],
]  # fmt: skip
#: `cfx witness` reads the peer's key before it connects; only that read is fuzzed here.
PEER_KEY_SCENARIO = len(SCENARIOS)


def _too_big_to_verify(data: bytes) -> bool:
    if len(data) > MAX_VERIFY_BYTES:
        return True
    try:
        document = strict_json.loads(data)
    except strict_json.JSONInputError:
        return False
    return count_values(document, MAX_VERIFY_VALUES) > MAX_VERIFY_VALUES


def _run(argv: list[str]) -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cfx(argv)
        except SystemExit as exc:  # argparse refusing our own argv would be a harness bug
            if exc.code not in (0, None):
                raise AssertionError(f"cfx {argv} exited {exc.code}") from None


def one_input(data: bytes) -> None:
    if not data:
        return
    scenario, content = data[0] % (len(SCENARIOS) + 1), data[1:]
    if scenario == 0 and _too_big_to_verify(content):
        return
    _INPUT.write_bytes(content)
    _INPUT.chmod(0o600)  # a key file must be private; other modes are their own refusal
    if scenario == PEER_KEY_SCENARIO:
        expect(lambda: read_peer_key(_INPUT))
        return
    try:
        expect(lambda: _run(SCENARIOS[scenario](str(_INPUT))))
    finally:
        for name in ("trust.json", "config.json"):
            shutil.copyfile(FIXTURES / "node" / name, _NODE / name)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
