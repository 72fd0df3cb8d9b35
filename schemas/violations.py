"""The one result type of validation: a field-level violation with a stable reason code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """An error refuses the dataset; a warning (a methodology SHOULD, a likely slip) is reported
    and kept with it, and fails only where the caller asks for strictness (`cfx validate --strict`).
    """

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Violation:
    """`pointer` is an RFC 6901 JSON pointer into the validated document ("" is the whole
    document); `reason` is a stable UPPER_SNAKE code callers may branch on; `message` is for people.
    """

    pointer: str
    reason: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        """True when this finding refuses the dataset."""
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, str]:
        """The violation as a JSON object, the shape the CLI and the RPC details use."""
        return {
            "pointer": self.pointer,
            "reason": self.reason,
            "message": self.message,
            "severity": self.severity.value,
        }


def errors(found: Iterable[Violation]) -> list[Violation]:
    """The findings that refuse: what every accept/refuse decision looks at."""
    return [v for v in found if v.is_error]


def warnings(found: Iterable[Violation]) -> list[Violation]:
    """The findings that are reported but do not refuse."""
    return [v for v in found if not v.is_error]


#: Every reason code a Violation can carry, with its meaning. Codes are stable: clients branch on
#: them (the gateway maps them to google.rpc.BadRequest field violations); messages may change.
REASONS: dict[str, str] = {
    # JSON shape (JSON Schema)
    "NOT_AN_OBJECT": "the document is not a JSON object",
    "UNKNOWN_KIND": "credentialSubject.type names no (or more than one) dataset kind",
    "MISSING_REQUIRED_FIELD": "a required field is absent (schema, semantic or profile rule)",
    "UNKNOWN_FIELD": "a field the schema does not define (removed, misspelt or misplaced)",
    "WRONG_TYPE": "wrong JSON type",
    "DECIMAL_NOT_A_STRING": "a decimal sent as a JSON number; cfx carries decimals as strings",
    "INVALID_DECIMAL": "not an xsd:decimal (no exponent, no units, ASCII digits only)",
    "MUST_BE_POSITIVE": "a decimal that must be greater than zero is zero or negative",
    "MUST_NOT_BE_NEGATIVE": "a decimal that must be zero or more is negative (e.g. emissions)",
    "MUST_BE_NEGATIVE": "a decimal that must be less than zero is zero or positive",
    "MUST_NOT_BE_POSITIVE": "a decimal that must be zero or less is positive (e.g. an uptake)",
    "OUT_OF_RANGE": "a number or decimal outside the allowed range (percent, DQR, data year)",
    "NOT_ALLOWED_VALUE": "a value outside the field's enumeration or constant",
    "INVALID_FORMAT": "a string not in the field's format",
    "INVALID_DATE_TIME": "not an RFC 3339 date-time with offset, or not a calendar date",
    "INVALID_DATE": "not an ISO 8601 calendar date",
    "INVALID_URN": "not an RFC 8141 URN",
    "INVALID_IRI": "not an absolute IRI",
    "INVALID_DATASET_ID": "a dataset id that is not urn:uuid:<lower-case uuid>",
    "INVALID_RULE_ID": "an accounting rule id that is not urn:cfx:accounting-rule:<name>:<ver>",
    "INVALID_REGION_CODE": "not an ISO 3166-1 alpha-2 or ISO 3166-2 code",
    "INVALID_GEC_CERTIFICATE_ID": "a green electricity certificate id that is not 32 digits",
    "INVALID_DIGEST": "a dataset digest that is not sha-256:<64 hex>",
    "INVALID_POINTER": "a rule constraint path that is not a JSON pointer",
    "INVALID_PROOF_VALUE": "a proofValue that is not base58btc multibase ('z...')",
    "UNSUPPORTED_SPEC_VERSION": "specVersion is not PACT 3.x (translate v2 data first)",
    "CONTEXT_NOT_ALLOWED": "@context is not exactly [VC 2.0, cfx v1]",
    "EMPTY_VALUE": "an empty string where text is required",
    "TOO_LONG": "a string longer than the field allows",
    "TOO_FEW_ITEMS": "an array with fewer items than required",
    "TOO_MANY_ITEMS": "an array with more items than allowed",
    "DUPLICATE_ITEM": "an array whose items must be unique has duplicates",
    "NO_MATCHING_ALTERNATIVE": "a value matching none of the allowed alternatives",
    "SCHEMA_VIOLATION": "any other JSON Schema failure",
    # semantic checks (schemas.semantic)
    "PERIOD_ORDER": "a period ends before (or when) it starts",
    "MULTIPLE_GEOGRAPHIES": "more than one of region, country, subdivision (PACT: at most one)",
    "PACKAGING_EMISSIONS_WITHOUT_FLAG": "packagingGhgEmissions without packagingEmissionsIncluded",
    "PCF_BIOGENIC_SUM_MISMATCH": "including != excluding + biogenic uptake beyond rounding",
    "CCS_VALUE_WITHOUT_FLAG": "a CCS value while ccsTechnologicalCO2CaptureIncluded is false",
    "CCU_CERTIFICATION_WITHOUT_CREDIT": "ccuCreditCertification without the Credit approach",
    "OTHER_OPERATOR_NAME_MISMATCH": "otherOperatorName present iff operator is Other",
    "SELF_REFERENCE": "a dataset that precedes or supersedes itself",
    "DUPLICATE_GEC_CERTIFICATE": "the same GEC claimed twice in one footprint",
    "GEC_EXCEEDS_CONSUMPTION": "GEC claims add up to more MWh than the electricity consumed",
    "CERTIFICATE_ADJUSTED_ABOVE_LOCATION_BASED": "certificates raised the electricity result",
    "CERTIFICATE_ADJUSTED_WITHOUT_GEC": "a certificate-adjusted result with no GEC claims",
    # electricity block v2 (schemas.electricity)
    "GEC_RANGE_INVALID": "a GEC serial range that runs backwards or spans two projects",
    "GEC_RANGE_MWH_MISMATCH": "a GEC claim's MWh differs from its range size (1 GEC = 1 MWh)",
    "UNKNOWN_SITE": "a GEC claim names a site the electricity block does not list",
    "IMPLAUSIBLE_FACTOR_VALUE": "an electricity factor outside 0.001..2 kgCO2e/kWh (unit slip)",
    "ELECTRICITY_SUM_MISMATCH": "the sites consume more electricity than the stated total",
    "ELECTRICITY_PER_UNIT_MISMATCH": "kWh per declared unit != MWh x 1000 / units produced",
    "ELECTRICITY_RESULT_MISMATCH": "a stated electricity result differs from the computed one",
    "ELECTRICITY_ABOVE_TOTAL": "electricity emissions (headline basis) exceed the footprint",
    "STAGE_SUM_MISMATCH": "life-cycle stage emissions do not add up to the footprint total",
    "GEC_DOUBLE_COUNTING_RISK": "warning: uncovered power takes a grid average with green power",
    "UNKNOWN_FACTOR": "a factorId naming no EmissionFactor the node holds",
    "FACTOR_VALUE_MISMATCH": "a factorId whose held value differs from the value stated",
    "FACTOR_UNIT_KIND_MISMATCH": "a CO2-only factor in CO2e units or the reverse",
    "STUDY_TYPE_BOUNDARY_MISMATCH": "CFP not cradle-to-grave, or partial CFP cradle-to-grave",
    "REGION_SCOPE_MISMATCH": "region code does not fit the factor's scope",
    "DUPLICATE_CONSTRAINT_ID": "two constraints of a rule share an id",
    "EMPTY_RANGE": "a rule range whose maximum is below its minimum",
    "ACTION_KIND_MISMATCH": "revoke-attestation on a non-attestation, or deprecate on one",
    # attestation v2 (schemas.attestation)
    "SUSPENSION_STATE_MISMATCH": "suspendedFrom on a certificate that is not suspended",
    "DUPLICATE_VERIFIED_FIGURE": "an attestation verifies the same figure (path) twice",
    "ATTESTED_FIGURE_MISMATCH": "an attested figure (value, unit, basis) differs from the dataset",
    # customs block (schemas.customs)
    "INVALID_HS_CODE": "a customs tariff code that is not 8-10 digits (CN or national)",
    "CUSTOMS_SPLIT_SUM_MISMATCH": "direct + indirect != the PCF they say they split",
    "CUSTOMS_SPLIT_ABOVE_PCF": "production-process direct + indirect exceed the whole PCF",
    "PLANT_OUTSIDE_COUNTRY_OF_ORIGIN": "the plant's region is not in the country of origin",
    "CUSTOMS_HS_CODE_CLASSIFICATION_MISMATCH": "the tariff code is outside the HS class named",
    "CUSTOMS_INDIRECT_EMISSIONS_IMPLAUSIBLE": "indirect/electricity implies > 2 kgCO2e/kWh",
    # accounting rules (schemas.rules)
    "UNKNOWN_ACCOUNTING_RULE": "the cited accounting rule is not known",
    "ACCOUNTING_RULE_INVALID": "the rule to check against is malformed, so nothing was checked",
    "PRODUCT_CATEGORY_MISMATCH": "the product is not in the rule's (or profile's) category",
    "STUDY_TYPE_NOT_ALLOWED": "study type not allowed by the rule",
    "DECLARED_UNIT_NOT_ALLOWED": "declared unit not the rule's",
    "SYSTEM_BOUNDARY_NOT_ALLOWED": "system boundary not allowed by the rule",
    "ALLOCATION_NOT_ALLOWED": "allocation procedure not allowed by the rule",
    "FACTOR_KIND_NOT_ALLOWED": "electricity factor kind not allowed (rule or GB/T profile)",
    "CUT_OFF_EXCEEDED": "more exempted emissions than the rule's cut-off allows",
    "GEC_NOT_ACCEPTED": "GEC claims under a rule that does not accept them",
    "RULE_REQUIRED_FIELD_MISSING": "a field a rule constraint requires is absent",
    "RULE_VALUE_OUT_OF_RANGE": "a value outside a rule constraint's range",
    "RULE_VALUE_NOT_ALLOWED": "a value outside a rule constraint's enumeration",
    "RULE_COMPARISON_FAILED": "a cross-field rule comparison does not hold",
    # added by profiles: see the schemas.profiles module
    "VALIDITY_BEFORE_REFERENCE_END": "PACT: validity starts before the reference period ends",
    "VALIDITY_TOO_LONG": "PACT: validity ends more than 3 years after the reference period",
    "PRIMARY_DATA_SHARE_LOOKS_LIKE_FRACTION": "PACT: primaryDataShare in (0, 1], likely a "
    "fraction where the spec means percent (a warning)",
    "GEC_DOUBLE_COUNTING": "GECs with a grid factor that still includes green power, unstated",
    "GEC_OUTSIDE_REFERENCE_PERIOD": "GB/T: a GEC generated wholly outside the reference period",
    "ACCOUNTING_RULE_MISMATCH": "the footprint cites another rule than the product profile's",
    "CFP_STAGE_MISSING": "GB/T: a CFP (cradle to grave) lacks a life-cycle stage",
    "STUDY_ITEM_NOT_REPORTED": "GB/T: uncertainty or the study report link+hash absent (warning)",
    "FACTOR_UNIT_ACTIVITY_MISMATCH": "an emission factor per an amount its activity is not in",
}
