"""Page tokens are opaque and tamper-evident (AIP-158, E5): any change is the typed error."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain import DatasetKind
from gateway.store.errors import InvalidPageTokenError
from gateway.store.model import DatasetFilter
from gateway.store.paging import PageTokenCodec

CODEC = PageTokenCodec(b"k" * 32)
FP = DatasetFilter().fingerprint()


def test_token_round_trips_its_position():
    assert CODEC.decode(CODEC.encode(41, FP), FP) == 41


def test_token_from_another_store_is_refused():
    other = PageTokenCodec(b"x" * 32)
    with pytest.raises(InvalidPageTokenError):
        CODEC.decode(other.encode(1, FP), FP)


def test_filter_fingerprint_changes_with_every_filter():
    prints = {
        DatasetFilter().fingerprint(),
        DatasetFilter(kind=DatasetKind.ATTESTATION).fingerprint(),
        DatasetFilter(issuer="a").fingerprint(),
        DatasetFilter(issuer_org="a").fingerprint(),
        DatasetFilter(geography="a").fingerprint(),
        DatasetFilter(product_id="a").fingerprint(),
        DatasetFilter(classification_id="a").fingerprint(),
    }
    assert len(prints) == 7


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 2**63), flip=st.integers(0, 10_000), bit=st.integers(0, 5))
def test_any_single_character_change_is_refused(position: int, flip: int, bit: int):
    token = CODEC.encode(position, FP)
    i = flip % len(token)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = alphabet[(alphabet.index(token[i]) + 1 + bit) % len(alphabet)]
    mutated = token[:i] + replacement + token[i + 1 :]
    # 57 token bytes are exactly 76 base64 characters: no unused bits, so every change counts.
    with pytest.raises(InvalidPageTokenError):
        CODEC.decode(mutated, FP)


@pytest.mark.parametrize("extra", ["!", "=", " ", "\n", "A"])
def test_characters_added_to_a_token_are_refused(extra: str):
    with pytest.raises(InvalidPageTokenError):
        CODEC.decode(CODEC.encode(3, FP) + extra, FP)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_but_the_typed_error(text: str):
    with contextlib.suppress(InvalidPageTokenError):
        CODEC.decode(text, FP)
