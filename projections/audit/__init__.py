"""BI read models (B1, B4): event index, receipts, daily declarations, goods lines, enterprises."""
