"""Node profile policy: which profiles a node requires, per dataset kind (issue 13).

Profiles used to exist only in `cfx validate`; a node accepted whatever passed the base schema.
A policy maps a dataset kind to the profiles every credential of that kind must also pass, on
submit and on sync alike. The default depends on the node's role (DESIGN.md §5):

- provincial and national nodes hold GB/T 24067 footprints, so footprints and accounting rules
  must meet `gbt24067-2024`; the product rule a footprint cites is always checked by `validate`
  itself. EmissionFactor datasets are *not* held to GB/T 24067 there: a provincial node also
  publishes the CO2-only grid emission factor for enterprise reporting, and it is the footprint
  that must not use it (federation.md §5.1, §5.2).
- a registry exchanges footprints with PACT partners, so footprints must meet `pact-3.0`.

`strictFactors` (default false): a footprint's electricity factorId that names no EmissionFactor
the node holds refuses, instead of being a warning (schemas.electricity.factor_checks says why
the default is a warning). A held factor with another value always refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas import resources
from schemas.errors import SchemasError, UnknownKindError
from schemas.profiles import GBT_24067_2024, PACT_3_0, check_profile_name


class PolicyError(SchemasError):
    """A profile policy that names an unknown kind or profile, or is not kind -> [profile]."""

    reason = "INVALID_PROFILE_POLICY"


_GBT_HOLDINGS: dict[str, tuple[str, ...]] = {
    "ProductFootprint": (GBT_24067_2024,),
    "AccountingRule": (GBT_24067_2024,),
}
#: The profiles a node of each role requires when its config names none.
DEFAULT_POLICIES: dict[str, dict[str, tuple[str, ...]]] = {
    "provincial": _GBT_HOLDINGS,
    "national": _GBT_HOLDINGS,
    "registry": {"ProductFootprint": (PACT_3_0,)},
}


#: The policy key that makes an unknown factorId refuse (see the module docstring).
STRICT_FACTORS = "strictFactors"


@dataclass(frozen=True)
class ProfilePolicy:
    """Required profiles per dataset kind (kinds not named need none), and whether a cited
    factor the node does not hold refuses."""

    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    strict_factors: bool = False

    def __post_init__(self) -> None:
        for kind, profiles in self.required.items():
            if kind not in resources.KIND_SCHEMAS:
                raise UnknownKindError(f"profile policy names unknown dataset kind {kind!r}")
            for profile in profiles:
                check_profile_name(profile)

    def profiles_for(self, kind: str) -> tuple[str, ...]:
        """The profiles a dataset of `kind` must pass."""
        return tuple(self.required.get(kind, ()))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object a node config stores (symmetric with `policy_from_dict`)."""
        kinds = {kind: list(profiles) for kind, profiles in sorted(self.required.items())}
        return kinds | ({STRICT_FACTORS: True} if self.strict_factors else {})


#: No profile required: offline tools and checkers built without a node.
NO_PROFILES = ProfilePolicy()


def default_policy(role: str) -> ProfilePolicy:
    """The policy of a node with role `role` whose config names none."""
    return ProfilePolicy(DEFAULT_POLICIES.get(role, {}))


def policy_from_dict(data: Any) -> ProfilePolicy:
    """A policy from its JSON object {kind: [profile, ...]}; anything else is refused."""
    if not isinstance(data, dict):
        raise PolicyError("a profile policy is a JSON object of kind -> [profile, ...]")
    strict = data.get(STRICT_FACTORS, False)
    if not isinstance(strict, bool):
        raise PolicyError(f"{STRICT_FACTORS} must be true or false")
    required: dict[str, tuple[str, ...]] = {}
    for kind, profiles in data.items():
        if kind == STRICT_FACTORS:
            continue
        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            raise PolicyError(f"the profiles of {kind!r} must be a list of names")
        required[str(kind)] = tuple(profiles)
    return ProfilePolicy(required, strict_factors=strict)
