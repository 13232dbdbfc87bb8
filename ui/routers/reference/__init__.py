"""Code list administration and lookup API."""
