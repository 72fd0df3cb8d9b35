"""The pyld reference path runs within a budget, honours the caller's deadline, and holds no lock.

Issue 11 finding 1: pyld's node map is quadratic in a property's values (2,000 values ~1 s,
8,000 ~13 s, 60,000 minutes), it ran under a process-wide lock, and ignored the deadline. Now
the reference path counts the document's values before pyld starts, checks this thread's CPU
time and the deadline as pyld works, and keeps its pyld caches per thread, so one slow document
does not hold up another verification in another thread.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pyld import jsonld

from schemas.paths import PACKAGE_DIR
from signing import proofs, rdf, suites
from signing.budget import CallBudget, JsonLdLimits, Meter, check_items
from signing.canon import canonicalize_quads
from signing.errors import (
    DeadlineExceededError,
    JsonLdBudgetError,
    ProofOptionsError,
    SigningError,
)
from signing.fast_rdf import to_quads
from signing.keys import PrivateKey
from signing.loader import default_loader
from signing.proofs import sign
from signing.verification import verify

BATTERY = PACKAGE_DIR / "examples" / "valid" / "product-footprint-power-battery-with-gec.json"
T0 = datetime(2026, 6, 1, tzinfo=UTC)
NOW = T0 + timedelta(minutes=1)
#: Large enough that pyld would take many seconds: only the budgets stop it.
GENEROUS = JsonLdLimits(max_items=10**7, max_cpu_seconds=600.0)


@pytest.fixture(scope="module")
def signed_battery(issuer_key: PrivateKey) -> dict[str, Any]:
    document = json.loads(BATTERY.read_text())
    document.pop("proof")
    document["issuer"] = issuer_key.did
    return sign(document, issuer_key, created=T0)


def _attack(signed: dict[str, Any], count: int) -> dict[str, Any]:
    attack = copy.deepcopy(signed)
    ids = [f"urn:pact:company-id:{index:08d}" for index in range(count)]
    attack["credentialSubject"]["companyIds"] = {"@set": ids}
    return attack


def test_oversized_document_is_refused_before_pyld_starts(signed_battery: dict[str, Any]) -> None:
    start = time.thread_time()
    with pytest.raises(JsonLdBudgetError) as caught:
        verify(_attack(signed_battery, 60_000), now=NOW)
    assert caught.value.limit == "max_items"
    assert caught.value.reason == "JSONLD_BUDGET_EXCEEDED"
    assert isinstance(caught.value.cap, int)
    assert time.thread_time() - start < 1.0  # counting, not processing


def test_item_budget_counts_every_json_value() -> None:
    assert check_items({"a": [1, 2, {"b": None}]}, 6) == 6
    with pytest.raises(JsonLdBudgetError):
        check_items({"a": [1, 2, {"b": None}]}, 5)


def test_cpu_budget_stops_pyld_while_it_works(signed_battery: dict[str, Any]) -> None:
    limits = JsonLdLimits(max_items=10**7, max_cpu_seconds=0.3)
    start = time.thread_time()
    with pytest.raises(JsonLdBudgetError) as caught:
        verify(_attack(signed_battery, 60_000), now=NOW, jsonld_limits=limits)
    assert caught.value.limit == "max_cpu_seconds"
    assert time.thread_time() - start < 3.0


def test_deadline_stops_pyld_while_it_works(signed_battery: dict[str, Any]) -> None:
    start = time.monotonic()
    with pytest.raises(DeadlineExceededError) as caught:
        verify(
            _attack(signed_battery, 60_000),
            now=NOW,
            jsonld_limits=GENEROUS,
            deadline=start + 0.5,
        )
    assert caught.value.reason == "DEADLINE_EXCEEDED"
    assert time.monotonic() - start < 3.0


def test_a_passed_deadline_stops_even_the_fast_path(signed_battery: dict[str, Any]) -> None:
    assert verify(signed_battery, now=NOW, deadline=time.monotonic() + 60).verified
    with pytest.raises(DeadlineExceededError):
        verify(signed_battery, now=NOW, deadline=time.monotonic() - 1)
    with pytest.raises(DeadlineExceededError):
        to_quads(signed_battery, default_loader(), deadline=time.monotonic() - 1)


def test_deadline_is_checked_inside_the_canonicalizer() -> None:
    # Ten look-alike blank nodes in a ring: Hash N-Degree Quads work, where the check sits.
    quads = [(f"_:n{index}", "<urn:p>", f"_:n{(index + 1) % 10}", "") for index in range(10)]
    assert canonicalize_quads(quads, deadline=time.monotonic() + 60)
    with pytest.raises(DeadlineExceededError):
        canonicalize_quads(quads, deadline=time.monotonic() - 1)


def test_a_document_within_the_budget_still_verifies_on_the_reference_path(
    signed_battery: dict[str, Any], issuer_key: PrivateKey
) -> None:
    document = copy.deepcopy(signed_battery)
    document.pop("proof")
    document["credentialSubject"]["companyIds"] = {"@set": ["urn:pact:company-id:1"]}
    signed = sign(document, issuer_key, created=T0)  # through pyld, within the default budget
    assert verify(signed, now=NOW).verified
    assert verify(signed, now=NOW, fast=False).verified


@pytest.mark.parametrize(
    "options",
    [{"max_items": -1}, {"max_items": True}, {"max_cpu_seconds": 0}, {"max_cpu_seconds": "1"}],
)
def test_invalid_limits_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ProofOptionsError):
        JsonLdLimits(**options)


def test_reference_path_leaves_pyld_process_wide_caches_alone(
    signed_battery: dict[str, Any],
) -> None:
    # pyld's module-level LRU caches are what made a process-wide lock necessary.
    document = copy.deepcopy(signed_battery)
    document["@context"] = [*document["@context"], {"onlyInThisTest": "urn:only:this"}]
    document["onlyInThisTest"] = "x"
    before = set(jsonld._resolved_context_cache.keys())
    rdf.reference_to_nquads(document, default_loader())
    assert set(jsonld._resolved_context_cache.keys()) <= before
    assert len(jsonld._inverse_context_cache) == 0 or "onlyInThisTest" not in str(
        list(jsonld._inverse_context_cache.keys())
    )


def test_reference_paths_in_many_threads_give_the_sequential_results(
    signed_battery: dict[str, Any],
) -> None:
    loader = default_loader()
    documents = []
    for index in range(4):
        document = copy.deepcopy(signed_battery)
        document["@context"] = [*document["@context"], {f"t{index}": f"urn:t:{index}"}]
        document[f"t{index}"] = "x"
        documents.append(document)
    expected = [rdf.reference_to_nquads(document, loader) for document in documents]
    failures: list[str] = []

    def work(index: int) -> None:
        for round_ in range(6):
            document = documents[(index + round_) % 4]
            try:
                if rdf.reference_to_nquads(document, loader) != expected[(index + round_) % 4]:
                    failures.append(f"thread {index}: different N-Quads")
            except Exception as exc:  # any error in any thread is the finding
                failures.append(f"thread {index}: {exc!r}")

    threads = [threading.Thread(target=work, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_slow_reference_verification_does_not_hold_up_another_thread(
    signed_battery: dict[str, Any],
) -> None:
    """One thread grinds through pyld on a 60,000-item @set until its deadline; meanwhile another
    verifies small credentials on the reference path and the fast path. With the old process-wide
    lock the second thread's reference-path verification waited for the first to finish."""
    slow_started = threading.Event()
    outcome: dict[str, Any] = {}

    def slow() -> None:
        start = time.monotonic()
        slow_started.set()
        try:
            verify(
                _attack(signed_battery, 60_000),
                now=NOW,
                jsonld_limits=GENEROUS,
                deadline=start + 4.0,
            )
        except SigningError as exc:
            outcome["slow_error"] = exc
        outcome["slow_done"] = time.monotonic()
        outcome["slow_seconds"] = outcome["slow_done"] - start

    thread = threading.Thread(target=slow)
    thread.start()
    slow_started.wait()
    time.sleep(0.3)  # the slow thread is inside pyld now
    reference = verify(signed_battery, now=NOW, fast=False)
    fast = verify(signed_battery, now=NOW)
    quick_done = time.monotonic()
    thread.join()
    assert reference.verified
    assert fast.verified
    assert isinstance(outcome["slow_error"], DeadlineExceededError)
    assert quick_done < outcome["slow_done"], "the quick verifications waited for the slow one"
    assert outcome["slow_seconds"] < 4.0 + 3.0  # the deadline is honoured, generously


