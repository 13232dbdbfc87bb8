"""Signing keys per enterprise, loaded once and kept: the hot path never reloads a key."""

from __future__ import annotations

import threading

from adapters.signing import Signer, load_signer
from domain.identity.model import Enterprise
from engine.store import EventStore


class UnknownSenderError(LookupError):
    """No registered enterprise (or no signing key) for the code that must sign."""


class Signers:
    def __init__(self, store: EventStore):
        self.store = store
        self._signers: dict[str, Signer] = {}
        self._lock = threading.Lock()

    def enterprise(self, code: str) -> Enterprise:
        try:
            return self.store.repository.get(Enterprise.create_id(code))
        except Exception as error:  # eventsourcing raises AggregateNotFoundError
            raise UnknownSenderError(f"enterprise {code} is not registered") from error

    def signer(self, code: str) -> Signer:
        with self._lock:
            if code not in self._signers:
                signing = self.enterprise(code).signing
                self._signers[code] = load_signer(signing["key_path"], signing["cert_path"])
            return self._signers[code]
