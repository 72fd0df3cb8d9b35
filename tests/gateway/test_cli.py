import subprocess
import sys

import pytest

from gateway.cli import main


def test_demo_exits_zero_and_says_what_cfx_is(capsys):
    assert main(["demo"]) == 0
    assert "Carbon Footprint eXchange" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_console_script_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "demo"], capture_output=True, text=True, check=True
    )
    assert "cfx" in out.stdout
