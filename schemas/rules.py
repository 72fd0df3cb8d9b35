"""Checking a footprint against the AccountingRule it cites (or a product profile names).

A rule's fixed fields (study types, unit, boundaries, cut-off, allocation, factor kinds, GECs) and
its `constraints` (required fields, ranges, enumerations, cross-field comparisons, each optionally
conditional) are all data, so new product rules need no code. Constraint paths are JSON pointers
into the footprint dataset; violations point at the same field in the validated document.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from schemas import decimals, pointer
from schemas.violations import Violation

_COMPARISONS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}


# (footprint field, rule field listing what is allowed, reason, what it is)
_FIXED_FIELDS = (
    ("/gbt24067/studyType", "studyTypes", "STUDY_TYPE_NOT_ALLOWED", "study type"),
    (
        "/pcf/declaredUnitOfMeasurement",
        "declaredUnitOfMeasurement",
        "DECLARED_UNIT_NOT_ALLOWED",
        "declared unit",
    ),
    ("/gbt24067/systemBoundary", "systemBoundaries", "SYSTEM_BOUNDARY_NOT_ALLOWED", "boundary"),
    (
        "/gbt24067/allocationProcedure",
        "allocationProcedures",
        "ALLOCATION_NOT_ALLOWED",
        "allocation procedure",
    ),
    (
        "/electricity/gridFactor/factorKind",
        "allowedFactorKinds",
        "FACTOR_KIND_NOT_ALLOWED",
        "electricity factor kind",
    ),
)


def _at(base: str, path: str) -> str:
    return base + path


def _field_in(
    subject: dict[str, Any],
    base: str,
    *,
    path: str,
    allowed: list[Any],
    reason: str,
    what: str,
    rule_id: str,
) -> Iterator[Violation]:
    found, value = pointer.resolve(subject, path)
    if found and value not in allowed:
        yield Violation(
            _at(base, path),
            reason,
            f"{what} {value!r} is not allowed by {rule_id} "
            f"(allowed: {', '.join(map(str, allowed))})",
        )


def _condition_holds(subject: dict[str, Any], when: Any) -> bool:
    if not isinstance(when, dict):
        return True
    found, value = pointer.resolve(subject, str(when.get("path", "")))
    if "present" in when and found != bool(when["present"]):
        return False
    return not ("equals" in when and (not found or value != when["equals"]))


_BOUNDS = (("minimum", operator.ge), ("maximum", operator.le), ("exclusiveMinimum", operator.gt))


def _out_of_range(
    constraint: dict[str, Any], number: Decimal, at: str, label: str, value: Any
) -> Iterator[Violation]:
    """The first bound `number` breaks, if any (one violation per constraint)."""
    for key, holds in _BOUNDS:
        bound = decimals.parse(constraint.get(key))
        if bound is not None and not holds(number, bound):
            yield Violation(at, "RULE_VALUE_OUT_OF_RANGE", f"{label} (got {value}, {key} {bound})")
            return


def _constraint(
    subject: dict[str, Any], base: str, constraint: dict[str, Any], rule_id: str
) -> Iterator[Violation]:
    if not _condition_holds(subject, constraint.get("when")):
        return
    path = str(constraint.get("path", ""))
    label = f"{rule_id} [{constraint.get('constraintId')}]: {constraint.get('message')}"
    found, value = pointer.resolve(subject, path)
    check = constraint.get("check")
    if check == "required":
        if not found:
            yield Violation(_at(base, path), "RULE_REQUIRED_FIELD_MISSING", label)
        return
    if not found:
        return  # only `required` constraints demand presence
    if check == "enumeration":
        if value not in constraint.get("allowedValues", []):
            yield Violation(_at(base, path), "RULE_VALUE_NOT_ALLOWED", f"{label} (got {value!r})")
        return
    number = decimals.parse(value)
    if number is None:
        return  # the schema reports non-decimals
    if check == "range":
        yield from _out_of_range(constraint, number, _at(base, path), label, value)
    elif check == "comparison":
        found_other, other_value = pointer.resolve(subject, str(constraint.get("otherPath", "")))
        other = decimals.parse(other_value) if found_other else None
        compare = _COMPARISONS.get(str(constraint.get("comparison")))
        if other is not None and compare is not None and not compare(number, other):
            yield Violation(
                _at(base, path),
                "RULE_COMPARISON_FAILED",
                f"{label} (got {value} {constraint.get('comparison')} {other_value} false)",
            )


def classification_matches(have: str, wanted: str) -> bool:
    """True when product classification URN `have` falls under the rule's URN `wanted`.

    Numeric codes are hierarchical (HS 6 digits, CN 8, national tariff lines 10; CPC likewise):
    a rule written for heading 8507 covers `...:hs-code:8507600090`, in the same code system
    only, and never a shorter code or another heading. Other URNs match exactly.
    """
    if have == wanted:
        return True
    system, _, code = wanted.rpartition(":")
    have_system, _, have_code = have.rpartition(":")
    return (
        bool(system)
        and have_system == system
        and code.isascii()
        and code.isdigit()
        and have_code.isascii()
        and have_code.isdigit()
        and have_code.startswith(code)
    )


def _classification(
    subject: dict[str, Any], rule: Mapping[str, Any], base: str, rule_id: str
) -> Iterator[Violation]:
    wanted = rule.get("productClassifications")
    if not isinstance(wanted, list) or not wanted:
        return
    have = subject.get("productClassifications")
    have_urns = [urn for urn in have if isinstance(urn, str)] if isinstance(have, list) else []
    wanted_urns = [urn for urn in wanted if isinstance(urn, str)]
    if not any(classification_matches(h, w) for h in have_urns for w in wanted_urns):
        yield Violation(
            pointer.join(base, "productClassifications"),
            "PRODUCT_CATEGORY_MISMATCH",
            f"{rule_id} applies to products classified as one of {', '.join(wanted)}",
        )


def check_rule(subject: dict[str, Any], rule: Mapping[str, Any], base: str) -> list[Violation]:
    """Violations of `rule` (an AccountingRule dataset) by the footprint dataset `subject`."""
    rule_id = str(rule.get("id", "the accounting rule"))
    found: list[Violation] = []
    found.extend(_classification(subject, rule, base, rule_id))
    for path, rule_field, reason, what in _FIXED_FIELDS:
        allowed = rule.get(rule_field)
        allowed_list = allowed if isinstance(allowed, list) else [allowed]
        found.extend(
            _field_in(
                subject,
                base,
                path=path,
                allowed=allowed_list,
                reason=reason,
                what=what,
                rule_id=rule_id,
            )
        )
    cut_off = rule.get("cutOff")
    limit = (
        decimals.parse(cut_off.get("maxExemptedEmissionsPercent"))
        if isinstance(cut_off, dict)
        else None
    )
    exempted_found, exempted = pointer.resolve(subject, "/pcf/exemptedEmissionsPercent")
    exempted_value = decimals.parse(exempted) if exempted_found else None
    if limit is not None and exempted_value is not None and exempted_value > limit:
        found.append(
            Violation(
                pointer.join(base, "pcf", "exemptedEmissionsPercent"),
                "CUT_OFF_EXCEEDED",
                f"{rule_id} allows at most {limit} % exempted emissions, got {exempted}",
            )
        )
    claims_found, claims = pointer.resolve(subject, "/electricity/gecClaims")
    if rule.get("gecAccepted") is False and claims_found and claims:
        found.append(
            Violation(
                pointer.join(base, "electricity", "gecClaims"),
                "GEC_NOT_ACCEPTED",
                f"{rule_id} does not accept green electricity certificates",
            )
        )
    for constraint in rule.get("constraints", []):
        if isinstance(constraint, dict):
            found.extend(_constraint(subject, base, constraint, rule_id))
    return found
