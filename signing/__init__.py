"""W3C Data Integrity signatures for carbon datasets: pure, offline, bounded."""
