"""Accounting rules published on the node are enforced on the footprints that cite them."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import grpc
import pytest

import schemas
from gateway.client import ClientError
from gateway.node import load_node_key
from schemas.resources import bundled_rule_credentials
from tests.helpers.nodes import Harness, example

BUNDLED = "urn:cfx:accounting-rule:power-battery:1.0.0"
STRICT = "urn:cfx:accounting-rule:power-battery-no-gec:1.0.0"


def _battery_citing(rule_id: str) -> dict[str, Any]:
    document = example("valid/product-footprint-power-battery-with-gec.json")
    document["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"]["accountingRuleId"] = rule_id
    return document


@pytest.fixture(scope="module")
def strict_rule(harness: Harness) -> str:
    """The operator publishes a stricter battery rule that does not accept GEC claims."""
    rule = copy.deepcopy(bundled_rule_credentials()["power-battery"])
    rule["credentialSubject"]["id"] = STRICT
    rule["credentialSubject"]["gecAccepted"] = False
    assert schemas.validate(rule) == []
    with harness.client("admin") as admin:
        admin.submit(harness.sign(rule, load_node_key(harness.paths)))
    return STRICT


def test_footprint_breaking_a_published_rule_is_refused(harness: Harness, strict_rule: str):
    before = harness.log_size()
    with harness.client() as client, pytest.raises(ClientError) as err:
        client.submit(harness.sign(_battery_citing(strict_rule)))
    assert (err.value.code, err.value.reason) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "RULE_VIOLATION",
    )
    assert "GEC_NOT_ACCEPTED" in {v.reason for v in err.value.violations}
    assert harness.log_size() == before


def test_the_same_footprint_under_the_bundled_rule_is_accepted(harness: Harness, strict_rule: str):
    with harness.client() as client:
        accepted = client.submit(harness.sign(_battery_citing(BUNDLED)))
    assert accepted.dataset.name
    assert strict_rule != BUNDLED


def test_citing_a_rule_nobody_published_is_a_rule_violation(harness: Harness):
    with harness.client() as client, pytest.raises(ClientError) as err:
        client.submit(harness.sign(_battery_citing("urn:cfx:accounting-rule:nobody:9.9.9")))
    assert [v.reason for v in err.value.violations] == ["UNKNOWN_ACCOUNTING_RULE"]
