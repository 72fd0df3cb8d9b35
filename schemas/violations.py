"""The one result type of validation: a field-level violation with a stable reason code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Violation:
    """`pointer` is an RFC 6901 JSON pointer into the validated document ("" is the whole
    document); `reason` is a stable UPPER_SNAKE code callers may branch on; `message` is for people.
    """

    pointer: str
    reason: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "reason": self.reason, "message": self.message}
