"""Bulk JSON API (X1): up to 1,000 documents of one type a call, each named by the client's own ID, and the
progress of each call (a batch) until customs has finally answered every document of it.

A document whose clientId the caller's organisation already used for the same content is not declared again: the
document declared then answers (duplicate). The new documents, their client IDs and the batch are stored in one
transaction (Declarations.declare_many `along`), so a crash leaves either all of them or none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.customs.client_ids import (
    CLIENT_ID,
    BulkBatch,
    ClientDocument,
    call_fingerprint,
    client_id_errors,
    fingerprint,
    reused,
)
from domain.customs.documents import DocumentType
from domain.identity.roles import Principal
from domain.shared import statuses
from domain.shared.rules import FieldError
from engine.customs.service import Declarations, Outcome
from engine.store import EventStore
from projections.customs.documents import CustomsDocumentsView

MAX_DOCUMENTS = 1000


@dataclass
class BulkAnswer:
    """What one call did: its batch, and per document accepted (new or duplicate) or refused with its errors."""

    batch_id: str
    results: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        new = [r for r in self.results if r["accepted"] and not r["duplicate"]]
        duplicates = [r for r in self.results if r["duplicate"]]
        return {"batchId": self.batch_id, "accepted": len(new), "refused": len(self.results) - len(new) -
                len(duplicates), "duplicates": len(duplicates), "results": self.results}


@dataclass
class BulkProgress:
    """Where the documents of one bulk call stand, and how many are in each status."""

    batch_id: str
    message_type: str
    rows: list[dict[str, Any]]
    refused: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Every document has customs' final answer (a refused clientId waits for nothing)."""
        return all(statuses.is_final(r["status"]) for r in self.rows)

    def as_json(self) -> dict[str, Any]:
        return {"batchId": self.batch_id, "messageType": self.message_type, "total": len(self.rows),
                "counts": self.counts, "done": self.done, "documents": [
                    {"clientId": r["clientId"], "documentId": r["documentId"], "number": r["number"],
                     "status": r["status"], "statusLabel": statuses.label(r["status"]),
                     "returnInfo": r["returnInfo"]} for r in self.rows],
                "refused": self.refused}


