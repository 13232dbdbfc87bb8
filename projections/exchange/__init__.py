"""Read models of the exchange with customs (X2-X5): messages, alerts, reconciliation."""
