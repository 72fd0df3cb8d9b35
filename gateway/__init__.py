"""cfx gateway: the gRPC exchange service that composes `signing` and `schemas`."""

__version__ = "0.1.0"
