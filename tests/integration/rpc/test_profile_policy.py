"""Issue 13 Found 5: the node enforces the profiles its config (or role) requires, over real gRPC.

A provincial node refuses a footprint with GB/T 24067 violations with the pointers `cfx validate
--profile gbt24067-2024` gives, accepts one with only warnings and returns and keeps the warnings;
a registry refuses a footprint that breaks PACT 3.0.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import schemas
from gateway.client import ClientError
from gateway.node import NodeRole
from schemas.profiles import GBT_24067_2024
from schemas.violations import errors
from tests.helpers.nodes import Harness, as_role, example, make_node

_BATTERY = "valid/product-footprint-power-battery-with-gec.json"
_LAPTOP = "valid/product-footprint-electronics-laptop.json"
_CS = "/credentialSubject"


@pytest.fixture(scope="module")
def provincial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    yield from make_node(
        tmp_path_factory.mktemp("provincial"), configure=as_role(NodeRole.PROVINCIAL)
    )


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    yield from make_node(tmp_path_factory.mktemp("registry"), configure=as_role(NodeRole.REGISTRY))


def _four_gbt_violations() -> dict[str, Any]:
    """The issue's footprint: CO2-only factor, GEC generated in 2019, double counting, no study."""
    document = copy.deepcopy(example(_BATTERY))
    subject = document["credentialSubject"]
    electricity = subject["electricity"]
    electricity["gridFactor"].update(
        factorKind="co2-emission-factor",
        factorUnit="kgCO2/kWh",
        excludesMarketTradedGreenPower=False,
    )
    electricity["gecClaims"][0].update(
        generationPeriodStart="2019-01-01T00:00:00Z", generationPeriodEnd="2019-07-01T00:00:00Z"
    )
    del subject["gbt24067"]
    del subject["accountingRuleId"]  # the rule would add its own findings; not the point here
    return document


def test_provincial_node_refuses_gbt_violations_with_every_pointer(provincial: Harness) -> None:
    document = _four_gbt_violations()
    before = provincial.log_size()
    with provincial.client() as client, pytest.raises(ClientError) as err:
        client.submit(provincial.sign(document))
    refused = {(v.field, v.reason) for v in err.value.violations}
    grid = f"{_CS}/electricity/gridFactor"
    assert {
        (f"{grid}/factorKind", "FACTOR_KIND_NOT_ALLOWED"),
        (f"{_CS}/electricity/gecClaims/0/generationPeriodStart", "GEC_OUTSIDE_REFERENCE_PERIOD"),
        (f"{grid}/excludesMarketTradedGreenPower", "GEC_DOUBLE_COUNTING"),
        (f"{_CS}/gbt24067", "MISSING_REQUIRED_FIELD"),
    } <= refused
    # The same findings, at the same pointers, as `cfx validate --profile gbt24067-2024`.
    offline = errors(schemas.validate(document, profile=GBT_24067_2024))
    assert refused == {(v.pointer, v.reason) for v in offline}
    assert provincial.log_size() == before


def test_warnings_are_returned_and_kept_with_the_dataset(provincial: Harness) -> None:
    document = copy.deepcopy(example(_LAPTOP))
    document["credentialSubject"]["id"] = "urn:uuid:1b6f0a57-0000-4000-8000-00000000c013"
    del document["credentialSubject"]["gbt24067"]["studyReport"]
    expected = [
        # The Sichuan factor it cites is not published on this node (a warning: it may arrive).
        (f"{_CS}/electricity/gridFactor/factorId", "UNKNOWN_FACTOR"),
        (f"{_CS}/gbt24067/studyReport", "STUDY_ITEM_NOT_REPORTED"),
    ]
    with provincial.client() as client:
        accepted = client.submit(provincial.sign(document))
        assert [(w.field, w.reason) for w in accepted.dataset.warnings] == expected
        stored = client.get(accepted.dataset.name)
    assert [(w.field, w.reason) for w in stored.dataset.warnings] == expected


def test_registry_refuses_a_footprint_that_breaks_pact(registry: Harness) -> None:
    document = copy.deepcopy(example(_LAPTOP))
    document["credentialSubject"]["validityPeriodEnd"] = "2035-01-01T00:00:00Z"
    with registry.client() as client, pytest.raises(ClientError) as err:
        client.submit(registry.sign(document))
    assert [(v.field, v.reason) for v in err.value.violations] == [
        (f"{_CS}/validityPeriodEnd", "VALIDITY_TOO_LONG")
    ]


def test_a_node_without_the_profile_accepts_what_the_registry_refuses(tmp_path: Path) -> None:
    document = copy.deepcopy(example(_LAPTOP))
    document["credentialSubject"]["validityPeriodEnd"] = "2035-01-01T00:00:00Z"
    for harness in make_node(tmp_path, configure=as_role(NodeRole.PROVINCIAL)):
        with harness.client() as client:
            assert client.submit(harness.sign(document)).dataset.name
