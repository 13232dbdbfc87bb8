"""The customs node simulator over AMQP (X6): the same logic as the file-box one, reading the platform's
outgoing queue (manual acks, after the answer is published) and publishing receipts to the receipt queue.
Receipts sent are remembered in `<boxes>/.customs-sim-sent`, so a restart does not answer twice. The `down`
fault unbinds the outgoing queue: the broker then refuses the platform's messages as unroutable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.customs.amqp import AmqpChannel
from adapters.customs.transport import Incoming, TransportDown
from adapters.customs_node.simulator import CustomsSimulator, Faults
from domain.shared.tax import Rates


class AmqpCustomsSimulator(CustomsSimulator):
    def __init__(self, boxes: Path, url: str, out_queue: str, receipt_queue: str, faults: Faults | None = None,
                 accept_delay: float = 0.0, batch: int = 100, rates: Callable[[str], Rates | None] | None = None):
        self.amqp = AmqpChannel(url, out_queue, receipt_queue)
        self.amqp.after_open = lambda: self.amqp.bind(not self.down_until)
        self.batch = batch
        self.down_until = 0.0
        super().__init__(boxes, faults, accept_delay, rates=rates)
        self.sent_file = self.box.root / ".customs-sim-sent"
        self.sent = set(self.sent_file.read_text("utf-8").splitlines()) if self.sent_file.exists() else set()

    def run_once(self) -> int:
        try:
            return super().run_once()
        except TransportDown:  # the broker is away: what was not acknowledged comes again
            self.pending.clear()
            self.delayed.clear()
            return 0

    def _incoming(self) -> list[tuple[str, bytes, Any]]:
        return [(i.name, i.data, i) for i in self.amqp.get(self.amqp.out_queue, self.batch)]

    def _done(self, token: Any) -> None:
        self.amqp.ack(token if isinstance(token, Incoming) else Incoming("", b"", token))

    def _send(self, name: str, data: bytes) -> None:
        if name in self.sent:
            return
        self.amqp.publish(self.amqp.receipt_queue, name, data)
        self.sent.add(name)
        with open(self.sent_file, "a", encoding="utf-8") as handle:
            handle.write(name + "\n")

    def _set_down(self, seconds: float) -> None:
        self.amqp.open()
        self.amqp.bind(False)

    def _set_up(self) -> None:
        self.amqp.open()
        self.amqp.bind(True)

    def close(self) -> None:
        self.amqp.close()
