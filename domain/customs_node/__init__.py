"""What the customs node decides (X6), apart from the platform's own pre-checks: the simulator's rules."""
