"""The exchange with the customs node (X2-X5): processors, node link, receipt watch, alert mails, dead letters."""
