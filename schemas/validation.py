"""`validate` and `detect_kind`: the one entry point the gateway and the CLI call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas import compiled, pointer, resources
from schemas.errors import UnknownKindError
from schemas.profiles import check_profile_name, profile_violations
from schemas.rules import check_rule
from schemas.semantic import KIND_CHECKS, credential_checks
from schemas.violations import Violation

KINDS: tuple[str, ...] = tuple(resources.KIND_SCHEMAS)


def _kind_of(dataset: Any) -> str | None:
    if not isinstance(dataset, dict):
        return None
    declared = dataset.get("type")
    names = declared if isinstance(declared, list) else [declared]
    found = [name for name in names if isinstance(name, str) and name in resources.KIND_SCHEMAS]
    return found[0] if len(found) == 1 else None


def is_credential(document: Any) -> bool:
    """A credential has a VC envelope; anything else is treated as a bare dataset."""
    return isinstance(document, dict) and (
        "credentialSubject" in document or "@context" in document
    )


def detect_kind(document: Any) -> str | None:
    """The dataset kind of a credential (from credentialSubject.type) or of a bare dataset."""
    if is_credential(document):
        return _kind_of(document.get("credentialSubject"))
    return _kind_of(document)


def _rule_dataset(rule: Any) -> Any:
    return rule.get("credentialSubject") if is_credential(rule) else rule


def validate(
    document: Any,
    *,
    kind: str | None = None,
    profile: str | None = None,
    rules: Mapping[str, Any] | None = None,
) -> list[Violation]:
    """Every violation in `document` (a credential or a bare dataset); [] means valid.

    Bad data never raises. Raises `UnknownKindError`/`UnknownProfileError` only for a `kind` or
    `profile` argument that names nothing. `rules` maps AccountingRule ids to rule datasets (or
    credentials); by default the rules bundled with cfx.
    """
    if kind is not None and kind not in resources.KIND_SCHEMAS:
        raise UnknownKindError(f"unknown dataset kind {kind!r}; known: {', '.join(KINDS)}")
    if profile is not None:
        check_profile_name(profile)
    if not isinstance(document, dict):
        return [Violation("", "NOT_AN_OBJECT", "a cfx document is a JSON object")]

    found: list[Violation] = []
    if is_credential(document):
        found.extend(compiled.violations(resources.CREDENTIAL_SCHEMA, document, ""))
        found.extend(credential_checks(document))
        subject, base = document.get("credentialSubject"), "/credentialSubject"
        if not isinstance(subject, dict):
            return sorted(set(found))
    else:
        subject, base = document, ""

    detected = _kind_of(subject)
    if kind is None:
        if detected is None:
            found.append(
                Violation(
                    pointer.join(base, "type"),
                    "UNKNOWN_KIND",
                    f"type must name exactly one dataset kind: {', '.join(KINDS)}",
                )
            )
            return sorted(set(found))
        kind = detected
    found.extend(compiled.violations(resources.KIND_SCHEMAS[kind], subject, base))
    found.extend(KIND_CHECKS[kind](subject, base))

    known_rules: Mapping[str, Any] = resources.bundled_rules() if rules is None else rules
    if kind == "ProductFootprint" and isinstance(subject.get("accountingRuleId"), str):
        rule = _rule_dataset(known_rules.get(subject["accountingRuleId"]))
        if isinstance(rule, dict):
            found.extend(check_rule(subject, rule, base))
        else:
            found.append(
                Violation(
                    pointer.join(base, "accountingRuleId"),
                    "UNKNOWN_ACCOUNTING_RULE",
                    f"no accounting rule {subject['accountingRuleId']} is known here",
                )
            )
    if profile is not None:
        # Product profiles apply a bundled rule by id; rules passed in may override it.
        rule_datasets = {**resources.bundled_rules()}
        rule_datasets.update((key, _rule_dataset(value)) for key, value in known_rules.items())
        found.extend(profile_violations(profile, kind, subject, base, rule_datasets))
    return sorted(set(found))
