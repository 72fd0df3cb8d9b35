"""`cfx validate`: exit 0 valid, 1 invalid with every violation, 2 unusable input; files of
every kind, bare datasets, stdin, and AccountingRule files given with --rules."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import schemas
from gateway.cli import main
from schemas import resources
from tests.helpers.schemas_data import (
    BATTERY_RULE,
    EXAMPLES,
    INDEX,
    five_defects,
    rules_for,
    valid_files,
)


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
    assert "/credentialSubject/electricity/gecClaims/0/firstCertificateId" in out
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


def _rule_file(tmp_path: Path, name: str | None) -> list[str]:
    """--rules arguments for an index.json rule set (written to a file, as a vendor would)."""
    rules = rules_for(name)
    if rules is None:
        return []
    path = tmp_path / "rule.json"
    path.write_text(json.dumps(rules[BATTERY_RULE]))
    return ["--rules", str(path)]


@pytest.mark.parametrize("entry", INDEX["invalid"], ids=lambda e: e["file"])
def test_every_invalid_example_exits_one_with_its_reason_at_its_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: dict[str, Any]
) -> None:
    profile = ["--profile", entry["profile"]] if entry["profile"] else []
    rules = _rule_file(tmp_path, entry.get("rules"))
    path = str(EXAMPLES / entry["file"])
    # --strict: an example of a warning (a PACT x-rule SHALL omission) fails only when asked.
    assert main(["validate", "--json", "--strict", *profile, *rules, path]) == 1
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert report["valid"] is False
    assert [(v["pointer"], v["reason"]) for v in report["violations"]] == [
        (entry["pointer"], entry["reason"])
    ]


def test_bare_dataset_file_is_validated_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    factor = json.loads(
        (
            EXAMPLES / "valid" / "emission-factor-sichuan-electricity-footprint-factor.json"
        ).read_text()
    )
    path = tmp_path / "factor.json"
    path.write_text(json.dumps(factor["credentialSubject"]))
    assert main(["validate", str(path)]) == 0
    assert "valid EmissionFactor" in capsys.readouterr().out
    factor["credentialSubject"]["region"] = "cn-sc"
    path.write_text(json.dumps(factor["credentialSubject"]))
    assert main(["validate", str(path)]) == 1
    assert "/region  INVALID_REGION_CODE" in capsys.readouterr().out


def test_dash_reads_the_document_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = (EXAMPLES / "invalid" / "footprint-missing-pcf.json").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    assert main(["validate", "-"]) == 1
    assert "/credentialSubject/pcf  MISSING_REQUIRED_FIELD" in capsys.readouterr().out


def test_rules_file_lets_a_footprint_cite_an_unbundled_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A database vendor checks footprints against a rule before publishing it.
    rule = json.loads((resources.RULES_DIR / "power-battery.json").read_text())
    new_id = "urn:cfx:accounting-rule:power-battery:2.0.0"
    rule["credentialSubject"].update(id=new_id, ruleVersion="2.0.0")
    rule["credentialSubject"]["cutOff"]["maxExemptedEmissionsPercent"] = "0.5"
    rule_path = tmp_path / "rule-2.json"
    rule_path.write_text(json.dumps(rule))
    footprint = json.loads(
        (EXAMPLES / "valid" / "product-footprint-power-battery-with-gec.json").read_text()
    )
    footprint["credentialSubject"]["accountingRuleId"] = new_id
    path = tmp_path / "footprint.json"
    path.write_text(json.dumps(footprint))
    assert main(["validate", str(path)]) == 1
    assert "UNKNOWN_ACCOUNTING_RULE" in capsys.readouterr().out
    assert main(["validate", "--rules", str(rule_path), str(path)]) == 1
    assert "/credentialSubject/pcf/exemptedEmissionsPercent  CUT_OFF_EXCEEDED" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"a": 1, "a": 2}', "DUPLICATE_KEY"),
        (b'{"type": "EmissionFactor"}', "NOT_AN_ACCOUNTING_RULE"),
        (b'{"type": "AccountingRule", "id": "urn:cfx:accounting-rule:x:1"}',
         "ACCOUNTING_RULE_INVALID"),
    ],
)  # fmt: skip
def test_unusable_rules_file_exits_two_before_validating_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    rule_path = tmp_path / "rule.json"
    rule_path.write_bytes(content)
    valid = str(valid_files()[0])
    assert main(["validate", "--json", "--rules", str(rule_path), valid]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [f["error"]["reason"] for f in report["files"]] == [reason]


@pytest.mark.parametrize("profile", [None, *schemas.PROFILES])
def test_every_example_valid_under_a_profile_exits_zero_with_it(
    capsys: pytest.CaptureFixture[str], profile: str | None
) -> None:
    files = [str(EXAMPLES / e["file"]) for e in INDEX["valid"] if profile in e["profiles"]]
    option = ["--profile", profile] if profile else []
    assert main(["validate", *option, *files]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out.count(": valid ") == len(files)


def test_every_violation_of_a_file_is_listed_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = five_defects()
    path = tmp_path / "five-defects.json"
    path.write_text(json.dumps(document))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "(5 violations)" in out
    for reason in ("DECIMAL_NOT_A_STRING", "PCF_BIOGENIC_SUM_MISMATCH", "PERIOD_ORDER",
                   "UNKNOWN_FIELD", "INVALID_GEC_CERTIFICATE_ID"):  # fmt: skip
        assert f"  {reason}  " in out
