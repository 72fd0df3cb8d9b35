"""W3C Data Integrity signatures for carbon datasets: pure, offline, bounded.

Public API (imported lazily, so `import signing.keys` does not load pyld):

    generate_key, load_key, save_key, resolve_did_key, PrivateKey, PublicKey, Signer  (keys)
    PinnedLoader, default_loader                                                      (loader)
    sign                                                                              (proofs)
    verify, VerificationResult, ProofResult                                           (verify)
    verify_many, VerifierPool                                                         (batch)
    SUITES, DEFAULT_SUITE                                                             (suites)
    JsonLdLimits, FAST_PATH_ONLY, DEFAULT_JSONLD_LIMITS                               (budget)
    UnsupportedJsonLdError, JsonLdBudgetError, DeadlineExceededError                  (errors)

Every export works the same on every call: no submodule shares an exported name (a submodule,
once imported, would shadow the lazy export of the same name).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "generate_key": "signing.keys",
    "load_key": "signing.keys",
    "save_key": "signing.keys",
    "resolve_did_key": "signing.keys",
    "PrivateKey": "signing.keys",
    "PublicKey": "signing.keys",
    "Signer": "signing.keys",
    "PinnedLoader": "signing.loader",
    "default_loader": "signing.loader",
    "sign": "signing.proofs",
    "verify": "signing.verification",
    "VerificationResult": "signing.verification",
    "ProofResult": "signing.verification",
    "verify_many": "signing.batch",
    "VerifierPool": "signing.batch",
    "SUITES": "signing.suites",
    "DEFAULT_SUITE": "signing.suites",
    "JsonLdLimits": "signing.budget",
    "FAST_PATH_ONLY": "signing.budget",
    "DEFAULT_JSONLD_LIMITS": "signing.budget",
    "UnsupportedJsonLdError": "signing.errors",
    "JsonLdBudgetError": "signing.errors",
    "DeadlineExceededError": "signing.errors",
}

__all__ = [  # noqa: RUF022 - grouped like _EXPORTS
    "generate_key", "load_key", "save_key", "resolve_did_key", "PrivateKey", "PublicKey", "Signer",
    "PinnedLoader", "default_loader", "sign", "verify", "VerificationResult", "ProofResult",
    "verify_many", "VerifierPool", "SUITES", "DEFAULT_SUITE",
    "JsonLdLimits", "FAST_PATH_ONLY", "DEFAULT_JSONLD_LIMITS",
    "UnsupportedJsonLdError", "JsonLdBudgetError", "DeadlineExceededError",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'signing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
