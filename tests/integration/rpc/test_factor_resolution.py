"""Issue 13 Found 3: a footprint's electricity factorId is resolved against the EmissionFactor
datasets the node holds, and the value it states is compared, over real gRPC.

A factor held with another value refuses (FACTOR_VALUE_MISMATCH). A factorId naming no factor
held here is a warning: in a federation the factor may arrive after the footprint citing it
(schemas.electricity.factor_checks); a node whose policy is strict refuses it.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gateway._proto.cfx.v1 import exchange_service_pb2 as ex
from gateway.client import CfxClient, ClientError
from gateway.federation.rounds import sync_round
from gateway.node import NodePaths, load_config, load_node_key, save_config
from schemas.electricity import computed_results
from schemas.policy import ProfilePolicy
from tests.helpers.federation import make_pair
from tests.helpers.nodes import Harness, example, make_node, signed_bytes

_BATTERY = "valid/product-footprint-power-battery-with-gec.json"
_SICHUAN = "valid/emission-factor-sichuan-electricity-footprint-factor.json"
_GRID = "/credentialSubject/electricity/gridFactor"


def _battery(factor_value: str = "0.1866") -> dict[str, Any]:
    """The bundled battery footprint under a fresh id, its grid factor stated as `factor_value`
    and its electricity results recomputed with it (so only the factor itself can be wrong)."""
    document = copy.deepcopy(example(_BATTERY))
    subject = document["credentialSubject"]
    subject["id"] = f"urn:uuid:{uuid.uuid4()}"
    block = subject["electricity"]
    block["gridFactor"]["factorValue"] = factor_value
    location, adjusted = computed_results(block) or pytest.fail("the example computes")
    block["locationBasedGhgEmissions"] = f"{location:.3f}"
    block["certificateAdjustedGhgEmissions"] = f"{adjusted:.3f}"
    return document


def _reasons(found: Any) -> list[tuple[str, str]]:
    return [(v.field, v.reason) for v in found]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    yield from make_node(tmp_path_factory.mktemp("factors"))


def test_a_factor_not_held_here_is_a_warning_kept_with_the_footprint(node: Harness) -> None:
    # Runs first in the module: the Sichuan factor is not published yet.
    with node.client() as client:
        accepted = client.submit(node.sign(_battery()))
        verdict = client.verify(node.sign(_battery()))
    unknown = [(f"{_GRID}/factorId", "UNKNOWN_FACTOR")]
    assert _reasons(accepted.dataset.warnings) == unknown
    # VerifyCredential reports it too, as a warning that does not stop `verified`.
    assert verdict.verified
    assert [(v.field, v.reason, v.severity) for v in verdict.violations] == [
        (f"{_GRID}/factorId", "UNKNOWN_FACTOR", ex.FINDING_SEVERITY_WARNING)
    ]


@pytest.fixture(scope="module")
def sichuan_published(node: Harness) -> None:
    """The operator publishes the Sichuan life-cycle factor (0.1866 kgCO2e/kWh) at the node."""
    with node.client("admin") as admin:
        admin.submit(node.sign(example(_SICHUAN), load_node_key(node.paths)))


@pytest.mark.usefixtures("sichuan_published")
def test_citing_the_held_factor_with_another_value_is_refused(node: Harness) -> None:
    before = node.log_size()
    with node.client() as client, pytest.raises(ClientError) as err:
        client.submit(node.sign(_battery("0.1966")))
    assert err.value.reason == "RULE_VIOLATION"
    assert _reasons(err.value.violations) == [(f"{_GRID}/factorValue", "FACTOR_VALUE_MISMATCH")]
    assert node.log_size() == before


@pytest.mark.usefixtures("sichuan_published")
def test_citing_the_held_factor_with_its_value_is_accepted_without_warning(node: Harness) -> None:
    with node.client() as client:
        accepted = client.submit(node.sign(_battery("0.18660")))
    assert accepted.dataset.name
    assert _reasons(accepted.dataset.warnings) == []


def _strict(paths: NodePaths) -> None:
    config = load_config(paths)
    policy = replace(config.profile_policy, strict_factors=True)
    save_config(paths, replace(config, profiles=policy))


def test_a_strict_node_refuses_a_factor_it_does_not_hold(tmp_path: Path) -> None:
    assert ProfilePolicy(strict_factors=True).to_dict() == {"strictFactors": True}
    for strict in make_node(tmp_path, configure=_strict):
        with strict.client() as client, pytest.raises(ClientError) as err:
            client.submit(strict.sign(_battery()))
        assert _reasons(err.value.violations) == [(f"{_GRID}/factorId", "UNKNOWN_FACTOR")]


def test_sync_resolves_factors_as_submit_does(tmp_path: Path) -> None:
    """The puller holds the Sichuan factor, the origin does not (so it kept only a warning):
    pulling refuses the footprint stating another value and stores the one stating its value."""
    for pair in make_pair(tmp_path):
        puller = pair.puller
        operator_key = load_node_key(puller.paths)
        with CfxClient(puller.address, puller.paths.client_dir()) as admin:
            admin.submit(signed_bytes(example(_SICHUAN), operator_key))
        with pair.origin.client() as client:
            for document in (_battery("0.1966"), _battery()):
                client.submit(pair.sign(document))
        (summary,) = sync_round(puller.node, [pair.peer])
        assert [r["reason"] for r in summary.refused] == ["RULE_VIOLATION"]
        assert "is 0.1866, the footprint states 0.1966" in summary.refused[0]["message"]
        assert summary.stored == 1
