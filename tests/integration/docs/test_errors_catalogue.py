"""docs/errors.md is what the error classes say today: regenerate it when they change."""

from __future__ import annotations

from pathlib import Path

from gateway import errors_catalogue
from gateway.errors import GatewayError
from gateway.rpc.status import STATUS_CODES
from schemas.violations import REASONS


def test_docs_errors_md_is_current():
    assert errors_catalogue.main(["--check"]) == 0, "run: python -m gateway.errors_catalogue"


def test_check_fails_on_a_stale_catalogue(tmp_path: Path):
    stale = tmp_path / "errors.md"
    stale.write_text(errors_catalogue.render().replace("NOT_FOUND", "NOT_THERE"))
    assert errors_catalogue.main(["--check", str(stale)]) == 1
    assert errors_catalogue.main([str(stale)]) == 0
    assert errors_catalogue.main(["--check", str(stale)]) == 0


def test_every_reason_is_listed_once_with_its_status():
    entries = errors_catalogue.entries()
    reasons = [entry.reason for entry in entries]
    assert len(reasons) == len(set(reasons))
    assert GatewayError.reason in reasons
    by_reason = {entry.reason: entry for entry in entries}
    assert by_reason["DATASET_NOT_FOUND"].status == "NOT_FOUND"
    assert all(entry.meaning for entry in entries), [e.reason for e in entries if not e.meaning]
    listed = {code.name for code in STATUS_CODES.values()}
    assert all(set(entry.status.split(", ")) <= listed for entry in entries)


def test_field_violation_reasons_are_listed():
    text = errors_catalogue.render()
    assert all(f"| `{reason}` |" in text for reason in REASONS)
