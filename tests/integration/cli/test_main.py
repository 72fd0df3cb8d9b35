import subprocess
import sys

import pytest

from gateway.cli import main


def test_demo_runs_the_whole_exchange_and_exits_zero(capsys, tmp_path):
    assert main(["demo", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Carbon Footprint eXchange" in out
    assert "receipt verified offline" in out
    assert "refused: INVALID_ARGUMENT SIGNATURE_INVALID" in out
    assert "byte-identical" in out


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_console_script_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "submit" in out.stdout
