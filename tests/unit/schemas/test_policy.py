"""Node profile policy (schemas.policy), its config round trip, and HS/CN prefix matching."""

from __future__ import annotations

import pytest

from gateway.errors import NodeError
from gateway.node import NodeConfig, NodeRole
from schemas.errors import UnknownKindError, UnknownProfileError
from schemas.policy import PolicyError, ProfilePolicy, default_policy, policy_from_dict
from schemas.rules import classification_matches

_HS = "urn:pact:wcoomd.org:hs-code:"


def test_role_defaults() -> None:
    assert default_policy("provincial").profiles_for("ProductFootprint") == ("gbt24067-2024",)
    assert default_policy("national").profiles_for("AccountingRule") == ("gbt24067-2024",)
    # A provincial node also publishes CO2-only grid factors for enterprise reporting.
    assert default_policy("provincial").profiles_for("EmissionFactor") == ()
    assert default_policy("registry").profiles_for("ProductFootprint") == ("pact-3.0",)


def test_config_names_its_own_policy_and_round_trips() -> None:
    config = NodeConfig(
        role=NodeRole.PROVINCIAL,
        org="sichuan",
        profiles=ProfilePolicy({"ProductFootprint": ("power-battery",)}),
    )
    again = NodeConfig.from_dict(config.to_dict())
    assert again.profile_policy.profiles_for("ProductFootprint") == ("power-battery",)
    assert "profiles" not in NodeConfig(role=NodeRole.REGISTRY, org="reg").to_dict()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"ProductFootprint": ["no-such-profile"]}, UnknownProfileError),
        ({"Footprint": ["pact-3.0"]}, UnknownKindError),
        ({"ProductFootprint": "pact-3.0"}, PolicyError),
        (["pact-3.0"], PolicyError),
    ],
)
def test_bad_policies_are_refused(data: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        policy_from_dict(data)
    config = NodeConfig(role=NodeRole.NATIONAL, org="national").to_dict() | {"profiles": data}
    with pytest.raises(NodeError):
        NodeConfig.from_dict(config)


@pytest.mark.parametrize(
    ("have", "wanted", "matches"),
    [
        (f"{_HS}8507600090", f"{_HS}8507", True),
        (f"{_HS}8507600090", f"{_HS}850760", True),
        (f"{_HS}85076000", f"{_HS}85076000", True),
        (f"{_HS}8506500090", f"{_HS}8507", False),  # another heading
        (f"{_HS}850", f"{_HS}8507", False),  # coarser than the rule
        ("urn:pact:other:hs-code:8507600090", f"{_HS}8507", False),  # another code system
        ("urn:cpc:4642", "urn:cpc:46", True),
        ("urn:example:battery-x", "urn:example:battery", False),  # not a numeric code
    ],
)
def test_classification_prefix(have: str, wanted: str, *, matches: bool) -> None:
    assert classification_matches(have, wanted) is matches
