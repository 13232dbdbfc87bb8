"""暂存 drafts: import documents saved for later and declared in batches (批量申报, I3-I11).

A draft holds a document as the declarant entered it (form or Excel row), already checked once. Declaring a batch
of drafts either submits each (the declared document's id and the batch are recorded on the draft) or refuses it
with the errors found then, which stay on the draft until it is declared again or discarded."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.customs.documents import of_message
from domain.shared.statuses import DRAFT

OPEN, SUBMITTED, DISCARDED = DRAFT, "submitted", "discarded"


class DraftClosedError(ValueError):
    """A submitted or discarded draft cannot be declared or discarded again."""


class Draft(Aggregate):
    """One saved document of a message type (CEB311, CEB621 ...)."""

    if TYPE_CHECKING:  # event classes @event makes below, named by other modules (topics, isinstance); their
        # fields are the decorated method's arguments, which mypy cannot see: typed as any class
        Saved: ClassVar[type[Any]]
        Submitted: ClassVar[type[Any]]
        Discarded: ClassVar[type[Any]]

    @event("Saved")
    def __init__(self, message_type: str, document: dict[str, Any], by: str, saved_at: datetime) -> None:
        self.message_type = message_type
        self.document = document
        self.saved_by = by
        self.saved_at = saved_at  # the platform's clock, like a declaration's declared_at: lists mix the two
        self.status = OPEN
        self.errors: list[dict[str, str]] = []
        self.batch = ""
        self.document_id = ""

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def check_open(self) -> None:
        if not self.is_open:
            raise DraftClosedError(f"draft {self.id} is {self.status}")

    def refuse(self, batch: str, errors: list[dict[str, str]], by: str) -> None:
        self.check_open()
        self._refused(batch=batch, errors=errors, by=by)

    @event("Refused")
    def _refused(self, batch: str, errors: list[dict[str, str]], by: str) -> None:
        self.batch, self.errors = batch, errors

    def submit(self, document_id: UUID | str, batch: str, by: str) -> None:
        self.check_open()
        self._submitted(document_id=str(document_id), batch=batch, by=by)

    @event("Submitted")
    def _submitted(self, document_id: str, batch: str, by: str) -> None:
        self.status, self.document_id, self.batch, self.errors = SUBMITTED, document_id, batch, []

    def discard(self, by: str) -> None:
        self.check_open()
        self._discarded(by=by)

    @event("Discarded")
    def _discarded(self, by: str) -> None:
        self.status = DISCARDED


def sender(message_type: str, document: dict[str, Any]) -> str:
    """The enterprise that would send the draft's document: only its organisation may change, discard or declare the
    draft (#16); the other parties named on it may only see it."""
    return str(document.get(of_message(message_type).sender) or "")


def parties(message_type: str, document: dict[str, Any]) -> list[str]:
    """The enterprises named in the document's `parties` fields: whose users may see it (A6)."""
    fields = of_message(message_type).parties
    return sorted({str(document[f]) for f in fields if document.get(f)})
