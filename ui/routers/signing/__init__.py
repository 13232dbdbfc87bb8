"""The signing service's HTTP API (cbec signer)."""
