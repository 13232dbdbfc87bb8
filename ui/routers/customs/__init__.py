"""Declarant consoles and JSON API of every import and export document."""
