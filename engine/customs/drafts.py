"""暂存 and 批量申报 (I3-I11): save documents as drafts, then declare many of them in one call and follow the batch.

Saving checks a document as declaring would (field, code and business rules, tenancy) and refuses a number an
open draft already has; with several documents, a bad one keeps all out unless the good ones are to be kept, as
for an Excel import. Declaring a batch re-checks every draft: the documents that pass are stored, and each draft
records what became of it (Submitted with the document, or Refused with the errors), in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.customs.documents import DocumentType
from domain.customs.drafts import OPEN, SUBMITTED, Draft, parties, sender
from domain.identity.roles import Principal
from domain.shared import statuses
from domain.shared.rules import DeclarationRejected, FieldError
from engine.customs.service import Declarations, Outcome, visible
from engine.store import EventStore
from projections.customs.documents import CustomsDocumentsView
from projections.customs.drafts import DraftsView

MAX_BATCH = 1000
DRAFT_EVENTS = tuple(map(get_topic, (Draft.Saved, Draft.Submitted, Draft.Discarded)))  # Refused leaves it open


@dataclass
class BatchProgress:
    """Where the documents of one declaration batch stand: each row, and how many are in each status."""

    rows: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def refused(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["draft_status"] == OPEN]

    @property
    def done(self) -> bool:
        """Nothing of the batch will change any more without someone acting: refused or finally answered."""
        return all(r["draft_status"] != SUBMITTED or statuses.is_final(r["status"]) for r in self.rows)


def stored_form(value: Any) -> Any:
    """A draft keeps what was entered as text (numbers exactly), without the empty fields."""
    if isinstance(value, dict):
        return {k: stored_form(v) for k, v in value.items() if v not in (None, "")}
    if isinstance(value, list):
        return [stored_form(v) for v in value]
    return format(value, "f") if isinstance(value, Decimal) else str(value)


class Drafts:
    def __init__(self, store: EventStore, declarations: Mapping[str, Declarations], view: DraftsView,
                 documents_view: CustomsDocumentsView):
        self.store, self.declarations, self.view, self.documents_view = store, declarations, view, documents_view

    def save(self, doc_type: DocumentType, raw: dict[str, Any], principal: Principal) -> Draft:
        """One draft, or DeclarationRejected with every broken rule."""
        outcome = self.save_many(doc_type, [raw], principal)[0]
        if not outcome.stored:
            raise DeclarationRejected(outcome.errors)
        return self.store.repository.get(UUID(outcome.document_id))

    def save_many(self, doc_type: DocumentType, raws: Sequence[dict[str, Any]], principal: Principal,
                  keep_good: bool = False, dry_run: bool = False) -> list[Outcome]:
        """Check every document; store the good ones as drafts (outcome.document_id is the draft's id): all of
        them, or none when one is bad unless keep_good; dry_run: check only."""
        outcomes = self.declarations[doc_type.message].declare_many(raws, principal.name, principal, dry_run=True)
        self._refuse_taken_numbers(doc_type, outcomes, principal)
        if dry_run or not keep_good and not all(o.ok for o in outcomes):
            return outcomes
        moment = self.declarations[doc_type.message].now()
        good = [(o, Draft(message_type=doc_type.message, document=stored_form(raw), by=principal.name,
                          saved_at=moment)) for o, raw in zip(outcomes, raws, strict=True) if o.ok]
        self.store.save(*(draft for _, draft in good))
        for outcome, draft in good:
            outcome.stored, outcome.document_id = True, str(draft.id)
        return outcomes

    def _refuse_taken_numbers(self, doc_type: DocumentType, outcomes: list[Outcome], principal: Principal) -> None:
        """A number an open draft of the type has: "already a draft" only to whom may see that draft (one of its
        parties is the principal's, A6); anyone else gets the refusal of a number it may not use, the same words as
        for another organisation's declared document (#16 item 6), so saving tells nothing of other organisations'
        drafts."""
        taken = self._taken_numbers(doc_type, [o.number for o in outcomes if o.ok and o.number])
        for outcome in outcomes:
            if not outcome.ok or outcome.number not in taken:
                continue
            if principal.sees_all or any(principal.may_see(code) for code in taken[outcome.number]):
                outcome.errors.append(FieldError(
                    doc_type.number, "unique", f"{doc_type.name_zh} {outcome.number} 已暂存，请申报或丢弃已有的暂存单",
                    f"{doc_type.name_en.lower()} {outcome.number} is already a draft: declare or discard that one"))
            else:
                outcome.errors.append(self.declarations[doc_type.message].unusable(outcome.key))

    def declare(self, doc_type: DocumentType, draft_ids: Sequence[str], principal: Principal) -> tuple[str, list[Any]]:
        """批量申报: declare the open drafts among these (up to MAX_BATCH) in one call. Returns the batch id and
        the outcomes, one per draft taken; an empty batch id when none was open."""
        drafts = self.open_drafts(doc_type, draft_ids[:MAX_BATCH], principal)
        if not drafts:
            return "", []
        batch = str(uuid4())

        def record(outcomes: list[Outcome]) -> list[Draft]:
            for draft, outcome in zip(drafts, outcomes, strict=True):
                if outcome.ok:
                    draft.submit(outcome.document_id, batch, principal.name)
                else:
                    draft.refuse(batch, [asdict(e) for e in outcome.errors], principal.name)
            return drafts

        outcomes = self.declarations[doc_type.message].declare_many(
            [d.document for d in drafts], principal.name, principal, along=record)
        return batch, outcomes

    def discard(self, doc_type: DocumentType, draft_ids: Sequence[str], principal: Principal) -> int:
        drafts = self.open_drafts(doc_type, draft_ids, principal)
        for draft in drafts:
            draft.discard(principal.name)
        if drafts:
            self.store.save(*drafts)
        return len(drafts)

    def _taken_numbers(self, doc_type: DocumentType, numbers: list[str]) -> dict[str, set[str]]:
        """Which of these numbers an open draft of the type has, each with the parties named on that draft, without
        running a projector (this is the write path): the drafts read model as it stands, corrected by the Draft
        events stored after its position, read from the event store (drafts saved, submitted or discarded a moment
        ago)."""
        if not numbers:
            return {}
        position = self.view.position()  # before reading the rows, so the tail covers whatever they miss
        taken = self.view.open_numbers(doc_type.message, numbers)
        opened: dict[UUID, tuple[str, list[str]]] = {}
        closed: set[UUID] = set()
        while notifications := self.store.recorder.select_notifications(position + 1, 1000, topics=DRAFT_EVENTS):
            for event in map(self.store.mapper.to_domain_event, notifications):
                if isinstance(event, Draft.Saved) and event.message_type == doc_type.message:
                    opened[event.originator_id] = (str(event.document.get(doc_type.number) or ""),
                                                   parties(doc_type.message, event.document))
                elif not isinstance(event, Draft.Saved):
                    closed.add(event.originator_id)
            position = notifications[-1].id
        for draft_id in closed - set(opened):  # open in the read model, closed since
            draft: Draft = self.store.repository.get(draft_id)
            if draft.message_type == doc_type.message:
                taken.pop(str(draft.document.get(doc_type.number) or ""), None)
        wanted = set(numbers)
        for draft_id, (number, named) in opened.items():
            if draft_id not in closed and number in wanted:
                taken.setdefault(number, set()).update(named)
        return taken

    def open_drafts(self, doc_type: DocumentType, draft_ids: Sequence[str], principal: Principal) -> list[Draft]:
        """The open drafts of the type among these that the principal may declare or discard: those of its
        organisation's senders (#16 item 7: a party that only sees a draft cannot touch it, and nothing is recorded
        on a draft it named)."""
        found = (self.get(i, principal) for i in dict.fromkeys(draft_ids))
        return [d for d in found if d is not None and d.is_open and d.message_type == doc_type.message
                and principal.may_see(sender(d.message_type, d.document))]

    def get(self, draft_id: str, principal: Principal) -> Draft | None:
        """The draft, or None when it does not exist or the principal may not see it (the same answer)."""
        try:
            draft: Aggregate = self.store.repository.get(UUID(str(draft_id)))
        except (AggregateNotFoundError, ValueError):
            return None
        if not isinstance(draft, Draft) or not visible(principal, draft.message_type, draft.document):
            return None
        return draft

    def listing(self, doc_type: DocumentType, principal: Principal, **criteria: Any) -> tuple[list[dict], int]:
        """Documents and open drafts of the type the principal may see (projections/customs/drafts.py `listing`)."""
        self.view.run_once()
        return self.view.listing(doc_type.message, parties=scope(principal), **criteria)

    def open_ids(self, doc_type: DocumentType, principal: Principal, **criteria: Any) -> list[str]:
        self.view.run_once()
        return self.view.open_ids(doc_type.message, parties=scope(principal), limit=MAX_BATCH, **criteria)

    def progress(self, batch_id: str, principal: Principal) -> BatchProgress:
        self.view.run_once()
        self.documents_view.run_once()
        rows = self.view.batch(batch_id, scope(principal))
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return BatchProgress(rows, counts)


def scope(principal: Principal) -> list[str] | None:
    """The enterprises whose documents a principal sees; None: all of them."""
    return None if principal.sees_all else sorted(principal.enterprise_codes)
