"""Read models: SQL tables kept from the event history, documented for consoles and BI (B4)."""
