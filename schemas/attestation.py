"""Attestation v2: semantic checks, and the comparison of attested figures with the attested bytes.

The binding rule, one everywhere: `attestedDatasetDigest` is the SHA-256 of the exact credential
bytes attested and `attestedDatasetId` is that credential's `credentialSubject.id`. The checks here
read the attestation alone; `figure_mismatches` also reads the attested credentialSubject (the node
does, at intake, from the bytes it holds under that digest).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from schemas import decimals, pointer
from schemas.datetimes import parse_date_time
from schemas.subject_reading import array, obj, period_order, repeats
from schemas.violations import Violation

# ISO 14064-3:2019 §6.3.4: a modified (qualified) or adverse opinion states its basis.
_OPINIONS_NEEDING_BASIS = frozenset({"qualified", "adverse"})
# What a verified figure restates about its dataset, besides its path and value.
_FIGURE_FACTS = (
    "unit",
    "declaredUnitAmount",
    "studyType",
    "referencePeriodStart",
    "referencePeriodEnd",
    "plantId",
)


def _certificate(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    yield from period_order(subject, "validityPeriodStart", "validityPeriodEnd", base)
    suspended = subject.get("certificateState") == "suspended"
    if suspended and "suspendedFrom" not in subject:
        yield Violation(
            pointer.join(base, "suspendedFrom"),
            "MISSING_REQUIRED_FIELD",
            "a suspended certificate states since when (suspendedFrom)",
        )
    if not suspended and "suspendedFrom" in subject:
        yield Violation(
            pointer.join(base, "suspendedFrom"),
            "SUSPENSION_STATE_MISMATCH",
            "suspendedFrom is given but certificateState is not suspended",
        )


def _figures(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    at = pointer.join(base, "verifiedFigures")
    figures = array(subject.get("verifiedFigures"))
    for repeat_at, path in repeats(figures, at, "path"):
        yield Violation(repeat_at, "DUPLICATE_VERIFIED_FIGURE", f"{path} is verified twice")
    for index, figure in enumerate(figures):
        figure_at = pointer.join(at, index)
        item = obj(figure)
        yield from period_order(item, "referencePeriodStart", "referencePeriodEnd", figure_at)
        # PACT v3 ADR-36: a footprint figure is per declaredUnitAmount x unit; without the
        # amount the figure's meaning is ambiguous (12 L vs 1 L).
        if subject.get("attestedKind") == "ProductFootprint" and "declaredUnitAmount" not in item:
            yield Violation(
                pointer.join(figure_at, "declaredUnitAmount"),
                "MISSING_REQUIRED_FIELD",
                "a footprint figure states the declared unit amount it is per",
            )


def checks(subject: dict[str, Any], base: str) -> Iterator[Violation]:
    """Attestation checks: an opinion other than unqualified says why, the certificate's validity
    and suspension agree, and each verified figure is stated once with its basis."""
    opinion = subject.get("opinion")
    needs_basis = isinstance(opinion, str) and opinion in _OPINIONS_NEEDING_BASIS
    if needs_basis and not subject.get("comment"):
        yield Violation(
            pointer.join(base, "comment"),
            "MISSING_REQUIRED_FIELD",
            f"a {opinion} opinion states its basis in comment",
        )
    yield from _certificate(subject, base)
    yield from _figures(subject, base)


def _stated_facts(kind: Any, attested: dict[str, Any]) -> dict[str, Any]:
    """What the attested dataset says about its figures' basis, by fact name of a VerifiedFigure."""
    if kind == "ProductFootprint":
        pcf = obj(attested.get("pcf"))
        return {
            "unit": pcf.get("declaredUnitOfMeasurement"),
            "declaredUnitAmount": pcf.get("declaredUnitAmount"),
            "studyType": obj(attested.get("gbt24067")).get("studyType"),
            "referencePeriodStart": pcf.get("referencePeriodStart"),
            "referencePeriodEnd": pcf.get("referencePeriodEnd"),
            "plantId": obj(attested.get("customs")).get("plantId"),
        }
    if kind == "EmissionFactor":
        return {"unit": attested.get("factorUnit")}
    return {}


def _same(claimed: Any, stated: Any) -> bool:
    """Equal as decimals, as instants, or as text ("62.40" = "62.4"; "...Z" = "...+00:00")."""
    for read in (decimals.parse, parse_date_time):
        left, right = read(claimed), read(stated)
        if left is not None and right is not None:
            return bool(left == right)
    return bool(claimed == stated)


def _figure_mismatch(
    figure: dict[str, Any], stated: dict[str, Any], attested: dict[str, Any], at: str
) -> Iterator[Violation]:
    found, value = pointer.resolve(attested, str(figure.get("path", "")))
    if not found:
        yield Violation(
            pointer.join(at, "path"),
            "ATTESTED_FIGURE_MISMATCH",
            f"the attested dataset has no figure at {figure.get('path')}",
        )
    elif not _same(figure.get("value"), value):
        yield Violation(
            pointer.join(at, "value"),
            "ATTESTED_FIGURE_MISMATCH",
            f"attested value {figure.get('value')} but the dataset states {value}",
        )
    for fact in _FIGURE_FACTS:
        if fact not in figure or fact not in stated:
            continue  # not claimed, or not a fact this kind of dataset states
        if stated[fact] is None or not _same(figure[fact], stated[fact]):
            yield Violation(
                pointer.join(at, fact),
                "ATTESTED_FIGURE_MISMATCH",
                f"attested {fact} {figure[fact]} but the dataset states "
                + ("none" if stated[fact] is None else str(stated[fact])),
            )


def figure_mismatches(
    attestation: dict[str, Any], attested: dict[str, Any], base: str = ""
) -> list[Violation]:
    """Where the attestation's verified figures differ from the attested credentialSubject: value
    (at `path`), unit and declared unit amount, study type, reference period, plant. A fact the
    dataset does not state at all cannot have been verified in it, so it is a mismatch too."""
    stated = _stated_facts(attestation.get("attestedKind"), attested)
    at = pointer.join(base, "verifiedFigures")
    found: list[Violation] = []
    for index, figure in enumerate(array(attestation.get("verifiedFigures"))):
        found.extend(_figure_mismatch(obj(figure), stated, attested, pointer.join(at, index)))
    return found
