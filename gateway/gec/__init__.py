"""The GEC ledger's pure logic (issue 14): claimed certificate ranges, who wins a conflict."""
