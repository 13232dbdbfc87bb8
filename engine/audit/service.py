"""Wiring of the auditor and BI features (B1-B4) into a built platform: the tamper-evidence chain, document
history, and the read models for the event browser, receipts, daily statistics, goods lines and enterprises."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from engine.audit.chain import AuditChain
from engine.audit.history import History
from engine.audit.platform_key import PlatformKey
from engine.hosts.embedded import Runner
from projections.audit.declarations import DeclarationsDailyView
from projections.audit.enterprises import EnterprisesView
from projections.audit.event_index import EventIndexView
from projections.audit.order_lines import OrderLinesView
from projections.audit.receipts import ReceiptsView
from projections.base import Projector
from projections.db import Database

FOLLOW_INTERVAL = 1.0  # seconds between passes when idle
VIEWS = (EventIndexView, ReceiptsView, DeclarationsDailyView, OrderLinesView, EnterprisesView)


class SharedDecoding:
    """The event store as the B views see it: each notification decoded once, then shared by the views that follow
    it in the same pass (they read the same stretch of the log one after the other)."""

    def __init__(self, store: Any, size: int = 10_000):
        self.store, self.recorder, self.mapper, self.size = store, store.recorder, self, size
        self._decoded: dict[int, Any] = {}
        self._lock = threading.Lock()

    def to_domain_event(self, notification: Any) -> Any:
        if not hasattr(notification, "id"):  # a stored event from elsewhere (a Kafka record): no position to key
            return self.store.mapper.to_domain_event(notification)
        with self._lock:
            event = self._decoded.get(notification.id)
        if event is None:
            event = self.store.mapper.to_domain_event(notification)
            with self._lock:
                if len(self._decoded) >= self.size:
                    self._decoded.clear()
                self._decoded[notification.id] = event
        return event


@dataclass
class Audit:
    chain: AuditChain
    history: History
    views: dict[str, Projector]
    runner: Runner  # the B followers, in a thread of their own: they never delay the customs path
    verifying: dict[str, int] = field(default_factory=dict)  # position and total while a verification runs

    @property
    def events(self) -> EventIndexView:
        return self.views["event_index"]  # type: ignore[return-value]

    def catch_up(self, *names: str) -> None:
        """Bring the named views (all by default) up to date before a console reads them."""
        for name in names or tuple(self.views):
            self.views[name].run_once()

    def verify_in_background(self) -> bool:
        """Start a verification of the whole history unless one runs; the console follows `verifying`."""
        if self.verifying:
            return False
        self.verifying.update(done=0, total=1)

        def run() -> None:
            try:
                self.chain.verify(lambda done, total: self.verifying.update(done=done, total=total))
            finally:
                self.verifying.clear()

        threading.Thread(target=run, name="audit-verify", daemon=True).start()
        return True

    def close(self) -> None:
        self.runner.stop()
        self.chain.db.close()


def build(store: Any, readmodels: Database, settings: Any, every: int | None = None,
          interval: float = 86400) -> Audit:
    """The B1-B4 parts on the platform's store and read-model database. Their followers get a runner of their own
    (`cbec serve` starts it, in the embedded and the distributed mode alike); the consoles also bring a view up to
    date before reading it."""
    shared = SharedDecoding(store)
    views: dict[str, Projector] = {cls.name: cls(readmodels, shared) for cls in VIEWS}
    key = PlatformKey(settings.data_dir / "platform")
    chain = AuditChain(store, Database(settings.database_url), key,
                       settings.audit_checkpoint_events if every is None else every, interval)
    steps = [(f"projection:{name}", view.run_once) for name, view in views.items()]
    steps.append((chain.name, chain.run_once))
    return Audit(chain, History(store), views, Runner(steps, interval=FOLLOW_INTERVAL))
