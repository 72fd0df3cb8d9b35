"""Every example says what it claims: valid ones pass, each invalid one fails for its one reason."""

from __future__ import annotations

from typing import Any

import pytest

import schemas
from schemas import resources
from schemas.violations import errors, warnings
from tests.helpers.schemas_data import EXAMPLES, INDEX, load, rules_for

VALID_CASES = [
    pytest.param(entry["file"], profile, id=f"{entry['file']}[{profile}]")
    for entry in INDEX["valid"]
    for profile in entry["profiles"]
]
INVALID_CASES = [pytest.param(entry, id=entry["file"]) for entry in INDEX["invalid"]]


@pytest.mark.parametrize(("relative", "profile"), VALID_CASES)
def test_valid_example_has_no_violation(relative: str, profile: str | None) -> None:
    # Warnings are reported and kept: a valid example lists the ones it shows on purpose.
    found = schemas.validate(load(relative), profile=profile)
    entry = next(e for e in INDEX["valid"] if e["file"] == relative)
    assert errors(found) == []
    assert [(v.pointer, v.reason) for v in warnings(found)] == [
        (w["pointer"], w["reason"]) for w in entry.get("warnings", [])
    ]


@pytest.mark.parametrize("entry", INVALID_CASES)
def test_invalid_example_fails_for_its_one_reason_only(entry: dict[str, Any]) -> None:
    found = schemas.validate(
        load(entry["file"]), profile=entry["profile"], rules=rules_for(entry.get("rules"))
    )
    # Exactly one finding of its severity: its one defect, at its one place (nothing else wrong
    # with it). A warning example (a methodology SHOULD) must refuse nothing.
    if entry.get("severity") == "warning":
        assert errors(found) == []
        found = warnings(found)
    else:
        found = errors(found)
    assert [(v.pointer, v.reason) for v in found] == [(entry["pointer"], entry["reason"])]


def test_invalid_example_is_valid_without_its_defect_profile() -> None:
    # Profile-only defects must not already fail the base validation, or the profile proves nothing.
    for entry in INDEX["invalid"]:
        if entry["profile"] is not None and entry["reason"] != "ACCOUNTING_RULE_MISMATCH":
            assert errors(schemas.validate(load(entry["file"]))) == [], entry["file"]


def test_invalid_example_names_say_what_is_wrong() -> None:
    names = [entry["file"] for entry in INDEX["invalid"]]
    assert len(names) == len(set(names))
    for name in names:
        stem = name.removeprefix("invalid/").removesuffix(".json")
        assert stem.split("-")[0] in {"footprint", "credential", "emission", "accounting"} | {
            "attestation",
            "status",
        }, name


def test_index_lists_every_example_file_and_nothing_else() -> None:
    on_disk = {
        str(path.relative_to(EXAMPLES))
        for folder in ("valid", "invalid")
        for path in (EXAMPLES / folder).glob("*.json")
    }
    listed = {entry["file"] for entry in INDEX["valid"] + INDEX["invalid"]}
    listed = {name for name in listed if not name.startswith("../")}
    assert on_disk == listed
    rules_listed = {e["file"] for e in INDEX["valid"] if e["file"].startswith("../rules/")}
    assert rules_listed == {f"../rules/{p.name}" for p in resources.RULES_DIR.glob("*.json")}


def test_every_kind_and_profile_has_valid_and_invalid_examples() -> None:
    valid_kinds = {schemas.detect_kind(load(e["file"])) for e in INDEX["valid"]}
    invalid_kinds = {schemas.detect_kind(load(e["file"])) for e in INDEX["invalid"]}
    assert set(schemas.KINDS) <= valid_kinds
    assert set(schemas.KINDS) <= invalid_kinds | {None}
    assert set(schemas.KINDS) <= invalid_kinds
    valid_profiles = {p for e in INDEX["valid"] for p in e["profiles"]}
    invalid_profiles = {e["profile"] for e in INDEX["invalid"]}
    assert set(schemas.PROFILES) <= valid_profiles
    assert set(schemas.PROFILES) <= invalid_profiles


def test_sichuan_factor_and_gec_battery_examples_exist() -> None:
    factor = load("valid/emission-factor-sichuan-electricity-footprint-factor.json")
    subject = factor["credentialSubject"]
    assert (subject["region"], subject["factorKind"]) == ("CN-SC", "lifecycle-footprint-factor")
    assert subject["isPlaceholder"] is True  # no official value published: marked as such
    battery = load("valid/product-footprint-power-battery-with-gec.json")["credentialSubject"]
    assert battery["electricity"]["gecClaims"]
    assert battery["electricity"]["gridFactor"]["factorId"] == subject["id"]


def test_bundled_rules_are_marked_placeholders() -> None:
    for rule in resources.bundled_rules().values():
        assert rule["isPlaceholder"] is True
        assert "PLACEHOLDER" in rule["comment"]
