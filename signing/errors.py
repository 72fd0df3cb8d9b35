"""The one error tree of `signing`. Every failure a caller can act on has its own class here."""

from __future__ import annotations


class SigningError(Exception):
    """Base of every error raised by the signing package."""

    #: Stable machine-readable reason code (UPPER_SNAKE_CASE); subclasses override.
    reason: str = "SIGNING_ERROR"
