"""JSON-LD contexts, JSON Schemas, profiles and accounting rules for carbon datasets."""
