"""What every fuzz target shares: the expected error roots, input budgets and a JSON mutator.

A finding is anything else: an exception outside `EXPECTED`, a crash, or an input that runs past
libFuzzer's per-input `-timeout`. The targets import the code under test inside
`atheris.instrument_imports()` so coverage guides the search through gateway/, signing/ and
schemas/ (not through pyld or the standard library).
"""

from __future__ import annotations

import json
import random
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["gateway", "signing", "schemas"]):
    from gateway.cli._io import InputFileError
    from gateway.errors import GatewayError
    from gateway.log.errors import LogError
    from gateway.node import NodeError
    from gateway.pki import PKIError
    from gateway.store.errors import StoreError
    from gateway.trust.errors import TrustError
    from schemas.errors import SchemasError
    from schemas.strict_json import JSONInputError
    from signing.errors import SigningError

PACKAGES = ("gateway", "signing", "schemas")

#: The package error roots: each one is a typed refusal with a stable reason, never a finding.
EXPECTED: tuple[type[Exception], ...] = (
    GatewayError,
    InputFileError,
    JSONInputError,
    LogError,
    NodeError,
    PKIError,
    SchemasError,
    SigningError,
    StoreError,
    TrustError,
)

#: Inputs above this many bytes are not tried: libFuzzer's -max_len keeps most below it anyway,
#: and the node caps credentials far higher; what matters is the shape, not the bulk.
MAX_INPUT_BYTES = 64 * 1024

# Tokens JSON-LD, Data Integrity and our schemas give meaning to: a mutation that inserts one
# reaches code a random byte string never would.
TOKENS: tuple[Any, ...] = (
    "@context", "@id", "@type", "@vocab", "@base", "@graph", "@list", "@set", "@value",
    "@language", "@direction", "@json", "@included", "@reverse", "@nest", "@none", "@index",
    "@protected", "@container", "@version", "@import", "@propagate", "_:b0", "_:b1",
    "https://www.w3.org/ns/credentials/v2", "https://w3id.org/cfx/v1",
    "https://www.w3.org/ns/credentials/examples/v2", "https://evil.example/ctx",
    "DataIntegrityProof", "eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019",
    "ecdsa-jcs-2019", "assertionMethod", "authentication", "proofValue", "previousProof",
    "verificationMethod", "did:key:z6Mk", "z", "u", "", "1.0", "-0", "1e999", "0.1e-7",
    "2025-02-30T00:00:00Z", "2025-06-01T12:00:00+14:00", "urn:uuid:", "relative/iri", "#frag",
    0, -1, 1.5, 2**63, True, False, None, [], {},
)  # fmt: skip


def count_values(value: Any, budget: int) -> int:
    """How many JSON values `value` holds, counting no further than `budget` + 1."""
    seen, stack = 0, [value]
    while stack and seen <= budget:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            stack.extend(item.values())
            seen += len(item)  # keys are values the processors walk too
        elif isinstance(item, list):
            stack.extend(item)
    return seen


#: Findings already reported and pinned by a regression test in
#: tests/attacks/test_fuzz_regressions.py (strict xfail until the fix lands). Listed here so a
#: run can go on looking for new ones: (exception type, "path:function" of the innermost frame
#: in our packages). Remove an entry when its test is flipped to a plain pass.
# Findings not fixed yet (name -> exception type, where it escapes). Both findings so far (binary
# --log-key and --peer-key, issue 11 §9) are fixed and are regression tests in tests/attacks.
KNOWN: dict[str, tuple[type[BaseException], str]] = {}
_REPO = Path(__file__).resolve().parents[1]
_seen_known: set[str] = set()


def known_finding(exc: BaseException) -> str | None:
    """The KNOWN name `exc` matches, if any."""
    where = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if path.is_relative_to(_REPO) and path.parts[len(_REPO.parts)] in PACKAGES:
            where = f"{path.relative_to(_REPO).as_posix()}:{frame.name}"
    for name, (kind, place) in KNOWN.items():
        if isinstance(exc, kind) and where == place:
            return name
    return None


def expect(call: Callable[[], object]) -> object | None:
    """Run `call`; a typed refusal from the packages, or a known finding, is not a new finding."""
    try:
        return call()
    except EXPECTED:
        return None
    except Exception as exc:
        name = known_finding(exc)
        if name is None:
            raise
        if name not in _seen_known:
            _seen_known.add(name)
            print(f"known finding (not new): {name}", file=sys.stderr)
        return None


# -- a structure-aware mutator: libFuzzer's byte mutations rarely keep JSON well formed ------------


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    _get(root, path[:-1])[path[-1]] = new
    return root


def _mutate_scalar(value: Any, rng: random.Random) -> Any:
    if isinstance(value, str) and value and rng.random() < 0.6:
        raw = atheris.Mutate(value.encode("utf-8", "surrogatepass"), max(len(value) * 2, 16))
        return raw.decode("utf-8", "replace")
    if isinstance(value, int | float) and not isinstance(value, bool) and rng.random() < 0.5:
        return rng.choice([value + 1, -value, value * 10 ** rng.randint(1, 20), str(value)])
    return rng.choice(TOKENS)


def mutate_json(document: Any, rng: random.Random) -> Any:
    """One structural change: edit, retype, delete, duplicate or move a value, or add a key."""
    paths = _paths(document)
    path = rng.choice(paths)
    target = _get(document, path)
    op = rng.randrange(7)
    if op == 0 or not path:
        return _set(document, path, _mutate_scalar(target, rng))
    parent = _get(document, path[:-1])
    if op == 1:  # delete
        del parent[path[-1]]
    elif op == 2 and isinstance(parent, list):  # duplicate an item (proof sets, @set items)
        parent.insert(path[-1], json.loads(json.dumps(target)))
    elif op == 3:  # move a value from elsewhere here (mix-and-match inside one document)
        donor = _get(document, rng.choice(paths))
        parent[path[-1]] = json.loads(json.dumps(donor))
    elif op == 4 and isinstance(target, dict):  # add a key with meaning
        key = rng.choice([t for t in TOKENS if isinstance(t, str)] + ["extraTerm"])
        target[key] = rng.choice(TOKENS)
    elif op == 5 and isinstance(target, dict) and target:  # rename a key
        old = rng.choice(list(target))
        new = rng.choice([t for t in TOKENS if isinstance(t, str)] + [old.upper(), old + "s"])
        target[new] = target.pop(old)
    else:
        parent[path[-1]] = _mutate_scalar(target, rng)
    return document


def _structural(data: bytes, rng: random.Random) -> bytes | None:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    for _ in range(rng.randint(1, 3)):
        document = mutate_json(document, rng)
    # Lone surrogates (from "\ud800" escapes) become invalid UTF-8: input too.
    text = json.dumps(document, ensure_ascii=rng.random() < 0.5)
    return text.encode("utf-8", "surrogatepass")


def json_mutator(structural_share: float) -> Callable[[bytes, int, int], bytes]:
    """A libFuzzer custom mutator: structural JSON changes `structural_share` of the time (when
    the input parses), libFuzzer's own byte mutations otherwise."""

    def mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)  # noqa: S311 - fuzzing, not cryptography
        if rng.random() < structural_share:
            try:
                out = _structural(data, rng)
            except Exception:  # noqa: BLE001 - a mutator must never stop the run
                out = None
            if out is not None and len(out) <= max_size:
                return out
        return atheris.Mutate(data, max_size)

    return mutator
