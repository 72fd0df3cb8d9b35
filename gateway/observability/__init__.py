"""What a running node tells its operator (issue 16): one structured log (`logging`), Prometheus
metrics (`metrics`, served by `http`), and the hooks the request path reports through (`stages`).
"""
