"""X3: a refused delivery costs an attempt, the next try backs off exponentially, the limit dead-letters it;
X6: the simulator's new faults parse."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from adapters.customs.transport import TransportDown
from adapters.customs_node.simulator import Faults
from domain.exchange.model import CustomsMessage
from engine.exchange.processors import DeliverMessages

T0 = datetime(2026, 11, 25, 12, 0, 0)


class Refusing:
    name = "refusing"

    def deliver(self, name: str, data: bytes) -> bool:
        raise TransportDown("node away")


class Taking:
    name = "taking"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def deliver(self, name: str, data: bytes) -> bool:
        self.sent.append(name)
        return True


def message() -> CustomsMessage:
    return CustomsMessage(guid="G-1", message_type="CEB311", sender="3301960001", document_ids=[uuid4()],
                          document_numbers=["O1"], xml="<x/>", algorithm="RSA-SHA1", prepared_at=T0)


def test_each_refusal_doubles_the_wait_and_the_limit_dead_letters_the_message():
    deliver = DeliverMessages(None, Refusing(), now=lambda: T0, max_attempts=3, retry_base=2.0)  # type: ignore[arg-type]
    m = message()

    deliver.deliver(m)
    assert (m.attempts, m.next_try_at, m.last_error) == (1, T0 + timedelta(seconds=2), "node away")
    deliver.deliver(m)
    assert (m.attempts, m.next_try_at) == (2, T0 + timedelta(seconds=4))
    deliver.deliver(m)
    assert m.dead_letter == "node away" and m.attempts == 3 and not m.awaiting_delivery


def test_a_resent_dead_letter_keeps_its_guid_and_is_delivered_again():
    m = message()
    DeliverMessages(None, Refusing(), now=lambda: T0, max_attempts=1).deliver(m)  # type: ignore[arg-type]
    m.resent(by="admin", reason="node back")
    taking = Taking()
    DeliverMessages(None, taking, now=lambda: T0).deliver(m)  # type: ignore[arg-type]

    assert taking.sent == ["CEB311Message_G-1.xml"] and m.delivered_at == T0 and m.attempts == 0
    assert [type(e).__name__ for e in m.collect_events()] == ["Prepared", "DeadLettered", "Resent", "Delivered"]


def test_the_new_faults_parse():
    faults = Faults.parse("delay=1.5,duplicate=0.2,reorder,down=3,seed=7")
    assert (faults.delay, faults.duplicate, faults.reorder, faults.down, faults.seed) == (1.5, 0.2, True, 3.0, 7)
    with pytest.raises(ValueError):
        Faults.parse("sometimes=1")
