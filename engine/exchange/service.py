"""死信处理 (X3, X5): an operator resends or discards a message the transport kept refusing. Both are events on
the message, with who and why; a resend keeps the guid and the signed XML, and the retrier delivers it."""

from __future__ import annotations

from uuid import UUID

from domain.exchange.model import CustomsMessage
from domain.shared.rules import DeclarationRejected, FieldError
from engine.store import EventStore


class DeadLetters:
    def __init__(self, store: EventStore):
        self.store = store

    def resend(self, message_id: UUID, by: str, reason: str) -> CustomsMessage:
        message = self._dead(message_id, reason)
        message.resent(by=by, reason=reason.strip())
        self.store.save(message)
        return message

    def discard(self, message_id: UUID, by: str, reason: str) -> CustomsMessage:
        message = self._dead(message_id, reason)
        message.discard(by=by, reason=reason.strip())
        self.store.save(message)
        return message

    def _dead(self, message_id: UUID, reason: str) -> CustomsMessage:
        message: CustomsMessage = self.store.repository.get(message_id)
        if not message.dead_letter:
            raise DeclarationRejected([_error("message", "not_dead_letter", "该报文不在死信列表中",
                                              "the message is not on the dead-letter list")])
        if not reason.strip():
            raise DeclarationRejected([_error("reason", "required", "请填写原因", "give a reason")])
        return message


def _error(field: str, rule: str, zh: str, en: str) -> FieldError:
    return FieldError(field=field, rule=rule, message_zh=zh, message_en=en)
