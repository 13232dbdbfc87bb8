"""Message tracking, dead letters, node link, alerts and reconciliation consoles."""
