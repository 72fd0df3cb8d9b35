"""`cfx validate [--profile NAME] [--rules RULE]... [--json] FILE...`: schema, rule and profile
checks, offline.

Exit codes: 0 every file valid; 1 some file invalid (every violation is listed); 2 some file
unusable (unreadable, not strict JSON, not a JSON object), which wins over 1. A --rules file
(an AccountingRule credential or dataset, e.g. a rule a database vendor is about to publish) is
used besides the bundled rules; one that is unusable or not a valid AccountingRule is exit 2 and
nothing is validated, since footprints citing it could not be checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemas
from schemas import strict_json

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2


@dataclass(slots=True)
class FileResult:
    """One file's outcome: its kind and violations, or why it could not be checked at all."""

    file: str
    kind: str | None = None
    violations: list[schemas.Violation] = field(default_factory=list)
    error_reason: str | None = None
    error_message: str | None = None

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 2 unusable (the command exits with the highest over all files)."""
        if self.error_reason is not None:
            return EXIT_UNUSABLE
        return EXIT_INVALID if self.violations else EXIT_VALID

    def to_dict(self) -> dict[str, Any]:
        """The file's entry in the --json report."""
        out: dict[str, Any] = {"file": self.file, "kind": self.kind}
        if self.error_reason is not None:
            out["error"] = {"reason": self.error_reason, "message": self.error_message}
        else:
            out["valid"] = not self.violations
            out["violations"] = [violation.to_dict() for violation in self.violations]
        return out


def register(sub: Any) -> None:
    """Add `cfx validate` to the command parser."""
    parser = sub.add_parser(
        "validate",
        help="check datasets against the cfx schemas, accounting rules and a profile",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--profile", choices=schemas.PROFILES, help="extra requirements to apply")
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="RULE",
        help="an AccountingRule file to check footprints against besides the bundled rules "
        "(repeatable; replaces a bundled rule with the same id)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON report on stdout")
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="credential or dataset ('-': stdin)"
    )
    parser.set_defaults(func=run)


def _read(name: str, result: FileResult) -> Any:
    """The strict-JSON object in file `name` (stdin for '-'), or None with the error in result."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        result.error_reason, result.error_message = "INPUT_FILE_UNREADABLE", str(exc.strerror)
        return None
    try:
        return strict_json.loads_object(data)
    except strict_json.JSONInputError as exc:
        result.error_reason, result.error_message = exc.reason, str(exc)
        return None


def check_file(name: str, profile: str | None, rules: dict[str, Any] | None = None) -> FileResult:
    """Validate one file (or '-') against its kind's schema, the rules and `profile`."""
    result = FileResult(name)
    document = _read(name, result)
    if document is None:
        return result
    result.kind = schemas.detect_kind(document)
    result.violations = schemas.validate(document, profile=profile, rules=rules)
    return result


def load_rules(names: list[str]) -> tuple[dict[str, Any], list[FileResult]]:
    """The bundled rules plus those in `names`; FileResults for the rule files that are unusable."""
    rules: dict[str, Any] = dict(schemas.bundled_rules())
    problems: list[FileResult] = []
    for name in names:
        result = FileResult(name)
        document = _read(name, result)
        if document is not None:
            result.kind = schemas.detect_kind(document)
            if result.kind != "AccountingRule":
                result.error_reason = "NOT_AN_ACCOUNTING_RULE"
                result.error_message = f"a --rules file holds an AccountingRule, not {result.kind}"
            elif violations := schemas.validate(document, kind="AccountingRule"):
                first = violations[0]
                result.error_reason = "ACCOUNTING_RULE_INVALID"
                result.error_message = (
                    f"{len(violations)} violation(s); first {first.pointer} {first.reason}: "
                    f"{first.message}"
                )
            else:
                dataset = document.get("credentialSubject", document)
                rules[dataset["id"]] = dataset
                continue
        problems.append(result)
    return rules, problems


def _print_text(results: list[FileResult]) -> None:
    for result in results:
        if result.error_reason is not None:
            print(f"{result.file}: unusable: {result.error_reason}: {result.error_message}")
        elif not result.violations:
            print(f"{result.file}: valid {result.kind}")
        else:
            count = len(result.violations)
            print(f"{result.file}: invalid {result.kind or 'dataset'} ({count} violations)")
            for violation in result.violations:
                where = violation.pointer or "/"
                print(f"  {where}  {violation.reason}  {violation.message}")


def run(args: argparse.Namespace) -> int:
    """`cfx validate`: check every file, print each outcome, exit with the worst."""
    rules, problems = load_rules(args.rules)
    results = problems or [check_file(name, args.profile, rules) for name in args.files]
    if args.json:
        report = {
            "profile": args.profile,
            "rules": args.rules,
            "files": [result.to_dict() for result in results],
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_text(results)
    return max(result.exit_code for result in results)
