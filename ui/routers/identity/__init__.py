"""Log-in and the administrator's console of organisations, users, enterprises and clients."""
