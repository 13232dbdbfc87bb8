class SignatureError(Exception):
    """A key, certificate or document cannot be used for the customs signature (加签)."""
