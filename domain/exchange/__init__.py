"""The exchange with the customs node (X2-X5): messages, receipts kept, alerts, the node link."""
