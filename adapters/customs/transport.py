"""The transport port (X3, X4): how messages reach the customs node and receipts come back.

Implementations: `FileBox` (the folders of the data-exchange client) and `AmqpTransport` (RabbitMQ queues of
the exchange platform). A transport that cannot take a message raises `TransportDown`; the delivery processor
records the failure and retries later. Receipts are fetched, applied and recorded, and only then acknowledged
(`ack`) or set aside (`reject`), so a crash in between hands them out again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class TransportDown(Exception):
    """The transport refused or could not take a message right now; try again later."""


@dataclass(frozen=True)
class Incoming:
    """A receipt as handed out by a transport; `token` is what the transport needs to acknowledge it."""

    name: str
    data: bytes
    token: Any = None


class Transport(Protocol):
    @property
    def name(self) -> str: ...  # read-only: the node link's LinkTransport names the transport it follows

    def deliver(self, name: str, data: bytes) -> bool:
        """Hand a message over once; False when one of that name was handed over before (if the transport can
        tell). Raises TransportDown when it cannot take it now."""
        ...

    def fetch(self, limit: int = 200) -> list[Incoming]:
        ...

    def ack(self, incoming: Incoming) -> None:
        ...

    def reject(self, incoming: Incoming, reason: str) -> None:
        ...

    def close(self) -> None:
        ...
