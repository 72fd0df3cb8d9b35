"""The node's one log: every record, ours and gRPC's, one line on stderr, as JSON or as text.

This is the only module that configures logging (`configure`); every other module gets a logger
with `logging.getLogger("cfx.…")` and reports events with `event()`, whose fields become keys
of the JSON line (or `key=value` pairs of the text line). A record always has `time` (RFC 3339,
UTC, ms), `level`, `logger`, `event` (`log` for a plain message) and `message`.

Secrets stay out by construction: callers pass only fields they chose (an organization name, a
status reason, a digest), never a request body, a key or a credential; a free-form message or
traceback that happens to hold a PEM private key block has the block replaced (defence in
depth; `tests/integration/observability/test_secret_free_logs.py` checks the whole log).

gRPC: the Python `grpc` logger propagates to the root handler configured here. The C core writes
to stderr itself, in its own format, and reads GRPC_VERBOSITY once at import, so the CLI silences
it before grpc loads (`gateway.cli._grpc_env`; `cfx --debug` keeps it).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any, Final

FORMATS: Final = ("json", "text")
LEVELS: Final = ("debug", "info", "warning", "error")
# Keys of the `extra` mapping an `event()` record carries.
_EVENT: Final = "cfx_event"
_FIELDS: Final = "cfx_fields"
_PEM_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)", re.DOTALL
)
# Loggers of libraries whose lines go through our handler at no more than these levels.
_QUIETER: Final = {"uvicorn.access": logging.WARNING, "asyncio": logging.WARNING}


def event(
    logger: logging.Logger, name: str, message: str, level: int = logging.INFO, **fields: object
) -> None:
    """Log one structured event `name` (e.g. `rpc`, `sync`) with `fields` as its keys."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={_EVENT: name, _FIELDS: fields})


def scrub(text: str) -> str:
    """`text` with any PEM private key block replaced."""
    if "PRIVATE KEY-----" not in text:
        return text
    return _PEM_KEY.sub("[private key removed]", text)


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record as the flat mapping both formats print."""
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": getattr(record, _EVENT, "log"),
        "message": scrub(record.getMessage()),
    }
    fields.update(getattr(record, _FIELDS, {}))
    if record.exc_info:
        fields["error"] = scrub(logging.Formatter().formatException(record.exc_info))
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as compact JSON (non-ASCII kept, no newline inside)."""
        return json.dumps(record_fields(record), ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same record as one readable line: `time level logger: message key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        """Time, level, logger and message first, then the event's fields in order."""
        fields = record_fields(record)
        head = f"{fields.pop('time')} {fields.pop('level').upper():7} {fields.pop('logger')}:"
        fields.pop("event")
        message = fields.pop("message")
        pairs = " ".join(f"{key}={_text_value(value)}" for key, value in fields.items())
        line = f"{head} {message} {pairs}".rstrip()
        return " | ".join(line.splitlines())  # a traceback stays on the record's one line


def _text_value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(text) if not text or any(c.isspace() or c == '"' for c in text) else text


def configure(fmt: str = "text", level: str = "info", stream: IO[str] | None = None) -> None:
    """Send every record at `level` or above to `stream` (stderr) in format `fmt`, replacing any
    handler set before. Called once, by the command that runs the node."""
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {FORMATS}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, quieter in _QUIETER.items():
        logging.getLogger(name).setLevel(max(quieter, root.level))
    # gRPC's and uvicorn's loggers keep no handler of their own: their records reach this one.
    for name in ("grpc", "uvicorn", "uvicorn.error", "uvicorn.access"):
        library = logging.getLogger(name)
        library.handlers = [h for h in library.handlers if isinstance(h, logging.NullHandler)]
        library.propagate = True
    logging.captureWarnings(capture=True)
