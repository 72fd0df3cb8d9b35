"""Schemas fixtures: documents loaded from the examples index (tests.helpers.schemas_data)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.schemas_data import load


@pytest.fixture
def battery() -> dict[str, Any]:
    return load("valid/product-footprint-power-battery-with-gec.json")
