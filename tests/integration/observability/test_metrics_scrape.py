"""The metrics endpoint of a real `cfx serve`, scraped over HTTP and parsed with the Prometheus
parser: the counters move by exactly the traffic this test made, and the scrape-time figures
(log size, streams, sync lag, quarantine, GEC ledger) say what the nodes are doing."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas.electricity import certified_mwh
from tests.helpers.federation import PEER_NAME, PULLER_ORG
from tests.integration.observability.conftest import World
from tests.integration.observability.traffic import make_traffic, wait_until_pulled

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
SUBMIT = "/cfx.v1.ExchangeService/SubmitDataset"
GET = "/cfx.v1.ExchangeService/GetDataset"
SUBMISSIONS = 4


def scrape(url: str) -> Samples:
    """Every sample of one real scrape, by name and labels."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist yet."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests(samples: Samples, method: str, code: str, reason: str = "") -> float:
    return value(samples, "cfx_rpc_requests_total", method=method, code=code, reason=reason)


def eventually(url: str, name: str, expected: float, **labels: str) -> None:
    """The gauge reaches `expected` within a few seconds (the follower runs on its own)."""
    deadline = time.monotonic() + 15
    while (found := value(scrape(url), name, **labels)) != expected:
        if time.monotonic() > deadline:
            pytest.fail(f"{name}{labels} is {found}, expected {expected}")
        time.sleep(0.1)


@pytest.mark.slow
def test_counters_move_by_exactly_the_traffic_made(world: World) -> None:
    url = world.origin.metrics_url
    before = scrape(url)
    traffic = make_traffic(world, SUBMISSIONS)
    after = scrape(url)
    assert traffic.refused_submit is not None
    assert traffic.refused_get is not None

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    def calls(method: str, code: str, reason: str = "") -> float:
        return requests(after, method, code, reason) - requests(before, method, code, reason)

    refused = traffic.refused_submit
    missing = traffic.refused_get
    assert calls(SUBMIT, "OK") == SUBMISSIONS
    assert calls(SUBMIT, refused.code.name, refused.reason) == 1
    assert calls(GET, "OK") == SUBMISSIONS
    assert calls(GET, missing.code.name, missing.reason) == 1
    assert delta("cfx_rpc_duration_seconds_count", method=SUBMIT) == SUBMISSIONS + 1
    # Every submission was verified (the tampered one too); only sound ones validated, stored.
    assert delta("cfx_verification_seconds_count") == SUBMISSIONS + 1
    assert delta("cfx_validation_seconds_count") == SUBMISSIONS
    assert delta("cfx_store_write_seconds_count") == SUBMISSIONS
    assert delta("cfx_log_size") == SUBMISSIONS
    assert 0 <= value(after, "cfx_last_checkpoint_age_seconds") < 600
    # The ledger counts every certificate the accepted footprints claim (1 GEC = 1 MWh).
    claimed = sum(
        sum(certified_mwh(json.loads(raw)["credentialSubject"]["electricity"]).values())
        for raw in traffic.submitted
    )
    assert claimed > 0
    assert delta("cfx_gec_ledger_certificates") == claimed
    # The follower at the national node holds one WatchLog stream open at the origin.
    eventually(url, "cfx_open_streams", 1, identity=PULLER_ORG)

    wait_until_pulled(world, traffic.names)
    puller = world.puller.metrics_url
    eventually(puller, "cfx_peer_sync_lag_entries", 0, peer=PEER_NAME)
    assert value(scrape(puller), "cfx_peer_quarantined", peer=PEER_NAME) == 0
    assert value(scrape(puller), "cfx_log_size") >= SUBMISSIONS


@pytest.mark.parametrize("address", ["0.0.0.0:0", "192.0.2.1:9100", "metrics.example:9100"])
def test_a_non_loopback_metrics_address_is_refused_before_serving(
    world: World, address: str
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--dir", str(world.dirs.origin.root),
         "--metrics-listen", address],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert "is not a loopback address" in run.stderr
    assert "--metrics-allow-remote" in run.stderr
