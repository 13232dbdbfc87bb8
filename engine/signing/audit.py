"""签名审计 The record of every use of a signing key (#17 item 5): who, which key, what operation, a digest of what
was signed or checked, and the outcome; never the content itself.

``KeyUseLog.record`` is called by the signing API (ui/routers/signing/api.py) once per call, refused calls included.
It must be cheap on the hot path: entries are buffered and written to the event store in batches.

Building the log for the signer app (ui/routers/signing/main.py ``app_from_env``, once per uvicorn worker)::

    platform = bootstrap.build(Settings.from_env())
    uses = key_use_log(platform)       # starts the writer thread; flushes at interpreter exit
    app = create_signer_app(service, authorize, uses)
    # on shutdown (FastAPI lifespan), optional since atexit does it too: uses.close()

``key_use_log`` returns a ``BatchingKeyUseLog``: ``record`` converts the use and appends it to a bounded in-memory
buffer under a lock (no I/O, never raises for a full buffer); a daemon thread writes what is buffered every
``interval`` seconds, or as soon as ``batch_size`` uses wait, as ``KeyUseBatch`` events (domain/signing/model.py)
of at most ``batch_size`` uses each, several in one ``store.save``. When the event store cannot be written the uses
stay buffered (at most ``capacity``, counting those being written); further uses are dropped and counted, and the
count is written with the next batch that gets through, so an auditor sees the gap. The read model is
projections/signing/key_uses.py; the auditors' page and API ui/routers/signing/pages.py.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.signing.model import KeyUseBatch, is_digest
from engine import clock

log = logging.getLogger(__name__)
TEXT_LIMIT = 200  # longest caller, address, operation ... kept: the columns of the read model


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
    at: datetime | None = None  # when the call was answered; None: when it is recorded


class KeyUseLog:
    """Interface used by the API; the issue's audit helper gives it its batching writer, events and read model."""

    def record(self, use: KeyUse) -> None:
        raise NotImplementedError


def safe_digest(text: str) -> str:
    """The digest as recorded: a SHA-256 hex as it is (lowercased); anything else is hashed, so a caller that passed
    the content itself by mistake still leaves no content in the record."""
    lowered = text.lower()
    if is_digest(lowered):
        return lowered
    log.warning("a key use carried no SHA-256 digest; its text was hashed before recording")
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def entry_of(use: KeyUse, now: Callable[[], datetime]) -> dict[str, Any]:
    """A use as the batch event carries it (domain.signing.model.USE_FIELDS): bounded texts, a digest, a time."""
    def short(text: str) -> str:
        return str(text)[:TEXT_LIMIT]

    return {"at": (use.at or now()).isoformat(), "caller": short(use.caller), "organisation": short(use.organisation),
            "address": short(use.address), "operation": short(use.operation), "enterprise": short(use.enterprise),
            "key_id": short(use.key_id), "digest": safe_digest(use.digest), "items": int(use.items),
            "outcome": short(use.outcome), "status": int(use.status)}


class BatchingKeyUseLog(KeyUseLog):
    """The key-use log of one process: a bounded buffer and one writer thread (see the module's docstring)."""

    def __init__(self, store: Any, worker: str = "", interval: float = 0.5, batch_size: int = 500,
                 capacity: int = 100_000, batches_per_save: int = 20, now: Callable[[], datetime] = clock.now):
        self.store, self.worker, self.now = store, worker or default_worker(), now
        self.interval, self.batch_size, self.capacity = interval, batch_size, capacity
        self.batches_per_save = batches_per_save
        self._lock = threading.Lock()  # guards the buffer and the counters; never held during I/O
        self._flushing = threading.Lock()  # one writer at a time: the thread, close() or atexit
        self._pending: deque[dict[str, Any]] = deque()
        self._in_flight = 0
        self._dropped = 0
        self._due, self._stopped = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    # --- the hot path --------------------------------------------------------------------------------------------

    def record(self, use: KeyUse) -> None:
        """Buffer one use; O(1), no I/O. A full buffer drops the use and counts it."""
        entry = entry_of(use, self.now)
        with self._lock:
            if len(self._pending) + self._in_flight >= self.capacity:
                self._dropped += 1
                return
            self._pending.append(entry)
            full = len(self._pending) >= self.batch_size
        if full:
            self._due.set()

    # --- the writer ----------------------------------------------------------------------------------------------

    def start(self) -> BatchingKeyUseLog:
        """Start the writer thread (a daemon: the atexit flush, not the thread, saves the last uses)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="key-use-log", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._due.wait(self.interval)
            self._due.clear()
            self.flush()

    def flush(self) -> int:
        """Write everything buffered now; the uses written. A failing store keeps them buffered for the next try."""
        written = 0
        with self._flushing:
            while True:
                taken, dropped = self._take()
                if not taken and not dropped:
                    return written
                if not self._save(taken, dropped):
                    return written
                written += len(taken)

    def _take(self) -> tuple[list[dict[str, Any]], int]:
        with self._lock:
            count = min(len(self._pending), self.batch_size * self.batches_per_save)
            taken = [self._pending.popleft() for _ in range(count)]
            dropped, self._dropped = self._dropped, 0
            self._in_flight = count
        return taken, dropped

    def _save(self, taken: list[dict[str, Any]], dropped: int) -> bool:
        """One save of the taken uses as batch events, the lost count on the first; on failure, back to the buffer."""
        chunks = [taken[i:i + self.batch_size] for i in range(0, len(taken), self.batch_size)] or [[]]
        at = self.now()
        events = [event for i, chunk in enumerate(chunks) for event in
                  KeyUseBatch(worker=self.worker, uses=chunk, dropped=dropped if i == 0 else 0, at=at).collect_events()]
        try:
            self.store.save(*events)  # events, not aggregates: nothing enters the store's aggregate cache
        except Exception:
            with self._lock:
                self._pending.extendleft(reversed(taken))
                self._dropped += dropped
                self._in_flight = 0
            if not self._failing:
                log.exception("key uses could not be written; %d kept in memory, retrying", len(taken))
            self._failing = True
            return False
        with self._lock:
            self._in_flight = 0
        if self._failing:
            log.warning("key uses are written again")
        self._failing = False
        return True

    def close(self) -> None:
        """Stop the thread and write what is left (the signer's shutdown; atexit calls it too)."""
        self._stopped.set()
        self._due.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self.flush()

    def pending(self) -> int:
        """Uses waiting to be written (for health checks and tests)."""
        with self._lock:
            return len(self._pending) + self._in_flight


def default_worker() -> str:
    """The writing process: host name and process id (each uvicorn worker has its own log)."""
    return f"{socket.gethostname()}/{os.getpid()}"


def key_use_log(platform: Any, interval: float = 0.5, batch_size: int = 500,
                capacity: int = 100_000) -> BatchingKeyUseLog:
    """The key-use log of this process over the platform's event store, its writer started and flushed at exit."""
    uses = BatchingKeyUseLog(platform.store, interval=interval, batch_size=batch_size, capacity=capacity).start()
    atexit.register(uses.close)
    return uses
