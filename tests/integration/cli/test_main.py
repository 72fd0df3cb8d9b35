import io
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.cli.demo import demo
from gateway.demo.story import exit_status
from gateway.demo.table import Printer


def test_demo_runs_the_whole_exchange_and_exits_zero():
    # `cfx demo` for real, in its own process: three nodes, mTLS on loopback, a temp directory.
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo"], capture_output=True, text=True, check=False
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "three-node federation demonstration" in out
    assert "rules flow down: provincial <- national: OK" in out
    assert "registry holds the shared footprint only: OK" in out
    assert "NOT held by the registry" in out
    for log in ("sichuan.provincial", "national.national", "eu-registry.registry"):
        assert re.search(rf"receipt of cfx\.{log}/log +\| verified", out), log
    assert "proof, offline" in out
    assert "refused: SIGNATURE_INVALID" in out
    assert "registry shows | DATASET_STATUS_WITHDRAWN" in out
    assert "quarantined: SPLIT_VIEW" in out
    # Issue 14: the attestation travels and verifies as a chain; requests answered.
    assert "a certifier's attestation reaches the registry: OK" in out
    assert "the registry verifies the chain offline: OK" in out
    assert "REQUEST_STATE_FULFILLED; footprint held, byte-identical" in out
    assert "rejected: NotFound" in out
    # Issue 14: the GEC ledger refuses a second claim and flags one made at another node.
    assert "a second exporter's claim of the same GECs is refused: OK" in out
    assert "the double claim across provinces is flagged: OK" in out
    assert "19/19 OK" in out
    assert not re.search(r"\|\s+FAILED\s+\|", out)  # no step's result is FAILED
    # Without --keep the nodes vanish: no path to them is shown.
    assert tempfile.gettempdir() not in out
    assert "PRIVATE KEY" not in out


def test_demo_keep_leaves_the_nodes_and_shows_how_to_explore_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["demo", "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for node in ("provincial", "national", "registry"):
        assert (tmp_path / node / "config.json").is_file()
    assert f"cfx peers list --dir {tmp_path / 'national'}" in out
    # The quarantined fork is in the kept national node, as `cfx peers list` will show.
    assert main(["peers", "list", "--dir", str(tmp_path / "national"), "--json"]) == 0
    assert "SPLIT_VIEW" in capsys.readouterr().out
    secrets = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*key*") if p.is_file()]
    assert secrets
    assert not [s for s in secrets if "PRIVATE" in s and s.strip() in out]


def test_a_failing_step_makes_the_demo_exit_non_zero(tmp_path: Path) -> None:
    # A real failure: without delegated trust the registry refuses the exporter's footprint
    # (only the provincial node registered its key), so the registry's sync does not store it.
    out = io.StringIO()
    results = demo(tmp_path, Printer(out), registry_delegates=False)
    assert exit_status(results) == 1
    by_title = {r.title: r for r in results}
    failed = by_title["sync registry <- national (delegated trust)"]
    assert failed.result == "FAILED"
    assert "KEY_NOT_TRUSTED" in str(failed.facts)
    assert by_title["a forked provincial log is detected"].result == "SKIPPED"
    assert [r.result for r in results[:6]] == ["OK"] * 6
    assert re.search(r"sync registry <- national \(delegated trust\) +\| FAILED", out.getvalue())


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_console_script_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "submit" in out.stdout
