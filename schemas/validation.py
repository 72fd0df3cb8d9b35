"""`validate` and `detect_kind`: the one entry point the gateway and the CLI call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from schemas import compiled, electricity, pointer, resources
from schemas.errors import UnknownKindError
from schemas.profiles import PRODUCT_RULES, check_profile_name, profile_violations
from schemas.rules import check_rule
from schemas.semantic import KIND_CHECKS, accounting_rule_checks, credential_checks
from schemas.violations import Violation, errors

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


def rule_defects(rule_id: str, rule: Any) -> list[Violation]:
    """Why `rule` (passed in by a caller under `rule_id`) cannot be applied; [] if it can.

    A footprint is only as well checked as the rule it is checked against: a malformed rule would
    either crash the checks or pass footprints it was meant to stop, so it is refused as a whole.
    The bundled rules are the same objects every time and are proven valid by the tests.
    """
    if rule is resources.bundled_rules().get(rule_id):
        return []
    if not isinstance(rule, dict):
        return [Violation("", "NOT_AN_OBJECT", "an accounting rule is a JSON object")]
    found = compiled.violations(resources.KIND_SCHEMAS["AccountingRule"], rule, "")
    found.extend(accounting_rule_checks(rule, ""))
    if rule.get("id") != rule_id:
        found.append(Violation("/id", "NOT_ALLOWED_VALUE", f"the rule is registered as {rule_id}"))
    return errors(found)  # a warning about the rule does not stop it being applied


def _rule_defect_violation(at: str, rule_id: str, defects: list[Violation]) -> Violation:
    first = min(defects)
    return Violation(
        at,
        "ACCOUNTING_RULE_INVALID",
        f"accounting rule {rule_id} cannot be applied: {len(defects)} defect(s), first "
        f"{first.pointer or '/'} {first.reason}: {first.message}",
    )


def validate(
    document: Any,
    *,
    kind: str | None = None,
    profile: str | None = None,
    rules: Mapping[str, Any] | None = None,
    factors: Mapping[str, Decimal] | None = None,
    strict_factors: bool = False,
    profiles: Sequence[str] = (),
) -> list[Violation]:
    """Every violation in `document` (a credential or a bare dataset); [] means valid.

    Bad data never raises. Raises `UnknownKindError`/`UnknownProfileError` only for a `kind` or
    `profile` argument that names nothing. `rules` maps AccountingRule ids to rule datasets (or
    credentials); by default the rules bundled with cfx. `factors` maps the EmissionFactor ids
    the caller holds to their values (kgCO2e/kWh = tCO2e/MWh): when given, every factorId a
    footprint's electricity block cites must name one of them with the value stated (an id that
    names none is a warning, an error when `strict_factors`: schemas.electricity.factor_checks).
    `profiles` are applied as well as `profile` (a node's policy names several).
    """
    if kind is not None and kind not in resources.KIND_SCHEMAS:
        raise UnknownKindError(f"unknown dataset kind {kind!r}; known: {', '.join(KINDS)}")
    applied = [*([] if profile is None else [profile]), *profiles]
    for name in applied:
        check_profile_name(name)
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
        found.extend(_cited_rule_violations(subject, base, known_rules))
    if kind == "ProductFootprint" and factors is not None:
        block = subject.get("electricity")
        if isinstance(block, dict):
            at = pointer.join(base, "electricity")
            found.extend(electricity.factor_checks(block, at, factors, strict=strict_factors))
    for name in applied:
        found.extend(_profile_violations(name, kind, subject, base, known_rules))
    return sorted(set(found))


def _cited_rule_violations(
    subject: dict[str, Any], base: str, known_rules: Mapping[str, Any]
) -> list[Violation]:
    rule_id = subject["accountingRuleId"]
    at = pointer.join(base, "accountingRuleId")
    if rule_id not in known_rules:
        return [Violation(at, "UNKNOWN_ACCOUNTING_RULE", f"no accounting rule {rule_id} is known")]
    rule = _rule_dataset(known_rules[rule_id])
    if defects := rule_defects(rule_id, rule):
        return [_rule_defect_violation(at, rule_id, defects)]
    return check_rule(subject, rule, base)


def _profile_violations(
    profile: str, kind: str, subject: dict[str, Any], base: str, known_rules: Mapping[str, Any]
) -> list[Violation]:
    # Product profiles apply a bundled rule by id; rules passed in may override it.
    rule_datasets = {**resources.bundled_rules()}
    rule_datasets.update((key, _rule_dataset(value)) for key, value in known_rules.items())
    found: list[Violation] = []
    profile_rule = PRODUCT_RULES.get(profile)
    if (
        kind == "ProductFootprint"
        and profile_rule is not None
        and "accountingRuleId" not in subject
        and (defects := rule_defects(profile_rule, rule_datasets.get(profile_rule)))
    ):
        # The product profile would apply a rule that cannot be applied: say so, once.
        found.append(_rule_defect_violation(base, profile_rule, defects))
        rule_datasets.pop(profile_rule)
    found.extend(profile_violations(profile, kind, subject, base, rule_datasets))
    return found
