"""`cfx validate`: exit 0 valid, 1 invalid with every violation, 2 unusable input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main
from tests.schemas.conftest import EXAMPLES, INDEX, valid_files


def test_every_valid_file_of_every_kind_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(path) for path in valid_files()]
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    for kind in (
        "ProductFootprint",
        "EmissionFactor",
        "AccountingRule",
        "Attestation",
        "StatusUpdate",
    ):
        assert f"valid {kind}" in out


def test_invalid_file_exits_one_and_lists_pointer_and_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = EXAMPLES / "invalid" / "footprint-gec-certificate-id-31-digits.json"
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "/credentialSubject/electricity/gecClaims/0/certificateId" in out
    assert "INVALID_GEC_CERTIFICATE_ID" in out


def test_profile_option_applies_the_profile(capsys: pytest.CaptureFixture[str]) -> None:
    entry = next(e for e in INDEX["invalid"] if e["profile"] == "gbt24067-2024")
    path = str(EXAMPLES / entry["file"])
    assert main(["validate", path]) == 0
    assert main(["validate", "--profile", "gbt24067-2024", path]) == 1
    assert entry["reason"] in capsys.readouterr().out


def test_json_report_lists_every_violation(capsys: pytest.CaptureFixture[str]) -> None:
    valid = str(valid_files()[0])
    invalid = str(EXAMPLES / "invalid" / "footprint-gbt-missing-study-block.json")
    assert main(["validate", "--json", "--profile", "gbt24067-2024", valid, invalid]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["profile"] == "gbt24067-2024"
    first, second = report["files"]
    assert (first["valid"], first["violations"]) == (True, [])
    assert second["valid"] is False
    assert {v["reason"] for v in second["violations"]} == {"MISSING_REQUIRED_FIELD"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"a": 1, "a": 2}', "DUPLICATE_KEY"),
        (b"[1, 2]", "NOT_AN_OBJECT"),
        (b'{"n": NaN}', "NUMBER_OUT_OF_RANGE"),
        (b"\xff\xfe{}", "INVALID_ENCODING"),
    ],
)
def test_unusable_input_exits_two_even_next_to_an_invalid_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    invalid = str(EXAMPLES / "invalid" / "footprint-missing-pcf.json")
    assert main(["validate", "--json", invalid, str(bad)]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["files"][1]["error"]["reason"] == reason


def test_missing_file_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "absent.json")]) == 2
    assert "INPUT_FILE_UNREADABLE" in capsys.readouterr().out


def test_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate", "--profile", "pact-9", str(valid_files()[0])])
    assert caught.value.code == 2
