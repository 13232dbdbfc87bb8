"""Signing keys per enterprise, loaded once and kept: the hot path never reloads a key.

The keys are in the platform's sealed key store (engine/signing/platform_keys.py); a signer is made once per
enterprise and active key, so a rotation (the store's ``active`` pointer, one stat per call) is noticed at the next
message. An enterprise whose clear key could not be moved into the store still signs from its old files.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from adapters.signing import SignatureError, Signer, load_signer
from adapters.signing.errors import UnknownKeyError
from adapters.signing.keys import customs_signer
from adapters.signing.keystore import KeyStore
from domain.identity.model import Enterprise
from engine.store import EventStore


class UnknownSenderError(LookupError):
    """No registered enterprise (or no signing key) for the code that must sign."""


class Signers:
    def __init__(self, store: EventStore, keystore: KeyStore | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)):  # fmt: skip
        self.store, self.keystore, self.now = store, keystore, now
        self._signers: dict[str, tuple[str | None, Signer]] = {}
        self._lock = threading.Lock()

    def enterprise(self, code: str) -> Enterprise:
        try:
            return self.store.repository.get(Enterprise.create_id(code))
        except Exception as error:  # eventsourcing raises AggregateNotFoundError
            raise UnknownSenderError(f"enterprise {code} is not registered") from error

    def signer(self, code: str) -> Signer:
        """The customs XML signer of the enterprise's active key; its certificate must be valid now."""
        key_id = self._active(code)
        cached = self._signers.get(code)
        if cached is not None and cached[0] == key_id:
            return cached[1]
        with self._lock:
            signer = self._load(code, key_id)
            self._signers[code] = (key_id, signer)
            return signer

    def _active(self, code: str) -> str | None:
        if self.keystore is None:
            return None
        try:
            return self.keystore.active_id(code)
        except (UnknownKeyError, SignatureError):
            return None

    def _load(self, code: str, key_id: str | None) -> Signer:
        signing = self.enterprise(code).signing
        if key_id is not None and self.keystore is not None:
            loaded = self.keystore.load(code, key_id)
            loaded.check_valid(self.now())
            return customs_signer(loaded.key, loaded.certificate)
        if signing.get("key_path"):
            return load_signer(signing["key_path"], signing["cert_path"])
        raise UnknownSenderError(f"enterprise {code} has no active signing key in the key store")
