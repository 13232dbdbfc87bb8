"""签名审计 The record of every use of a signing key (#17 item 5): who, which key, what operation, a digest of what
was signed or checked, and the outcome; never the content itself.

``KeyUseLog.record`` is called by the signing API (ui/routers/signing/api.py) once per call, refused calls included.
It must be cheap on the hot path: entries are buffered and written to the event store in batches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyUse:
    """One use of the signing service. ``digest`` is the SHA-256 (hex) of the input that was signed, verified,
    encrypted or decrypted (for a batch: of the items' digests in order); ``outcome`` is "ok" or the refusal code."""

    caller: str  # the API client's app id or user name, or "static-key"
    organisation: str  # the caller's organisation ("" for the static key)
    address: str  # the caller's network address
    operation: str  # e.g. "xml.customs.sign", "cms.verify", "envelope.decrypt", "raw.sign"
    enterprise: str  # the enterprise whose key was used ("" where none was named, e.g. a verification)
    key_id: str  # the key used or found ("" when none)
    digest: str
    items: int  # 1, or the number of items of a batch
    outcome: str
    status: int  # the HTTP status answered


class KeyUseLog:
    """Interface used by the API; the issue's audit helper gives it its batching writer, events and read model."""

    def record(self, use: KeyUse) -> None:
        raise NotImplementedError
