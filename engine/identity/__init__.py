"""Organisations, users, roles, API clients, enterprises, logins and the system log (A1-A6, A9)."""
