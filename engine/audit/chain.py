"""防篡改链 tamper evidence (B2): every stored event chained by a hash, with checkpoints signed by the platform key.

The follower `audit-chain` reads the event store's notification log in order and appends one row per event to
audit_chain, in the event store's own database (so a BI role can be kept away from it):

    hash(n) = SHA-256(hash(n-1) || id || originator_id || version || topic || state)

over the bytes as stored (encrypted and compressed when CBEC_CIPHER_KEY is set), each variable field preceded by
its length. Every `every` events, and at least once per `interval` seconds while events arrive, the head of the
chain is signed with the platform key (audit_checkpoints). `verify` recomputes the chain over the whole history
and names each event that was changed, deleted or inserted, and each checkpoint that does not match."""

from __future__ import annotations

import hashlib
import struct
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from engine import clock
from engine.audit.platform_key import PlatformKey
from projections.db import Database

GENESIS = "0" * 64
BATCH = 5000
DDL = (
    """CREATE TABLE IF NOT EXISTS audit_chain (
        notification_id BIGINT PRIMARY KEY, hash VARCHAR(64) NOT NULL, chained_at VARCHAR(40) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit_head (
        name VARCHAR(20) PRIMARY KEY, last_id BIGINT NOT NULL, hash VARCHAR(64) NOT NULL, events BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit_checkpoints (
        notification_id BIGINT PRIMARY KEY, hash VARCHAR(64) NOT NULL, events BIGINT NOT NULL,
        at VARCHAR(40) NOT NULL, key_id VARCHAR(64) NOT NULL, signature TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit_verifications (
        run_id VARCHAR(36) PRIMARY KEY, at VARCHAR(40) NOT NULL, ok INTEGER NOT NULL, events BIGINT NOT NULL,
        chained_to BIGINT NOT NULL, unchained BIGINT NOT NULL, checkpoints INTEGER NOT NULL,
        last_checkpoint BIGINT, first_problem BIGINT, problems TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL)""",
)
TABLES = ("audit_chain", "audit_head", "audit_checkpoints", "audit_verifications")


def link(previous: str, notification_id: int, originator_id: UUID | str, version: int, topic: str,
         state: bytes) -> str:
    """The chain hash of one stored event after the previous hash (hex)."""
    digest = hashlib.sha256(bytes.fromhex(previous))
    originator = originator_id.bytes if isinstance(originator_id, UUID) else str(originator_id).encode()
    topic_bytes = topic.encode()
    digest.update(struct.pack(">qI", notification_id, len(originator)) + originator)
    digest.update(struct.pack(">qI", version, len(topic_bytes)) + topic_bytes)
    digest.update(struct.pack(">Q", len(state)) + bytes(state))
    return digest.hexdigest()


def checkpoint_bytes(notification_id: int, events: int, chain_hash: str, at: str) -> bytes:
    """What the platform key signs."""
    return f"CBEC-AUDIT-CHECKPOINT/1\n{notification_id}\n{events}\n{chain_hash}\n{at}".encode()


@dataclass(frozen=True)
class Problem:
    notification_id: int
    kind: str  # changed, deleted, inserted, checkpoint, signature
    detail: str

    def __str__(self) -> str:
        return f"event {self.notification_id}: {self.kind} ({self.detail})"


@dataclass
class Verification:
    ok: bool = True
    events: int = 0  # events recomputed
    chained_to: int = 0
    unchained: int = 0  # events stored after the chain's head (not yet chained)
    checkpoints: int = 0
    last_checkpoint: dict[str, Any] | None = None  # the last checkpoint found intact
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    at: str = ""

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


