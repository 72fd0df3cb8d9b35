"""Property tests: sign -> verify round trips for generated credentials on every suite and key
type; a signature made on the fast path verifies on the reference path and vice versa; any
change to a signed value is caught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing.keys import PrivateKey, generate_key
from signing.loader import PinnedLoader
from signing.proofs import sign
from signing.suites import canonical_form, get_suite
from signing.verification import verify
from tests.helpers.signing_data import MANIFESTS, footprint_credential

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=1)
LOADER = PinnedLoader(MANIFESTS)
KEYS: dict[str, PrivateKey] = {t: generate_key(t) for t in ("ed25519", "p256", "p384")}
SUITE_KEYS = [
    ("eddsa-rdfc-2022", "ed25519"),
    ("ecdsa-rdfc-2019", "p256"),
    ("ecdsa-rdfc-2019", "p384"),
    ("eddsa-jcs-2022", "ed25519"),
    ("ecdsa-jcs-2019", "p256"),
    ("ecdsa-jcs-2019", "p384"),
]

# Any Unicode text, control characters included (RDFC-1.0 escapes them; signing.md §5).
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)
company_ids = st.lists(
    st.from_regex(r"urn:company:[a-z0-9]{1,12}", fullmatch=True), max_size=4, unique=True
)


@st.composite
def credentials(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    suite, key_type = draw(st.sampled_from(SUITE_KEYS))
    subject: dict[str, Any] = {
        "productName": draw(texts),
        "companyIds": draw(company_ids),
        "pcf": {"pcfExcludingBiogenic": draw(decimals), "declaredUnit": draw(texts)},
    }
    if draw(st.booleans()):
        subject["note"] = draw(st.lists(texts, max_size=3))
    return footprint_credential(KEYS[key_type].did, **subject), suite, key_type


#: Optional proof options: expires (in the future of NOW), domain, challenge.
proof_options = st.fixed_dictionaries(
    {},
    optional={
        "expires": st.integers(min_value=2, max_value=10**6).map(
            lambda minutes: T0 + timedelta(minutes=minutes)
        ),
        "domain": st.from_regex(r"https://[a-z]{1,10}\.example(/[a-z]{1,8})?", fullmatch=True),
        "challenge": st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials(), st.booleans(), proof_options)
def test_sign_then_verify_round_trips_on_both_paths(
    case: tuple[dict[str, Any], str, str], sign_fast: bool, options: dict[str, Any]
) -> None:
    credential, suite, key_type = case
    signed = sign(
        credential, KEYS[key_type], suite=suite, created=T0, loader=LOADER, fast=sign_fast,
        **options,
    )  # fmt: skip
    result = verify(
        signed, loader=LOADER, now=NOW, fast=not sign_fast,
        expected_domain=options.get("domain"), expected_challenge=options.get("challenge"),
    )  # fmt: skip
    assert result.verified, result
    assert result.proofs[0].suite == suite
    assert result.proofs[0].controller == KEYS[key_type].did


@settings(max_examples=40, deadline=None)
@given(credentials())
def test_fast_and_reference_paths_give_the_same_canonical_bytes(
    case: tuple[dict[str, Any], str, str],
) -> None:
    credential, _, key_type = case
    suite = get_suite("eddsa-rdfc-2022" if key_type == "ed25519" else "ecdsa-rdfc-2019")
    fast = canonical_form(suite, credential, LOADER, KEYS[key_type].key_type, fast=True)
    reference = canonical_form(suite, credential, LOADER, KEYS[key_type].key_type, fast=False)
    assert fast == reference
    assert fast.count(b"\n") >= 8  # every subject field reached the graph (not an empty dataset)


@settings(max_examples=25, deadline=None)
@given(credentials(), texts)
def test_any_changed_product_name_is_caught(
    case: tuple[dict[str, Any], str, str], new_name: str
) -> None:
    credential, suite, key_type = case
    signed = sign(credential, KEYS[key_type], suite=suite, created=T0, loader=LOADER)
    if signed["credentialSubject"]["productName"] == new_name:
        return
    signed["credentialSubject"]["productName"] = new_name
    result = verify(signed, loader=LOADER, now=NOW)
    assert not result.verified
    assert result.reason == "SIGNATURE_INVALID"
