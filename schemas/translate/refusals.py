"""Why a translation refuses: each a TranslationError with its own stable `reason`.

A translation refuses rather than guess when the source's basis (what a figure is per) cannot
be known, or when the target's basis needs inputs the source does not give.
"""

from __future__ import annotations

from schemas.errors import TranslationError


class DeclaredUnitAmountUnknownError(TranslationError):
    """Figures are present but the amount of declared units they refer to is missing or not a
    positive decimal, so they cannot be put on the target's basis (PACT ADR-36)."""

    reason = "DECLARED_UNIT_AMOUNT_UNKNOWN"


class BatteryPassInputsMissingError(TranslationError):
    """The Battery Regulation figure (Reg. (EU) 2023/1542 Art. 7, Annex II) needs inputs the
    footprint does not give; `missing` names each (a pointer into the source, or a concept)."""

    reason = "BATTERY_PASS_INPUTS_MISSING"

    def __init__(self, missing: list[str]) -> None:
        """Name every missing input, so the issuer can fix them all at once."""
        self.missing = tuple(missing)
        super().__init__(
            "the Battery Pass carbon footprint cannot be computed on the regulation's basis; "
            "missing: " + "; ".join(self.missing)
        )


class StagesDoNotAddUpError(TranslationError):
    """The life-cycle stage emissions do not sum to the footprint's total, so a per-stage
    Battery Pass breakdown would contradict its own headline figure."""

    reason = "STAGES_DO_NOT_ADD_UP"