def test_cpu_budget_covers_a_whole_call_not_each_pyld_run() -> None:
    with CallBudget(JsonLdLimits(max_cpu_seconds=0.05)):
        Meter(max_cpu_seconds=10.0, deadline=None)  # the first pyld run starts the clock
        start = time.thread_time()
        while time.thread_time() - start < 0.1:  # an earlier proof's pyld run
            pass
        meter = Meter(max_cpu_seconds=10.0, deadline=None)  # the next run's own budget
        for _ in range(31):
            meter.tick()
        with pytest.raises(JsonLdBudgetError) as caught:
            meter.tick()  # the CPU clock is read every 32nd tick
    assert caught.value.limit == "max_cpu_seconds"
    Meter(max_cpu_seconds=10.0, deadline=None).tick()  # outside the call: its own budget


def test_copies_of_a_proof_share_one_canonicalization_of_the_document(
    signed_battery: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proof may be copied: 32 copies must not mean 32 canonicalizations of the document.
    document = copy.deepcopy(signed_battery)
    document["proof"] = [copy.deepcopy(signed_battery["proof"]) for _ in range(32)]
    calls: list[bool] = []
    real = suites.canonical_form

    def counting(suite: Any, value: dict[str, Any], *args: Any, **kwargs: Any) -> bytes:
        calls.append("credentialSubject" in value)
        return real(suite, value, *args, **kwargs)

    monkeypatch.setattr(proofs, "canonical_form", counting)
    result = verify(document, now=NOW)
    assert result.verified
    assert len(result.proofs) == 32
    assert calls.count(True) == 1


def test_a_data_loss_is_found_once_for_all_copies_of_a_proof(
    signed_battery: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    document = copy.deepcopy(signed_battery)
    document["proof"] = [copy.deepcopy(signed_battery["proof"]) for _ in range(3)]
    document["credentialSubject"]["undefinedTerm"] = "x"
    calls: list[bool] = []
    real = suites.canonical_form

    def counting(suite: Any, value: dict[str, Any], *args: Any, **kwargs: Any) -> bytes:
        calls.append("credentialSubject" in value)
        return real(suite, value, *args, **kwargs)

    monkeypatch.setattr(proofs, "canonical_form", counting)
    result = verify(document, now=NOW)
    assert [proof.reason for proof in result.proofs] == ["UNDEFINED_TERM"] * 3
    assert calls.count(True) == 1