class BulkDeclarations:
    def __init__(self, store: EventStore, declarations: Mapping[str, Declarations],
                 documents_view: CustomsDocumentsView):
        self.store, self.declarations, self.documents_view = store, declarations, documents_view

    def declare(self, doc_type: DocumentType, documents: Sequence[Any], principal: Principal) -> BulkAnswer:
        """Declare the documents whose clientId is new; answer the others from what their clientId names. Two
        calls racing with the same clientIds collide on the client ID aggregates: the loser's transaction stores
        nothing and is run again, finding the winner's documents."""
        try:
            return self._declare(doc_type, documents, principal)
        except IntegrityError:
            return self._declare(doc_type, documents, principal)

    def _declare(self, doc_type: DocumentType, documents: Sequence[Any], principal: Principal) -> BulkAnswer:
        organisation, message_type = principal.organisation, doc_type.message
        prints = [fingerprint(d) if isinstance(d, dict) else "" for d in documents]
        results = self._sort(organisation, message_type, documents, prints)
        new = [i for i, r in enumerate(results) if r["accepted"] and not r["duplicate"]]
        call = call_fingerprint([(r[CLIENT_ID], p) for r, p in zip(results, prints, strict=True)])
        batch_id = BulkBatch.create_id(organisation, message_type, call)

        def record(outcomes: list[Outcome]) -> list[Any]:
            """The client IDs of the documents stored, and the batch when it is new or declared more."""
            for i, outcome in zip(new, outcomes, strict=True):
                results[i] = _result(i, results[i]["clientId"], outcome.document_id, outcome.number,
                                     errors=outcome.errors)
            mapped = [ClientDocument(organisation=organisation, message_type=message_type, client_id=results[i][
                CLIENT_ID], fingerprint=prints[i], document_id=outcome.document_id, number=outcome.number,
                batch_id=str(batch_id)) for i, outcome in zip(new, outcomes, strict=True) if outcome.ok]
            listed = [{k: r[k] for k in (CLIENT_ID, "documentId", "number")} for r in results if r["accepted"]]
            refused = [{CLIENT_ID: r[CLIENT_ID], "errors": r["errors"]} for r in results if not r["accepted"]]
            batch = self._get(batch_id)
            if batch is None:
                return [*mapped, BulkBatch(organisation=organisation, message_type=message_type, fingerprint=call,
                                           by=principal.name, received_at=self.declarations[message_type].now(),
                                           documents=listed, refused=refused)]
            if mapped:
                batch.retried(listed, refused, principal.name)
                return [*mapped, batch]
            return []

        self.declarations[message_type].declare_many([_without_client_id(documents[i]) for i in new],
                                                     principal.name, principal, along=record)
        self._add_statuses(results)
        return BulkAnswer(str(batch_id), results)

    def _sort(self, organisation: str, message_type: str, documents: Sequence[Any],
              prints: list[str]) -> list[dict[str, Any]]:
        """Per document: refused (its clientId is wrong, or names other content), a duplicate (answered by the
        document its clientId names), or new (accepted so far, to be declared)."""
        results = []
        for i, errors in enumerate(client_id_errors(documents)):
            client_id = documents[i].get(CLIENT_ID) if isinstance(documents[i], dict) else None
            known = None
            if not errors and isinstance(client_id, str):  # no errors: a clientId of 1 to 64 characters
                known = self._get(ClientDocument.create_id(organisation, message_type, client_id))
                if known is not None and known.fingerprint != prints[i]:
                    errors = [reused(client_id)]
            results.append(_result(i, client_id, errors=errors) if errors or known is None else
                           _result(i, client_id, known.document_id, known.number, duplicate=True))
        return results

    def progress(self, batch_id: str, principal: Principal) -> BulkProgress | None:
        """The batch's documents with their current status; None when it does not exist or belongs to another
        organisation (the same answer, A6)."""
        batch = self._get(_uuid(batch_id))
        if not isinstance(batch, BulkBatch) or not (principal.sees_all or batch.organisation ==
                                                    principal.organisation):
            return None
        self.documents_view.run_once()  # a read path (the API and the console follow the batch)
        found = self._read([d["documentId"] for d in batch.documents])
        rows = [{CLIENT_ID: d[CLIENT_ID], "documentId": d["documentId"], "number": d["number"],
                 **found.get(d["documentId"], {"status": statuses.DECLARED, "returnInfo": ""})}
                for d in batch.documents]
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return BulkProgress(str(batch.id), batch.message_type, rows, batch.refused, counts)

    def _add_statuses(self, results: list[dict[str, Any]]) -> None:
        found = self._read([r["documentId"] for r in results if r["accepted"]])
        for r in results:
            if r["accepted"]:
                r["status"] = found.get(r["documentId"], {}).get("status", statuses.DECLARED)

    def _read(self, document_ids: list[str]) -> dict[str, dict[str, str]]:
        """Status and customs' note of these documents in the read model as it stands (caught up by `progress`, a
        read path; not by a declaration, the write path); a document it does not show yet is 'declared'."""
        found: dict[str, dict[str, str]] = {}
        for start in range(0, len(document_ids), 500):
            chunk = document_ids[start:start + 500]
            rows = self.documents_view.db.query(
                "SELECT document_id, status, return_info FROM customs_documents WHERE document_id IN "
                f"({', '.join('?' * len(chunk))})", chunk)
            found |= {r["document_id"]: {"status": r["status"], "returnInfo": r["return_info"] or ""} for r in rows}
        return found

    def _get(self, aggregate_id: UUID | None) -> Any:
        if aggregate_id is None:
            return None
        try:
            return self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None


def _result(index: int, client_id: Any, document_id: str = "", number: str = "", duplicate: bool = False,
            errors: Sequence[FieldError] = ()) -> dict[str, Any]:
    accepted = not errors
    return {"index": index, CLIENT_ID: client_id, "accepted": accepted, "duplicate": duplicate,
            "documentId": document_id if accepted else "", "number": number, "status": "",
            "errors": [e.as_dict() for e in errors]}


def _without_client_id(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != CLIENT_ID}


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(str(text))
    except ValueError:
        return None
