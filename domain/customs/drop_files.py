"""Files an enterprise dropped in its watched folder (X1): each file, known by its enterprise, name and content
hash, is recorded once with what became of it, in the same transaction as the documents or the message it brought.
That record is what makes a restart take a file that is still in the folder for the one already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import NAMESPACE


class DropFile(Aggregate):
    """One dropped file and its result (the result file's content: per document accepted or refused, or the
    message guid of an XML passthrough)."""

    @staticmethod
    def create_id(enterprise: str, file_name: str, sha256: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"drop/{enterprise}/{file_name}/{sha256}")

    @event("Processed")
    def __init__(self, enterprise: str, file_name: str, sha256: str, result: dict[str, Any], ok: bool,
                 processed_at: datetime) -> None:
        self.enterprise = enterprise
        self.file_name = file_name
        self.sha256 = sha256
        self.result = result
        self.ok = ok  # every document accepted (or the message sent): the file goes to done/, else to failed/
        self.processed_at = processed_at
