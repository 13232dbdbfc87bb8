"""The signing service (S1-S6) and the enterprises' signing keys for customs messages."""
