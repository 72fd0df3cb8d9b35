"""gRPC edge: servicers translate protobuf to domain calls and domain errors to rich statuses."""
