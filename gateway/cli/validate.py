"""`cfx validate [--profile NAME] [--rules RULE]... [--strict] [--json] FILE...`: schema, rule and
profile checks, offline.

Every finding has a severity: an error refuses the dataset, a warning (a methodology SHOULD or
SHALL the data model does not require, a likely slip) is listed and does not, unless --strict.
A PACT v3 ProductFootprint file (recognised by its specVersion) is checked as it is: it is read
as the cfx dataset it stands for (`urn:uuid:` ids, a `type`), and what was converted is listed.

Exit codes: 0 every file valid (warnings allowed); 1 some file has errors, or warnings with
--strict (every finding is listed); 2 some file unusable (unreadable, not strict JSON, not a
JSON object, a PACT file of another major version), which wins over 1. A --rules file (an
AccountingRule credential or dataset, e.g. a rule a database vendor is about to publish) is
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
from gateway.cli._io import plural
from gateway.cli._json import camel_keys
from schemas import strict_json
from schemas.errors import TranslationError
from schemas.translate import TranslationNote
from schemas.translate.pact_file import SOURCE as PACT_FILE
from schemas.translate.pact_file import dataset_from_pact_file
from schemas.violations import errors, warnings

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2


@dataclass(slots=True)
class FileResult:
    """One file's outcome: its kind and findings, or why it could not be checked at all."""

    file: str
    kind: str | None = None
    violations: list[schemas.Violation] = field(default_factory=list)
    error_reason: str | None = None
    error_message: str | None = None
    strict: bool = False
    converted_from: str | None = None
    notes: list[TranslationNote] = field(default_factory=list)

    @property
    def refusing(self) -> list[schemas.Violation]:
        """The findings that make the file invalid: its errors, and with --strict its warnings."""
        return list(self.violations) if self.strict else errors(self.violations)

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 2 unusable (the command exits with the highest over all files)."""
        if self.error_reason is not None:
            return EXIT_UNUSABLE
        return EXIT_INVALID if self.refusing else EXIT_VALID

    def to_dict(self) -> dict[str, Any]:
        """The file's entry in the --json report (each violation carries its severity)."""
        out: dict[str, Any] = {"file": self.file, "kind": self.kind}
        if self.converted_from is not None:
            out["converted"] = {
                "from": self.converted_from,
                "notes": [
                    {"pointer": n.pointer, "reason": n.reason, "message": n.message}
                    for n in self.notes
                ],
            }
        if self.error_reason is not None:
            out["error"] = {"reason": self.error_reason, "message": self.error_message}
        else:
            out["valid"] = not self.refusing
            out["errors"] = len(errors(self.violations))
            out["warnings"] = len(warnings(self.violations))
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
    parser.add_argument(
        "--strict", action="store_true", help="warnings fail too (exit 1), not only errors"
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


def _as_dataset(document: Any, result: FileResult) -> Any:
    """`document`, or the cfx dataset a PACT file stands for (notes in result); None if unusable."""
    try:
        converted = dataset_from_pact_file(document)
    except TranslationError as exc:
        result.error_reason, result.error_message = exc.reason, str(exc)
        return None
    if converted is None:
        return document
    result.converted_from, result.notes = PACT_FILE, converted.notes
    return converted.document


def check_file(
    name: str,
    profile: str | None,
    rules: dict[str, Any] | None = None,
    *,
    strict: bool = False,
) -> FileResult:
    """Validate one file (or '-') against its kind's schema, the rules and `profile`."""
    result = FileResult(name, strict=strict)
    document = _read(name, result)
    if document is not None:
        document = _as_dataset(document, result)
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
            elif violations := errors(schemas.validate(document, kind="AccountingRule")):
                first = violations[0]
                result.error_reason = "ACCOUNTING_RULE_INVALID"
                result.error_message = (
                    f"{plural(len(violations), 'violation')}; first {first.pointer} "
                    f"{first.reason}: {first.message}"
                )
            else:
                dataset = document.get("credentialSubject", document)
                rules[dataset["id"]] = dataset
                continue
        problems.append(result)
    return rules, problems


def _print_text(results: list[FileResult]) -> None:
    for result in results:
        if result.converted_from is not None:
            print(f"{result.file}: read as a cfx dataset from {result.converted_from}:")
            for note in result.notes:
                print(f"  {note.pointer or '/'}  {note.reason}  {note.message}")
        if result.error_reason is not None:
            print(f"{result.file}: unusable: {result.error_reason}: {result.error_message}")
            continue
        found = len(errors(result.violations)), len(warnings(result.violations))
        counts = plural(len(result.violations), "violation")
        counts += (
            f": {plural(found[0], 'error')}, {plural(found[1], 'warning')}" if found[1] else ""
        )
        if not result.violations:
            print(f"{result.file}: valid {result.kind}")
        elif not result.refusing:
            print(f"{result.file}: valid {result.kind} ({counts})")
        else:
            print(f"{result.file}: invalid {result.kind or 'dataset'} ({counts})")
        for violation in result.violations:
            where = violation.pointer or "/"
            label = "" if violation.is_error else "warning: "
            print(f"  {where}  {violation.reason}  {label}{violation.message}")


def run(args: argparse.Namespace) -> int:
    """`cfx validate`: check every file, print each outcome, exit with the worst."""
    rules, problems = load_rules(args.rules)
    results = problems or [
        check_file(name, args.profile, rules, strict=args.strict) for name in args.files
    ]
    if args.json:
        report = {
            "profile": args.profile,
            "rules": args.rules,
            "strict": args.strict,
            "files": [result.to_dict() for result in results],
        }
        print(json.dumps(camel_keys(report), indent=2, ensure_ascii=False))
    else:
        _print_text(results)
    return max(result.exit_code for result in results)
