"""Unit tests of the pure search core (gateway.search)."""