class AuditChain:
    name = "audit-chain"

    def __init__(self, store: Any, db: Database, key: PlatformKey, every: int = 1000, interval: float = 86400,
                 now: Callable[[], datetime] = clock.now):
        self.store, self.db, self.key, self.every, self.interval, self.now = store, db, key, every, interval, now
        for statement in DDL:
            self.db.execute(statement)
        self.db.execute("INSERT INTO audit_head (name, last_id, hash, events) VALUES ('chain', 0, ?, 0) "
                        "ON CONFLICT (name) DO NOTHING", (GENESIS,))

    # following ------------------------------------------------------------------------------------

    def run_once(self, limit: int = BATCH) -> int:
        """Chain the next stored events, then sign a checkpoint when one is due."""
        with self.db.transaction(exclusive=True):
            lock = " FOR UPDATE" if self.db.is_postgres else ""
            head = self.db.query(f"SELECT last_id, hash, events FROM audit_head WHERE name = 'chain'{lock}")[0]
            last = self.last_checkpoint()
            to_checkpoint = self.every - (int(head["events"]) - (int(last["events"]) if last else 0))
            notifications = self.store.recorder.select_notifications(int(head["last_id"]) + 1,
                                                                     max(1, min(limit, to_checkpoint)))
            if notifications:
                previous, rows, at = head["hash"], [], self.now().isoformat()
                for n in notifications:
                    previous = link(previous, n.id, n.originator_id, n.originator_version, n.topic, n.state)
                    rows.append((n.id, previous, at))
                self.db.executemany("INSERT INTO audit_chain (notification_id, hash, chained_at) VALUES (?, ?, ?)",
                                    rows)
                head = {"last_id": rows[-1][0], "hash": previous, "events": int(head["events"]) + len(rows)}
                self.db.execute("UPDATE audit_head SET last_id = ?, hash = ?, events = ? WHERE name = 'chain'",
                                (head["last_id"], head["hash"], head["events"]))
            if self._checkpoint_due(head):
                self._sign(head)
        return len(notifications)

    def catch_up(self) -> int:
        total = 0
        while count := self.run_once():
            total += count
        return total

    def checkpoint(self) -> dict[str, Any] | None:
        """Sign the chain's head now (after chaining everything stored), unless it is signed already."""
        self.catch_up()
        with self.db.transaction(exclusive=True):
            head = self.head()
            last = self.last_checkpoint()
            if head["events"] and (last is None or last["notification_id"] != head["last_id"]):
                self._sign(head)
        return self.last_checkpoint()

    def _checkpoint_due(self, head: dict[str, Any]) -> bool:
        if not head["events"]:
            return False
        last = self.last_checkpoint()
        if last is None:
            since = self.db.query("SELECT MIN(chained_at) AS at FROM audit_chain")[0]["at"]
            return head["events"] >= self.every or self._older_than_interval(since)
        pending = int(head["events"]) - int(last["events"])
        return pending >= self.every or (pending > 0 and self._older_than_interval(last["at"]))

    def _older_than_interval(self, moment: str | None) -> bool:
        return bool(moment) and self.now() - datetime.fromisoformat(str(moment)) >= timedelta(seconds=self.interval)

    def _sign(self, head: dict[str, Any]) -> None:
        at = self.now().isoformat()
        data = checkpoint_bytes(int(head["last_id"]), int(head["events"]), head["hash"], at)
        signature = self.key.sign(data)
        self.db.execute("INSERT INTO audit_checkpoints (notification_id, hash, events, at, key_id, signature) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (notification_id) DO NOTHING",
                        (head["last_id"], head["hash"], head["events"], at, self.key.key_id, signature))

    # reading --------------------------------------------------------------------------------------

    def head(self) -> dict[str, Any]:
        return self.db.query("SELECT last_id, hash, events FROM audit_head WHERE name = 'chain'")[0]

    def last_checkpoint(self) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM audit_checkpoints ORDER BY notification_id DESC LIMIT 1")
        return rows[0] if rows else None

    def checkpoint_signed(self, checkpoint: dict[str, Any]) -> bool:
        data = checkpoint_bytes(int(checkpoint["notification_id"]), int(checkpoint["events"]), checkpoint["hash"],
                                checkpoint["at"])
        return self.key.exists() and checkpoint["key_id"] == self.key.key_id and self.key.verify(
            data, checkpoint["signature"])

    def last_verification(self) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM audit_verifications ORDER BY at DESC LIMIT 1")
        return rows[0] if rows else None

    # verifying ------------------------------------------------------------------------------------

    def verify(self, progress: Callable[[int, int], None] | None = None, record: bool = True) -> Verification:
        """Recompute the chain from the first stored event and compare it with the stored chain and the signed
        checkpoints. progress(position, last position) is called after each batch."""
        started = time.perf_counter()
        result = Verification(at=self.now().isoformat())
        head = self.head()
        result.chained_to = int(head["last_id"])
        total = max(self.store.recorder.max_notification_id() or 0, result.chained_to)
        checkpoints = {int(c["notification_id"]): c for c in self.db.query("SELECT * FROM audit_checkpoints")}
        self._walk(result, checkpoints, total, progress)
        for missing in sorted(set(checkpoints) - {0}):
            if missing > result.chained_to:
                result.problems.append(Problem(missing, "checkpoint", "checkpoint beyond the chain's head"))
        result.unchained = self._unchained(result.chained_to)
        result.ok = not result.problems
        result.seconds = time.perf_counter() - started
        if record:
            self._record(result)
        return result

    def _walk(self, result: Verification, checkpoints: dict[int, dict[str, Any]], total: int,
              progress: Callable[[int, int], None] | None) -> None:
        """Merge the stored events with the chain rows, both in position order. Each event is judged against
        the stored hash before it, so one change is reported once and the events after it are still checked."""
        events, chain = self._events(result.chained_to), self._chain()
        event, row = next(events, None), next(chain, None)
        previous = GENESIS
        while row is not None:
            position = int(row["notification_id"])
            if event is None or position < event.id:
                result.problems.append(Problem(position, "deleted", "chained but no longer stored"))
            elif event.id < position:
                result.problems.append(Problem(event.id, "inserted", "stored but never chained"))
                event = next(events, None)
                continue
            else:
                computed = link(previous, event.id, event.originator_id, event.originator_version, event.topic,
                                event.state)
                if computed != row["hash"]:
                    result.problems.append(Problem(position, "changed", "the stored event differs from the one "
                                                                        "chained"))
                result.events += 1
                event = next(events, None)
            previous = row["hash"]
            if position in checkpoints:
                self._check_checkpoint(result, checkpoints[position], row["hash"])
            if progress and result.events % BATCH == 0:
                progress(position, total)
            row = next(chain, None)
        if progress:
            progress(total, total)

    def _check_checkpoint(self, result: Verification, checkpoint: dict[str, Any], stored: str) -> None:
        """A signed checkpoint holds the chain's hash as it was: rewriting events and chain rows together shows."""
        result.checkpoints += 1
        position = int(checkpoint["notification_id"])
        if not self.checkpoint_signed(checkpoint):
            result.problems.append(Problem(position, "signature", "the checkpoint's signature does not verify"))
        elif checkpoint["hash"] != stored:
            result.problems.append(Problem(position, "checkpoint", "the chain up to this signed checkpoint was "
                                                                   "rewritten"))
        if not result.problems:
            result.last_checkpoint = checkpoint

    def _unchained(self, after: int) -> int:
        count = 0
        while batch := self.store.recorder.select_notifications(after + 1, BATCH):
            count, after = count + len(batch), batch[-1].id
        return count

    def _events(self, up_to: int) -> Iterator[Any]:
        start = 1
        while start <= up_to:
            batch = self.store.recorder.select_notifications(start, BATCH, stop=up_to)
            if not batch:
                return
            yield from batch
            start = batch[-1].id + 1

    def _chain(self) -> Iterator[dict[str, Any]]:
        last = 0
        while True:
            rows = self.db.query("SELECT notification_id, hash FROM audit_chain WHERE notification_id > ? "
                                 "ORDER BY notification_id LIMIT ?", (last, BATCH))
            if not rows:
                return
            yield from rows
            last = int(rows[-1]["notification_id"])

    def _record(self, result: Verification) -> None:
        first = result.first_problem
        self.db.execute(
            "INSERT INTO audit_verifications (run_id, at, ok, events, chained_to, unchained, checkpoints, "
            "last_checkpoint, first_problem, problems, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), result.at, int(result.ok), result.events, result.chained_to, result.unchained,
             result.checkpoints, result.last_checkpoint["notification_id"] if result.last_checkpoint else None,
             first.notification_id if first else None, "\n".join(map(str, result.problems[:100])), result.seconds))
