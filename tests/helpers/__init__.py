"""Shared test helpers: data locations, builders and harnesses the test modules import.

Fixtures stay in conftest.py files; everything else several test modules use lives here, so no
test imports from a conftest.py or from another test module.
"""
