"""Imported first by the CLI, before anything loads grpc: gRPC's C core reads GRPC_VERBOSITY once,
at import, and otherwise prints its own lines ("Handshake failed …", "Failed to add port …") next
to the one-line error the CLI prints with the cause. `cfx --debug …` keeps them, as does a
GRPC_VERBOSITY set by the user."""

import os
import sys

if "--debug" not in sys.argv[1:]:
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
