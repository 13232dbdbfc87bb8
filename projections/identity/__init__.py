"""Read model of the system log (A4)."""
