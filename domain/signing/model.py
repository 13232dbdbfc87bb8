"""签名审计 events (#17 item 5): the uses of the signing service's keys, written in batches.

A signer worker answers thousands of calls a second; one event per call would make the event store the bottleneck,
so each worker buffers its uses and records them as one ``KeyUseBatch`` per batch. A use is a plain mapping of
the fields of ``USE_FIELDS`` (who, which key, what operation, the SHA-256 of what was signed, the outcome): never
the signed content itself. ``dropped`` says how many uses the worker lost before this batch (its buffer was full
while the event store could not be written), so an auditor sees that the record has a gap and how large it is.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

# the fields of one use as the batch carries it; `at` is an ISO 8601 timestamp with its offset
USE_FIELDS = ("at", "caller", "organisation", "address", "operation", "enterprise", "key_id", "digest", "items",
              "outcome", "status")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def is_digest(text: str) -> bool:
    """A lowercase hex SHA-256, or empty (a call refused before any input was read): what a use may say of its
    input, so nothing else of the content can enter the record."""
    return text == "" or SHA256_HEX.fullmatch(text) is not None


class KeyUseBatch(Aggregate):
    """The key uses one signer worker answered since its previous batch. Created once, never changed: the
    record of what happened is not edited."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return uuid4()

    @event("Recorded")
    def __init__(self, worker: str, uses: list[dict[str, Any]], dropped: int, at: datetime) -> None:
        self.worker, self.uses, self.dropped, self.at = worker, uses, dropped, at
