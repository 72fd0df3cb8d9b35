"""`--log-format json|text`: one record, two renderings of the same fields on one line each;
a PEM private key in a free-form message never reaches either."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from gateway.observability import logging as node_logging

PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFakeFakeFake\n-----END PRIVATE KEY-----"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _fail() -> None:
    raise ValueError(PEM)


def emit(fmt: str) -> str:
    stream = io.StringIO()
    node_logging.configure(fmt, "info", stream)
    log = logging.getLogger("cfx.test")
    node_logging.event(log, "rpc", "a call", code="OK", caller="sichuan cells", duration_ms=1.5)
    log.debug("not at info")
    try:
        _fail()
    except ValueError:
        log.exception("failed with %s", PEM)
    return stream.getvalue()


@pytest.mark.usefixtures("restored_logging")
def test_json_and_text_render_the_same_record_one_line_each() -> None:
    first, failure = emit("json").splitlines()
    record = json.loads(first)
    assert record["event"] == "rpc"
    assert record["level"] == "info"
    assert record["logger"] == "cfx.test"
    assert (record["code"], record["caller"], record["duration_ms"]) == ("OK", "sichuan cells", 1.5)
    assert "PRIVATE KEY-----" not in failure
    assert "MC4CAQAwBQYDK2VwBCIEIFakeFakeFake" not in failure
    assert "ValueError" in json.loads(failure)["error"]

    text, text_failure = emit("text").splitlines()
    assert text.startswith(record["time"][:10])
    assert text.endswith('INFO    cfx.test: a call code=OK caller="sichuan cells" duration_ms=1.5')
    assert "FakeFakeFake" not in text_failure
