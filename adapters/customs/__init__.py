"""Transports to the customs node, and the customs node simulator."""
