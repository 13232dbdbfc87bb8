"""证书到期提醒, pushed (#17 item 9): once a day, the active keys of the platform's key store whose certificate ends
within ``CBEC_KEY_EXPIRY_WARN_DAYS`` (30 by default) raise a KeyExpiryAlert for the alert contacts; the alerts read
model queues the mails and the alert mailer sends them, as for the node link's alerts. One alert per key, ever."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from adapters.signing.keystore import KeyStore
from domain.exchange.key_expiry import KeyExpiryAlert
from engine import clock
from engine.store import EventStore

log = logging.getLogger(__name__)
DAY = timedelta(days=1)


class KeyExpiryWatch:
    def __init__(self, store: EventStore, keystore: KeyStore, warn_days: int, contacts: tuple[str, ...],
                 now: Callable[[], datetime] = clock.now):  # fmt: skip
        self.store, self.keystore, self.warn_days, self.contacts, self.now = store, keystore, warn_days, contacts, now
        self._last: datetime | None = None

    def run_once(self) -> int:
        """At most once a day (per process): raise the alerts not raised yet; the number raised."""
        now = self.now()
        if self._last is not None and now - self._last < DAY:
            return 0
        self._last = now
        raised = 0
        for info in self.keystore.expiring(self.warn_days, now):
            if info.revoked or self._raised(info.enterprise, info.key_id):
                continue
            alert = KeyExpiryAlert(enterprise=info.enterprise, key_id=info.key_id,
                                   not_after=info.not_after.isoformat(), days_left=info.days_left(now),
                                   contacts=list(self.contacts))  # fmt: skip
            try:
                self.store.save(alert)
            except IntegrityError:  # another process raised it at the same moment
                continue
            log.warning("key expiry alert: %s %s ends %s", info.enterprise, info.key_id, info.not_after)
            raised += 1
        return raised

    def _raised(self, enterprise: str, key_id: str) -> bool:
        try:
            self.store.repository.get(KeyExpiryAlert.create_id(enterprise, key_id))
        except AggregateNotFoundError:
            return False
        return True
