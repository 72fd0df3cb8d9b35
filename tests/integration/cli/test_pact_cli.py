"""PACT files first-class in the CLI (issue 13, Found 8): `cfx validate`, `sign` and `submit`
take an official PACT v3 file as it is, and `cfx convert` reaches every translation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from gateway.domain import NodeRole
from schemas.translate.extension import DATA_SCHEMA
from signing.keys import save_key
from tests.helpers.nodes import Harness, as_role, make_node
from tests.helpers.schemas_data import BATTERY, EXAMPLES

COPPER = EXAMPLES / "external" / "pact-v3-sample-copper-cathode.json"
CATENAX_V10 = EXAMPLES / "external" / "catenax-pcf-v10.0.0-sample.json"
CCS = "/pcf/ccsTechnologicalCO2CaptureIncluded"
SHARE = "/pcf/primaryDataShare"


def _json_out(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def test_official_copper_sample_validates_with_exit_zero_and_lists_its_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--profile", "pact-3.0", str(COPPER)]) == 0
    out = capsys.readouterr().out
    assert "read as a cfx dataset from pact-v3" in out
    assert "/id  CONVERTED" in out
    assert "valid ProductFootprint (2 violations: 0 errors, 2 warnings)" in out
    assert f"{CCS}  MISSING_REQUIRED_FIELD  warning:" in out
    assert f"{SHARE}  PRIMARY_DATA_SHARE_LOOKS_LIKE_FRACTION  warning:" in out
    assert "UNKNOWN_KIND" not in out


def test_strict_makes_the_warnings_fail(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--strict", "--profile", "pact-3.0", str(COPPER)]) == 1
    assert "invalid ProductFootprint" in capsys.readouterr().out
    assert main(["validate", "--strict", str(COPPER)]) == 0  # no profile: nothing to warn about


def test_json_report_carries_severity_and_what_was_converted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--json", "--profile", "pact-3.0", str(COPPER)]) == 0
    (entry,) = _json_out(capsys)["files"]
    assert (entry["valid"], entry["errors"], entry["warnings"]) == (True, 0, 2)
    assert {(v["pointer"], v["severity"]) for v in entry["violations"]} == {
        (CCS, "warning"),
        (SHARE, "warning"),
    }
    assert entry["converted"]["from"] == "pact-v3"
    assert {"/id", "/type"} <= {note["pointer"] for note in entry["converted"]["notes"]}


def test_errors_still_refuse_next_to_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(COPPER.read_text())
    document["validityPeriodStart"] = "2024-01-01T00:00:00Z"  # before the reference period ends
    path = tmp_path / "early.json"
    path.write_text(json.dumps(document))
    assert main(["validate", "--json", "--profile", "pact-3.0", str(path)]) == 1
    (entry,) = _json_out(capsys)["files"]
    assert entry["valid"] is False
    assert (entry["errors"], entry["warnings"]) == (1, 2)


def test_a_pact_v2_file_is_unusable_with_the_conversion_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(COPPER.read_text())
    document["specVersion"] = "2.3.0"
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(document))
    assert main(["validate", str(path)]) == 2
    assert "UNTRANSLATABLE" in capsys.readouterr().out


def test_sign_of_a_pact_file_no_longer_fails_on_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "issuer.key"
    assert main(["keys", "generate", "--out", str(key)]) == 0
    signed = tmp_path / "signed.json"
    assert main(["sign", "--key", str(key), str(COPPER), "-o", str(signed)]) == 0
    assert "/type  DEFAULTED" in capsys.readouterr().err
    assert main(["verify", str(signed)]) == 0
    credential = json.loads(signed.read_text())
    assert credential["credentialSubject"]["comment"] == json.loads(COPPER.read_text())["comment"]
    assert main(["validate", str(signed)]) == 0


def test_convert_pact_v3_to_cfx_is_lossless_and_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dataset.json"
    argv = ["convert", "--from", "pact-v3", "--to", "cfx", "--require-lossless", str(COPPER)]
    assert main([*argv, "-o", str(out)]) == 0
    assert "pact-v3 -> cfx" in capsys.readouterr().err
    assert json.loads(out.read_text())["type"] == "ProductFootprint"


def test_convert_cfx_to_pact_v3_carries_the_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["convert", "--json", "--from", "cfx", "--to", "pact-v3", str(EXAMPLES / BATTERY)]
    assert main(argv) == 0
    report = _json_out(capsys)
    assert report["lossless"] is True
    (extension,) = report["document"]["extensions"]
    assert extension["dataSchema"] == DATA_SCHEMA
    assert {note["step"] for note in report["notes"]} == {"cfx->pact-v3"}


def test_convert_not_lossless_with_require_lossless_exits_one_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    argv = ["convert", "--from", "catenax-v10", "--to", "cfx", str(CATENAX_V10), "-o", str(out)]
    assert main([*argv, "--require-lossless"]) == 1
    assert "refused (--require-lossless)" in capsys.readouterr().err
    assert not out.exists()
    assert main(argv) == 0  # without the flag: written, with its notes
    assert json.loads(out.read_text())["type"] == "ProductFootprint"
    err = capsys.readouterr().err
    assert "[catenax-v10->pact-v3]" in err
    assert "[pact-v3->cfx]" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "catenax-v7", "--to", "pact-v3", str(CATENAX_V10)], "Catena-X v10"),
        (["--from", "cfx", "--to", "cfx", str(COPPER)], "nothing to convert"),
        (["--from", "pact-v3", "--to", "battery-pass", str(COPPER)], "regulation's basis"),
    ],
)
def test_convert_unusable_input_exits_two(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["convert", *argv]) == 2
    assert message in capsys.readouterr().err


def test_convert_runs_as_a_real_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "convert", "--json", "--from", "pact-v3",
         "--to", "pact-v2", "--require-lossless", str(COPPER)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["lossless"], report["written"]) == (False, False)
    assert "document" not in report


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Harness]:
    # A registry: its policy requires pact-3.0, which a PACT file as it is meets (a provincial
    # node requires GB/T 24067 data that a PACT file does not carry).
    yield from make_node(tmp_path, configure=as_role(NodeRole.REGISTRY))


def test_submit_takes_a_pact_file_as_it_is_when_given_the_issuer_key(
    node: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "exporter.key"
    save_key(node.exporter_key, key)
    remote = ["submit", "--server", node.address, "--client-cert", str(node.identities["exporter"])]
    assert main([*remote, str(COPPER)]) == 2  # unsigned: not sent
    assert "give --key KEYFILE" in capsys.readouterr().err
    assert node.log_size() == 0
    assert main([*remote, "--key", str(key), str(COPPER)]) == 0
    captured = capsys.readouterr()
    assert "read as a cfx dataset from pact-v3" in captured.err
    name = re.search(r"accepted as (datasets/[0-9a-f-]{36})", captured.out)
    assert name is not None, captured.out
    got = tmp_path / "got.json"
    assert main(["get", *remote[1:], name.group(1), "-o", str(got)]) == 0
    subject = json.loads(got.read_text())["credentialSubject"]
    assert subject["id"] == "urn:uuid:74f64689-c9ce-40c8-91af-14e26551bbfa"
    assert subject["pcf"] == json.loads(COPPER.read_text())["pcf"]
