"""Every `cfx` command explains itself: an example, help for each option, no internal tags.

The walk covers whatever modules register, so a new sub-command without an example or with a bare
option fails here.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

import gateway
from gateway.cli import build_parser, main
from gateway.cli._help import EXAMPLES, commands

# Tags of the project's own notes (requirements R5, threats T6, goals G2, issue numbers, ADR
# numbers): meaningless to a user, so never in help text or a message.
INTERNAL_TAG = re.compile(r"\b[RTGS][0-9]{1,2}\b|\bissue [0-9]+|\bADR-?[0-9]+", re.IGNORECASE)

ALL = commands(build_parser())
IDS = [path or "cfx" for path, _ in ALL]


def _texts(parser: argparse.ArgumentParser) -> list[str]:
    texts = [parser.description or "", parser.epilog or "", parser.format_help()]
    texts += [action.help or "" for action in parser._actions]
    return texts


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_every_command_has_an_example(path: str, parser: argparse.ArgumentParser) -> None:
    assert "Example:\n  cfx" in parser.format_help(), f"`cfx {path} --help` shows no example"


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_no_internal_tag_in_help(path: str, parser: argparse.ArgumentParser) -> None:
    for text in _texts(parser):
        found = INTERNAL_TAG.search(text)
        assert found is None, f"`cfx {path} --help` shows the internal tag {found.group()!r}"


@pytest.mark.parametrize(("path", "parser"), ALL, ids=IDS)
def test_every_option_has_help(path: str, parser: argparse.ArgumentParser) -> None:
    bare = [
        action.option_strings or [action.dest]
        for action in parser._actions
        if action.help is None and not isinstance(action, argparse._SubParsersAction)
    ]
    assert bare == [], f"`cfx {path}`: options without help: {bare}"


def test_defaults_are_shown() -> None:
    submit = dict(ALL)["submit"].format_help()
    assert "(default: 127.0.0.1:7443)" in " ".join(submit.split())


def test_examples_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each example is a command line `cfx` accepts (node directories exist where named)."""
    for node in ("national", "sichuan"):
        (tmp_path / node).mkdir()
        (tmp_path / node / "config.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    registered = {path for path, _ in ALL}
    for path, lines in EXAMPLES.items():
        if path not in registered:
            continue  # an example for a command another branch adds
        for line in lines:
            argv = shlex.split(line)
            assert argv[0] == "cfx"
            try:
                build_parser().parse_args(argv[1:])
            except SystemExit as exc:
                pytest.fail(f"example of `cfx {path}` does not parse: {line} ({exc})")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"cfx {gateway.__version__}"


def test_pubkey_still_works_and_warns(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["log", "verify", "--pubkey", "log.vkey"])
    assert args.log_key == Path("log.vkey")
    assert "--pubkey is deprecated; use --log-key" in capsys.readouterr().err
    assert "--pubkey" not in dict(ALL)["log verify"].format_help()
