"""File-box transport: the folders the customs data-exchange client reads and writes.

outbox/   messages for customs (the client sends and moves them to sent/ or failed/)
inbox/    receipts from customs
handled/  receipts the platform has applied
quarantine/  receipts it could not read, each with a .reason.txt beside it
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.customs.transport import Incoming, TransportDown

log = logging.getLogger(__name__)

FOLDERS = ("outbox", "sent", "failed", "inbox", "handled", "quarantine")
DOWN_MARKER = ".down"  # holds the Unix time until which the data-exchange client refuses messages


class FileBox:
    name = "filebox"

    def __init__(self, root: Path):
        self.root = Path(root)
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True, exist_ok=True)

    def folder(self, name: str) -> Path:
        return self.root / name

    def already_delivered(self, file_name: str) -> bool:
        return any((self.root / f / file_name).exists() for f in ("outbox", "sent", "failed"))

    def deliver(self, file_name: str, data: bytes) -> bool:
        """Put a message in the outbox once: False when a file of that name was delivered before."""
        if self.already_delivered(file_name):
            return False
        self.check_up()
        write_atomically(self.root / "outbox" / file_name, data)
        return True

    def check_up(self) -> None:
        """Raise TransportDown while a down marker (written by the simulator's `down` fault or an operator)
        names a time still to come."""
        marker = self.root / DOWN_MARKER
        try:
            until = float(marker.read_text("utf-8").strip() or "inf")
        except FileNotFoundError:
            return
        except ValueError:
            until = float("inf")
        if time.time() < until:
            raise TransportDown(f"file box {self.root} is marked down")

    def set_down(self, seconds: float) -> None:
        write_atomically(self.root / DOWN_MARKER, f"{time.time() + seconds:.3f}".encode())

    def fetch(self, limit: int = 200) -> list[Incoming]:
        return [Incoming(p.name, p.read_bytes(), p) for p in self.receipts(limit)]

    def ack(self, incoming: Incoming) -> None:
        self.mark_handled(incoming.token)

    def reject(self, incoming: Incoming, reason: str) -> None:
        self.quarantine(incoming.token, reason)

    def close(self) -> None:
        pass

    def status(self) -> dict[str, Any]:
        """The link as these folders show it (the keys of `HttpTransport.status`): messages in outbox/ the
        data-exchange client has not picked up and the age of the oldest, receipts waiting in inbox/, when customs
        last took a message (sent/ last changed), when it last put out a receipt (the newest in inbox/, else when one
        was last moved on from there), and the down marker. Scans only outbox/ and inbox/, short while the link
        works."""
        now = time.time()
        backlog, waiting = _mtimes(self.root / "outbox"), _mtimes(self.root / "inbox")
        receipts_out = [t for t in (max(waiting, default=None), _changed(self.root / "handled"),
                                    _changed(self.root / "quarantine")) if t is not None]
        return {"backlog": len(backlog), "oldest_backlog_seconds": round(now - min(backlog), 3) if backlog else None,
                "receipts_waiting": len(waiting), "last_message_in": _iso(_changed(self.root / "sent")),
                "last_receipt_out": _iso(max(receipts_out, default=None)), "down": self.is_down()}

    def is_down(self) -> bool:
        try:
            self.check_up()
        except TransportDown:
            return True
        return False

    def receipts(self, limit: int = 1000) -> list[Path]:
        """Receipt files waiting in the inbox, oldest first."""
        files = [p for p in (self.root / "inbox").iterdir() if p.is_file() and not p.name.startswith(".")]
        return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))[:limit]

    def mark_handled(self, path: Path) -> None:
        os.replace(path, self.root / "handled" / path.name)

    def quarantine_bytes(self, name: str, data: bytes, reason: str) -> None:
        """A receipt that arrived by another way than the inbox (e.g. a Kafka topic) and cannot be applied."""
        log.warning("receipt %s quarantined: %s", name, reason)
        (self.root / "quarantine" / (name + ".reason.txt")).write_text(reason + "\n", encoding="utf-8")
        write_atomically(self.root / "quarantine" / name, data)

    def quarantine(self, path: Path, reason: str) -> None:
        log.warning("receipt %s quarantined: %s", path.name, reason)
        target = self.root / "quarantine" / path.name
        (target.parent / (path.name + ".reason.txt")).write_text(reason + "\n", encoding="utf-8")
        os.replace(path, target)


def write_atomically(path: Path, data: bytes) -> None:
    """Readers of the folder never see a half-written file: write aside, flush, then rename."""
    tmp = path.with_name("." + path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _mtimes(folder: Path) -> list[float]:
    """Modification times of the files in a folder (not the hidden ones being written); one that goes meanwhile is
    skipped."""
    times = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                times.append(entry.stat().st_mtime)
            except FileNotFoundError:
                continue
    return times


def _changed(folder: Path) -> float | None:
    """When a file last arrived in (or left) a folder: its own modification time; None while it is empty."""
    with os.scandir(folder) as entries:
        if not any(True for _ in entries):
            return None
    return folder.stat().st_mtime


def _iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds") if moment is not None else None
