"""Federation: nodes that pull signed datasets from their peers (issue 12, DESIGN.md §5)."""
