"""The duties lease (gateway/store/lease.py) on a real PostgreSQL database, and the pure term."""

from __future__ import annotations

import time

import pytest

from gateway.store.lease import LeaseKeeper, LeaseTerm, LocalLease, PostgresLease

TTL = 1.0


def test_the_lease_counts_as_held_for_its_ttl_from_the_claim_that_was_answered_yes() -> None:
    term = LeaseTerm(ttl=5.0)
    assert not term.held(0.0)
    term.claimed(10.0, held=True)
    assert term.held(14.9)
    assert not term.held(15.0)
    term.claimed(12.0, held=False)  # a refusal or no answer never extends the term
    assert term.held(14.9)
    assert not term.held(15.0)


@pytest.mark.postgres
def test_one_holder_at_a_time_and_a_release_hands_the_lease_over(postgres_url: str) -> None:
    first = PostgresLease(postgres_url, "replica-a", ttl=30)
    second = PostgresLease(postgres_url, "replica-b", ttl=30)
    try:
        assert first.claim()
        assert first.claim()  # a renewal
        assert not second.claim()
        first.release()
        assert second.claim()
        current = second.current()
        assert current is not None
        assert (current.holder, current.live) == ("replica-b", True)
        assert not first.claim()
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_a_lease_left_unrenewed_is_taken_over_once_it_expired(postgres_url: str) -> None:
    dead = PostgresLease(postgres_url, "replica-a", ttl=TTL)
    successor = PostgresLease(postgres_url, "replica-b", ttl=TTL)
    try:
        assert dead.claim()
        before = successor.current()
        assert not successor.claim()
        time.sleep(TTL + 0.2)  # the holder stopped renewing (killed)
        assert successor.claim()
        after = successor.current()
        assert before is not None
        assert after is not None
        assert after.term == before.term + 1
    finally:
        successor.close()
        dead._drop()


@pytest.mark.postgres
def test_the_keeper_does_the_duties_only_while_it_holds_the_lease(postgres_url: str) -> None:
    events: list[str] = []
    other = PostgresLease(postgres_url, "replica-a", ttl=30)
    assert other.claim()
    keeper = LeaseKeeper(
        PostgresLease(postgres_url, "replica-b", ttl=3 * 0.2),
        lambda: events.append("start"),
        lambda: events.append("stop"),
    )
    keeper.start()
    try:
        assert not keeper.holding
        other.close()  # released: the keeper takes over at its next claim (every ttl / 3)
        deadline = time.monotonic() + 5
        while not keeper.holding and time.monotonic() < deadline:
            time.sleep(0.05)
        assert events == ["start"]
    finally:
        keeper.stop()
    assert events == ["start", "stop"]


def test_a_store_of_one_process_always_holds_the_lease() -> None:
    events: list[str] = []
    keeper = LeaseKeeper(LocalLease(), lambda: events.append("start"), lambda: None)
    keeper.start()
    keeper.stop()
    assert events == ["start"]
