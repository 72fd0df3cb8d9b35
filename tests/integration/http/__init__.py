"""The one HTTP stack (gateway.http)."""
