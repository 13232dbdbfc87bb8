"""The client's own document IDs of the bulk JSON API (X1): a retried call never declares a document twice.

An enterprise system names each document it sends with its own ID (clientId). The platform keeps one small
aggregate per (organisation, message type, clientId), keyed by uuid5 so two calls racing for the same ID collide in
the event store instead of both declaring, and saved in the same transaction as the document it points to. The
fingerprint of what was sent tells a retry (same content: the stored document answers) from a reused ID (different
content: refused). Each call is a batch (BulkBatch), keyed by the fingerprint of the whole call, so the same call
retried finds its batch again and records nothing new."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.ids import NAMESPACE
from domain.shared.rules import FieldError

CLIENT_ID = "clientId"
MAX_LENGTH = 64


def fingerprint(document: dict[str, Any]) -> str:
    """SHA-256 of the document as sent, without its clientId, field order and JSON spacing aside."""
    content = {k: v for k, v in document.items() if k != CLIENT_ID}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def call_fingerprint(entries: Sequence[tuple[Any, str]]) -> str:
    """The fingerprint of one call: its (clientId as sent, document fingerprint) pairs in order."""
    return hashlib.sha256(json.dumps(list(entries), default=str).encode("utf-8")).hexdigest()


def client_id_errors(documents: Sequence[Any]) -> list[list[FieldError]]:
    """Per document: its clientId is missing, not 1-64 characters of text, or used twice in the call (then every
    use is refused: the caller could not tell which one the platform took)."""
    ids = [d.get(CLIENT_ID) if isinstance(d, dict) else None for d in documents]
    seen: dict[str, int] = {}
    for value in ids:
        if isinstance(value, str):
            seen[value] = seen.get(value, 0) + 1
    return [_errors(value, seen) if isinstance(d, dict) else [SHAPE] for d, value in zip(documents, ids, strict=True)]


SHAPE = FieldError("document", "shape", "每个单证必须是一个对象（字段名: 值）",
                   "each document must be an object of field names and values")


def _errors(value: Any, seen: dict[str, int]) -> list[FieldError]:
    if value is None or value == "":
        return [FieldError(CLIENT_ID, "required", "clientId（客户端单证编号）为必填项", "clientId is required")]
    if not isinstance(value, str) or len(value) > MAX_LENGTH or not value.strip():
        return [FieldError(CLIENT_ID, "max_length", f"clientId 必须是1至{MAX_LENGTH}个字符的文本",
                           f"clientId must be text of 1 to {MAX_LENGTH} characters")]
    if seen[value] > 1:
        return [FieldError(CLIENT_ID, "unique", f"clientId {value} 在本次调用中出现多次",
                           f"clientId {value} is used more than once in this call")]
    return []


def reused(client_id: str) -> FieldError:
    return FieldError(CLIENT_ID, "reused", f"clientId {client_id} 已用于另一份内容不同的单证，不能重复使用",
                      f"clientId {client_id} was already used for a document with different content")


class ClientDocument(Aggregate):
    """Which document a client's ID named when it was first declared, and the fingerprint of what was sent."""

    @staticmethod
    def create_id(organisation: str, message_type: str, client_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"client/{organisation}/{message_type}/{client_id}")

    @event("Declared")
    def __init__(self, organisation: str, message_type: str, client_id: str, fingerprint: str, document_id: str,
                 number: str, batch_id: str) -> None:
        self.organisation, self.message_type, self.client_id = organisation, message_type, client_id
        self.fingerprint, self.document_id, self.number, self.batch_id = fingerprint, document_id, number, batch_id


class BulkBatch(Aggregate):
    """One bulk call: the documents it resolved to (declared then, or earlier under the same clientId) and the
    clientIds refused with their errors. A retry of the same call that declares more records its answer again."""

    @staticmethod
    def create_id(organisation: str, message_type: str, fingerprint: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE, f"bulk/{organisation}/{message_type}/{fingerprint}")

    @event("Received")
    def __init__(self, organisation: str, message_type: str, fingerprint: str, by: str, received_at: datetime,
                 documents: list[dict[str, str]], refused: list[dict[str, Any]]) -> None:
        self.organisation, self.message_type, self.fingerprint = organisation, message_type, fingerprint
        self.received_by, self.received_at = by, received_at
        self.documents, self.refused = documents, refused

    def retried(self, documents: list[dict[str, str]], refused: list[dict[str, Any]], by: str) -> None:
        self._retried(documents=documents, refused=refused, by=by)

    @event("Retried")
    def _retried(self, documents: list[dict[str, str]], refused: list[dict[str, Any]], by: str) -> None:
        self.documents, self.refused = documents, refused
