"""证书续期 (A5): renew an enterprise's signing certificate with an overlap period.

The new key goes into the signing key store (adapters/signing/keystore.py) without signing yet; the enterprise's
`KeyRenewalScheduled` event records when it takes over. Until then the current key keeps signing; at the switch time
`run_once` (a step of the runner, or any caller) makes it the store's active key and records `KeySwitched`. The
store keeps every certificate, so signatures by either key verify before and after the switch. An overlap of 0
switches at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from adapters.signing.errors import SigningError
from adapters.signing.keystore import KeyInfo, KeyStore
from domain.identity.model import Enterprise
from domain.identity.rules import check_overlap_hours
from domain.shared.rules import DeclarationRejected, FieldError
from engine.store import EventStore

KEY_TYPES = {"RSA-SHA1": "RSA", "SM2-SM3": "SM2"}
NO_KEYSTORE = ("签名密钥库未配置（CBEC_KEYSTORE_PASSPHRASE），无法续期证书",
               "the signing key store is not configured (CBEC_KEYSTORE_PASSPHRASE): no certificate can be renewed")


CHECK_EVERY = timedelta(minutes=1)


class KeyRenewals:
    """Renewals over the key store that `keystore()` returns now (None while the platform has none): the key store
    is wired by the enterprises' key move (engine/identity/enterprises.py), so it is looked up at each call."""

    def __init__(self, store: EventStore, keystore: Callable[[], KeyStore | None], now: Callable[[], datetime],
                 log: Callable[..., None]):
        self.store, self.keystore, self.now, self.log = store, keystore, now, log
        self._checked: datetime | None = None  # the runner calls run_once every tick; enterprises are read per minute

    def renew(self, enterprise: Enterprise, overlap_hours: str | int, actor: str, reason: str,
              key_files: tuple[bytes, bytes] | None = None, days: int = 3650) -> KeyInfo:
        """A generated key and self-signed certificate (key_files None) or an imported CA-issued (key, certificate),
        switched to after overlap_hours. Nothing is stored when a field is wrong."""
        hours, error = check_overlap_hours(str(overlap_hours))
        keystore = self.keystore()
        errors = [error] if error else []
        if keystore is None:
            errors.append(FieldError("certificate", "keystore", *NO_KEYSTORE))
        if errors or keystore is None:
            raise DeclarationRejected(errors)
        info = self._add_key(keystore, enterprise, key_files, days)
        switch_at = self.now() + timedelta(hours=hours)
        enterprise.schedule_renewal(key_id=info.key_id, switch_at=switch_at, by=actor, reason=reason[:200])
        self.store.save(enterprise)
        self._record(actor, "enterprise.renew_certificate", enterprise, reason,
                     {"key_id": info.key_id, "switch_at": switch_at.isoformat(), "overlap_hours": hours})
        if not hours:
            self._switch(keystore, enterprise, actor)
        return info

    def _add_key(self, keystore: KeyStore, enterprise: Enterprise, key_files: tuple[bytes, bytes] | None,
                 days: int) -> KeyInfo:
        """The new key in the store, not active: the key store's own refusal (a key that does not fit its
        certificate, an unreadable file) becomes a field error."""
        try:
            if key_files is None:
                key_type = KEY_TYPES.get(enterprise.signing.get("algorithm", ""), "RSA")
                return keystore.generate(enterprise.code, key_type, common_name=enterprise.name, days=days,
                                         activate=False)
            return keystore.add(enterprise.code, key_files[0], key_files[1], activate=False)
        except SigningError as refused:
            raise DeclarationRejected([FieldError("certificate", "signing_key", refused.zh, refused.en)]) from refused

    def run_once(self) -> int:
        """Switch every enterprise whose renewal is due; the number switched. As a runner step it looks at most once a
        minute (a switch happens within a minute of its time), so the enterprises are not loaded on every tick."""
        keystore, switched, now = self.keystore(), 0, self.now()
        if keystore is None or (self._checked is not None and timedelta(0) <= now - self._checked < CHECK_EVERY):
            return 0
        self._checked = now
        for enterprise in self.store.all_of(Enterprise):
            if getattr(enterprise, "renewal", None) and enterprise.renewal_due(now):
                self._switch(keystore, enterprise, "platform")
                switched += 1
        return switched

    def _switch(self, keystore: KeyStore, enterprise: Enterprise, actor: str) -> None:
        """The store's active key first (signing moves at once), then the event: a crash between the two is
        repaired by the next run, which activates the same key again."""
        key_id = enterprise.renewal["key_id"]
        keystore.activate(enterprise.code, key_id)
        enterprise.switch_key(key_id=key_id, at=self.now(), by=actor)
        self.store.save(enterprise)
        self._record(actor, "enterprise.switch_key", enterprise, "", {"key_id": key_id})

    def _record(self, actor: str, action: str, enterprise: Enterprise, reason: str, details: dict[str, Any]) -> None:
        self.log("command", actor, enterprise.organisation, "", action, enterprise.code, "ok",
                 {"reason": reason[:200], **details})
