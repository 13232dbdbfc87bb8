"""File-box transport: the folders the customs data-exchange client reads and writes.

outbox/   messages for customs (the client sends and moves them to sent/ or failed/)
inbox/    receipts from customs
handled/  receipts the platform has applied
quarantine/  receipts it could not read, each with a .reason.txt beside it
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

FOLDERS = ("outbox", "sent", "failed", "inbox", "handled", "quarantine")


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
        write_atomically(self.root / "outbox" / file_name, data)
        return True

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
