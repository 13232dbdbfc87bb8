"""History, tamper evidence, BI read models and list exports (B1-B4)."""
